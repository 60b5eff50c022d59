package clerkusers

import (
	"sync"
	"time"

	"encore.app/auth/clerkauth"
)

// RevocationRetention is how long a revoked session or a deleted user is
// remembered, in memory and in the database, when the verifier allows
// leeway of clock skew: as long as a token issued before the revocation can
// be accepted. Such a token's iat is at most leeway ahead of our clock (the
// verifier refuses more), its exp at most clerkauth.MaxTokenLifetime after
// its iat, and it is accepted until leeway past its exp.
func RevocationRetention(leeway time.Duration) time.Duration {
	return leeway + clerkauth.MaxTokenLifetime + leeway
}

// Revocations is the in-memory set of sessions Clerk ended and users it
// deleted, checked on every request (clerkauth.Revocations). The change-log
// tail fills it, and prunes entries older than RevocationRetention, when no
// token they could refuse is still valid.
type Revocations struct {
	now func() time.Time

	mu       sync.RWMutex
	sessions map[string]time.Time
	users    map[string]time.Time
}

// NewRevocations is an empty set on the given clock (nil: time.Now).
func NewRevocations(now func() time.Time) *Revocations {
	if now == nil {
		now = time.Now
	}
	return &Revocations{now: now, sessions: map[string]time.Time{}, users: map[string]time.Time{}}
}

// SessionRevoked reports whether Clerk ended the session.
func (r *Revocations) SessionRevoked(sessionID string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.sessions[sessionID]
	return ok
}

// UserDeleted reports whether Clerk deleted the user.
func (r *Revocations) UserDeleted(userID string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.users[userID]
	return ok
}

// Len is the number of sessions and users remembered.
func (r *Revocations) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.sessions) + len(r.users)
}

func (r *Revocations) revokeSession(sessionID string) { r.add(r.sessions, sessionID) }

func (r *Revocations) deleteUser(userID string) { r.add(r.users, userID) }

func (r *Revocations) add(set map[string]time.Time, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	set[id] = r.now()
}

// prune forgets what is older than retention.
func (r *Revocations) prune(retention time.Duration) {
	cutoff := r.now().Add(-retention)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, set := range []map[string]time.Time{r.sessions, r.users} {
		for id, at := range set {
			if at.Before(cutoff) {
				delete(set, id)
			}
		}
	}
}
