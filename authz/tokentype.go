package authz

import (
	"fmt"
	"strconv"
	"strings"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/internal/authmetrics"
)

// acceptable pairs each token type with the tag that accepts it, in the
// order a refusal lists them.
var acceptable = [...]struct {
	tokenType string
	tag       tagSet
}{
	{clerkauth.TokenTypeSession, acceptsSessionToken},
	{clerkauth.TokenTypeAPIKey, acceptsAPIKey},
	{clerkauth.TokenTypeM2M, acceptsM2MToken},
	{clerkauth.TokenTypeOAuth, acceptsOAuthToken},
}

// TokenType refuses a token whose type the endpoint's tags do not accept
// (Clerk's token-type-mismatch): 401, naming the token's type and the ones
// the endpoint accepts, and counted (see SetMetrics). An endpoint without
// an accepts_ tag accepts session tokens only; one with accepts_ tags
// accepts exactly those. A caller without auth data passes: it has no
// token type to refuse, and Encore itself refuses it on an auth endpoint.
func TokenType(data *clerkauth.AuthData, tags []string) *errs.Error {
	return tokenType(data, parseTags(tags))
}

func tokenType(data *clerkauth.AuthData, set tagSet) *errs.Error {
	if data == nil {
		return nil
	}
	accepted := set & acceptsAny
	if accepted == 0 {
		accepted = acceptsSessionToken
	}
	for _, a := range acceptable {
		if accepted&a.tag != 0 && a.tokenType == data.TokenType {
			return nil
		}
	}
	metrics().Refused(authmetrics.ReasonTokenTypeMismatch)
	var names []string
	for _, a := range acceptable {
		if accepted&a.tag != 0 {
			names = append(names, a.tokenType)
		}
	}
	return &errs.Error{Code: errs.Unauthenticated, Message: fmt.Sprintf(
		"token-type-mismatch: this endpoint accepts %s, not %s", strings.Join(names, ", "), typeName(data.TokenType))}
}

// typeName is a token type for a message: the authenticator sets only known
// ones, but anything else is quoted rather than trusted.
func typeName(tokenType string) string {
	for _, a := range acceptable {
		if a.tokenType == tokenType {
			return tokenType
		}
	}
	return strconv.Quote(tokenType)
}
