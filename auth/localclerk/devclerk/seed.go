package devclerk

import (
	"errors"

	"encore.app/auth/localclerk"
)

// The organization role keys Clerk creates for every instance.
const (
	AdminRole  = "org:admin"
	MemberRole = "org:member"
)

// seed gives a new local Clerk its test users, listed in
// docs/local-clerk.md: Alice, admin of Acme; Bob, a member; Carol, in no
// organization. The roles grant a reports feature's permissions, so tokens
// carry Clerk's o.per and o.fpm.
func seed(c *localclerk.Clerk) error {
	c.AddUser("user_alice", "alice@example.com")
	c.AddUser("user_bob", "bob@example.com")
	c.AddUser("user_carol", "carol@example.com")
	c.SetOrganization(localclerk.Organization{ID: "org_acme", Name: "Acme", Slug: "acme"})
	return errors.Join(
		c.SetRole(AdminRole, "org:reports:read", "org:reports:manage"),
		c.SetRole(MemberRole, "org:reports:read"),
		c.SetMembership(localclerk.Membership{OrgID: "org_acme", UserID: "user_alice", Role: AdminRole}),
		c.SetMembership(localclerk.Membership{OrgID: "org_acme", UserID: "user_bob", Role: MemberRole}),
	)
}
