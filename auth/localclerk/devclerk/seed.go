package devclerk

import (
	"errors"

	"encore.app/auth/localclerk"
)

// seed gives a new local Clerk its test users, listed in
// docs/local-clerk.md: Alice, admin of Acme; Bob, a member; Carol, in no
// organization. The roles are the two Clerk creates for every instance,
// granting a reports feature's permissions, so that tokens carry Clerk's
// o.per and o.fpm.
func seed(c *localclerk.Clerk) error {
	c.AddUser("user_alice", "alice@example.com")
	c.AddUser("user_bob", "bob@example.com")
	c.AddUser("user_carol", "carol@example.com")
	c.SetOrganization(localclerk.Organization{ID: "org_acme", Name: "Acme", Slug: "acme"})
	return errors.Join(
		c.SetRole("org:admin", "org:reports:read", "org:reports:manage"),
		c.SetRole("org:member", "org:reports:read"),
		c.SetMembership(localclerk.Membership{OrgID: "org_acme", UserID: "user_alice", Role: "org:admin"}),
		c.SetMembership(localclerk.Membership{OrgID: "org_acme", UserID: "user_bob", Role: "org:member"}),
	)
}
