package authn

import "net/http"

// anonymousResponse is shared by every anonymous request: responses are
// read-only.
var anonymousResponse = &Response{User: UserInfo{Name: AnonymousUser, Groups: []string{UnauthenticatedGroup}}}

// Anonymous returns an authenticator that accepts every request as user
// [AnonymousUser] in group [UnauthenticatedGroup], as kube-apiserver does
// with --anonymous-auth=true. Put it last in a union: it always succeeds.
// [AddAuthenticatedGroup] leaves its response alone.
func Anonymous() Authenticator {
	return AuthenticatorFunc(func(*http.Request) (*Response, bool, error) {
		return anonymousResponse, true, nil
	})
}
