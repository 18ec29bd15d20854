package authn_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/union"
)

// TestMiddlewareObserver sends real requests over TLS, some with a client
// certificate, and checks the AuthenticationEvent of each.
func TestMiddlewareObserver(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	bob := authn.UserInfo{Name: "bob", Extra: map[string][]string{authn.CredentialIDKey: {"X509SHA256=ab12"}}}
	certs := authn.Named("x509", authn.AuthenticatorFunc(func(r *http.Request) (*authn.Response, bool, error) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			return nil, false, nil
		}
		return &authn.Response{User: bob}, true, nil
	}))
	carol := authn.UserInfo{Name: "carol", Extra: map[string][]string{authn.CredentialIDKey: {"JTI=42"}}}
	tokens := authn.NamedToken("tokens", authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		switch token {
		case "s3cret":
			return &authn.Response{User: carol}, true, nil
		case "elsewhere":
			return &authn.Response{User: carol, Audiences: []string{"other-api"}}, true, nil
		case "expired":
			return nil, false, &authn.ExpiredError{Expiry: time.Unix(0, 0)}
		case "down":
			return nil, false, &authn.UnavailableError{Err: errors.New("database down")}
		}
		return nil, false, nil
	}))
	rec := authntest.NewRecorder()
	a := union.New(authn.Named("basic", authntest.NoOpinion()), certs, authn.BearerToken(tokens))
	srv := httptest.NewUnstartedServer(authn.Middleware(a, authn.MiddlewareOptions{Audiences: []string{"api"}, Observer: rec.Observer()})(whoami))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	withCert := authntest.Client(srv, ca.IssueClient("bob").TLSCertificate())

	tests := []struct {
		name      string
		client    *http.Client
		header    map[string]string
		wantCode  int
		wantEvent authn.AuthenticationEvent
	}{
		{name: "bearer token", header: map[string]string{"Authorization": "Bearer s3cret"}, wantCode: http.StatusOK,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultSuccess, Credentials: []string{"bearer"}, User: "carol", CredentialID: "JTI=42"}},
		{name: "client certificate", client: withCert, wantCode: http.StatusOK,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultSuccess, Credentials: []string{"x509"}, User: "bob", CredentialID: "X509SHA256=ab12"}},
		{name: "client certificate and a basic header", client: withCert, header: map[string]string{"Authorization": "Basic Ym9iOnB3"}, wantCode: http.StatusOK,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultSuccess, Credentials: []string{"x509", "basic"}, User: "bob", CredentialID: "X509SHA256=ab12"}},
		{name: "nothing presented", wantCode: http.StatusUnauthorized,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultFailure, Reason: authn.ReasonNoCredential}},
		{name: "another scheme", header: map[string]string{"Authorization": "Negotiate abc"}, wantCode: http.StatusUnauthorized,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultFailure, Reason: authn.ReasonNoCredential, Credentials: []string{"authorization"}}},
		{name: "expired token", header: map[string]string{"Authorization": "Bearer expired"}, wantCode: http.StatusUnauthorized,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultError, Reason: authn.ReasonExpired, Authenticators: []string{"tokens"}, Credentials: []string{"bearer"}}},
		{name: "unknown token", header: map[string]string{"Authorization": "Bearer nobody-knows"}, wantCode: http.StatusUnauthorized,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultError, Reason: authn.ReasonUnrecognized, Credentials: []string{"bearer"}}},
		{name: "unavailable", header: map[string]string{"Authorization": "Bearer down"}, wantCode: http.StatusServiceUnavailable,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultError, Reason: authn.ReasonUnavailable, Authenticators: []string{"tokens"}, Credentials: []string{"bearer"}}},
		{name: "wrong audience", header: map[string]string{"Authorization": "Bearer elsewhere"}, wantCode: http.StatusUnauthorized,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultError, Reason: authn.ReasonWrongAudience, Credentials: []string{"bearer"}}},
		{name: "websocket bearer entry without an upgrade", header: map[string]string{"Sec-WebSocket-Protocol": "chat, " + authn.WebSocketProtocolPrefix + "czNjcmV0"}, wantCode: http.StatusUnauthorized,
			wantEvent: authn.AuthenticationEvent{Result: authn.ResultFailure, Reason: authn.ReasonNoCredential, Credentials: []string{"websocket-bearer"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := tt.client
			if client == nil {
				client = srv.Client()
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			before := len(rec.Authentication())
			start := time.Now()
			res, err := client.Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			end := time.Now()
			require.Equal(t, tt.wantCode, res.StatusCode)

			events := rec.Authentication()
			require.Len(t, events, before+1, "one event per request")
			got := events[before]
			assert.False(t, got.Time.Before(start) || got.Time.After(end), "Time %v is when the request was handled", got.Time)
			assert.GreaterOrEqual(t, got.Duration, time.Duration(0))
			got.Time, got.Duration = time.Time{}, 0
			assert.Equal(t, tt.wantEvent, got)
		})
	}
}

// countingObserver counts events with atomic adds, as a metrics adapter
// would record them, without allocating.
func countingObserver(n *atomic.Int64) *authn.Observer {
	return &authn.Observer{Authentication: func(e authn.AuthenticationEvent) {
		if e.Result == authn.ResultSuccess && len(e.Credentials) > 0 {
			n.Add(1)
		}
	}}
}

// The observer adds no allocation to a request that authenticates.
func TestMiddlewareObserverAllocations(t *testing.T) {
	resp := &authn.Response{User: alice}
	a := authn.AuthenticatorFunc(func(*http.Request) (*authn.Response, bool, error) { return resp, true, nil })
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	var n atomic.Int64
	plain := authn.Middleware(a, authn.MiddlewareOptions{})(next)
	observed := authn.Middleware(a, authn.MiddlewareOptions{Observer: countingObserver(&n)})(next)
	w := httptest.NewRecorder()
	r := authntest.NewBearerRequest("s3cret")
	r.Header.Set("Sec-WebSocket-Protocol", "chat")
	serve := func(h http.Handler) func() {
		return func() {
			r.Header["Authorization"] = []string{"Bearer s3cret"} // removed after each success
			h.ServeHTTP(w, r)
		}
	}
	base := testing.AllocsPerRun(100, serve(plain))
	with := testing.AllocsPerRun(100, serve(observed))
	t.Logf("allocations: %v without, %v with", base, with)
	assert.Equal(t, base, with, "allocations without and with an observer")
	assert.Positive(t, n.Load(), "the observer saw the requests")
}

// A nil Observer, and an Observer without Authentication, record nothing.
func TestMiddlewareObserverUnset(t *testing.T) {
	t.Parallel()
	for _, obs := range []*authn.Observer{nil, {}} {
		h := authn.Middleware(authntest.Fail(authn.ErrBadSignature), authn.MiddlewareOptions{Observer: obs})(whoami)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, authntest.NewBearerRequest("x"))
		assert.Equal(t, http.StatusUnauthorized, w.Code, fmt.Sprint(obs))
	}
}
