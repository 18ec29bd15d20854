package x509auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
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
	_, err = io.Copy(io.Discard, resp.Body) // read to the end, so that the connection is kept
	require.NoError(t, err)
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

// junkChain returns a client certificate for name, signed by a CA the
// server does not trust, followed by n junk CA certificates that carry
// the name of the leaf's issuer, as an attacker would send them to make
// every verification try each as a parent. They share one key, so that
// making them is cheap.
func junkChain(t testing.TB, n int) tls.Certificate {
	t.Helper()
	rogue := authntest.NewCA() // the same subject as every authntest CA
	leaf := rogue.IssueClient("mallory", authn.MastersGroup)
	cert := leaf.TLSCertificate()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	for i := range n {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)), Subject: leaf.Certificate.Issuer,
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		require.NoError(t, err)
		cert.Certificate = append(cert.Certificate, der)
	}
	return cert
}

// TestJunkChainOverTLS: clients on keep-alive connections send chains of
// junk intermediates, request after request. A chain longer than the limit
// is refused without verifying anything; one within the limit is verified
// once, then its failure is remembered. A valid client on the same server
// is unaffected.
func TestJunkChainOverTLS(t *testing.T) {
	ca := authntest.NewCA()
	v := newStatic(t, ca, VerifyOptions{})
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(authn.Middleware(NewWithVerifier(v, nil), authn.MiddlewareOptions{})(http.NotFoundHandler()))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	tests := []struct {
		name              string
		junk              int
		wantVerifications uint64
	}{
		{name: "100 junk intermediates: refused unverified", junk: 100},
		{name: "junk within the limit: verified once", junk: DefaultMaxIntermediates, wantVerifications: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, connsBefore := v.verifications.Load(), conns.Load()
			c := newTLSClient(t, srv, junkChain(t, tt.junk))
			for range 20 {
				c.wantStatus(t, http.StatusUnauthorized)
			}
			assert.Equal(t, tt.wantVerifications, v.verifications.Load()-before)
			assert.Equal(t, int32(1), conns.Load()-connsBefore, "one keep-alive connection")
		})
	}
	jane := newTLSClient(t, srv, ca.IssueClient("jane").TLSCertificate())
	before := v.verifications.Load()
	for range 3 {
		jane.wantStatus(t, http.StatusNotFound) // authenticated: the handler answers
	}
	assert.Equal(t, uint64(1), v.verifications.Load()-before)
}
