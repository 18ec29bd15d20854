package benchmarks

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	k8sauthenticator "k8s.io/apiserver/pkg/authentication/authenticator"
	k8sbearer "k8s.io/apiserver/pkg/authentication/request/bearertoken"
	k8sfilters "k8s.io/apiserver/pkg/endpoints/filters"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/options"
)

// discardWriter is a ResponseWriter that keeps nothing, so that the
// in-process middleware benchmarks measure the filter, not a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// okHandler is the handler behind every filter: it answers 200 "ok".
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })

// handlerImpl measures h.ServeHTTP on a request carrying authz, the header
// put back before every call (a successful filter removes it).
func handlerImpl(name string, h http.Handler, authz []string) impl {
	serve := func(w *discardWriter, r *http.Request) {
		r.Header["Authorization"] = authz
		clear(w.h)
		h.ServeHTTP(w, r)
	}
	return impl{
		name: name,
		serial: func(b *testing.B) {
			w, r := &discardWriter{h: http.Header{}}, newRequest().WithContext(b.Context())
			b.ReportAllocs()
			for b.Loop() {
				serve(w, r)
			}
		},
		parallel: func(b *testing.B) {
			ctx := b.Context()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w, r := &discardWriter{h: http.Header{}}, newRequest().WithContext(ctx)
				for pb.Next() {
					serve(w, r)
				}
			})
		},
	}
}

// BenchmarkMiddleware is the whole authentication filter in process, a
// bearer token looked up in a 10 000-row token file: k8s.io/apiserver's
// filters.WithAuthentication against authn.Middleware with the decision
// log at its default level (slog.Default(), Info: a refusal is logged,
// at most 20 lines a second; a success checks only whether Debug is on).
// A miss goes through each side's failure path and 401.
func BenchmarkMiddleware(b *testing.B) {
	f := newTokenFiles(b, 10_000, 16)
	failed := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	k8s := k8sfilters.WithAuthentication(okHandler, k8sbearer.New(f.k8s), failed, k8sauthenticator.Audiences{}, nil)
	ours := authn.Middleware(authn.BearerToken(f.plain), authn.MiddlewareOptions{})(okHandler)
	for _, c := range []struct{ name, token string }{{"hit", f.hit}, {"miss", f.miss}} {
		b.Run("case="+c.name, func(b *testing.B) {
			authz := []string{"Bearer " + c.token}
			runModes(b, handlerImpl(implK8s, k8s, authz), handlerImpl(implAuthnkit, ours, authz))
		})
	}
}

// BenchmarkWholeRequest is DESIGN.md's "whole request, cached credential":
// an HTTPS request over loopback with keep-alive, client and server in
// this process, carrying a service-account token that the token cache
// already holds, through options' middleware (the authenticator
// kube-apiserver's flags build, decision log at its default level);
// ref-noauth is the same request to the same handler without
// authentication.
func BenchmarkWholeRequest(b *testing.B) {
	key := saAlgs[1].key() // ES256
	dir := b.TempDir()
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		b.Fatal(err)
	}
	pub := filepath.Join(dir, "sa.pub")
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		b.Fatal(err)
	}
	o := options.NewOptions()
	o.ServiceAccountKeyFiles = []string{pub}
	o.ServiceAccountIssuers = []string{saIssuer}
	o.APIAudiences = []string{saAudience}
	o.AnonymousAuth = false
	a, err := o.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	authz := []string{"Bearer " + saToken(b, key)}
	runModes(b,
		roundTripImpl("ref-noauth", okHandler, authz),
		roundTripImpl(implAuthnkit, a.Middleware()(okHandler), authz),
	)
}

// roundTripImpl measures one HTTPS round trip to h over a kept-alive
// loopback connection.
func roundTripImpl(name string, h http.Handler, authz []string) impl {
	run := func(b *testing.B, parallel bool) {
		srv := httptest.NewTLSServer(h)
		defer srv.Close()
		c := srv.Client()
		c.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
		defer c.CloseIdleConnections()
		do := func(req *http.Request) {
			req.Header["Authorization"] = authz
			res, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Fatalf("%s: status %d", name, res.StatusCode)
			}
		}
		newReq := func() *http.Request {
			req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, srv.URL+"/api/v1/namespaces/default/pods", nil)
			if err != nil {
				b.Fatal(err)
			}
			return req
		}
		do(newReq()) // the handshake and the cache fill happen here
		b.ReportAllocs()
		if !parallel {
			for b.Loop() {
				do(newReq())
			}
			return
		}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				do(newReq())
			}
		})
	}
	return impl{
		name:     name,
		serial:   func(b *testing.B) { run(b, false) },
		parallel: func(b *testing.B) { run(b, true) },
	}
}
