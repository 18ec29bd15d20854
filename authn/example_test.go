package authn_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/authnkit/authnkit/authn"
)

// Custom identity logic is one function.
func ExampleTokenAuthenticatorFunc() {
	a := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		if token != "let-me-in" {
			return nil, false, nil // not ours: no opinion
		}
		return &authn.Response{User: authn.UserInfo{Name: "alice", Groups: []string{"dev"}}}, true, nil
	})
	resp, ok, err := a.AuthenticateToken(context.Background(), "let-me-in")
	fmt.Println(resp.User.Name, ok, err)
	// Output: alice true <nil>
}

// The middleware authenticates each request and puts the user in its
// context.
func ExampleMiddleware() {
	tokens := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		if token == "s3cret" {
			return &authn.Response{User: authn.UserInfo{Name: "alice"}}, true, nil
		}
		return nil, false, nil
	})
	a := authn.AddAuthenticatedGroup(authn.BearerToken(tokens))
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		fmt.Fprintf(w, "hello %s %v", u.Name, u.Groups)
	})
	h := authn.Middleware(a, authn.MiddlewareOptions{})(hello)

	for _, token := range []string{"s3cret", "wrong"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"), w.Body.String())
	}
	// Output:
	// 200  hello alice [system:authenticated]
	// 401 Bearer error="invalid_token" {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}
}

func ExampleBearerToken() {
	tokens := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		return &authn.Response{User: authn.UserInfo{Name: "token-" + token}}, true, nil
	})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "bearer abc")
	resp, ok, _ := authn.BearerToken(tokens).AuthenticateRequest(r)
	fmt.Println(resp.User.Name, ok, r.Header.Get("Authorization") == "")
	// Output: token-abc true true
}

func ExampleAnonymous() {
	resp, ok, _ := authn.Anonymous().AuthenticateRequest(httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(resp.User.Name, resp.User.Groups, ok)
	// Output: system:anonymous [system:unauthenticated] true
}

func ExampleAnonymousFor() {
	a := authn.AnonymousFor("/livez", "/readyz")
	_, ok, _ := a.AuthenticateRequest(httptest.NewRequest(http.MethodGet, "/livez", nil))
	_, okAPI, _ := a.AuthenticateRequest(httptest.NewRequest(http.MethodGet, "/api", nil))
	fmt.Println(ok, okAPI)
	// Output: true false
}

func ExampleIsUnavailable() {
	down := &authn.UnavailableError{Err: fmt.Errorf("fetch keys: connection refused")}
	fmt.Println(authn.IsUnavailable(down), authn.IsUnavailable(authn.ErrExpired))
	// Output: true false
}
