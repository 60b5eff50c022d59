// Package clerkauth authenticates requests carrying Clerk session tokens. It
// verifies tokens and makes no Encore runtime calls, so plain `go test`
// covers it; what Clerk says about users lives behind the Users interface.
//
// An Authenticator takes a request's credential (clerkcredential), verifies
// a JWT (clerkjwt) against a cached key set (clerkjwks) or hands an opaque
// machine token to OpaqueTokens, remembers tokens it has verified, checks
// cookie-borne tokens as Clerk's own backend does, asks Revocations what
// Clerk ended since, and asks Users for the primary email unless the token
// carries it: in steady state a request costs no call to Clerk.
package clerkauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"time"
	"unsafe"

	"encore.app/auth/clerkcredential"
	"encore.app/auth/clerkjwt"
	"encore.app/auth/internal/tokenerr"
	"encore.app/internal/authmetrics"
)

// Users looks up what a session token does not say about its user.
type Users interface {
	// PrimaryEmail is the user's primary email address, "" when there is
	// none. Its errors wrap ErrClerkUnavailable or ErrCanceled when no
	// answer could be had, ErrUserNotFound for a deleted user; any other
	// error refuses the request (401).
	PrimaryEmail(ctx context.Context, userID string) (string, error)
}

// Revocations knows what Clerk ended after its tokens were issued. It is
// asked on every request, cached tokens included, so it answers from memory.
type Revocations interface {
	SessionRevoked(sessionID string) bool
	UserDeleted(userID string) bool
	// OrgDeleted reports whether Clerk deleted the organization, whose API
	// keys then act for nothing.
	OrgDeleted(orgID string) bool
	// MembershipChanged reports whether a token of userID issued at
	// issuedAt (Unix seconds) with orgID as its active organization ("" for
	// none) carries organization claims Clerk has since changed: the
	// membership deleted or its role changed after issuedAt, or the
	// organization deleted.
	MembershipChanged(userID, orgID string, issuedAt int64) bool
}

// Request is the credentials of one request, as the auth handler gets them.
type Request struct {
	// Authorization is the header's value: "Bearer <token>".
	Authorization string
	// Cookie is the Cookie header's value, read only when Authorization is
	// blank. Clerk's __session holds the token and __client_uat the Unix
	// time of the client's last sign-in or sign-out, "0" once signed out;
	// with Config.PublishableKey their suffixed twins may be read instead.
	Cookie string
	// Origin and SecFetchSite are the request headers of those names.
	Origin       string
	SecFetchSite string
}

// Authenticator turns request credentials into AuthData.
type Authenticator struct {
	verifier    *clerkjwt.Verifier
	opaque      OpaqueTokens
	tokens      *tokenCache
	users       Users
	revocations Revocations
	cookies     clerkcredential.Reader
	now         func() time.Time
	metrics     authmetrics.Recorder
}

// New is an Authenticator for the Clerk instance cfg names. With cfg.JWTKey
// it verifies tokens without the network; otherwise it uses Clerk's JWKS.
func New(cfg Config) (*Authenticator, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if c.Users == nil {
		return nil, errors.New("clerkauth: Config.Users is nil")
	}
	keys, err := c.keySet()
	if err != nil {
		return nil, err
	}
	return &Authenticator{
		verifier:    clerkjwt.New(keys, c.verifier()),
		opaque:      c.OpaqueTokens,
		tokens:      newTokenCache(c.TokenCacheSize, c.Leeway, c.Metrics),
		users:       c.Users,
		revocations: c.Revocations,
		cookies:     c.cookies,
		now:         c.Now,
		metrics:     c.Metrics,
	}, nil
}

// Authenticate checks the credentials of one request, and counts it in
// Config.Metrics as authenticated by its token type or refused by its
// Reason. Errors wrap ErrNoCredentials, ErrInvalidToken, ErrClerkUnavailable,
// ErrCanceled, or an error of Users; Reason tells their classes apart.
func (a *Authenticator) Authenticate(ctx context.Context, r Request) (*AuthData, error) {
	data, err := a.authenticate(ctx, r)
	if err != nil {
		a.metrics.Refused(Reason(err))
		return nil, err
	}
	a.metrics.Authenticated(tokenTypeLabel(data.TokenType))
	return data, nil
}

// tokenTypeLabel is a token type as a metric label.
func tokenTypeLabel(tokenType string) authmetrics.TokenType {
	switch tokenType {
	case TokenTypeSession:
		return authmetrics.TokenSession
	case TokenTypeAPIKey:
		return authmetrics.TokenAPIKey
	case TokenTypeM2M:
		return authmetrics.TokenM2M
	case TokenTypeOAuth:
		return authmetrics.TokenOAuth
	}
	return authmetrics.TokenOther
}

