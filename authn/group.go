package authn

import (
	"net/http"
	"slices"
)

// AddAuthenticatedGroup wraps a so that every user it authenticates also
// belongs to [AuthenticatedGroup] ("system:authenticated"), as
// kube-apiserver's authenticated-group adder does. The group is appended
// once, never twice, and never to [AnonymousUser] or a user already in
// [UnauthenticatedGroup]. The response is copied before it is changed; a
// response that needs no change is returned as it is, without allocating.
func AddAuthenticatedGroup(a Authenticator) Authenticator {
	return AuthenticatorFunc(func(r *http.Request) (*Response, bool, error) {
		resp, ok, err := a.AuthenticateRequest(r)
		if !ok || err != nil || resp == nil {
			return resp, ok, err
		}
		u := resp.User
		if u.Name == AnonymousUser || slices.Contains(u.Groups, UnauthenticatedGroup) || slices.Contains(u.Groups, AuthenticatedGroup) {
			return resp, true, nil
		}
		c := *resp // shallow copy: only Groups changes, and it gets new storage
		c.User.Groups = append(append(make([]string, 0, len(u.Groups)+1), u.Groups...), AuthenticatedGroup)
		return &c, true, nil
	})
}

// AddGroups wraps a so that every user it authenticates also belongs to
// groups, appended in order and skipping any the user already has, as
// kube-apiserver's group adder does. The response is copied before it is
// changed.
func AddGroups(a Authenticator, groups ...string) Authenticator {
	groups = slices.Clone(groups)
	return AuthenticatorFunc(func(r *http.Request) (*Response, bool, error) {
		resp, ok, err := a.AuthenticateRequest(r)
		if !ok || err != nil || resp == nil {
			return resp, ok, err
		}
		var add []string
		for _, g := range groups {
			if !slices.Contains(resp.User.Groups, g) && !slices.Contains(add, g) {
				add = append(add, g)
			}
		}
		if len(add) == 0 {
			return resp, true, nil
		}
		c := *resp
		c.User.Groups = append(append(make([]string, 0, len(resp.User.Groups)+len(add)), resp.User.Groups...), add...)
		return &c, true, nil
	})
}
