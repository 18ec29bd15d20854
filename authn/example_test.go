package authn_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/union"
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

// A guest identity of your own, as a fallback: asked only when no other
// member had an opinion, so a wrong token is never a guest.
func ExampleFallback() {
	tokens := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		if token == "s3cret" {
			return &authn.Response{User: authn.UserInfo{Name: "alice"}}, true, nil
		}
		return nil, false, nil
	})
	guest := authn.Fallback(authn.AuthenticatorFunc(func(*http.Request) (*authn.Response, bool, error) {
		return &authn.Response{User: authn.UserInfo{Name: "guest"}}, true, nil
	}))
	a := union.New(guest, authn.BearerToken(tokens)) // the order does not matter
	for _, header := range []string{"", "Bearer s3cret", "Bearer wrong"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		resp, ok, err := a.AuthenticateRequest(r)
		if ok {
			fmt.Println(resp.User.Name)
		} else {
			fmt.Println(authn.Reason(err))
		}
	}
	// Output:
	// guest
	// alice
	// unrecognized
}

// Named attributes an authenticator's errors, so a refusal says which
// one decided; Reason names the kind of refusal in one word.
func ExampleNamed() {
	keys := authn.NamedToken("apikeys", authn.TokenAuthenticatorFunc(func(context.Context, string) (*authn.Response, bool, error) {
		return nil, false, fmt.Errorf("apikeys: key revoked: %w", authn.ErrRevoked)
	}))
	_, _, err := authn.BearerToken(keys).AuthenticateRequest(bearerRequest("k-1"))
	fmt.Println(authn.Authenticators(err), authn.Reason(err))
	// Output: [apikeys] revoked
}

// AsBearer checks a token that arrives without a request, such as a
// TokenReview's, as BearerToken checks a header's.
func ExampleAsBearer() {
	tokens := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		return &authn.Response{User: authn.UserInfo{Name: "token-" + token}}, true, nil
	})
	review := authn.AddTokenAuthenticatedGroup(authn.AsBearer(tokens))
	resp, _, _ := review.AuthenticateToken(context.Background(), "abc")
	fmt.Println(resp.User.Name, resp.User.Groups)
	_, _, err := review.AuthenticateToken(context.Background(), "a b")
	fmt.Println(errors.Is(err, authn.ErrMalformed))
	// Output:
	// token-abc [system:authenticated]
	// true
}

// AddTokenGroups appends groups to every success of a token
// authenticator, as Kubernetes' token group adder.
func ExampleAddTokenGroups() {
	tokens := authn.TokenAuthenticatorFunc(func(context.Context, string) (*authn.Response, bool, error) {
		return &authn.Response{User: authn.UserInfo{Name: "ci-bot", Groups: []string{"bots"}}}, true, nil
	})
	resp, _, _ := authn.AddTokenGroups(tokens, "ci", "bots").AuthenticateToken(context.Background(), "t")
	fmt.Println(resp.User.Groups)
	// Output: [bots ci bots]
}

func bearerRequest(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// The decision log: one line per refusal, with its reason and a keyed
// fingerprint of the credential, never the credential.
func ExampleMiddlewareOptions_logger() {
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "credential" || a.Key == "remote" {
			return slog.Attr{} // the fingerprint's key is random per middleware
		}
		return a
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}))
	tokens := authn.NamedToken("tokens", authn.TokenAuthenticatorFunc(func(context.Context, string) (*authn.Response, bool, error) {
		return nil, false, &authn.ExpiredError{}
	}))
	h := authn.Middleware(authn.BearerToken(tokens), authn.MiddlewareOptions{Logger: logger})(http.NotFoundHandler())
	h.ServeHTTP(httptest.NewRecorder(), bearerRequest("s3cret"))
	// Output:
	// level=INFO msg="authentication refused" reason=expired status=401 method=GET path=/ authenticator=tokens err="authn: invalid bearer token: authn: credential expired at 0001-01-01T00:00:00Z"
}

// Decision events reach an audit pipeline through a buffered channel, so
// that a slow pipeline never holds a request up: when it falls behind,
// events are counted and dropped.
func ExampleObserver_audit() {
	audit := make(chan authn.AuthenticationEvent, 1024)
	var dropped atomic.Int64
	obs := &authn.Observer{Authentication: func(e authn.AuthenticationEvent) {
		select {
		case audit <- e:
		default:
			dropped.Add(1)
		}
	}}

	keys := authn.NamedToken("apikeys", authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		switch token {
		case "s3cret":
			return &authn.Response{User: authn.UserInfo{Name: "alice",
				Extra: map[string][]string{authn.CredentialIDKey: {"JTI=7f3c"}}}}, true, nil
		case "revoked":
			return nil, false, fmt.Errorf("apikeys: key 12: %w", authn.ErrRevoked)
		}
		return nil, false, nil
	}))
	hello := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hello") })
	h := authn.Middleware(authn.BearerToken(keys), authn.MiddlewareOptions{
		Observer: obs,
		Logger:   slog.New(slog.DiscardHandler),
	})(hello)
	for _, header := range []string{"Bearer s3cret", "Bearer revoked", ""} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	close(audit)

	// The pipeline's side, on its own goroutine in a real program: one
	// JSON record per decision (Time and Duration left out here, to keep
	// the output the same on every run).
	type record struct {
		Result         string   `json:"result"`
		Reason         string   `json:"reason,omitempty"`
		Authenticators []string `json:"authenticators,omitempty"`
		Credentials    []string `json:"credentials"`
		User           string   `json:"user,omitempty"`
		CredentialID   string   `json:"credential_id,omitempty"`
	}
	enc := json.NewEncoder(os.Stdout)
	for e := range audit {
		_ = enc.Encode(record{e.Result, e.Reason, e.Authenticators, e.Credentials, e.User, e.CredentialID})
	}
	fmt.Println("dropped:", dropped.Load())
	// Output:
	// {"result":"success","credentials":["bearer"],"user":"alice","credential_id":"JTI=7f3c"}
	// {"result":"error","reason":"revoked","authenticators":["apikeys"],"credentials":["bearer"]}
	// {"result":"failure","reason":"no_credential","credentials":null}
	// dropped: 0
}
