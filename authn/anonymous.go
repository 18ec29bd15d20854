package authn

import "net/http"

// anonymousResponse is shared by every anonymous request: responses are
// read-only.
var anonymousResponse = &Response{User: UserInfo{Name: AnonymousUser, Groups: []string{UnauthenticatedGroup}}}

// Anonymous returns an authenticator that accepts every request as user
// [AnonymousUser] in group [UnauthenticatedGroup], as kube-apiserver does
// with --anonymous-auth=true. It always succeeds, so put it last, behind a
// fail-fast union (union.NewWith with FailFast) of the real authenticators:
// then only a request that carries no credential anyone recognises becomes
// anonymous, and a presented credential that is rejected stays rejected,
// as in kube-apiserver. [AddAuthenticatedGroup] leaves its response alone.
func Anonymous() Authenticator {
	return AuthenticatorFunc(func(*http.Request) (*Response, bool, error) {
		return anonymousResponse, true, nil
	})
}
