// Package localclerk is a Clerk instance in memory: it serves the part of
// Clerk's Backend API the auth packages call (the JWKS, users and their
// list, organizations and theirs, the machine-token verifications), mints the tokens Clerk mints, keeps users,
// organizations, sessions and machine tokens, and signs webhook deliveries
// as Svix does for Clerk.
//
// Two things run it: auth/clerktest, which serves it to tests with failures
// and call counts, and the auth service under `encore run` when no
// ClerkSecretKey is set (package devclerk). It imports no test helper, so
// the production binary may hold it.
package localclerk

import (
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"encore.app/auth/internal/logtext"
	"encore.app/auth/localclerk/clerkkey"
)

// Clerk is one Clerk instance in memory. Its exported fields are read on
// every call: set them before the first.
type Clerk struct {
	// SecretKey is the key the Backend API accepts as a Bearer credential.
	SecretKey string
	// Issuer and AuthorizedParty are the iss and azp of minted tokens; an
	// empty AuthorizedParty leaves azp out.
	Issuer          string
	AuthorizedParty string

	mu          sync.Mutex
	keys        []*clerkkey.Key // published keys; the last one signs
	users       map[string]User
	orgs        map[string]Organization
	roles       map[string][]string // organization role → its permissions
	memberships map[membershipKey]Membership
	sessions    map[string]*session
	machine     machineTokens
	// created orders users and organizations as Clerk's created_at does:
	// each ID's place in the order they were first set.
	created     map[string]int64
	lastCreated int64
}

// New is a Clerk with one signing key and nothing else.
func New() *Clerk {
	return &Clerk{
		keys:        []*clerkkey.Key{clerkkey.New()},
		users:       map[string]User{},
		orgs:        map[string]Organization{},
		roles:       map[string][]string{},
		memberships: map[membershipKey]Membership{},
		sessions:    map[string]*session{},
		created:     map[string]int64{},
		machine: machineTokens{
			bySecret:    map[string]*opaqueToken{},
			byID:        map[string]*opaqueToken{},
			machineKeys: map[string]string{},
		},
	}
}

// NewSecretKey is a random secret key in the sk_test_ form of a Clerk
// development instance's.
func NewSecretKey() string {
	return "sk_test_" + randomAlphanumeric(40, alphanumeric)
}

// SigningKey is the key that signs new tokens: the most recently published.
func (c *Clerk) SigningKey() *clerkkey.Key {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keys[len(c.keys)-1]
}

// RotateKey publishes a new key, which signs from now on; earlier keys stay
// published until RetireKey, as in Clerk's own rotations.
func (c *Clerk) RotateKey() *clerkkey.Key {
	k := clerkkey.New()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys = append(c.keys, k)
	return k
}

// RetireKey stops publishing the key with this kid.
func (c *Clerk) RetireKey(kid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys = slices.DeleteFunc(c.keys, func(k *clerkkey.Key) bool { return k.ID == kid })
}

// User is a Clerk user as the Backend API serves it.
type User struct {
	ID string
	// Emails are the user's addresses; Primary indexes the primary one,
	// and a negative Primary means the user has no primary address.
	Emails  []string
	Primary int
	// UpdatedAt is Clerk's updated_at; zero serves 0, as for a user the
	// Backend API had no time for.
	UpdatedAt time.Time
}

// PrimaryEmail is the user's primary address, "" without one.
func (u User) PrimaryEmail() string {
	if u.Primary < 0 || u.Primary >= len(u.Emails) {
		return ""
	}
	return u.Emails[u.Primary]
}

// AddUser creates or replaces a user whose only, primary address is email.
func (c *Clerk) AddUser(id, email string) {
	c.SetUser(User{ID: id, Emails: []string{email}})
}

// SetUser creates or replaces a user. A replaced user keeps its place in
// the list, as an updated Clerk user keeps its created_at.
func (c *Clerk) SetUser(u User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users[u.ID] = u
	c.createLocked(u.ID)
}

// User is the user with this ID, if there is one.
func (c *Clerk) User(id string) (User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.users[id]
	return u, ok
}

// Users are every user, by ID.
func (c *Clerk) Users() []User {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.SortedFunc(maps.Values(c.users), func(a, b User) int { return strings.Compare(a.ID, b.ID) })
}

// DeleteUser removes a user, as Clerk does: fetching it then answers 404,
// its memberships are gone and its sessions ended. It reports whether the
// user existed.
func (c *Clerk) DeleteUser(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, existed := c.users[id]
	delete(c.users, id)
	delete(c.created, id)
	maps.DeleteFunc(c.memberships, func(k membershipKey, _ Membership) bool { return k.userID == id })
	for _, s := range c.sessions {
		if s.userID == id {
			s.ended = true
		}
	}
	return existed
}

// createLocked gives a new ID its place in the order of creation.
func (c *Clerk) createLocked(id string) {
	if _, ok := c.created[id]; !ok {
		c.lastCreated++
		c.created[id] = c.lastCreated
	}
}

// Quote is text a caller chose, made safe for an error message: printable,
// cut short (logtext.Clean) and quoted.
func Quote(s string) string { return strconv.Quote(logtext.Clean(s)) }

// notFound is the error of a lookup that found nothing; IsNotFound tells it.
type notFound struct{ what, id string }

func (e *notFound) Error() string { return fmt.Sprintf("%s %s does not exist", e.what, Quote(e.id)) }

// IsNotFound reports whether err says that a user, organization, session or
// membership does not exist.
func IsNotFound(err error) bool {
	var nf *notFound
	return errors.As(err, &nf)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

const (
	upperAlphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alphanumeric      = upperAlphanumeric + "abcdefghijklmnopqrstuvwxyz"
)

// randomAlphanumeric is n random characters of alphabet.
func randomAlphanumeric(n int, alphabet string) string {
	out := make([]byte, n)
	for i, b := range randomBytes(n) {
		out[i] = alphabet[int(b)%len(alphabet)]
	}
	return string(out)
}
