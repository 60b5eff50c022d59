package clerkusers

import (
	"sync"
	"time"
)

// RevocationRetention is how long a revoked session or a deleted user is
// remembered, in memory and in the database. Clerk's session tokens live
// 60 seconds; ten minutes covers that, the leeway and clock skew many times
// over, and keeps the set small.
const RevocationRetention = 10 * time.Minute

// Revocations is the in-memory set of sessions Clerk ended and users it
// deleted, checked on every request (clerkauth.Revocations). The change-log
// tail fills it; entries leave after RevocationRetention, when no token
// they could refuse is still valid.
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

// prune forgets what is older than RevocationRetention.
func (r *Revocations) prune() {
	cutoff := r.now().Add(-RevocationRetention)
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
