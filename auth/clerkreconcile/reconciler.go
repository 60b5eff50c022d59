package clerkreconcile

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/clerk/clerk-sdk-go/v2/organization"
	"github.com/clerk/clerk-sdk-go/v2/user"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/internal/budget"
	"encore.app/auth/internal/clerkapi"
)

// Errors Run wraps; errors.Is tells them apart.
var (
	// ErrRunning: another pass, on this instance or another, is running.
	ErrRunning = clerkmirror.ErrReconciling
	// ErrClerkUnavailable: a call to Clerk failed; the pass stopped there.
	ErrClerkUnavailable = clerkapi.ErrUnavailable
)

// Counts is what a pass did.
type Counts struct {
	// Pages of users and organizations listed.
	Pages int `json:"pages"`
	// Calls made to Clerk, 429s included; Throttled of them answered 429.
	Calls     int `json:"calls"`
	Throttled int `json:"throttled"`
	// Complete is true once the pass listed everything and marked
	// deleted what it had to without an error.
	Complete      bool  `json:"complete"`
	Users         Tally `json:"users"`
	Organizations Tally `json:"organizations"`
}

// Tally is what a pass did to one mirror.
type Tally struct {
	// Listed is how many records Clerk's pages held.
	Listed int `json:"listed"`
	// Inserted were missing from the mirror; Updated were older in it.
	Inserted int `json:"inserted"`
	Updated  int `json:"updated"`
	// Checked were in the mirror but not listed, so asked for one by one;
	// MarkedDeleted of them Clerk answered 404 for.
	Checked       int `json:"checked"`
	MarkedDeleted int `json:"markedDeleted"`
}

// ErrDetails lets Counts travel as an Encore error's details, so that a
// failed POST /auth/reconcile still says what the pass did.
func (Counts) ErrDetails() {}

// Reconciler runs reconciliation passes for one Clerk instance and mirror.
type Reconciler struct {
	cfg       *Config
	transport http.RoundTripper
}

// New is a Reconciler for the Clerk instance and mirror cfg names.
func New(cfg Config) (*Reconciler, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	transport := c.HTTPClient.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	return &Reconciler{cfg: c, transport: transport}, nil
}

// Run runs a pass now and answers what it did, also when it failed. It
// fails at once with ErrRunning while another pass runs.
func (r *Reconciler) Run(ctx context.Context) (Counts, error) {
	counts, _, err := r.run(ctx, 0)
	return counts, err
}

// RunIfDue runs a pass unless a complete one started within interval, or
// another is running; ran says whether it did.
func (r *Reconciler) RunIfDue(ctx context.Context, interval time.Duration) (counts Counts, ran bool, err error) {
	counts, ran, err = r.run(ctx, interval)
	if errors.Is(err, ErrRunning) {
		r.cfg.Log.Info("clerkreconcile: a pass is already running; this one is skipped")
		return Counts{}, false, nil
	}
	return counts, ran, err
}

// run runs a pass, unless due is set and a complete pass started within it.
func (r *Reconciler) run(ctx context.Context, due time.Duration) (Counts, bool, error) {
	db, err := r.cfg.Store.BeginReconciliation(ctx)
	if err != nil {
		return Counts{}, false, err
	}
	defer db.Close()
	if due > 0 {
		if ok, err := db.Due(ctx, due); err != nil || !ok {
			return Counts{}, false, err
		}
	}
	p := r.newPass(db)
	err = p.run(ctx)
	p.counts.Calls = int(p.meter.calls.Load())
	if err != nil {
		r.cfg.Log.Warn("clerkreconcile: pass failed; what it wrote stays, nothing more is marked deleted", append(p.counts.logValues(), "error", err.Error())...)
		return p.counts, true, err
	}
	r.cfg.Log.Info("clerkreconcile: pass complete", p.counts.logValues()...)
	return p.counts, true, nil
}

// newPass is a pass with its own budget and Retry-After gate, shared by
// its users and organizations calls: Clerk's rate limit is the instance's.
func (r *Reconciler) newPass(db *clerkmirror.Reconciliation) *pass {
	c := r.cfg
	m := &meter{
		next:    r.transport,
		budget:  budget.New(float64(c.CallsPer10Seconds)/10, 1, c.Now()),
		now:     c.Now,
		sleep:   c.Sleep,
		timeout: c.ClerkTimeout,
	}
	client := *c.HTTPClient
	client.Transport = m
	backend := clerkapi.NewBackend(clerkapi.Config{SecretKey: c.SecretKey, APIURL: c.APIURL, HTTPClient: &client, Now: c.Now, Metrics: c.Metrics})
	return &pass{
		cfg:   c,
		db:    db,
		users: &user.Client{Backend: backend},
		orgs:  &organization.Client{Backend: backend},
		meter: m,
		now:   c.Now,
		sleep: c.Sleep,
		log:   c.Log,
	}
}

// logValues are the counts as a log line's keys and values.
func (c Counts) logValues() []any {
	return []any{
		"pages", c.Pages, "calls", c.Calls, "throttled", c.Throttled,
		"users_listed", c.Users.Listed, "users_inserted", c.Users.Inserted, "users_updated", c.Users.Updated,
		"users_checked", c.Users.Checked, "users_marked_deleted", c.Users.MarkedDeleted,
		"orgs_listed", c.Organizations.Listed, "orgs_inserted", c.Organizations.Inserted, "orgs_updated", c.Organizations.Updated,
		"orgs_checked", c.Organizations.Checked, "orgs_marked_deleted", c.Organizations.MarkedDeleted,
	}
}
