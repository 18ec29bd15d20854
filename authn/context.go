package authn

import (
	"context"
	"slices"
)

type responseKey struct{}

type audiencesKey struct{}

// WithResponse returns a copy of ctx carrying resp, the authenticated
// request's identity. [Middleware] calls it before the wrapped handler.
func WithResponse(ctx context.Context, resp *Response) context.Context {
	return context.WithValue(ctx, responseKey{}, resp)
}

// ResponseFrom returns the response stored by [WithResponse], and whether
// there is one. The response is read-only.
func ResponseFrom(ctx context.Context) (*Response, bool) {
	resp, ok := ctx.Value(responseKey{}).(*Response)
	return resp, ok && resp != nil
}

// UserFrom returns the user of the response stored by [WithResponse], and
// whether there is one. Its slices and map are read-only.
func UserFrom(ctx context.Context) (UserInfo, bool) {
	resp, ok := ResponseFrom(ctx)
	if !ok {
		return UserInfo{}, false
	}
	return resp.User, true
}

// WithAudiences returns a copy of ctx carrying the audiences this server
// accepts (kube-apiserver's --api-audiences). Audience-aware token
// authenticators accept a token only if it was issued for one of them, and
// report which in [Response.Audiences]. The slice is cloned.
func WithAudiences(ctx context.Context, audiences []string) context.Context {
	return context.WithValue(ctx, audiencesKey{}, slices.Clone(audiences))
}

// AudiencesFrom returns the audiences stored by [WithAudiences], or nil.
// The slice is read-only.
func AudiencesFrom(ctx context.Context) []string {
	auds, _ := ctx.Value(audiencesKey{}).([]string)
	return auds
}
