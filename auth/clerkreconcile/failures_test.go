package clerkreconcile_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerkreconcile"
	"encore.app/auth/clerktest"
	"encore.app/internal/authmetrics"
)

// withVanished is a fixture whose Clerk has 1,200 users and whose mirror
// also holds a user and an organization Clerk no longer has.
func withVanished(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	f.addUsers(1200)
	f.mirror(t, "user_gone", "gone@example.com", clerkTime)
	f.apply(t, clerkmirror.Change{Kind: clerkmirror.OrgChanged, OrgID: "org_gone", Slug: "gone", Name: "Gone", UpdatedAt: clerkTime})
	return f
}

// wantNothingDeleted fails the test if the vanished user or organization
// was marked deleted, or the pass recorded as complete.
func (f *fixture) wantNothingDeleted(t *testing.T) {
	t.Helper()
	if f.user(t, "user_gone").Deleted {
		t.Error("an incomplete pass marked a user deleted")
	}
	if o, _, _ := f.store.Organization(context.Background(), "org_gone"); o.Deleted {
		t.Error("an incomplete pass marked an organization deleted")
	}
	if len(f.users.Sent())+len(f.orgs.Sent()) != 0 {
		t.Error("an incomplete pass published a deletion")
	}
	if _, ran, err := f.reconciler(t, nil).RunIfDue(context.Background(), time.Hour); err != nil || !ran {
		t.Errorf("an incomplete pass was recorded as complete: ran %v, %v", ran, err)
	}
}

// A Clerk error during a listing (here the second page of users, or the
// organizations) ends the pass: what it wrote stays, nothing is marked
// deleted, the pass is not complete, and the error says Clerk failed.
func TestAClerkErrorMarksNothingDeleted(t *testing.T) {
	for name, fail := range map[string]func(f *fixture){
		"users": func(f *fixture) {
			f.requests.on("offset=500", func() { f.srv.Fail(clerktest.UserList, clerktest.Failure{Status: 502, Times: 1}) })
		},
		"organizations": func(f *fixture) {
			f.srv.Fail(clerktest.Organizations, clerktest.Failure{Status: 500})
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := withVanished(t)
			fail(f)
			counts, err := f.reconciler(t, nil).Run(context.Background())
			if !errors.Is(err, clerkreconcile.ErrClerkUnavailable) || !strings.Contains(err.Error(), "listing "+name) {
				t.Fatalf("error %v", err)
			}
			if counts.Complete || counts.Users.Listed == 0 || counts.Users.Checked+counts.Organizations.Checked != 0 {
				t.Errorf("counts %+v", counts)
			}
			if f.log.Count("WARN clerkreconcile: pass failed") != 1 {
				t.Error("the failure is not logged")
			}
			f.srv.ClearFailures()
			f.wantNothingDeleted(t)
		})
	}
}

// Clerk's 429s are waited out, each for its Retry-After, and counted; the
// calls stay within the budget: never more than CallsPer10Seconds in any
// 10 seconds, spread evenly.
func TestThrottlingHonoursRetryAfterAndTheBudget(t *testing.T) {
	f := withVanished(t)
	const perTen = 4
	f.srv.Fail(clerktest.UserCount, clerktest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "7", Times: 2})
	counts, err := f.reconciler(t, func(c *clerkreconcile.Config) { c.CallsPer10Seconds = perTen }).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// 3 pages of users (2 calls each), twice more the first; 1 of
	// organizations; user_gone and org_gone checked.
	if counts.Calls != 3*2+2*2+1+2 || counts.Throttled != 2 || !counts.Complete || counts.Users.MarkedDeleted != 1 {
		t.Fatalf("counts %+v", counts)
	}
	times, urls := f.requests.recorded()
	if n := f.clerkCalls(); n != counts.Calls || len(times) != n {
		t.Fatalf("%d calls reached Clerk, %d were recorded, the pass counted %d", n, len(times), counts.Calls)
	}
	// Calls 1 and 3 (the first two counts) were answered 429.
	for _, i := range []int{1, 3} {
		if !strings.Contains(urls[i], "/users/count") || times[i+1].Sub(times[i]) < 7*time.Second {
			t.Errorf("call %d (%s) after a 429 asking for 7s came %v later", i+1, urls[i+1], times[i+1].Sub(times[i]))
		}
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 10*time.Second/perTen {
			t.Errorf("call %d (%s) %v after the previous one: the budget allows one every %v", i, urls[i], gap, 10*time.Second/perTen)
		}
		if i >= perTen && times[i].Sub(times[i-perTen]) < 10*time.Second {
			t.Errorf("calls %d to %d within %v", i-perTen, i, times[i].Sub(times[i-perTen]))
		}
	}
}

