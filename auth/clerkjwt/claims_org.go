package clerkjwt

import (
	"encore.app/auth/internal/tokenerr"
)

// The members of a v2 token's o claim.
const (
	orgID = iota
	orgSlug
	orgRole
	orgPer
	orgFpm
	orgMemberCount
)

var orgMembers = newNameTable("o", []string{orgID: "id", orgSlug: "slg", orgRole: "rol", orgPer: "per", orgFpm: "fpm"})

// readOrganization sets the active organization of s (whose Features are
// set) as Clerk's __experimental_JWTPayloadToAuthObjectProperties
// (@clerk/shared jwtPayloadParser.ts) reads it: a v2 token's from o only,
// any other token's from the v1 claims only. The claims the token's
// version does not read are ignored, whatever they hold.
func readOrganization(c *claims, s *Token) error {
	v2, err := isVersion2(c.raw[claimV])
	if err != nil {
		return err
	}
	if v2 {
		return readOrganizationV2(c.raw[claimO], s)
	}
	if s.OrgID, err = stringValue("org_id", c.raw[claimOrgID]); err != nil {
		return err
	}
	if s.OrgSlug, err = stringValue("org_slug", c.raw[claimOrgSlug]); err != nil {
		return err
	}
	if s.OrgRole, err = stringValue("org_role", c.raw[claimOrgRole]); err != nil {
		return err
	}
	s.OrgPermissions, err = stringArray("org_permissions", c.raw[claimOrgPermissions])
	return err
}

// readOrganizationV2 reads o: {id, slg, rol, per, fpm}, each a string when
// present. Like Clerk's parser it prefixes rol with "org:" only when rol
// is not empty (the Go SDK makes a missing rol "org:"), and it takes every
// member whether or not id is there: has() needs an orgId anyway.
func readOrganizationV2(raw []byte, s *Token) error {
	if isNull(raw) {
		return nil
	}
	var o [orgMemberCount][]byte
	if err := orgMembers.read(raw, o[:], nil); err != nil {
		return err
	}
	var member [orgMemberCount][]byte
	for i := range o {
		var err error
		if member[i], err = optionalString(orgMembers.qualified[i], o[i]); err != nil {
			return err
		}
	}
	s.OrgID, s.OrgSlug = string(member[orgID]), string(member[orgSlug])
	if len(member[orgRole]) > 0 {
		s.OrgRole = "org:" + string(member[orgRole])
	}
	// Clerk's parser splits fea by scope before anything else and throws
	// on an entry without a colon, which fails the request: refused here.
	features, _, ok := SplitByScope(s.Features)
	if !ok {
		return tokenerr.Invalid("token fea has an entry without a colon, on which Clerk's parser fails for a token with an organization")
	}
	s.OrgPermissions = orgPermissions(features, string(member[orgPer]), string(member[orgFpm]))
	return nil
}
