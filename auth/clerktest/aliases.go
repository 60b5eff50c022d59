package clerktest

import (
	"encore.app/auth/localclerk"
	"encore.app/auth/localclerk/clerkkey"
)

// The types of localclerk and clerkkey, under the names tests have always
// used.
type (
	// Key is clerkkey.Key.
	Key = clerkkey.Key
	// User is localclerk.User.
	User = localclerk.User
	// Endpoint is localclerk.Endpoint, for Fail and Calls.
	Endpoint = localclerk.Endpoint
	// Organization is localclerk.Organization, for SetOrganization.
	Organization = localclerk.Organization
	// APIKey is localclerk.APIKey, for CreateAPIKey.
	APIKey = localclerk.APIKey
	// M2MToken is localclerk.M2MToken, for CreateM2MToken.
	M2MToken = localclerk.M2MToken
	// OAuthToken is localclerk.OAuthToken, for CreateOAuthToken.
	OAuthToken = localclerk.OAuthToken
	// Issued is localclerk.Issued.
	Issued = localclerk.Issued
)

// The endpoints the Server serves, for Fail and Calls.
const (
	JWKS            = localclerk.JWKS
	Users           = localclerk.Users
	UserList        = localclerk.UserList
	UserCount       = localclerk.UserCount
	Organizations   = localclerk.Organizations
	OrganizationGet = localclerk.OrganizationGet
	APIKeys         = localclerk.APIKeys
	M2MTokens       = localclerk.M2MTokens
	OAuthTokens     = localclerk.OAuthTokens
)

// Token categories and types: see clerkkey.
const (
	CategorySessionToken = clerkkey.CategorySessionToken
	CategoryJWTTemplate  = clerkkey.CategoryJWTTemplate
	CategoryM2MToken     = clerkkey.CategoryM2MToken
	CategoryIgnore       = clerkkey.CategoryIgnore
	OAuthAccessTokenType = clerkkey.OAuthAccessTokenType
)

// NewKey is clerkkey.New: a 2048-bit key with a random kid.
func NewKey() *Key { return clerkkey.New() }

// NewKeyID is clerkkey.NewID: a random kid in Clerk's format.
func NewKeyID() string { return clerkkey.NewID() }

// EncodeSegment is clerkkey.EncodeSegment: a JWT segment.
func EncodeSegment(v any) string { return clerkkey.EncodeSegment(v) }
