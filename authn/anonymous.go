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

// AnonymousFor is [Anonymous] limited to requests whose URL path is one of
// paths exactly, as kube-apiserver's anonymous authenticator with the
// "conditions" of an AuthenticationConfiguration (for example /livez,
// /readyz and /healthz); other requests get no opinion. With no paths it
// is [Anonymous].
func AnonymousFor(paths ...string) Authenticator {
	if len(paths) == 0 {
		return Anonymous()
	}
	allowed := make(map[string]bool, len(paths))
	for _, p := range paths {
		allowed[p] = true
	}
	return AuthenticatorFunc(func(r *http.Request) (*Response, bool, error) {
		if !allowed[r.URL.Path] {
			return nil, false, nil
		}
		return anonymousResponse, true, nil
	})
}
