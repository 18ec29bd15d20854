package requestheader_test

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/union"
	"github.com/authnkit/authnkit/x509auth"
)

// seen is what the backend handler reports: the authenticated user and
// every X-Remote-* header that reached it.
type seen struct {
	User    authn.UserInfo
	Headers map[string][]string
}

// A real front proxy (net/http/httputil) holding the front-proxy client
// certificate authenticates its own users and forwards their identity in
// X-Remote-* headers to a TLS backend that asks for client certificates
// without verifying them (tls.RequestClientCert) and authenticates with
// requestheader behind authn.Middleware, in kube-apiserver's composition:
// a union of the front proxy and client certificates inside a fail-fast
// union with anonymous access. The same headers sent directly by a client,
// with or without a certificate, never become an identity and never reach
// the handler, whoever authenticates the request in the end.
func TestReverseProxy(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	serverCA := authntest.NewCA()
	rh := newAuth(t, p, nil)

	// Client certificates from the client CA, mapped as Kubernetes does
	// (CN → name, O → groups), standing in for x509auth's authenticator.
	clientVerifier, err := x509auth.NewVerifier(x509auth.VerifyOptions{ClientCA: p.clientCA.Pool()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, clientVerifier.Close()) })
	clientCerts := authn.AuthenticatorFunc(func(r *http.Request) (*authn.Response, bool, error) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			return nil, false, nil
		}
		chains, expiry, err := clientVerifier.Verify(r.TLS.PeerCertificates)
		if err != nil {
			return nil, false, err
		}
		leaf := chains[0][0]
		return &authn.Response{User: authn.UserInfo{Name: leaf.Subject.CommonName, Groups: leaf.Subject.Organization}, Expiry: expiry}, true, nil
	})
	a := union.NewWith(union.Options{FailFast: true}, union.New(rh, clientCerts), authn.Anonymous())
	handler := authn.Middleware(a, authn.MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Headers: map[string][]string{}}
		s.User, _ = authn.UserFrom(r.Context())
		for k, v := range r.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-remote-") {
				s.Headers[k] = v
			}
		}
		_ = json.NewEncoder(w).Encode(s)
	}))
	backend := httptest.NewUnstartedServer(handler)
	backend.TLS = &tls.Config{
		Certificates: []tls.Certificate{serverCA.IssueServer("127.0.0.1").TLSCertificate()},
		ClientAuth:   tls.RequestClientCert, // the authenticators verify
	}
	backend.StartTLS()
	t.Cleanup(backend.Close)
	backendURL, err := url.Parse(backend.URL)
	require.NoError(t, err)

	// The proxy's own user table: bearer token → identity to forward.
	users := map[string]authn.UserInfo{
		"Bearer jane-token": {Name: "jane", UID: "1001", Groups: []string{"dev", "ops"},
			Extra: map[string][]string{"scopes/x": {"view", "edit"}, "acme.com/project": {"p1"}}},
	}
	proxyTransport := &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs:      serverCA.Pool(),
		Certificates: []tls.Certificate{p.proxy.TLSCertificate()},
	}}
	t.Cleanup(proxyTransport.CloseIdleConnections)
	proxy := &httputil.ReverseProxy{
		Transport: proxyTransport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(backendURL)
			// Like client-go's SetAuthProxyHeaders: drop whatever identity
			// headers the client sent, then set the authenticated user's.
			for k := range pr.Out.Header {
				if strings.HasPrefix(strings.ToLower(k), "x-remote-") {
					delete(pr.Out.Header, k)
				}
			}
			u, ok := users[pr.In.Header.Get("Authorization")]
			pr.Out.Header.Del("Authorization")
			if !ok {
				return
			}
			pr.Out.Header.Set("X-Remote-User", u.Name)
			pr.Out.Header.Set("X-Remote-Uid", u.UID)
			for _, g := range u.Groups {
				pr.Out.Header.Add("X-Remote-Group", g)
			}
			for k, vs := range u.Extra {
				for _, v := range vs {
					pr.Out.Header.Add("X-Remote-Extra-"+url.PathEscape(k), v)
				}
			}
		},
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)

	anonymous := authn.UserInfo{Name: authn.AnonymousUser, Groups: []string{authn.UnauthenticatedGroup}}
	spoofed := http.Header{
		"X-Remote-User":               {"mallory"},
		"X-Remote-Uid":                {"0"},
		"X-Remote-Group":              {"system:masters"},
		"X-Remote-Extra-Scopes%2Fx":   {"admin"},
		"X-Remote-Extra-Acme.com%2fp": {"all"},
	}
	tests := []struct {
		name       string
		url        string
		cert       *authntest.Cert // client certificate sent to url
		token      string
		wantStatus int
		wantUser   authn.UserInfo
	}{
		{name: "through the proxy", url: front.URL, token: "Bearer jane-token", wantStatus: http.StatusOK, wantUser: users["Bearer jane-token"]},
		// No user header: requestheader has no opinion, and the proxy's
		// certificate is no client certificate (another CA), as in
		// kube-apiserver with separate CAs.
		{name: "through the proxy without a user: rejected", url: front.URL, wantStatus: http.StatusUnauthorized},
		{name: "direct without a certificate: headers ignored", url: backend.URL, wantStatus: http.StatusOK, wantUser: anonymous},
		{name: "direct with a client CA certificate: the certificate's user, headers ignored", url: backend.URL, cert: p.client,
			wantStatus: http.StatusOK, wantUser: authn.UserInfo{Name: proxyName, Groups: []string{"system:masters"}}},
		{name: "direct with a certificate from no known CA: rejected", url: backend.URL, cert: authntest.NewCA().IssueClient(proxyName),
			wantStatus: http.StatusUnauthorized},
		{name: "direct with a disallowed proxy name: rejected", url: backend.URL, cert: p.intruder, wantStatus: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := &tls.Config{RootCAs: serverCA.Pool()}
			if tt.cert != nil {
				cfg.Certificates = []tls.Certificate{tt.cert.TLSCertificate()}
			}
			tr := &http.Transport{TLSClientConfig: cfg}
			t.Cleanup(tr.CloseIdleConnections)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, tt.url, nil)
			require.NoError(t, err)
			req.Header = spoofed.Clone()
			if tt.token != "" {
				req.Header.Set("Authorization", tt.token)
			}
			res, err := (&http.Client{Transport: tr}).Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, tt.wantStatus, res.StatusCode)
			if tt.wantStatus != http.StatusOK {
				return
			}
			var got seen
			require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
			authntest.AssertUser(t, tt.wantUser, &authn.Response{User: got.User}, true, nil)
			assert.Empty(t, got.Headers, "no identity header may reach the handler")
		})
	}
}

