package clerkusers

import (
	"maps"
	"sync"
	"time"

	"encore.app/auth/clerkauth"
)

// RevocationRetention is how long a revoked session, a deleted user or
// organization, or a membership change is remembered, in memory and in the
// database, when the verifier allows leeway of clock skew: as long as a
// token issued before the revocation can be accepted. Such a token's iat is
// at most leeway ahead of our clock (the verifier refuses more), its exp at
// most clerkauth.MaxTokenLifetime after its iat, and it is accepted until
// leeway past its exp.
func RevocationRetention(leeway time.Duration) time.Duration {
	return leeway + clerkauth.MaxTokenLifetime + leeway
}

// Revocations is the in-memory set of what Clerk ended after tokens were
// issued, checked on every request (clerkauth.Revocations): sessions it
// ended, users and organizations it deleted, and memberships whose role
// changed or that it deleted. The change-log tail fills it, and prunes
// entries older than RevocationRetention, when no token they could refuse
// is still valid.
type Revocations struct {
	now func() time.Time

	mu          sync.RWMutex
	sessions    map[string]time.Time
	users       map[string]time.Time
	orgs        map[string]time.Time
	memberships map[membershipKey]membershipChange
}

// membershipKey is a struct, not a joined string, so that a lookup
// allocates nothing.
type membershipKey struct{ userID, orgID string }

// membershipChange refuses the tokens issued (iat, Unix seconds) before
// before; at is when it was learned, for pruning.
type membershipChange struct {
	before int64
	at     time.Time
}

// NewRevocations is an empty set on the given clock (nil: time.Now).
func NewRevocations(now func() time.Time) *Revocations {
	if now == nil {
		now = time.Now
	}
	return &Revocations{
		now:         now,
		sessions:    map[string]time.Time{},
		users:       map[string]time.Time{},
		orgs:        map[string]time.Time{},
		memberships: map[membershipKey]membershipChange{},
	}
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

// MembershipChanged reports whether a token of userID issued at issuedAt
// (its iat, Unix seconds) whose active organization is orgID ("" for none)
// must be refused: Clerk deleted the organization, or deleted the
// membership or changed its role after the token was issued. The token's
// organization claims are then out of date, and the client's next token
// carries Clerk's current ones.
func (r *Revocations) MembershipChanged(userID, orgID string, issuedAt int64) bool {
	if orgID == "" {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, ok := r.orgs[orgID]; ok {
		return true
	}
	m, ok := r.memberships[membershipKey{userID, orgID}]
	return ok && issuedAt < m.before
}

// OrgDeleted reports whether Clerk deleted the organization: its API keys
// are refused, as tokens naming it as active are.
func (r *Revocations) OrgDeleted(orgID string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.orgs[orgID]
	return ok
}

// Len is the number of sessions, users, organizations and memberships
// remembered.
func (r *Revocations) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.sessions) + len(r.users) + len(r.orgs) + len(r.memberships)
}

func (r *Revocations) revokeSession(sessionID string) { r.add(r.sessions, sessionID) }

func (r *Revocations) deleteUser(userID string) { r.add(r.users, userID) }

func (r *Revocations) deleteOrg(orgID string) { r.add(r.orgs, orgID) }

// restoreOrg forgets an organization's deletion: Clerk reported a version
// newer than it.
func (r *Revocations) restoreOrg(orgID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.orgs, orgID)
}

// changeMembership refuses the member's tokens naming the organization and
// issued before before. iat is in whole seconds, so a token of before's
// own second is refused unless before is that second's start: it may have
// been issued before it.
func (r *Revocations) changeMembership(userID, orgID string, before time.Time) {
	sec := before.Unix()
	if before.Nanosecond() > 0 {
		sec++
	}
	key := membershipKey{userID, orgID}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.memberships[key] = membershipChange{before: max(sec, r.memberships[key].before), at: r.now()}
}

func (r *Revocations) add(set map[string]time.Time, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	set[id] = r.now()
}

// prune forgets what is older than retention.
func (r *Revocations) prune(retention time.Duration) {
	cutoff := r.now().Add(-retention)
	old := func(_ string, at time.Time) bool { return at.Before(cutoff) }
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, set := range []map[string]time.Time{r.sessions, r.users, r.orgs} {
		maps.DeleteFunc(set, old)
	}
	maps.DeleteFunc(r.memberships, func(_ membershipKey, m membershipChange) bool { return m.at.Before(cutoff) })
}
