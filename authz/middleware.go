package authz

import (
	"context"

	"encore.dev/beta/auth"
	"encore.dev/beta/errs"
	"encore.dev/middleware"

	"encore.app/auth/clerkauth"
)

// OrgMember enforces TagOrgMember. Global, so the tag works on endpoints of
// every service.
//
//encore:middleware global target=tag:org_member
func OrgMember(req middleware.Request, next middleware.Next) middleware.Response {
	return gate(req, next, TagOrgMember)
}

// OrgAdmin enforces TagOrgAdmin. Global, so the tag works on endpoints of
// every service.
//
//encore:middleware global target=tag:org_admin
func OrgAdmin(req middleware.Request, next middleware.Next) middleware.Response {
	return gate(req, next, TagOrgAdmin)
}

// gate decides on the middleware's own tag only: Encore runs each tag's
// middleware, so an endpoint with both tags gets both checks.
func gate(req middleware.Request, next middleware.Next, tag string) middleware.Response {
	if err := Decide(authData(), []string{tag}); err != nil {
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
