package clerkreconcile_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"encore.dev/beta/errs"
	"github.com/jackc/pgx/v5/pgconn"

	"encore.app/auth/clerkreconcile"
	"encore.app/auth/internal/clerkapi"
)

// Each failure answers its status with a fixed message, never the cause's
// text, and carries the counts of what the pass did.
func TestAPIError(t *testing.T) {
	counts := clerkreconcile.Counts{Pages: 2}
	for name, tc := range map[string]struct {
		err  error
		code errs.ErrCode
	}{
		"running":  {fmt.Errorf("x: %w", clerkreconcile.ErrRunning), errs.Aborted},
		"clerk":    {clerkapi.Unavailable("listing users", errors.New("secret detail")), errs.Unavailable},
		"canceled": {clerkapi.Unavailable("listing users", context.Canceled), errs.Canceled},
		"database": {&pgconn.PgError{Code: "57P01", Message: "secret detail"}, errs.Unavailable},
		"other":    {errors.New("secret detail"), errs.Internal},
	} {
		e := clerkreconcile.APIError(tc.err, counts)
		// errs.Error's own String and Error need Encore's runtime.
		if e.Code != tc.code || e.Message == "" || e.Details != counts {
			t.Errorf("%s: %s %q %+v", name, e.Code.String(), e.Message, e.Details)
		}
		if strings.Contains(e.Message, "secret") {
			t.Errorf("%s: the cause reaches the client: %q", name, e.Message)
		}
	}
}
