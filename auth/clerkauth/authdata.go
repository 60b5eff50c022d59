package clerkauth

import (
	"cmp"
	"slices"

	"encore.app/auth/clerkjwt"
)

// Token types, named as Clerk's backend names them (TokenType in
// clerk/javascript, packages/backend/src/tokens/tokenTypes.ts): what
// authenticateRequest's acceptsToken takes and what AuthData.TokenType says.
const (
	TokenTypeSession = clerkjwt.TokenTypeSession
	TokenTypeAPIKey  = clerkjwt.TokenTypeAPIKey
	TokenTypeM2M     = clerkjwt.TokenTypeM2M
	TokenTypeOAuth   = clerkjwt.TokenTypeOAuth
)

// AuthData is what the auth handler hands to every authenticated endpoint
// (Encore's auth.Data()). Which fields are set depends on TokenType: a
// session token sets the user, session and organization fields; a machine
// token sets Subject and whichever of UserID, OrgID and MachineID its
// subject is, plus the token's own fields.
type AuthData struct {
	// TokenType is the kind of token the request carried: TokenTypeSession,
	// TokenTypeAPIKey, TokenTypeM2M or TokenTypeOAuth.
	TokenType string `json:"tokenType"`
	// Subject is the token's subject: user_…, org_… or mch_…. Encore's UID.
	Subject string `json:"subject"`

	UserID    string `json:"userId,omitempty"`
	Email     string `json:"email,omitempty" encore:"sensitive"`
	SessionID string `json:"sessionId,omitempty"`
	// The active organization, when the session has one; for an
	// organization-owned API key, OrgID is the owner.
	OrgID          string   `json:"orgId,omitempty"`
	OrgSlug        string   `json:"orgSlug,omitempty"`
	OrgRole        string   `json:"orgRole,omitempty"`
	OrgPermissions []string `json:"orgPermissions,omitempty"`
	// Features and Plans are the token's fea and pla claims, each entry
	// scoped as Clerk writes it: "o:reports" for the organization,
	// "u:export" for the user.
	Features []string `json:"features,omitempty"`
	Plans    []string `json:"plans,omitempty"`
	// FactorVerificationAge is the session token's fva claim: the minutes
	// since the user last verified a first and a second factor, -1 for a
	// factor not set up. Nil when the token carries no valid fva.
	FactorVerificationAge []int `json:"factorVerificationAge,omitempty"`

	// MachineID is the calling machine (mch_…) of an M2M token.
	MachineID string `json:"machineId,omitempty"`
	// Scopes are an API key's or OAuth token's scopes. M2M tokens' scopes
	// (the machines they may call) are checked, not exposed.
	Scopes []string `json:"scopes,omitempty"`
	// TokenID is a machine token's ID (ak_…'s key ID, mt_…, oat_…) or a JWT
	// machine token's jti.
	TokenID string `json:"tokenId,omitempty"`
	// ClientID is the OAuth application of an OAuth token.
	ClientID string `json:"clientId,omitempty"`
	// Name is an API key's name.
	Name string `json:"name,omitempty"`
}

// authDataOf is the AuthData of a request authenticated by the verified
// token s, with email. Slices are copies, so an endpoint that changes its
// AuthData cannot change the cached token; AuthData and its two factor ages are one allocation,
// as this runs for cached tokens too.
func authDataOf(s *clerkjwt.Token, email string) *AuthData {
	d := &struct {
		AuthData
		ages [2]int
	}{AuthData: AuthData{
		TokenType:      s.TokenType,
		Subject:        cmp.Or(s.UserID, s.MachineID),
		UserID:         s.UserID,
		MachineID:      s.MachineID,
		Scopes:         slices.Clone(s.Scopes),
		TokenID:        s.TokenID,
		ClientID:       s.ClientID,
		Email:          email,
		SessionID:      s.SessionID,
		OrgID:          s.OrgID,
		OrgSlug:        s.OrgSlug,
		OrgRole:        s.OrgRole,
		OrgPermissions: slices.Clone(s.OrgPermissions),
		Features:       slices.Clone(s.Features),
		Plans:          slices.Clone(s.Plans),
	}}
	if s.FactorVerificationAge != nil {
		d.FactorVerificationAge = d.ages[:copy(d.ages[:], s.FactorVerificationAge)]
	}
	return &d.AuthData
}
