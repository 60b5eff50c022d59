package localclerk

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Organization is a Clerk organization.
type Organization struct {
	ID   string
	Name string
	Slug string
	// UpdatedAt is Clerk's updated_at; zero serves 0.
	UpdatedAt time.Time
}

// Membership is a user's membership of an organization.
type Membership struct {
	OrgID  string
	UserID string
	// Role is Clerk's role key, such as "org:admin" or "org:member": one
	// SetRole defined.
	Role string
}

type membershipKey struct{ orgID, userID string }

// SetOrganization creates or replaces an organization. A replaced one
// keeps its place in the list, as SetUser.
func (c *Clerk) SetOrganization(o Organization) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.orgs[o.ID] = o
	c.createLocked(o.ID)
}

// DeleteOrganization removes an organization, as Clerk does: fetching it
// then answers 404 and its memberships are gone. It reports whether the
// organization existed.
func (c *Clerk) DeleteOrganization(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, existed := c.orgs[id]
	delete(c.orgs, id)
	delete(c.created, id)
	maps.DeleteFunc(c.memberships, func(k membershipKey, _ Membership) bool { return k.orgID == id })
	return existed
}

// Organization is the organization with this ID, if there is one.
func (c *Clerk) Organization(id string) (Organization, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.orgs[id]
	return o, ok
}

// SetRole defines an organization role of the instance, such as
// "org:admin", and the custom permissions it grants, each
// "org:<feature>:<permission>" as Clerk names them. Tokens carry them
// in Clerk's v2 form: the feature in fea, the permission in o.per, and
// which feature has which permission in o.fpm.
func (c *Clerk) SetRole(role string, permissions ...string) error {
	if err := checkRole(role); err != nil {
		return err
	}
	for _, p := range permissions {
		if _, _, err := splitPermission(p); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roles[role] = slices.Clone(permissions)
	return nil
}

// SetMembership makes the user a member of the organization with the role,
// or changes the role of a member. The user, the organization and the role
// must exist.
func (c *Clerk) SetMembership(m Membership) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkMembershipLocked(m); err != nil {
		return err
	}
	c.memberships[membershipKey{m.OrgID, m.UserID}] = m
	return nil
}

// DeleteMembership removes the user from the organization and returns the
// membership that was.
func (c *Clerk) DeleteMembership(orgID, userID string) (Membership, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := membershipKey{orgID, userID}
	m, ok := c.memberships[key]
	if !ok {
		return Membership{}, &notFound{"membership of " + userID + " in", orgID}
	}
	delete(c.memberships, key)
	return m, nil
}

// Membership is the user's membership of the organization, if any.
func (c *Clerk) Membership(orgID, userID string) (Membership, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.memberships[membershipKey{orgID, userID}]
	return m, ok
}

// Memberships are the user's memberships, by organization ID.
func (c *Clerk) Memberships(userID string) []Membership {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Membership
	for k, m := range c.memberships {
		if k.userID == userID {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b Membership) int { return strings.Compare(a.OrgID, b.OrgID) })
	return out
}

func (c *Clerk) checkMembershipLocked(m Membership) error {
	if _, ok := c.users[m.UserID]; !ok {
		return &notFound{"user", m.UserID}
	}
	if _, ok := c.orgs[m.OrgID]; !ok {
		return &notFound{"organization", m.OrgID}
	}
	if _, ok := c.roles[m.Role]; !ok {
		return c.unknownRoleLocked(m.Role)
	}
	return nil
}

func (c *Clerk) unknownRoleLocked(role string) error {
	return fmt.Errorf("role %s is not defined; the roles are %s", Quote(role), strings.Join(slices.Sorted(maps.Keys(c.roles)), ", "))
}

// checkRole refuses what is not a role key in Clerk's form: "org:" and a
// name.
func checkRole(role string) error {
	name, ok := strings.CutPrefix(role, "org:")
	if !ok || !IsIdentifier(name) {
		return fmt.Errorf("role %s is not org:<name>", Quote(role))
	}
	return nil
}

// splitPermission reads "org:<feature>:<permission>".
func splitPermission(p string) (feature, permission string, err error) {
	parts := strings.Split(p, ":")
	if len(parts) != 3 || parts[0] != "org" || !IsIdentifier(parts[1]) || !IsIdentifier(parts[2]) {
		return "", "", fmt.Errorf("permission %s is not org:<feature>:<permission>", Quote(p))
	}
	return parts[1], parts[2], nil
}

// IsIdentifier reports whether s is a plain identifier: 1 to 64 letters,
// digits, _ and -, as the names of Clerk's roles, features and permissions
// are.
func IsIdentifier(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
