package localclerk

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// session is a signed-in session of a user.
type session struct {
	userID string
	ended  bool
}

// SessionTokenOptions say what a session token carries besides its user.
type SessionTokenOptions struct {
	// UserID is the signed-in user. Required.
	UserID string
	// SessionID continues one of the user's sessions, as a token refresh
	// does; empty starts a new session, as a sign-in does.
	SessionID string
	// OrgID is the active organization, one the user is a member of; empty
	// for none.
	OrgID string
	// OrgRole, when set, is the role the token carries instead of the
	// member's own: a role SetRole defined.
	OrgRole string
	// Features and Plans are Clerk's fea and pla entries, each
	// "<scope>:<name>" with scope u (the user's), o (the organization's),
	// ou or uo (both). The role of the active organization adds "o:<feature>"
	// for each feature its permissions name, as the organization's plan
	// would.
	Features, Plans []string
	// FactorAges is fva: the minutes since the first and the second factor
	// were verified, -1 for never. nil means [0, -1]: just signed in with a
	// first factor.
	FactorAges []int
	// AuthorizedParty is azp; empty means Clerk.AuthorizedParty.
	AuthorizedParty string
}

// SessionToken mints the session token Clerk mints for a signed-in user:
// v2 claims, with the active organization in o ({id, slg, rol, per, fpm}),
// signed by the current key. It returns the token and its session.
func (c *Clerk) SessionToken(o SessionTokenOptions) (token, sessionID string, err error) {
	if err := errors.Join(checkEntries("features", o.Features), checkEntries("plans", o.Plans), checkFactorAges(o.FactorAges)); err != nil {
		return "", "", err
	}
	claims := c.Claims(o.UserID)
	if sessionID, err = c.stateClaims(o, claims); err != nil {
		return "", "", err
	}
	claims["sid"] = sessionID
	if o.AuthorizedParty != "" {
		claims["azp"] = o.AuthorizedParty
	}
	if len(o.Plans) > 0 {
		claims["pla"] = strings.Join(o.Plans, ",")
	}
	if o.FactorAges != nil {
		claims["fva"] = o.FactorAges
	}
	return c.Sign(claims), sessionID, nil
}

// stateClaims sets the claims that depend on what the Clerk knows, o and
// fea, and returns the session the token is minted in.
func (c *Clerk) stateClaims(o SessionTokenOptions, claims map[string]any) (sessionID string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.users[o.UserID]; !ok {
		return "", &notFound{"user", o.UserID}
	}
	features := slices.Clone(o.Features)
	if o.OrgID != "" {
		org, withOrg, err := c.organizationClaimLocked(o, features)
		if err != nil {
			return "", err
		}
		claims["o"], features = org, withOrg
	}
	if len(features) > 0 {
		claims["fea"] = strings.Join(features, ",")
	}
	return c.sessionLocked(o.UserID, o.SessionID)
}

// sessionLocked is the session a token is minted in: id, which must be an
// active session of the user, or a new one when id is empty.
func (c *Clerk) sessionLocked(userID, id string) (string, error) {
	if id == "" {
		id = "sess_" + randomAlphanumeric(27, alphanumeric)
		c.sessions[id] = &session{userID: userID}
		return id, nil
	}
	s := c.sessions[id]
	switch {
	case s == nil || s.userID != userID:
		return "", &notFound{"session of " + userID, id}
	case s.ended:
		return "", fmt.Errorf("session %s has ended: mint a token without sessionId to start a new one", Quote(id))
	}
	return id, nil
}

// EndSession ends a session, as a sign-out or a revocation does: no token
// is minted in it any more. It returns the session's user.
func (c *Clerk) EndSession(id string) (userID string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[id]
	if s == nil {
		return "", &notFound{"session", id}
	}
	s.ended = true
	return s.userID, nil
}

// organizationClaimLocked is the o claim of a token of o.UserID with
// o.OrgID active, and features with "o:<feature>" added for each feature
// the role's permissions name. Clerk's parser (jwtPayloadParser.ts in
// @clerk/shared) reads per as permission names and fpm as one bit mask per
// organization entry of fea, bit i granting "org:<feature>:<per[i]>".
func (c *Clerk) organizationClaimLocked(o SessionTokenOptions, features []string) (map[string]any, []string, error) {
	org, ok := c.orgs[o.OrgID]
	if !ok {
		return nil, nil, &notFound{"organization", o.OrgID}
	}
	m, ok := c.memberships[membershipKey{o.OrgID, o.UserID}]
	if !ok {
		return nil, nil, fmt.Errorf("user %s is not a member of %s", Quote(o.UserID), Quote(o.OrgID))
	}
	role := m.Role
	if o.OrgRole != "" {
		role = o.OrgRole
	}
	permissions, ok := c.roles[role]
	if !ok {
		return nil, nil, c.unknownRoleLocked(role)
	}
	var names []string // per
	granted := map[string][]int{}
	for _, p := range permissions {
		feature, name, _ := splitPermission(p) // SetRole checked them
		i := slices.Index(names, name)
		if i < 0 {
			i, names = len(names), append(names, name)
		}
		if _, listed := granted[feature]; !listed && !slices.ContainsFunc(features, isOrgEntry(feature)) {
			features = append(features, "o:"+feature)
		}
		granted[feature] = append(granted[feature], i)
	}
	claim := map[string]any{"id": org.ID, "slg": org.Slug, "rol": strings.TrimPrefix(role, "org:")}
	if len(names) > 0 {
		var masks []string
		for _, entry := range features {
			if scope, feature, _ := strings.Cut(entry, ":"); scope != "u" {
				mask := new(big.Int)
				for _, i := range granted[feature] {
					mask.SetBit(mask, i, 1)
				}
				masks = append(masks, mask.String())
			}
		}
		claim["per"], claim["fpm"] = strings.Join(names, ","), strings.Join(masks, ",")
	}
	return claim, features, nil
}

// isOrgEntry matches the fea entries that give the organization feature.
func isOrgEntry(feature string) func(string) bool {
	return func(entry string) bool {
		scope, name, _ := strings.Cut(entry, ":")
		return name == feature && scope != "u"
	}
}

// checkEntries refuses fea or pla entries Clerk would not write: each is
// "<scope>:<name>", scope u, o, ou or uo.
func checkEntries(what string, entries []string) error {
	for _, e := range entries {
		scope, name, _ := strings.Cut(e, ":")
		if (scope != "u" && scope != "o" && scope != "ou" && scope != "uo") || !IsIdentifier(name) {
			return fmt.Errorf("%s entry %s is not <scope>:<name> with scope u, o, ou or uo", what, Quote(e))
		}
	}
	return nil
}

// checkFactorAges refuses an fva Clerk would not write: two ages in
// minutes, each -1 (never verified) or more.
func checkFactorAges(ages []int) error {
	if ages == nil {
		return nil
	}
	if len(ages) != 2 || ages[0] < -1 || ages[1] < -1 {
		return fmt.Errorf("fva %v is not two ages in minutes, each -1 or more", ages)
	}
	return nil
}
