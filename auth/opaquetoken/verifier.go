// Package opaquetoken verifies Clerk's opaque machine tokens: API keys
// (ak_…), M2M tokens (mt_…) and OAuth access tokens (oat_…), which only
// Clerk's Backend API can tell valid, as the JS SDK's verifyMachineAuthToken
// asks it. It makes no Encore runtime calls, so plain `go test` covers it.
//
// Each ask costs a call to Clerk (which Clerk bills) and a round trip, so a
// Verifier asks as little as it can: a token not of Clerk's shape is refused
// without asking; Clerk's answer, acceptance or refusal, is reused for
// CacheTTL (never past the token's expiration); concurrent first uses of a
// token share one call; and calls for tokens never seen are bounded by
// VerifyPerSecond, which is all a flood of random tokens can cost.
// While Clerk is down, slow or rate limiting, a never-seen token is
// unavailable (503), never refused, and remembered answers keep serving.
package opaquetoken

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sync/singleflight"

	"encore.app/auth/clerkauth"
	"encore.app/auth/internal/budget"
	"encore.app/auth/internal/clerkapi"
	"encore.app/internal/authmetrics"
)

// Verifier turns Clerk's opaque machine tokens into AuthData.
type Verifier struct {
	clerk   *clerkClients
	cache   *cache
	budget  *budget.Bucket
	flights singleflight.Group
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	metrics authmetrics.Recorder
	// errBudget is the one error of every token refused for the budget,
	// made once: a flood allocates none.
	errBudget error
}

// New is a Verifier for the Clerk instance cfg names.
func New(cfg Config) (*Verifier, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Verifier{
		clerk:   newClerkClients(c),
		cache:   newCache(c.CacheSize),
		budget:  budget.New(float64(c.VerifyPerSecond), float64(c.VerifyPerSecond), c.Now()),
		ttl:     c.CacheTTL,
		timeout: c.ClerkTimeout,
		now:     c.Now,
		metrics: c.Metrics,
		errBudget: &retryAfterError{
			err:   fmt.Errorf("%w: verification budget of %d never-seen opaque tokens per second spent", clerkapi.ErrUnavailable, c.VerifyPerSecond),
			after: time.Second,
		},
	}, nil
}

// Verify is the AuthData of an opaque machine token (without "Bearer ").
// Its errors wrap clerkauth.ErrInvalidToken when the token is refused,
// clerkauth.ErrClerkUnavailable when Clerk could not be asked (RetryAfter
// says when to retry, if it knows), clerkauth.ErrCanceled when ctx ended
// first.
func (v *Verifier) Verify(ctx context.Context, token string) (*clerkauth.AuthData, error) {
	k, err := kindOf(token)
	if err != nil {
		return nil, err
	}
	// Hashed in place: Sum256 neither keeps nor changes its input, and a
	// copy of the token would be an allocation on every request.
	key := sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
	now := v.now()
	if e, ok := v.cache.get(key, now); ok {
		result := authmetrics.LookupHit
		if e.err != nil {
			result = authmetrics.LookupNegativeHit
		}
		v.metrics.CacheLookup(authmetrics.CacheMachineTokens, result)
		return e.result()
	}
	v.metrics.CacheLookup(authmetrics.CacheMachineTokens, authmetrics.LookupMiss)
	if !v.budget.Available(now) {
		return nil, v.errBudget
	}
	return v.share(ctx, k, token, key)
}

// share waits for the one lookup of the token under way, starting it if
// none is, or for ctx to end first. Apart from Verify, so the variables the
// lookup captures cost the cached path no allocation.
func (v *Verifier) share(ctx context.Context, k *kind, token string, key [sha256.Size]byte) (*clerkauth.AuthData, error) {
	call := v.flights.DoChan(string(key[:]), func() (any, error) {
		return v.lookup(context.WithoutCancel(ctx), k, token, key)
	})
	res, err := clerkapi.Await(ctx, call, k.what+" verification")
	if err != nil {
		return nil, err
	}
	return res.(entry).result()
}

// lookup asks Clerk about the token, unless its answer arrived since the
// caller looked or the budget is spent, and remembers the verdict. An
// outage is not remembered: the next request asks again.
func (v *Verifier) lookup(ctx context.Context, k *kind, token string, key [sha256.Size]byte) (entry, error) {
	now := v.now()
	if e, ok := v.cache.get(key, now); ok {
		return e, nil
	}
	if !v.budget.Take(now) {
		return entry{}, v.errBudget
	}
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	a, err := v.clerk.ask(ctx, k, token)
	if err != nil {
		if refused := refusal(k, err); refused != nil {
			v.cache.refuse(key, refused, now.Add(v.ttl))
			return entry{}, refused
		}
		return entry{}, clerkapi.Unavailable("verifying an "+k.what, err)
	}
	data, until, err := decide(k, a, now, v.ttl)
	if err != nil {
		v.cache.refuse(key, err, until)
		return entry{}, err
	}
	v.cache.accept(key, data, until)
	return entry{data: data, until: until}, nil
}
