package authz

import (
	"fmt"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// Level is one of Clerk's reverification presets (SessionVerificationTypes
// in @clerk/shared): how recently, and with which factors, the user must
// have verified. Each is a tag too, "reverify_" + the level.
type Level string

// The presets, as Clerk's TYPES_TO_OBJECTS defines them.
const (
	// StrictMFA: both factors within 10 minutes (multi_factor).
	StrictMFA Level = "strict_mfa"
	// Strict: the second factor within 10 minutes (second_factor).
	Strict Level = "strict"
	// Moderate: the second factor within 60 minutes.
	Moderate Level = "moderate"
	// Lax: the second factor within 24 hours.
	Lax Level = "lax"
)

// Clerk's SessionVerificationLevel values a preset asks for.
const (
	secondFactor = "second_factor"
	multiFactor  = "multi_factor"
)

type preset struct {
	level        Level
	tag          tagSet
	factors      string // secondFactor or multiFactor
	afterMinutes int
}

// presets are strictest first: each one's pass implies the next ones'
// (TestPresetsStrictestFirst checks it against Clerk's answers).
var presets = [...]preset{
	{StrictMFA, reverifyStrictMFA, multiFactor, 10},
	{Strict, reverifyStrict, secondFactor, 10},
	{Moderate, reverifyModerate, secondFactor, 60},
	{Lax, reverifyLax, secondFactor, 1440},
}

// Reverification refuses a caller who has not verified recently enough for
// the level, as Clerk's has({ reverification }) does: 403 permission_denied
// with Clerk's reverification hint as the details, which a frontend hands
// to useReverification() (see docs/authorization.md). A session token
// without a valid fva claim fails every level; a machine token cannot
// reverify and gets a plain 403. An unknown level is the server's bug: 500.
func Reverification(data *clerkauth.AuthData, level Level) *errs.Error {
	p, ok := presetFor(level)
	if !ok {
		return &errs.Error{Code: errs.Internal, Message: fmt.Sprintf("unknown reverification level %q", string(level))}
	}
	session, err := caller(data)
	switch {
	case err != nil:
		return err
	case !session:
		return denied(fmt.Sprintf("reverification is required, and a token of type %s cannot reverify", data.TokenType))
	case !p.satisfiedBy(data.FactorVerificationAge):
		return p.refusal()
	}
	return nil
}

func presetFor(level Level) (preset, bool) {
	for _, p := range presets {
		if p.level == level {
			return p, true
		}
	}
	return preset{}, false
}

// satisfiedBy is checkReverificationAuthorization (packages/shared/src/
// authorization.ts in clerk/javascript) for the fva claim [minutes since
// the first factor, minutes since the second], -1 for a factor not set up.
// A user without a second factor passes either level on the first factor
// alone; a user with a second factor but no first one (passwordless) passes
// second_factor on it but never multi_factor.
func (p preset) satisfiedBy(fva []int) bool {
	if len(fva) != 2 || !validFactorAge(fva[0]) || !validFactorAge(fva[1]) {
		return false
	}
	first, second := fva[0], fva[1]
	firstFresh := first != -1 && first < p.afterMinutes
	secondFresh := second != -1 && second < p.afterMinutes
	switch {
	case second == -1:
		return firstFresh
	case p.factors == multiFactor:
		return firstFresh && secondFresh
	}
	return secondFresh
}

func validFactorAge(minutes int) bool { return minutes >= -1 }

func (p preset) refusal() *errs.Error {
	var hint ReverificationHint
	hint.ClerkError.Type = "forbidden"
	hint.ClerkError.Reason = "reverification-error"
	hint.ClerkError.Metadata.Reverification = ReverificationConfig{Level: p.factors, AfterMinutes: p.afterMinutes}
	return &errs.Error{
		Code: errs.PermissionDenied,
		Message: fmt.Sprintf("reverification is required (%s: %s within %d minutes)",
			p.level, p.factors, p.afterMinutes),
		Details: hint,
	}
}

// ReverificationHint is the details of a refusal for want of
// reverification: the body Clerk's reverificationError() builds (in
// @clerk/shared/authorization-errors), which useReverification()
// recognises once the frontend takes it out of Encore's "details".
type ReverificationHint struct {
	ClerkError ClerkError `json:"clerk_error"`
}

// ErrDetails marks ReverificationHint as Encore error details.
func (ReverificationHint) ErrDetails() {}

// ClerkError is a reverification hint's clerk_error.
type ClerkError struct {
	Type     string             `json:"type"`
	Reason   string             `json:"reason"`
	Metadata ClerkErrorMetadata `json:"metadata"`
}

// ClerkErrorMetadata says what would satisfy the refused check.
type ClerkErrorMetadata struct {
	Reverification ReverificationConfig `json:"reverification"`
}

// ReverificationConfig is Clerk's object form of a preset: the factors to
// verify (second_factor, multi_factor) and within how many minutes.
type ReverificationConfig struct {
	Level        string `json:"level"`
	AfterMinutes int    `json:"afterMinutes"`
}
