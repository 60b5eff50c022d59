package auth

import (
	"context"
	"sync/atomic"
	"time"

	"encore.dev/beta/errs"
	"encore.dev/cron"

	"encore.app/auth/clerkreconcile"
)

// reconciler runs the reconciliation passes; initService sets it. Both
// endpoints are package-level functions, as the cron job's must be: Encore
// resolves a cron endpoint by a package-level name, which a service
// struct's method has only in the encore.gen.go the CLI generates.
var reconciler atomic.Pointer[clerkreconcile.Reconciler]

// The cron job asks every hour, and a pass runs when ReconcileIntervalHours
// have passed since the last complete one: Every must be a constant literal
// (Encore reads it at build time), so the configured interval is applied
// by ReconcileCron. Cron jobs run in cloud environments only.
var _ = cron.NewJob("clerk-reconcile", cron.JobConfig{
	Title:    "Reconcile the Clerk users and organizations mirror",
	Every:    1 * cron.Hour,
	Endpoint: ReconcileCron,
})

// cronSlack is how much sooner than ReconcileIntervalHours a pass is due,
// so that the minutes a pass takes never postpone the next by a whole tick.
const cronSlack = 30 * time.Minute

// ReconcileCron runs a reconciliation pass if none completed within
// ReconcileIntervalHours and none is running (docs/reconciliation.md).
//
//encore:api private
func ReconcileCron(ctx context.Context) error {
	r, err := loadReconciler()
	if err != nil {
		return err
	}
	interval := time.Duration(cfg.ReconcileIntervalHours)*time.Hour - cronSlack
	if counts, _, err := r.RunIfDue(context.WithoutCancel(ctx), interval); err != nil {
		return clerkreconcile.APIError(err, counts)
	}
	return nil
}

// Reconcile runs a reconciliation pass now and answers its counts: how a
// team backfills the mirror after connecting an existing Clerk instance.
// Only machines Clerk allows to call this backend may, with an M2M token.
// The pass goes on if the caller hangs up; 409 while another pass runs.
//
//encore:api auth method=POST path=/auth/reconcile tag:accepts_m2m_token
func Reconcile(ctx context.Context) (*clerkreconcile.Counts, error) {
	r, err := loadReconciler()
	if err != nil {
		return nil, err
	}
	counts, err := r.Run(context.WithoutCancel(ctx))
	if err != nil {
		return nil, clerkreconcile.APIError(err, counts)
	}
	return &counts, nil
}

func loadReconciler() (*clerkreconcile.Reconciler, error) {
	if r := reconciler.Load(); r != nil {
		return r, nil
	}
	return nil, &errs.Error{Code: errs.Unavailable, Message: "the auth service is starting: retry"}
}
