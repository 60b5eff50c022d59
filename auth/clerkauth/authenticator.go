// Package clerkauth authenticates requests carrying Clerk session tokens. It
// holds all the logic of the app's auth service and makes no Encore runtime
// calls, so plain `go test` covers it.
//
// An Authenticator verifies a token with the Clerk SDK against a cached key
// set, remembers tokens it has verified, and looks the user's primary email
// up in a cache in front of Clerk's Backend API: in steady state a request
// costs no call to Clerk.
package clerkauth

import (
	"context"
	"crypto/sha256"
	"slices"
	"time"
)

// AuthData is what the auth handler hands to every authenticated endpoint
// (Encore's auth.Data()).
type AuthData struct {
	UserID    string `json:"userId"`
	Email     string `json:"email"`
	SessionID string `json:"sessionId"`
	// The active organization, when the session has one.
	OrgID          string   `json:"orgId,omitempty"`
	OrgSlug        string   `json:"orgSlug,omitempty"`
	OrgRole        string   `json:"orgRole,omitempty"`
	OrgPermissions []string `json:"orgPermissions,omitempty"`
}

// Authenticator turns request credentials into AuthData.
type Authenticator struct {
	verifier *Verifier
	tokens   *tokenCache
	users    *UserCache
	now      func() time.Time
}

// New is an Authenticator for the Clerk instance cfg names. With cfg.JWTKey
// it verifies tokens without the network; otherwise it uses Clerk's JWKS.
func New(cfg Config) (*Authenticator, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var keys KeySet
	if c.JWTKey != "" {
		if keys, err = NewStaticKeySet(c.JWTKey); err != nil {
			return nil, err
		}
	} else {
		keys = newRemoteKeySet(c)
	}
	return &Authenticator{
		verifier: newVerifier(keys, c),
		tokens:   newTokenCache(c.TokenCacheSize, c.Leeway),
		users:    newUserCache(c),
		now:      c.Now,
	}, nil
}

// Authenticate checks the credentials of one request: the Authorization
// header value and the __session cookie value, either possibly empty.
// Errors wrap ErrNoCredentials, ErrInvalidToken, ErrUserNotFound or
// ErrClerkUnavailable; APIError maps them to what the client sees.
func (a *Authenticator) Authenticate(ctx context.Context, authorization, sessionCookie string) (*AuthData, error) {
	token, err := credential(authorization, sessionCookie)
	if err != nil {
		return nil, err
	}
	session, err := a.session(ctx, token)
	if err != nil {
		return nil, err
	}
	email, err := a.users.PrimaryEmail(ctx, session.UserID)
	if err != nil {
		return nil, err
	}
	return &AuthData{
		UserID:         session.UserID,
		Email:          email,
		SessionID:      session.SessionID,
		OrgID:          session.OrgID,
		OrgSlug:        session.OrgSlug,
		OrgRole:        session.OrgRole,
		OrgPermissions: slices.Clone(session.OrgPermissions),
	}, nil
}

// session verifies the token, or recalls that it was verified before.
func (a *Authenticator) session(ctx context.Context, token string) (*Session, error) {
	key := sha256.Sum256([]byte(token))
	if s, ok := a.tokens.get(key, a.now()); ok {
		return s, nil
	}
	s, err := a.verifier.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	a.tokens.add(key, s)
	return s, nil
}
