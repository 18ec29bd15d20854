package authn

import (
	"context"
	"net/http"
	"slices"

	"github.com/authnkit/authnkit/internal/audience"
)

// AudienceAgnostic adapts a token authenticator that knows nothing of
// audiences (a static token table, a password file) to a server that
// accepts the audiences implicit, as kube-apiserver's
// WrapAudienceAgnosticToken does with --api-audiences.
//
// When the context carries no accepted audiences ([WithAudiences]), t is
// called as it is. Otherwise t is asked only if the accepted audiences
// intersect implicit — a token meant for another audience (a TokenReview
// asking for "vault", say) gets no opinion — and a success is reported for
// the intersection, in [Response.Audiences]. The response is copied before
// its audiences are set.
func AudienceAgnostic(implicit []string, t TokenAuthenticator) TokenAuthenticator {
	implicit = slices.Clone(implicit)
	return TokenAuthenticatorFunc(func(ctx context.Context, token string) (*Response, bool, error) {
		return withImplicitAudiences(ctx, implicit, func() (*Response, bool, error) { return t.AuthenticateToken(ctx, token) })
	})
}

// AudienceAgnosticRequest is [AudienceAgnostic] for request authenticators.
func AudienceAgnosticRequest(implicit []string, a Authenticator) Authenticator {
	implicit = slices.Clone(implicit)
	return AuthenticatorFunc(func(r *http.Request) (*Response, bool, error) {
		return withImplicitAudiences(r.Context(), implicit, func() (*Response, bool, error) { return a.AuthenticateRequest(r) })
	})
}

func withImplicitAudiences(ctx context.Context, implicit []string, check func() (*Response, bool, error)) (*Response, bool, error) {
	auds, ask := audience.Implicit(AudiencesFrom(ctx), implicit)
	if !ask {
		return nil, false, nil
	}
	resp, ok, err := check()
	if !ok || resp == nil || auds == nil {
		return resp, ok, err
	}
	c := *resp
	c.Audiences = auds
	return &c, true, nil
}
