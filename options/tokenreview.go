package options

import (
	"context"
	"net/http"

	"github.com/authnkit/authnkit/authn"
)

// tokenReviewer turns a bearer request authenticator back into a token
// authenticator, so a token under review goes through exactly the chain a
// request's bearer token would (group adder included), as kube-apiserver's
// TokenReview does with a synthetic request.
func tokenReviewer(a authn.Authenticator) authn.TokenAuthenticator {
	return authn.TokenAuthenticatorFunc(func(ctx context.Context, token string) (*authn.Response, bool, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
		if err != nil {
			return nil, false, err
		}
		r.Header.Set("Authorization", "Bearer "+token)
		return a.AuthenticateRequest(r)
	})
}
