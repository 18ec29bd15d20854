package authntest_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func TestCAIssuesVerifiableClientCerts(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	tests := []struct {
		name    string
		kt      authntest.KeyType
		wantKey any
	}{
		{"ecdsa p256", authntest.ECDSAP256, &ecdsa.PrivateKey{}},
		{"ecdsa p384", authntest.ECDSAP384, &ecdsa.PrivateKey{}},
		{"rsa 2048", authntest.RSA2048, &rsa.PrivateKey{}},
		{"ed25519", authntest.Ed25519, ed25519.PrivateKey{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := ca.Issue(authntest.CertOptions{KeyType: tt.kt, Subject: pkix.Name{CommonName: "jane", Organization: []string{"dev", "ops"}}})
			assert.IsType(t, tt.wantKey, c.Key)
			assert.Equal(t, "jane", c.Certificate.Subject.CommonName)
			assert.Equal(t, []string{"dev", "ops"}, c.Certificate.Subject.Organization)
			_, err := c.Certificate.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			require.NoError(t, err)
			block, _ := pem.Decode(c.KeyPEM)
			require.NotNil(t, block)
			_, err = x509.ParsePKCS8PrivateKey(block.Bytes)
			require.NoError(t, err)
			_, err = tls.X509KeyPair(c.CertPEM, c.KeyPEM)
			require.NoError(t, err)
		})
	}
}

func TestCertRequest(t *testing.T) {
	t.Parallel()
	root := authntest.NewCA()
	inter := root.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "intermediate"}})
	tests := []struct {
		name         string
		cert         *authntest.Cert
		wantPeers    int
		wantVerified bool
	}{
		{"direct", root.IssueClient("jane", "dev"), 1, true},
		{"via intermediate", inter.IssueClient("jane"), 2, true},
		{"expired", root.Issue(authntest.CertOptions{NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: time.Now().Add(-time.Hour)}), 1, false},
		{"server usage only", root.IssueServer("127.0.0.1"), 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.cert.NewRequest()
			require.NotNil(t, r.TLS)
			assert.Len(t, r.TLS.PeerCertificates, tt.wantPeers)
			assert.Same(t, tt.cert.Certificate, r.TLS.PeerCertificates[0])
			if tt.wantVerified {
				require.Len(t, r.TLS.VerifiedChains, 1)
				chain := r.TLS.VerifiedChains[0]
				assert.Equal(t, root.Certificate.Raw, chain[len(chain)-1].Raw)
			} else {
				assert.Empty(t, r.TLS.VerifiedChains)
			}
		})
	}
}

// The CA's certificates work in a real TLS handshake with client auth.
func TestCAOverRealTLS(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{ca.IssueServer("127.0.0.1").TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool(),
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs:      ca.Pool(),
		Certificates: []tls.Certificate{ca.Intermediate(authntest.CertOptions{}).IssueClient("jane").TLSCertificate()},
	}}}
	t.Cleanup(client.CloseIdleConnections)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	buf := make([]byte, 16)
	n, _ := res.Body.Read(buf)
	assert.Equal(t, "jane", string(buf[:n]))
}

func TestRequestBuilders(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Bearer tok", authntest.NewBearerRequest("tok").Header.Get("Authorization"))
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("u:p:w")), authntest.NewBasicRequest("u", "p:w").Header.Get("Authorization"))
	u, p, ok := authntest.NewBasicRequest("u", "p:w").BasicAuth()
	require.True(t, ok)
	assert.Equal(t, []string{"u", "p:w"}, []string{u, p})

	r := authntest.NewProxyRequest("jane", []string{"dev", "ops"}, map[string][]string{"scopes/x": {"a", "b"}})
	assert.Equal(t, "jane", r.Header.Get("X-Remote-User"))
	assert.Equal(t, []string{"dev", "ops"}, r.Header.Values("X-Remote-Group"))
	assert.Equal(t, []string{"a", "b"}, r.Header.Values("X-Remote-Extra-Scopes%2Fx"))
	assert.Empty(t, authntest.NewProxyRequest("", nil, nil).Header)
}

func TestFakes(t *testing.T) {
	t.Parallel()
	f := authntest.Succeed(authn.UserInfo{Name: "x"})
	resp, ok, err := f.AuthenticateToken(t.Context(), "any")
	authntest.AssertUser(t, authn.UserInfo{Name: "x"}, resp, ok, err)
	_, _, _ = f.AuthenticateRequest(authntest.NewRequest())
	assert.EqualValues(t, 2, f.Calls())

	resp, ok, err = authntest.NoOpinion().AuthenticateToken(t.Context(), "x")
	assert.True(t, authntest.CheckOutcome(t, resp, ok, err))
	assert.False(t, ok)
	_, _, err = authntest.Fail(authn.ErrRevoked).AuthenticateToken(t.Context(), "x")
	require.ErrorIs(t, err, authn.ErrRevoked)

	toks := authntest.Tokens(map[string]authn.UserInfo{"t": {Name: "a", Groups: []string{"g"}}})
	resp, ok, err = toks.AuthenticateToken(t.Context(), "t")
	authntest.AssertUser(t, authn.UserInfo{Name: "a", Groups: []string{"g"}}, resp, ok, err)
	resp, ok, err = toks.AuthenticateToken(t.Context(), "u")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Nil(t, resp)
}

// CheckOutcome and AssertUser report failures through t; run them against
// a recorder to see that they do.
func TestChecksReportBadAnswers(t *testing.T) {
	t.Parallel()
	resp := &authn.Response{User: authn.UserInfo{Name: "a"}}
	tests := []struct {
		name string
		run  func(tb testing.TB) bool
	}{
		{"true without response", func(tb testing.TB) bool { return authntest.CheckOutcome(tb, nil, true, nil) }},
		{"true with error", func(tb testing.TB) bool { return authntest.CheckOutcome(tb, resp, true, authn.ErrExpired) }},
		{"response without success", func(tb testing.TB) bool { return authntest.CheckOutcome(tb, resp, false, nil) }},
		{"wrong user", func(tb testing.TB) bool {
			return authntest.AssertUser(tb, authn.UserInfo{Name: "b"}, resp, true, nil)
		}},
		{"extra differs", func(tb testing.TB) bool {
			return authntest.AssertUser(tb, authn.UserInfo{Name: "a", Extra: map[string][]string{"k": {"v"}}}, resp, true, nil)
		}},
		{"no user", func(tb testing.TB) bool { return authntest.AssertUser(tb, authn.UserInfo{Name: "a"}, nil, false, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{TB: t}
			assert.False(t, tt.run(rec))
			assert.True(t, rec.failed, "the check must report the failure")
		})
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Error(...any)          { r.failed = true }
