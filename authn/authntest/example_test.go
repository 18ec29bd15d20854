package authntest_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// A custom token authenticator, unit-tested with authntest's request
// builders.
func ExampleNewBearerRequest() {
	byPrefix := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		name, ok := strings.CutPrefix(token, "demo-")
		if !ok {
			return nil, false, nil
		}
		return &authn.Response{User: authn.UserInfo{Name: name, Groups: []string{"demo"}}}, true, nil
	})
	resp, ok, err := authn.BearerToken(byPrefix).AuthenticateRequest(authntest.NewBearerRequest("demo-alice"))
	fmt.Println(resp.User.Name, resp.User.Groups, ok, err)
	// Output: alice [demo] true <nil>
}

// A throwaway CA issues a client certificate; the request carries it as a
// verified TLS peer certificate.
func ExampleCA() {
	ca := authntest.NewCA()
	cert := ca.IssueClient("jane", "dev", "ops")
	r := cert.NewRequest()
	leaf := r.TLS.PeerCertificates[0]
	fmt.Println(leaf.Subject.CommonName, leaf.Subject.Organization, len(r.TLS.VerifiedChains))
	// Output: jane [dev ops] 1
}

func ExampleFake() {
	f := authntest.Fail(authn.ErrExpired)
	_, ok, err := f.AuthenticateToken(context.Background(), "t")
	fmt.Println(ok, err, f.Calls())
	// Output: false authn: credential expired 1
}

// A test of what a middleware reports: the Recorder keeps every event.
func ExampleRecorder() {
	rec := authntest.NewRecorder()
	h := authn.Middleware(authntest.Fail(authn.ErrExpired), authn.MiddlewareOptions{
		Observer: rec.Observer(),
		Logger:   slog.New(slog.DiscardHandler),
	})(http.NotFoundHandler())
	h.ServeHTTP(httptest.NewRecorder(), authntest.NewBearerRequest("t"))
	for _, e := range rec.Authentication() {
		fmt.Println(e.Result, e.Reason, e.Credentials)
	}
	// Output: error expired [bearer]
}
