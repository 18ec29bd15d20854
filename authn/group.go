package authn

import (
	"context"
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
		return withAuthenticatedGroup(a.AuthenticateRequest(r))
	})
}

// AddTokenAuthenticatedGroup is [AddAuthenticatedGroup] for a token
// authenticator, for example one that answers TokenReview requests.
func AddTokenAuthenticatedGroup(t TokenAuthenticator) TokenAuthenticator {
	return TokenAuthenticatorFunc(func(ctx context.Context, token string) (*Response, bool, error) {
		return withAuthenticatedGroup(t.AuthenticateToken(ctx, token))
	})
}

func withAuthenticatedGroup(resp *Response, ok bool, err error) (*Response, bool, error) {
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
}

// AddGroups wraps a so that every user it authenticates also belongs to
// groups, appended in order after the user's own groups, as
// kube-apiserver's group adder does: every group is appended, even one the
// user already has (so a group may then appear twice, exactly as in
// Kubernetes). The response is copied before it is changed; with no
// groups it is returned as it is.
func AddGroups(a Authenticator, groups ...string) Authenticator {
	groups = slices.Clone(groups)
	return AuthenticatorFunc(func(r *http.Request) (*Response, bool, error) {
		resp, ok, err := a.AuthenticateRequest(r)
		return appendGroups(resp, ok, err, groups)
	})
}

// AddTokenGroups is [AddGroups] for a token authenticator, as
// kube-apiserver's token group adder.
func AddTokenGroups(t TokenAuthenticator, groups ...string) TokenAuthenticator {
	groups = slices.Clone(groups)
	return TokenAuthenticatorFunc(func(ctx context.Context, token string) (*Response, bool, error) {
		resp, ok, err := t.AuthenticateToken(ctx, token)
		return appendGroups(resp, ok, err, groups)
	})
}

// appendGroups appends groups to a success, on a copy.
func appendGroups(resp *Response, ok bool, err error, groups []string) (*Response, bool, error) {
	if !ok || err != nil || resp == nil || len(groups) == 0 {
		return resp, ok, err
	}
	c := *resp
	c.User.Groups = append(append(make([]string, 0, len(resp.User.Groups)+len(groups)), resp.User.Groups...), groups...)
	return &c, true, nil
}