// TestUnderscoreHeadersOverTLS sends identity headers spelled with
// underscores (which net/http passes on as they are, and which CGI-style
// gateways would turn into the real ones) to a real TLS server, with every
// kind of client certificate: none of them reaches the handler, whoever
// authenticates the request, and none becomes part of an identity.
func TestUnderscoreHeadersOverTLS(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	clientVerifier, err := x509auth.NewVerifier(x509auth.VerifyOptions{ClientCA: p.clientCA.Pool()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, clientVerifier.Close()) })
	a := union.NewWith(union.Options{FailFast: true},
		union.New(newAuth(t, p, nil), x509auth.NewWithVerifier(clientVerifier, nil)), authn.Anonymous())
	srv := httptest.NewUnstartedServer(authn.Middleware(a, authn.MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Headers: map[string][]string{}}
		s.User, _ = authn.UserFrom(r.Context())
		for k, v := range r.Header {
			if strings.Contains(strings.ToLower(k), "remote") {
				s.Headers[k] = v
			}
		}
		_ = json.NewEncoder(w).Encode(s)
	})))
	srv.TLS = x509auth.TLSConfig(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	anonymous := authn.UserInfo{Name: authn.AnonymousUser, Groups: []string{authn.UnauthenticatedGroup}}
	tests := []struct {
		name       string
		cert       *authntest.Cert
		user       string // X-Remote-User sent, if any
		wantStatus int
		wantUser   authn.UserInfo
	}{
		{name: "no certificate", wantStatus: http.StatusOK, wantUser: anonymous},
		{name: "client CA certificate", cert: p.client, wantStatus: http.StatusOK,
			wantUser: authn.UserInfo{Name: proxyName, Groups: []string{"system:masters"}}},
		{name: "trusted proxy, lookalikes only", cert: p.proxy, wantStatus: http.StatusUnauthorized},
		{name: "trusted proxy", cert: p.proxy, user: "jane", wantStatus: http.StatusOK, wantUser: authn.UserInfo{Name: "jane"}},
		{name: "disallowed proxy name", cert: p.intruder, user: "jane", wantStatus: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := srv.Client()
			if tt.cert != nil {
				c = authntest.Client(srv, tt.cert.TLSCertificate())
				t.Cleanup(c.CloseIdleConnections)
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			req.Header = http.Header{
				"X_Remote_User":      {"mallory"},
				"x_remote_group":     {"system:masters"},
				"X_Remote_Extra_foo": {"bar"},
				"X-Remote_Uid":       {"0"},
			}
			if tt.user != "" {
				req.Header.Set("X-Remote-User", tt.user)
			}
			res, err := c.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, tt.wantStatus, res.StatusCode)
			if tt.wantStatus != http.StatusOK {
				return
			}
			var got seen
			require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
			if tt.cert == p.client {
				tt.wantUser.Extra = map[string][]string{authn.CredentialIDKey: {credentialID(p.client)}}
			}
			authntest.AssertUser(t, tt.wantUser, &authn.Response{User: got.User}, true, nil)
			assert.Empty(t, got.Headers, "no identity header, however spelled, may reach the handler")
		})
	}
}

// credentialID is the value x509auth's CommonNameMapping gives
// authn.CredentialIDKey for c.
func credentialID(c *authntest.Cert) string {
	sum := sha256.Sum256(c.Certificate.Raw)
	return "X509SHA256=" + hex.EncodeToString(sum[:])
}
