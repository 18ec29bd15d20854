package x509auth

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
)

// newTLSServer starts an HTTPS server that asks for client certificates
// without verifying them (tls.RequestClientCert: a is what verifies) and
// answers with the authenticated user as JSON, or authn's failure
// answers. It is closed at cleanup.
func newTLSServer(t testing.TB, a authn.Authenticator) *httptest.Server {
	t.Helper()
	h := authn.Middleware(a, authn.MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		_ = json.NewEncoder(w).Encode(u)
	}))
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// tlsClient is an HTTPS client of a test server presenting one client
// certificate, keeping its connection between requests as real clients do.
type tlsClient struct {
	srv *httptest.Server
	c   *http.Client
}

func newTLSClient(t testing.TB, srv *httptest.Server, cert tls.Certificate) *tlsClient {
	t.Helper()
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	t.Cleanup(tr.CloseIdleConnections)
	return &tlsClient{srv: srv, c: &http.Client{Transport: tr}}
}

// get makes one request and returns the status and, on 200, the user.
func (c *tlsClient) get(t testing.TB) (int, authn.UserInfo) {
	t.Helper()
	resp, err := c.c.Get(c.srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	var u authn.UserInfo
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&u))
	}
	return resp.StatusCode, u
}

// wantUser fails t unless the request succeeds as user name.
func (c *tlsClient) wantUser(t testing.TB, name string) {
	t.Helper()
	status, u := c.get(t)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, name, u.Name)
}

// wantStatus fails t unless the request is answered with status.
func (c *tlsClient) wantStatus(t testing.TB, status int) {
	t.Helper()
	got, _ := c.get(t)
	require.Equal(t, status, got)
}
