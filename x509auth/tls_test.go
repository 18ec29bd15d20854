package x509auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// newTLSServer starts an HTTPS server that asks for client certificates
// without verifying them (TLSConfig: a is what verifies) and
// answers with the authenticated user as JSON, or authn's failure
// answers. It is closed at cleanup.
func newTLSServer(t testing.TB, a authn.Authenticator) *httptest.Server {
	t.Helper()
	h := authn.Middleware(a, authn.MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		_ = json.NewEncoder(w).Encode(u)
	}))
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = TLSConfig(nil)
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
	c := authntest.Client(srv, cert)
	t.Cleanup(c.CloseIdleConnections)
	return &tlsClient{srv: srv, c: c}
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
	srv.TLS = TLSConfig(nil)
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

// lockedBuffer collects log output written by server goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestTLSConfig(t *testing.T) {
	get := func(*tls.ClientHelloInfo) (*tls.Config, error) { return nil, nil }
	tests := []struct {
		name string
		base *tls.Config
		want tls.ClientAuthType
	}{
		{name: "nil", want: tls.RequestClientCert},
		{name: "default", base: &tls.Config{MinVersion: tls.VersionTLS13}, want: tls.RequestClientCert},
		{name: "require any kept", base: &tls.Config{ClientAuth: tls.RequireAnyClientCert}, want: tls.RequireAnyClientCert},
		{name: "verify if given kept", base: &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven}, want: tls.VerifyClientCertIfGiven},
		{name: "require and verify kept", base: &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert}, want: tls.RequireAndVerifyClientCert},
		{name: "with GetConfigForClient", base: &tls.Config{GetConfigForClient: get}, want: tls.RequestClientCert},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before tls.Config
			if tt.base != nil {
				before = *tt.base.Clone()
			}
			c := TLSConfig(tt.base)
			require.NotNil(t, c)
			assert.NotSame(t, tt.base, c)
			assert.Equal(t, tt.want, c.ClientAuth)
			if tt.base != nil {
				assert.Equal(t, before.ClientAuth, tt.base.ClientAuth, "base unchanged")
				assert.Equal(t, tt.base.MinVersion, c.MinVersion, "the rest kept")
			}
		})
	}

	// Configs chosen per client are raised too, without changing them.
	shared := &tls.Config{ServerName: "per-client"}
	strict := &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	c := TLSConfig(&tls.Config{GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		if hello.ServerName == "strict" {
			return strict, nil
		}
		return shared, nil
	}})
	got, err := c.GetConfigForClient(&tls.ClientHelloInfo{})
	require.NoError(t, err)
	assert.Equal(t, tls.RequestClientCert, got.ClientAuth)
	assert.Equal(t, "per-client", got.ServerName)
	assert.Equal(t, tls.NoClientCert, shared.ClientAuth, "the returned config is a clone")
	got, err = c.GetConfigForClient(&tls.ClientHelloInfo{ServerName: "strict"})
	require.NoError(t, err)
	assert.Same(t, strict, got)
}

// serveTLS serves h with cfg as a program does with ListenAndServeTLS
// (http.Server.TLSConfig holding the certificate), and returns a client
// that trusts ca and presents cert, and the server's URL.
func serveTLS(t *testing.T, h http.Handler, cfg *tls.Config, ca *authntest.CA, cert tls.Certificate) (*http.Client, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h, TLSConfig: cfg}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{cert}}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		require.NoError(t, srv.Close())
		require.ErrorIs(t, <-done, http.ErrServerClosed)
	})
	return &http.Client{Transport: tr}, "https://" + ln.Addr().String()
}

// TestWarnsWhenClientCertsNeverRequested serves the authenticator from
// real TLS servers: one whose tls.Config never asks for client
// certificates gets one warning, however many requests come; the others,
// and those whose configuration cannot be seen, get none.
func TestWarnsWhenClientCertsNeverRequested(t *testing.T) {
	ca := authntest.NewCA()
	jane := ca.IssueClient("jane").TLSCertificate()
	serverCert := ca.IssueServer("127.0.0.1").TLSCertificate()
	const warning = "client certificates are never requested"
	newAuth := func(t *testing.T) (http.Handler, *Authenticator, *lockedBuffer) {
		logs := &lockedBuffer{}
		a, err := New(Options{VerifyOptions: VerifyOptions{ClientCA: ca.Pool(), Logger: slog.New(slog.NewTextHandler(logs, nil))}})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, a.Close()) })
		return authn.Middleware(a, authn.MiddlewareOptions{})(http.NotFoundHandler()), a, logs
	}
	status := func(t *testing.T, c *http.Client, url string) int {
		resp, err := c.Get(url)
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}

	t.Run("never requested: one warning", func(t *testing.T) {
		h, _, logs := newAuth(t)
		c, url := serveTLS(t, h, &tls.Config{Certificates: []tls.Certificate{serverCert}}, ca, jane)
		for range 3 {
			assert.Equal(t, http.StatusUnauthorized, status(t, c, url), "the certificate is never sent")
		}
		assert.Equal(t, 1, strings.Count(logs.String(), warning), logs.String())
		assert.Contains(t, logs.String(), "level=WARN")
		assert.Contains(t, logs.String(), "x509auth.TLSConfig")
	})
	t.Run("TLSConfig: no warning", func(t *testing.T) {
		h, _, logs := newAuth(t)
		c, url := serveTLS(t, h, TLSConfig(&tls.Config{Certificates: []tls.Certificate{serverCert}}), ca, jane)
		assert.Equal(t, http.StatusNotFound, status(t, c, url), "authenticated: the handler answers")
		noCert, url2 := serveTLS(t, h, TLSConfig(&tls.Config{Certificates: []tls.Certificate{serverCert}}), ca, tls.Certificate{})
		assert.Equal(t, http.StatusUnauthorized, status(t, noCert, url2), "a client without a certificate")
		assert.NotContains(t, logs.String(), warning)
	})
	t.Run("GetConfigForClient may decide: no warning", func(t *testing.T) {
		h, _, logs := newAuth(t)
		perClient := &tls.Config{Certificates: []tls.Certificate{serverCert}}
		c, url := serveTLS(t, h, &tls.Config{Certificates: []tls.Certificate{serverCert},
			GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return perClient, nil }}, ca, jane)
		assert.Equal(t, http.StatusUnauthorized, status(t, c, url))
		assert.NotContains(t, logs.String(), warning)
	})
	t.Run("config not visible: no warning", func(t *testing.T) {
		// httptest serves a ready-made TLS listener: http.Server.TLSConfig
		// is nil, or the empty config net/http fills in for HTTP/2, not
		// the listener's.
		h, a, logs := newAuth(t)
		srv := httptest.NewTLSServer(h)
		t.Cleanup(srv.Close)
		c := newTLSClient(t, srv, jane)
		for range 2 {
			c.wantStatus(t, http.StatusUnauthorized)
		}
		// Nor for a request built by hand.
		_, ok, err := a.AuthenticateRequest(authntest.NewRequest())
		require.NoError(t, err)
		require.False(t, ok)
		assert.NotContains(t, logs.String(), warning)
	})
}
