package x509auth_test

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/requestheader"
	"github.com/authnkit/authnkit/union"
	"github.com/authnkit/authnkit/x509auth"
)

// TestClientCertsNextToFrontProxy is kube-apiserver's composition with
// both --client-ca-file and --requestheader-client-ca-file: the front
// proxy first, then client certificates, over real TLS with keep-alive.
// Every ordinary client certificate fails the front-proxy check before it
// authenticates; each Verifier verifies a chain once, remembering success
// or failure, so that twenty requests cost one verification per role.
func TestClientCertsNextToFrontProxy(t *testing.T) {
	clientCA, proxyCA := authntest.NewCA(), authntest.NewCA()
	newVerifier := func(ca *authntest.CA) *x509auth.Verifier {
		v, err := x509auth.NewVerifier(x509auth.VerifyOptions{ClientCA: ca.Pool()})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, v.Close()) })
		return v
	}
	clients, proxies := newVerifier(clientCA), newVerifier(proxyCA)
	opts := requestheader.DefaultHeaders()
	opts.Verifier = proxies
	opts.AllowedNames = []string{"front-proxy-client"}
	proxy, err := requestheader.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, proxy.Close()) })
	a := union.New(proxy, x509auth.NewWithVerifier(clients, nil))

	srv := httptest.NewUnstartedServer(authn.Middleware(a, authn.MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		_ = json.NewEncoder(w).Encode(u)
	})))
	srv.TLS = x509auth.TLSConfig(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	junk := func(n int) tls.Certificate {
		c := authntest.NewCA().IssueClient("mallory").TLSCertificate()
		for range n {
			c.Certificate = append(c.Certificate, authntest.NewCA().Certificate.Raw) // the issuer's name, another key
		}
		return c
	}
	tests := []struct {
		name                  string
		cert                  tls.Certificate
		user                  string // X-Remote-User sent
		wantStatus            int
		wantName              string
		wantClient, wantProxy uint64 // verifications
	}{
		{name: "client certificate", cert: clientCA.IssueClient("jane", "dev").TLSCertificate(),
			wantStatus: http.StatusOK, wantName: "jane", wantClient: 1, wantProxy: 1},
		{name: "front proxy", cert: proxyCA.IssueClient("front-proxy-client").TLSCertificate(), user: "bob",
			wantStatus: http.StatusOK, wantName: "bob", wantProxy: 1},
		{name: "junk within the limit", cert: junk(x509auth.DefaultMaxIntermediates),
			wantStatus: http.StatusUnauthorized, wantClient: 1, wantProxy: 1},
		{name: "100 junk intermediates", cert: junk(100), wantStatus: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := authntest.Client(srv, tt.cert)
			t.Cleanup(c.CloseIdleConnections)
			client, proxied := x509auth.Verifications(clients), x509auth.Verifications(proxies)
			for range 20 {
				req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
				require.NoError(t, err)
				if tt.user != "" {
					req.Header.Set(requestheader.UsernameHeader, tt.user)
				}
				resp, err := c.Do(req)
				require.NoError(t, err)
				var u authn.UserInfo
				if resp.StatusCode == http.StatusOK {
					require.NoError(t, json.NewDecoder(resp.Body).Decode(&u))
				}
				_, err = io.Copy(io.Discard, resp.Body)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				require.Equal(t, tt.wantStatus, resp.StatusCode)
				assert.Equal(t, tt.wantName, u.Name)
			}
			assert.Equal(t, tt.wantClient, x509auth.Verifications(clients)-client, "client CA verifications")
			assert.Equal(t, tt.wantProxy, x509auth.Verifications(proxies)-proxied, "front-proxy CA verifications")
		})
	}
}
