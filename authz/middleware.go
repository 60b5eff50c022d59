package authz

import (
	"context"

	encore "encore.dev"
	"encore.dev/beta/auth"
	"encore.dev/beta/errs"
	"encore.dev/middleware"

	"encore.app/auth/clerkauth"
)

// EndpointTags enforces this package's tags (Decide) on every endpoint of
// every service. One middleware with target=all rather than one per tag:
// Encore refuses to build an app with a tag target no endpoint carries,
// and the token-type check has to run where no tag is set, since a machine
// token must be refused on an endpoint that accepts only session tokens.
// It also runs on public endpoints: without auth data it refuses only what
// the organization and reverification tags require, and a token there
// meets the token-type rule as anywhere. Raw endpoints are passed through.
//
//encore:middleware global target=all
func EndpointTags(req middleware.Request, next middleware.Next) middleware.Response {
	api := currentAPI()
	if api != nil && api.Raw {
		// Encore writes no error for a raw endpoint, assuming its handler
		// answered: a refusal here would reach the client as an empty 200.
		// Raw endpoints check their own callers (the webhook's Svix
		// signature) and carry none of these tags.
		return next(req)
	}
	if err := Decide(authData(), tagsOf(api)); err != nil {
		return middleware.Response{Err: err}
	}
	return next(req)
}

// The Require functions are for endpoint code that needs a check a tag
// cannot express. They take ctx so call sites read like every other
// request-scoped call, though Encore keeps auth data per request, not in ctx.

// RequireOrganization is Organization for the current request.
func RequireOrganization(_ context.Context) error { return asError(Organization(authData())) }

// RequireRole is Role for the current request.
func RequireRole(_ context.Context, role string) error { return asError(Role(authData(), role)) }

// RequirePermission is Permission for the current request:
//
//	if err := authz.RequirePermission(ctx, "org:settings:manage"); err != nil {
//		return nil, err
//	}
func RequirePermission(_ context.Context, permission string) error {
	return asError(Permission(authData(), permission))
}

// RequireFeature is Feature for the current request.
func RequireFeature(_ context.Context, feature string) error {
	return asError(Feature(authData(), feature))
}

// RequirePlan is Plan for the current request.
func RequirePlan(_ context.Context, plan string) error { return asError(Plan(authData(), plan)) }

// RequireReverification is Reverification for the current request, for an
// endpoint that needs it only on some paths (a tag covers the whole
// endpoint).
func RequireReverification(_ context.Context, level Level) error {
	return asError(Reverification(authData(), level))
}

// RequireScope is Scope for the current request. An M2M token passes only
// if the endpoint accepts M2M tokens, which the middleware has already
// checked; checked again here because Scope lets M2M tokens through.
func RequireScope(_ context.Context, scope string) error {
	data := authData()
	if data != nil && data.TokenType == clerkauth.TokenTypeM2M {
		if err := TokenType(data, endpointTags()); err != nil {
			return err
		}
	}
	return asError(Scope(data, scope))
}

// asError keeps a nil *errs.Error from becoming a non-nil error, which
// callers would take for a refusal.
func asError(err *errs.Error) error {
	if err == nil {
		return nil
	}
	return err
}

// authData is the current request's auth data, nil without one. A variable
// so tests can stand in for Encore's runtime, whose auth.Data panics outside
// it.
var authData = func() *clerkauth.AuthData {
	data, _ := auth.Data().(*clerkauth.AuthData)
	return data
}

// currentAPI describes the endpoint being called (in middleware,
// req.Data().API is the same value). A variable for the same reason as
// authData.
var currentAPI = func() *encore.APIDesc { return encore.CurrentRequest().API }

// endpointTags are the tags of the endpoint being called.
func endpointTags() []string { return tagsOf(currentAPI()) }

// tagsOf is api's tags, none without an endpoint description.
func tagsOf(api *encore.APIDesc) []string {
	if api == nil {
		return nil
	}
	return api.Tags
}