// A Clerk that answers nothing but 429 ends the pass after 10 of them,
// marking nothing deleted.
func TestEndlessThrottlingEndsThePass(t *testing.T) {
	f := withVanished(t)
	f.srv.Fail(clerktest.UserList, clerktest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "1"})
	counts, err := f.reconciler(t, nil).Run(context.Background())
	if !errors.Is(err, clerkreconcile.ErrClerkUnavailable) || !strings.Contains(err.Error(), "10 answers 429 in a row") {
		t.Fatalf("error %v", err)
	}
	if counts.Throttled != 10 || counts.Calls != 10 || f.clerkCalls() != 10 {
		t.Fatalf("counts %+v, %d calls", counts, f.clerkCalls())
	}
	f.srv.ClearFailures()
	f.wantNothingDeleted(t)
}

// ClerkTimeout bounds each call once it has its budget: a Clerk slower than
// it fails the pass.
func TestClerkTimeout(t *testing.T) {
	f := withVanished(t)
	f.srv.SetLatency(time.Second)
	_, err := f.reconciler(t, func(c *clerkreconcile.Config) { c.ClerkTimeout = 50 * time.Millisecond }).Run(context.Background())
	if !errors.Is(err, clerkreconcile.ErrClerkUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
}

// Two passes started at once, here by two instances: one runs, the other
// is refused at once, with no call to Clerk; once the first has ended, a
// pass runs again.
func TestOnePassAtATime(t *testing.T) {
	f := withVanished(t)
	ctx := context.Background()
	sleeping, release := make(chan struct{}), make(chan struct{})
	first := f.reconciler(t, func(c *clerkreconcile.Config) {
		c.CallsPer10Seconds = 1 // the second call waits for the budget, in Sleep
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			select {
			case sleeping <- struct{}{}:
				<-release
			default:
			}
			f.clock.Advance(d)
			return nil
		}
	})
	done := make(chan error, 1)
	go func() {
		_, err := first.Run(ctx)
		done <- err
	}()
	<-sleeping
	calls := f.clerkCalls()
	other := f.reconciler(t, nil)
	counts, err := other.Run(ctx)
	if !errors.Is(err, clerkreconcile.ErrRunning) || counts.Calls != 0 || f.clerkCalls() != calls {
		t.Fatalf("second pass: %+v, %v; Clerk calls %d then %d", counts, err, calls, f.clerkCalls())
	}
	if _, ran, err := other.RunIfDue(ctx, time.Hour); ran || err != nil {
		t.Fatalf("the cron's pass ran beside another: %v, %v", ran, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := other.Run(ctx); err != nil {
		t.Fatalf("a pass after the first ended: %v", err)
	}
}

// The cron's pass runs only when no complete pass started within the
// interval.
func TestRunIfDue(t *testing.T) {
	f := withVanished(t)
	ctx := context.Background()
	r := f.reconciler(t, nil)
	if _, ran, err := r.RunIfDue(ctx, time.Hour); !ran || err != nil {
		t.Fatalf("first pass: %v, %v", ran, err)
	}
	calls := f.clerkCalls()
	if _, ran, err := r.RunIfDue(ctx, time.Hour); ran || err != nil || f.clerkCalls() != calls {
		t.Fatalf("a pass ran within the interval: %v, %v", ran, err)
	}
	time.Sleep(10 * time.Millisecond)
	if _, ran, err := r.RunIfDue(ctx, 5*time.Millisecond); !ran || err != nil {
		t.Fatalf("no pass ran after the interval: %v, %v", ran, err)
	}
}

func TestConfig(t *testing.T) {
	f := newFixture(t)
	for name, edit := range map[string]func(*clerkreconcile.Config){
		"no secret key":    func(c *clerkreconcile.Config) { c.SecretKey = "" },
		"no store":         func(c *clerkreconcile.Config) { c.Store = nil },
		"no publisher":     func(c *clerkreconcile.Config) { c.Publisher = nil },
		"no org publisher": func(c *clerkreconcile.Config) { c.OrgPublisher = nil },
		"plain http":       func(c *clerkreconcile.Config) { c.APIURL = "http://api.clerk.com/v1" },
		"negative budget":  func(c *clerkreconcile.Config) { c.CallsPer10Seconds = -1 },
		"negative timeout": func(c *clerkreconcile.Config) { c.ClerkTimeout = -time.Second },
	} {
		cfg := f.config()
		edit(&cfg)
		if _, err := clerkreconcile.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A pass's calls to Clerk are counted as list calls in Config.Metrics.
func TestPassCallsAreCounted(t *testing.T) {
	f := newFixture(t)
	f.addUsers(3)
	counts := &authmetrics.Counts{}
	r := f.reconciler(t, func(c *clerkreconcile.Config) { c.Metrics = counts })
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := counts.Take()
	if got["auth_clerk_calls{endpoint=list,outcome=ok}"] == 0 {
		t.Fatalf("counts = %v, want the pass's list calls", got)
	}
	for series := range got {
		if !strings.HasPrefix(series, "auth_clerk_calls{endpoint=list,") {
			t.Errorf("a pass counted %s", series)
		}
	}
}
