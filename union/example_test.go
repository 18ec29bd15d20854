package union_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/union"
	"github.com/authnkit/authnkit/webhook"
)

// A request union: bearer tokens first, then a custom API-key header.
func ExampleNew() {
	tokens := authntest.Tokens(map[string]authn.UserInfo{
		"s3cret": {Name: "alice", Groups: []string{"dev"}},
	})
	apiKey := authn.AuthenticatorFunc(func(r *http.Request) (*authn.Response, bool, error) {
		switch r.Header.Get("X-Api-Key") {
		case "":
			return nil, false, nil // no credential of this kind: no opinion
		case "k-123":
			return &authn.Response{User: authn.UserInfo{Name: "ci-bot"}}, true, nil
		default:
			return nil, false, authn.ErrInvalidCredentials
		}
	})
	a := union.New(authn.BearerToken(tokens), apiKey)

	for _, h := range [][2]string{{"Authorization", "Bearer s3cret"}, {"X-Api-Key", "k-123"}, {"X-Api-Key", "nope"}, {}} {
		r := httptest.NewRequest("GET", "https://example.test/", nil)
		if h[0] != "" {
			r.Header.Set(h[0], h[1])
		}
		resp, ok, err := a.AuthenticateRequest(r)
		if ok {
			fmt.Println("user:", resp.User.Name)
		} else {
			fmt.Println("rejected:", err)
		}
	}
	// Output:
	// user: alice
	// user: ci-bot
	// rejected: authn: invalid username or password
	// rejected: <nil>
}

// Anonymous access in a plain union: authn.Anonymous is a fallback, asked
// only when no other member had an opinion, so a rejected credential stays
// an error and only requests without one are anonymous.
func ExampleNew_anonymous() {
	tokens := authntest.Tokens(map[string]authn.UserInfo{"s3cret": {Name: "alice"}})
	a := union.New(authn.Anonymous(), authn.BearerToken(tokens)) // the order does not matter

	for _, header := range []string{"Bearer s3cret", "Bearer wrong", ""} {
		r := httptest.NewRequest("GET", "https://example.test/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		resp, ok, err := a.AuthenticateRequest(r)
		if ok {
			fmt.Println("user:", resp.User.Name)
		} else {
			fmt.Println("rejected, invalid token:", errors.Is(err, authn.ErrInvalidToken))
		}
	}
	// Output:
	// user: alice
	// rejected, invalid token: true
	// user: system:anonymous
}

// A token union: each token authenticator in turn; errors of those that
// reject the token come back joined when nobody accepts it.
func ExampleNewTokens() {
	static := authntest.Tokens(map[string]authn.UserInfo{"s3cret": {Name: "alice"}})
	jwt := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		if len(token) > 2 && token[:2] == "ey" {
			return nil, false, authn.ErrBadSignature // looks like a JWT, does not verify
		}
		return nil, false, nil // not a JWT: no opinion
	})
	u := union.NewTokens(static, jwt)
	ctx := context.Background()

	resp, ok, err := u.AuthenticateToken(ctx, "s3cret")
	fmt.Println(resp.User.Name, ok, err)
	_, ok, err = u.AuthenticateToken(ctx, "unknown")
	fmt.Println(ok, err)
	_, ok, err = u.AuthenticateToken(ctx, "eyJhbGciOi.forged.sig")
	fmt.Println(ok, errors.Is(err, authn.ErrBadSignature))
	// Output:
	// alice true <nil>
	// false <nil>
	// false true
}

// NewTokensWith with FailFast stops at the first token authenticator
// that rejects the token.
func ExampleNewTokensWith() {
	first := authntest.Fail(authn.ErrExpired)
	second := authntest.Succeed(authn.UserInfo{Name: "bob"})
	u := union.NewTokensWith(union.Options{FailFast: true}, first, second)

	_, ok, err := u.AuthenticateToken(context.Background(), "tok")
	fmt.Println(ok, errors.Is(err, authn.ErrExpired), second.Calls())
	// Output:
	// false true 0
}

// A cache in front of an expensive token authenticator, such as a
// TokenReview webhook, with kube-apiserver's webhook TTLs.
func ExampleNewCache() {
	var calls atomic.Int64
	remote := authn.TokenAuthenticatorFunc(func(context.Context, string) (*authn.Response, bool, error) {
		calls.Add(1)
		return &authn.Response{User: authn.UserInfo{Name: "alice"}}, true, nil
	})
	c, err := union.NewCache(remote, union.CacheOptions{
		SuccessTTL: webhook.DefaultCacheTTL,
		FailureTTL: webhook.DefaultCacheTTL,
	})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	ctx := context.Background()
	for range 3 {
		resp, _, _ := c.AuthenticateToken(ctx, "s3cret")
		fmt.Println(resp.User.Name)
	}
	fmt.Println("upstream calls:", calls.Load(), "entries:", c.Len())
	// Output:
	// alice
	// alice
	// alice
	// upstream calls: 1 entries: 1
}