// authenticate is Authenticate but for the counting.
func (a *Authenticator) authenticate(ctx context.Context, r Request) (*AuthData, error) {
	token, cookieUAT, fromCookie, err := a.cookies.Credential(r.Authorization, r.Cookie, a.now)
	if err != nil {
		return nil, err
	}
	if tokenType, opaque := clerkjwt.OpaqueType(token); opaque {
		return a.opaqueToken(ctx, tokenType, token, fromCookie)
	}
	var clientUAT int64
	if fromCookie {
		if clientUAT, err = a.checkCookieRequest(r, cookieUAT); err != nil {
			return nil, err
		}
	}
	s, err := a.session(ctx, token)
	if err != nil {
		return nil, err
	}
	if s.TokenType != TokenTypeSession {
		if fromCookie {
			return nil, tokenerr.Refuse(ErrCookieCheck, "%s in a cookie: machine tokens are accepted in the Authorization header only", s.TokenType)
		}
		return a.machine(ctx, authDataOf(s, ""))
	}
	if fromCookie && s.IssuedAt < clientUAT {
		// Clerk's authenticateRequest: SessionTokenIATBeforeClientUAT. The
		// token predates the client's last sign-in or sign-out (perhaps in
		// another tab); the frontend must get a fresh one.
		return nil, tokenerr.Refuse(ErrCookieCheck, "cookie token issued at %d, before __client_uat %d", s.IssuedAt, clientUAT)
	}
	if a.revocations != nil {
		if a.revocations.SessionRevoked(s.SessionID) {
			return nil, tokenerr.Refuse(ErrSessionRevoked, "session %s was ended in Clerk", s.SessionID)
		}
		if a.revocations.UserDeleted(s.UserID) {
			return nil, tokenerr.Refuse(ErrUserNotFound, "user %s was deleted in Clerk", s.UserID)
		}
		if a.revocations.MembershipChanged(s.UserID, s.OrgID, s.IssuedAt) {
			return nil, tokenerr.Refuse(ErrMembershipChanged, "membership changed: the role of user %s in organization %s changed or ended in Clerk after the token was issued, or the organization was deleted", s.UserID, s.OrgID)
		}
	}
	email, ok := s.Email, s.HasEmail
	if !ok {
		if email, err = a.users.PrimaryEmail(ctx, s.UserID); err != nil {
			return nil, err
		}
	}
	return authDataOf(s, email), nil
}

// opaqueToken authenticates an opaque machine token: refused at once, with
// no call to Clerk, when its type is not accepted or it came in a cookie
// (Clerk's backend reads machine tokens from the header only).
func (a *Authenticator) opaqueToken(ctx context.Context, tokenType, token string, fromCookie bool) (*AuthData, error) {
	switch {
	case fromCookie:
		return nil, tokenerr.Refuse(ErrCookieCheck, "%s in a cookie: machine tokens are accepted in the Authorization header only", tokenType)
	case !a.verifier.Accepts(tokenType):
		return nil, tokenerr.Refuse(ErrTokenTypeNotAccepted, "token is an %s, which AcceptedTokenTypes does not include", tokenType)
	}
	data, err := a.opaque.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	return a.machine(ctx, data)
}

// machine makes the checks of a verified machine token that depend on
// what Clerk said since: a token acting for a user or an organization that
// Clerk deleted is refused. An OAuth token also gets its user's email (shown only with the
// email scope), which asks Users and so refuses a deleted user's token even
// after the revocation itself is forgotten: OAuth JWTs may outlive it.
func (a *Authenticator) machine(ctx context.Context, data *AuthData) (*AuthData, error) {
	if data.OrgID != "" && a.revocations != nil && a.revocations.OrgDeleted(data.OrgID) {
		return nil, tokenerr.Refuse(ErrMembershipChanged, "organization %s was deleted in Clerk", data.OrgID)
	}
	if data.UserID == "" {
		return data, nil
	}
	if a.revocations != nil && a.revocations.UserDeleted(data.UserID) {
		return nil, tokenerr.Refuse(ErrUserNotFound, "user %s was deleted in Clerk", data.UserID)
	}
	if data.TokenType == TokenTypeOAuth {
		email, err := a.users.PrimaryEmail(ctx, data.UserID)
		if err != nil {
			return nil, err
		}
		data.Email = email
	}
	return data, nil
}

// checkCookieRequest refuses a cookie-borne token in the situations where
// the browser, not the user, may have sent it, and returns clientUAT, the
// __client_uat of the token's pair, as a number. The session cookie is an
// ambient credential: any site can make the browser send it, which a header
// token cannot be.
func (a *Authenticator) checkCookieRequest(r Request, clientUAT string) (int64, error) {
	if r.Origin != "" && !a.verifier.AuthorizedParty(r.Origin) {
		return 0, tokenerr.Refuse(ErrCookieCheck, "cookie token sent from origin %s, not an authorized party", tokenerr.Quote(r.Origin))
	}
	if r.SecFetchSite == "cross-site" {
		return 0, tokenerr.Refuse(ErrCookieCheck, "cookie token sent by a cross-site request")
	}
	// Clerk's authenticateRequest treats a missing or zero __client_uat with
	// a session cookie as signed out (SessionTokenWithoutClientUAT).
	uat, err := strconv.ParseInt(clientUAT, 10, 64)
	if err != nil || uat <= 0 {
		return 0, tokenerr.Refuse(ErrCookieCheck, "cookie token without a signed-in __client_uat (got %s)", tokenerr.Quote(clientUAT))
	}
	return uat, nil
}

// session verifies the token, or recalls that it was verified before.
func (a *Authenticator) session(ctx context.Context, token string) (*clerkjwt.Token, error) {
	// Hashed in place: Sum256 neither keeps nor changes its input, and a
	// copy of the token would be an allocation on every request.
	key := sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
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
