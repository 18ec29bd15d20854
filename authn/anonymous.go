package authn

import "net/http"

// anonymousResponse is shared by every anonymous request: responses are
// read-only.
var anonymousResponse = &Response{User: UserInfo{Name: AnonymousUser, Groups: []string{UnauthenticatedGroup}}}

// Fallback marks a as a last resort: a union (package union) asks it only
// after every other member, and only when none of them had an opinion —
// no success and no error. A request whose credential was rejected, or
// could not be checked, never reaches a fallback member, whatever the
// union's options and wherever the member was placed.
//
// [Anonymous] and [AnonymousFor] are fallbacks. Wrapping a fallback in
// another decorator (a group adder, [Named]) hides the mark: apply
// Fallback last. Outside a union, a fallback authenticates as a.
func Fallback(a Authenticator) Authenticator {
	if IsFallback(a) {
		return a
	}
	return fallback{a}
}

// IsFallback reports whether a was made by [Fallback] (or is [Anonymous]
// or [AnonymousFor]).
func IsFallback(a Authenticator) bool {
	_, ok := a.(fallback)
	return ok
}

type fallback struct{ Authenticator }

// Anonymous returns an authenticator that accepts every request as user
// [AnonymousUser] in group [UnauthenticatedGroup], as kube-apiserver does
// with --anonymous-auth=true. It is a [Fallback]: in a union, only a
// request that carries no credential anyone recognises becomes anonymous,
// and a presented credential that is rejected stays rejected, as in
// kube-apiserver, whichever union constructor is used:
//
//	a := union.New(certs, authn.BearerToken(tokens), authn.Anonymous())
//
// [AddAuthenticatedGroup] leaves its response alone.
func Anonymous() Authenticator {
	return Fallback(AuthenticatorFunc(func(*http.Request) (*Response, bool, error) {
		return anonymousResponse, true, nil
	}))
}

// AnonymousFor is [Anonymous] limited to requests whose URL path is one of
// paths exactly, as kube-apiserver's anonymous authenticator with the
// "conditions" of an AuthenticationConfiguration (for example /livez,
// /readyz and /healthz); other requests get no opinion. With no paths it
// is [Anonymous]. It is a [Fallback] too.
func AnonymousFor(paths ...string) Authenticator {
	if len(paths) == 0 {
		return Anonymous()
	}
	allowed := make(map[string]bool, len(paths))
	for _, p := range paths {
		allowed[p] = true
	}
	return Fallback(AuthenticatorFunc(func(r *http.Request) (*Response, bool, error) {
		if !allowed[r.URL.Path] {
			return nil, false, nil
		}
		return anonymousResponse, true, nil
	}))
}
