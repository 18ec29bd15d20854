package requestheader_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/requestheader"
	"github.com/authnkit/authnkit/x509auth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pki is the set of certificates the tests share: a front-proxy CA with a
// proxy certificate (allowed name), one with another name, an expired one
// and one through an intermediate; and a separate client CA, as
// kube-apiserver has, whose certificates must never pass as a proxy.
type pki struct {
	proxyCA, clientCA                            *authntest.CA
	proxy, intruder, expired, chained, serverUse *authntest.Cert
	client                                       *authntest.Cert
}

const proxyName = "front-proxy-client"

func newPKI(t testing.TB) *pki {
	t.Helper()
	p := &pki{proxyCA: authntest.NewCA(), clientCA: authntest.NewCA()}
	p.proxy = p.proxyCA.IssueClient(proxyName)
	p.intruder = p.proxyCA.IssueClient("intruder")
	p.expired = p.proxyCA.Issue(authntest.CertOptions{
		Subject:   pkix.Name{CommonName: proxyName},
		NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: time.Now().Add(-time.Hour),
	})
	p.serverUse = p.proxyCA.Issue(authntest.CertOptions{
		Subject:     pkix.Name{CommonName: proxyName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	p.chained = p.proxyCA.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "front-proxy intermediate"}}).IssueClient(proxyName)
	p.client = p.clientCA.IssueClient(proxyName, "system:masters") // same CN, wrong CA
	return p
}

// newAuth returns an Authenticator over p's proxy CA with the default
// headers and AllowedNames [proxyName], changed by edit when not nil.
func newAuth(t testing.TB, p *pki, edit func(*requestheader.Options)) *requestheader.Authenticator {
	t.Helper()
	opts := requestheader.DefaultHeaders()
	opts.ClientCA = p.proxyCA.Pool()
	opts.AllowedNames = []string{proxyName}
	if edit != nil {
		edit(&opts)
	}
	a, err := requestheader.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	return a
}

// hdr is one header line, added with http.Header.Add (canonical key)
// unless raw is set, in which case the key goes into the map as it is.
type hdr struct {
	name, value string
	raw         bool
}

func request(cert *authntest.Cert, tls bool, lines ...hdr) *http.Request {
	r := authntest.NewRequest()
	if !tls {
		r.TLS = nil
	}
	r.Header.Set("Accept", "application/json")
	for _, l := range lines {
		if l.raw {
			r.Header[l.name] = append(r.Header[l.name], l.value)
		} else {
			r.Header.Add(l.name, l.value)
		}
	}
	if cert != nil {
		cert.AddToRequest(r)
	}
	return r
}

// assertStripped checks that no identity header is left in h and that
// the unrelated Accept header is.
func assertStripped(t *testing.T, h http.Header, opts requestheader.Options) {
	t.Helper()
	for k := range h {
		for _, n := range append(append(append([]string{}, opts.UsernameHeaders...), opts.UIDHeaders...), opts.GroupHeaders...) {
			assert.False(t, strings.EqualFold(k, strings.TrimSpace(n)), "identity header %q left in the request", k)
		}
		for _, p := range opts.ExtraHeaderPrefixes {
			p = strings.TrimSpace(p)
			assert.False(t, len(k) >= len(p) && strings.EqualFold(k[:len(p)], p), "extra header %q left in the request", k)
		}
	}
	assert.Equal(t, "application/json", h.Get("Accept"), "unrelated headers must stay")
}

func TestAuthenticateRequest(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	standard := []hdr{
		{name: "X-Remote-User", value: "jane"},
		{name: "X-Remote-Uid", value: "1001"},
		{name: "X-Remote-Group", value: "dev"},
		{name: "X-Remote-Group", value: "ops"},
		{name: "X-Remote-Extra-Scopes%2Fx", value: "view"},
		{name: "X-Remote-Extra-Scopes%2Fx", value: "edit"},
	}
	jane := authn.UserInfo{Name: "jane", UID: "1001", Groups: []string{"dev", "ops"}, Extra: map[string][]string{"scopes/x": {"view", "edit"}}}
	multi := func(o *requestheader.Options) {
		o.UsernameHeaders = []string{"X-Remote-User", "X-Proxy-User"}
		o.UIDHeaders = []string{"X-Remote-Uid", "X-Proxy-Uid"}
		o.GroupHeaders = []string{"X-Remote-Group", "X-Proxy-Group"}
		o.ExtraHeaderPrefixes = []string{"X-Remote-Extra-", "X-Proxy-Extra-"}
	}
	tests := []struct {
		name    string
		edit    func(*requestheader.Options)
		cert    *authntest.Cert
		noTLS   bool
		headers []hdr
		want    *authn.UserInfo
		wantErr error // matched with errors.Is; nil: no error
		wantCN  string
	}{
		{name: "trusted proxy with allowed name", cert: p.proxy, headers: standard, want: &jane},
		{name: "proxy chain through an intermediate", cert: p.chained, headers: standard, want: &jane},
		{name: "any name when AllowedNames is empty", edit: func(o *requestheader.Options) { o.AllowedNames = nil },
			cert: p.intruder, headers: standard, want: &jane},
		{name: "several allowed names", edit: func(o *requestheader.Options) { o.AllowedNames = []string{"other", proxyName} },
			cert: p.proxy, headers: standard, want: &jane},
		{name: "disallowed name is an error", cert: p.intruder, headers: standard, wantCN: "intruder"},
		{name: "allowed names are compared exactly", edit: func(o *requestheader.Options) { o.AllowedNames = []string{"Front-Proxy-Client"} },
			cert: p.proxy, headers: standard, wantCN: proxyName},
		{name: "no TLS is no opinion", noTLS: true, headers: standard},
		{name: "TLS without a client certificate is no opinion", headers: standard},
		{name: "client CA certificate is an error", cert: p.client, headers: standard, wantErr: x509auth.ErrUnknownAuthority},
		{name: "client CA certificate without headers is still an error", cert: p.client, wantErr: x509auth.ErrUnknownAuthority},
		{name: "expired proxy certificate", cert: p.expired, headers: standard, wantErr: authn.ErrExpired},
		{name: "proxy certificate for server auth only", cert: p.serverUse, headers: standard, wantErr: x509auth.ErrWrongKeyUsage},
		{name: "no username header is no opinion", cert: p.proxy,
			headers: []hdr{{name: "X-Remote-Group", value: "dev"}, {name: "X-Remote-Extra-A", value: "b"}}},
		{name: "empty username is no opinion", cert: p.proxy, headers: []hdr{{name: "X-Remote-User", value: ""}}},
		{name: "first non-empty username header wins", edit: multi, cert: p.proxy,
			headers: []hdr{{name: "X-Remote-User", value: ""}, {name: "X-Proxy-User", value: "bob"}, {name: "X-Proxy-User", value: "carol"}},
			want:    &authn.UserInfo{Name: "bob"}},
		{name: "only the first value of a username header counts", edit: multi, cert: p.proxy,
			headers: []hdr{{name: "X-Remote-User", value: ""}, {name: "X-Remote-User", value: "alice"}, {name: "X-Proxy-User", value: "bob"}},
			want:    &authn.UserInfo{Name: "bob"}},
		{name: "username header order is the configured order", edit: multi, cert: p.proxy,
			headers: []hdr{{name: "X-Proxy-User", value: "bob"}, {name: "X-Remote-User", value: "alice"}},
			want:    &authn.UserInfo{Name: "alice"}},
		{name: "uid from the first non-empty uid header", edit: multi, cert: p.proxy,
			headers: []hdr{{name: "X-Remote-User", value: "a"}, {name: "X-Remote-Uid", value: ""}, {name: "X-Proxy-Uid", value: "u-2"}},
			want:    &authn.UserInfo{Name: "a", UID: "u-2"}},
		{name: "groups from every header in order, empty values dropped, commas kept", edit: multi, cert: p.proxy,
			headers: []hdr{
				{name: "X-Proxy-Group", value: "p1"}, {name: "X-Remote-User", value: "a"},
				{name: "X-Remote-Group", value: "r1,r2"}, {name: "X-Remote-Group", value: ""}, {name: "X-Remote-Group", value: " r3 "},
				{name: "X-Proxy-Group", value: "p2"},
			},
			want: &authn.UserInfo{Name: "a", Groups: []string{"r1,r2", " r3 ", "p1", "p2"}}},
		{name: "extra keys lower-cased then percent-decoded", cert: p.proxy,
			headers: []hdr{
				{name: "X-Remote-User", value: "a"},
				{name: "X-Remote-Extra-Scopes%2Fx", value: "s"},
				{name: "X-Remote-Extra-Acme.COM%2fProject-ID", value: "42"},
				{name: "X-Remote-Extra-Escaped%41", value: "upper"},
				{name: "X-Remote-Extra-Bad%zz", value: "b1"},
				{name: "X-Remote-Extra-Trailing%", value: "t"},
				{name: "X-Remote-Extra-Half%4", value: "h"},
				{name: "X-Remote-Extra-Space%20Key", value: "sp"},
				{name: "X-Remote-Extra-Plus+", value: "p"},
				{name: "X-Remote-Extra-Empty", value: ""},
				{name: "X-Remote-Extra-", value: "nokey"},
			},
			want: &authn.UserInfo{Name: "a", Extra: map[string][]string{
				"scopes/x": {"s"}, "acme.com/project-id": {"42"}, "escapedA": {"upper"}, "bad%zz": {"b1"},
				"trailing%": {"t"}, "half%4": {"h"}, "space key": {"sp"}, "plus+": {"p"}, "empty": {""}, "": {"nokey"},
			}}},
		{name: "extra values of one key: prefixes in order, then header names", edit: multi, cert: p.proxy,
			headers: []hdr{
				{name: "X-Remote-User", value: "a"},
				{name: "X-Proxy-Extra-K", value: "proxy"},
				{name: "X-Remote-Extra-K", value: "upper1"}, {name: "X-Remote-Extra-K", value: "upper2"},
				{name: "X-Remote-Extra-%6b", value: "escaped"},
			},
			want: &authn.UserInfo{Name: "a", Extra: map[string][]string{"k": {"escaped", "upper1", "upper2", "proxy"}}}},
		{name: "overlapping prefixes read a header twice, as Kubernetes", cert: p.proxy,
			edit:    func(o *requestheader.Options) { o.ExtraHeaderPrefixes = []string{"X-Remote-Extra-", "X-Remote-"} },
			headers: []hdr{{name: "X-Remote-User", value: "a"}, {name: "X-Remote-Extra-K", value: "v"}},
			want: &authn.UserInfo{Name: "a", Extra: map[string][]string{
				"k": {"v"}, "extra-k": {"v"}, "user": {"a"},
			}}},
		{name: "header names case-insensitive in options", cert: p.proxy,
			edit: func(o *requestheader.Options) {
				o.UsernameHeaders, o.GroupHeaders, o.ExtraHeaderPrefixes = []string{" x-remote-user "}, []string{"x-REMOTE-group"}, []string{"x-remote-extra-"}
			},
			headers: standard, want: &authn.UserInfo{Name: "jane", UID: "1001", Groups: []string{"dev", "ops"}, Extra: map[string][]string{"scopes/x": {"view", "edit"}}}},
		{name: "non-canonical keys are not read, as with Header.Get", cert: p.proxy,
			headers: []hdr{{name: "x-remote-user", value: "mallory", raw: true}}},
		{name: "non-canonical extra keys are read, as Kubernetes does", cert: p.proxy,
			headers: []hdr{{name: "X-Remote-User", value: "a"}, {name: "x-remote-extra-lower", value: "l", raw: true}},
			want:    &authn.UserInfo{Name: "a", Extra: map[string][]string{"lower": {"l"}}}},
		{name: "too many values", cert: p.proxy, edit: func(o *requestheader.Options) { o.MaxValues = 3 },
			headers: standard, wantErr: authn.ErrMalformed},
		{name: "exactly the value limit", cert: p.proxy, edit: func(o *requestheader.Options) { o.MaxValues = len(standard) },
			headers: standard, want: &jane},
		{name: "too many bytes", cert: p.proxy, edit: func(o *requestheader.Options) { o.MaxBytes = 64 },
			headers: standard, wantErr: authn.ErrMalformed},
		{name: "bounds do not apply to untrusted requests", edit: func(o *requestheader.Options) { o.MaxValues = 1 },
			headers: standard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAuth(t, p, tt.edit)
			opts := requestheader.DefaultHeaders()
			if tt.edit != nil {
				tt.edit(&opts)
			}
			r := request(tt.cert, !tt.noTLS, tt.headers...)
			resp, ok, err := a.AuthenticateRequest(r)
			require.True(t, authntest.CheckOutcome(t, resp, ok, err))
			switch {
			case tt.want != nil:
				authntest.AssertUser(t, *tt.want, resp, ok, err)
			case tt.wantCN != "":
				notAllowed, isNotAllowed := errors.AsType[*requestheader.NotAllowedError](err)
				require.True(t, isNotAllowed, "want a NotAllowedError, got %v", err)
				assert.Equal(t, tt.wantCN, notAllowed.CommonName)
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
			default:
				require.NoError(t, err)
				assert.False(t, ok)
			}
			assertStripped(t, r.Header, opts)
		})
	}
}

func TestResponseExpiryIsTheProxyChainsEarliestNotAfter(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	notAfter := time.Now().Add(3 * time.Hour).Truncate(time.Second)
	cert := ca.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: proxyName}, NotAfter: notAfter})
	opts := requestheader.DefaultHeaders()
	opts.ClientCA = ca.Pool()
	a, err := requestheader.New(opts)
	require.NoError(t, err)
	defer a.Close()
	resp, ok, err := a.AuthenticateRequest(cert.AddToRequest(authntest.NewProxyRequest("jane", nil, nil)))
	authntest.AssertUser(t, authn.UserInfo{Name: "jane"}, resp, ok, err)
	assert.True(t, resp.Expiry.Equal(notAfter), "expiry %v, want %v", resp.Expiry, notAfter)
	assert.Nil(t, resp.Audiences)
}

// A request without a trusted proxy keeps no identity header, and the
// value of each is never read into anything.
func TestStripsOnEveryOutcome(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	a := newAuth(t, p, nil)
	for _, cert := range []*authntest.Cert{nil, p.client, p.intruder, p.expired, p.proxy} {
		r := authntest.NewProxyRequest("mallory", []string{"system:masters"}, map[string][]string{"k": {"v"}})
		r.Header.Set("X-Remote-Uid", "0")
		r.Header["x-REMOTE-user"] = []string{"raw"} // as a hand-built request may have it
		r.Header.Set("Accept", "application/json")
		if cert != nil {
			cert.AddToRequest(r)
		}
		_, _, _ = a.AuthenticateRequest(r)
		assertStripped(t, r.Header, requestheader.DefaultHeaders())
	}
}

func TestNilPeerCertificate(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	a := newAuth(t, p, nil)
	r := p.proxy.AddToRequest(authntest.NewProxyRequest("jane", nil, nil))
	r.TLS.PeerCertificates = append(r.TLS.PeerCertificates, nil)
	resp, ok, err := a.AuthenticateRequest(r)
	require.True(t, authntest.CheckOutcome(t, resp, ok, err))
	require.ErrorIs(t, err, authn.ErrMalformed)
	assert.Empty(t, r.Header.Values("X-Remote-User"))
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	pool := authntest.NewCA().Pool()
	tests := []struct {
		name string
		edit func(*requestheader.Options)
		want string // in the message
	}{
		{"no CA", func(o *requestheader.Options) { o.ClientCA = nil }, "exactly one of"},
		{"two CA sources", func(o *requestheader.Options) { o.ClientCAFile = authn.FileOptions{Path: "/ca.crt"} }, "exactly one of"},
		{"no username headers", func(o *requestheader.Options) { o.UsernameHeaders = nil }, "UsernameHeaders must name"},
		{"blank username header", func(o *requestheader.Options) { o.UsernameHeaders = []string{"X-Remote-User", " "} }, "UsernameHeaders[1]: empty"},
		{"blank uid header", func(o *requestheader.Options) { o.UIDHeaders = []string{""} }, "UIDHeaders[0]: empty"},
		{"blank group header", func(o *requestheader.Options) { o.GroupHeaders = []string{"\t"} }, "GroupHeaders[0]: empty"},
		{"blank extra prefix", func(o *requestheader.Options) { o.ExtraHeaderPrefixes = []string{""} }, "ExtraHeaderPrefixes[0]: empty"},
		{"header name with a space", func(o *requestheader.Options) { o.GroupHeaders = []string{"X Remote Group"} }, "not a valid header name"},
		{"header name with a colon", func(o *requestheader.Options) { o.UsernameHeaders = []string{"X-Remote-User:"} }, "not a valid header name"},
		{"prefix with a non-ASCII letter", func(o *requestheader.Options) { o.ExtraHeaderPrefixes = []string{"X-Rémote-"} }, "not a valid header name"},
		{"blank allowed name", func(o *requestheader.Options) { o.AllowedNames = []string{proxyName, "  "} }, "AllowedNames[1]: empty"},
		{"negative MaxValues", func(o *requestheader.Options) { o.MaxValues = -1 }, "must not be negative"},
		{"negative MaxBytes", func(o *requestheader.Options) { o.MaxBytes = -1 }, "must not be negative"},
		{"missing CA file", func(o *requestheader.Options) {
			o.ClientCA, o.ClientCAFile = nil, authn.FileOptions{Path: filepath.Join(t.TempDir(), "missing.crt")}
		}, "front-proxy CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := requestheader.DefaultHeaders()
			opts.ClientCA = pool
			tt.edit(&opts)
			a, err := requestheader.New(opts)
			require.Error(t, err)
			assert.Nil(t, a)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "requestheader: "), err.Error())
		})
	}
}

func TestDefaultHeaders(t *testing.T) {
	t.Parallel()
	o := requestheader.DefaultHeaders()
	assert.Equal(t, requestheader.Options{
		UsernameHeaders:     []string{"X-Remote-User"},
		UIDHeaders:          []string{"X-Remote-Uid"},
		GroupHeaders:        []string{"X-Remote-Group"},
		ExtraHeaderPrefixes: []string{"X-Remote-Extra-"},
	}, o)
	o.UsernameHeaders[0] = "changed"
	assert.Equal(t, "X-Remote-User", requestheader.DefaultHeaders().UsernameHeaders[0], "each call returns new slices")
	// They are the names authntest's proxy requests use.
	assert.Equal(t, authntest.ProxyUserHeader, requestheader.UsernameHeader)
	assert.Equal(t, authntest.ProxyUIDHeader, requestheader.UIDHeader)
	assert.Equal(t, authntest.ProxyGroupHeader, requestheader.GroupHeader)
	assert.Equal(t, authntest.ProxyExtraHeaderPrefix, requestheader.ExtraHeaderPrefix)
}

// New clones the slices it keeps: changing the options afterwards changes
// nothing.
func TestNewClonesOptions(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	opts := requestheader.DefaultHeaders()
	opts.ClientCA = p.proxyCA.Pool()
	opts.AllowedNames = []string{proxyName}
	a, err := requestheader.New(opts)
	require.NoError(t, err)
	defer a.Close()
	opts.AllowedNames[0] = "intruder"
	opts.UsernameHeaders[0] = "X-Other"
	opts.ExtraHeaderPrefixes[0] = "X-Other-"
	resp, ok, err := a.AuthenticateRequest(p.proxy.AddToRequest(authntest.NewProxyRequest("jane", nil, map[string][]string{"k": {"v"}})))
	authntest.AssertUser(t, authn.UserInfo{Name: "jane", Extra: map[string][]string{"k": {"v"}}}, resp, ok, err)
}

// With ClientCAFile the Authenticator creates and owns the verifier:
// Close stops it (goleak in TestMain checks), twice is fine.
func TestClientCAFile(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	path := filepath.Join(t.TempDir(), "front-proxy-ca.crt")
	require.NoError(t, os.WriteFile(path, p.proxyCA.CertPEM, 0o600))
	opts := requestheader.DefaultHeaders()
	opts.ClientCAFile = authn.FileOptions{Path: path}
	opts.AllowedNames = []string{proxyName}
	a, err := requestheader.New(opts)
	require.NoError(t, err)
	resp, ok, err := a.AuthenticateRequest(p.proxy.AddToRequest(authntest.NewProxyRequest("jane", []string{"dev"}, nil)))
	authntest.AssertUser(t, authn.UserInfo{Name: "jane", Groups: []string{"dev"}}, resp, ok, err)
	_, ok, err = a.AuthenticateRequest(p.client.AddToRequest(authntest.NewProxyRequest("jane", nil, nil)))
	require.ErrorIs(t, err, x509auth.ErrUnknownAuthority)
	assert.False(t, ok)
	certErr, isCertErr := errors.AsType[*x509auth.CertificateError](err)
	require.True(t, isCertErr, "want x509auth's CertificateError in %v", err)
	assert.Contains(t, certErr.Subject(), proxyName)
	require.NoError(t, a.Close())
	require.NoError(t, a.Close())
}

// Reload reads the front-proxy CA bundle at once: a new bundle is in use
// when it returns, and a broken one keeps the previous bundle serving and
// is returned and passed to OnError.
func TestReload(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	path := filepath.Join(t.TempDir(), "front-proxy-ca.crt")
	require.NoError(t, os.WriteFile(path, p.proxyCA.CertPEM, 0o600))
	var reported []error
	opts := requestheader.DefaultHeaders()
	opts.ClientCAFile = authn.FileOptions{Path: path, Interval: -1, OnError: func(err error) { reported = append(reported, err) }}
	a, err := requestheader.New(opts)
	require.NoError(t, err)
	defer a.Close()
	proxied := func() (*authn.Response, bool, error) {
		return a.AuthenticateRequest(p.proxy.AddToRequest(authntest.NewProxyRequest("jane", nil, nil)))
	}
	resp, ok, err := proxied()
	authntest.AssertUser(t, authn.UserInfo{Name: "jane"}, resp, ok, err)

	require.NoError(t, os.WriteFile(path, []byte("not a bundle"), 0o600))
	err = a.Reload()
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	require.Len(t, reported, 1, "OnError hears of the failure")
	resp, ok, err = proxied()
	authntest.AssertUser(t, authn.UserInfo{Name: "jane"}, resp, ok, err) // the previous bundle serves

	other := authntest.NewCA()
	require.NoError(t, os.WriteFile(path, other.CertPEM, 0o600))
	require.NoError(t, a.Reload())
	_, ok, err = proxied()
	require.ErrorIs(t, err, x509auth.ErrUnknownAuthority, "the new bundle is in use when Reload returns")
	assert.False(t, ok)

	shared, err := x509auth.NewVerifier(x509auth.VerifyOptions{ClientCA: p.proxyCA.Pool()})
	require.NoError(t, err)
	defer shared.Close()
	opts.ClientCAFile, opts.Verifier = authn.FileOptions{}, shared
	b, err := requestheader.New(opts)
	require.NoError(t, err)
	assert.NoError(t, b.Reload(), "a shared Verifier is its owner's to reload")
}

// A shared Verifier is used as it is and not closed by the Authenticator.
func TestSharedVerifier(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	v, err := x509auth.NewVerifier(x509auth.VerifyOptions{ClientCA: p.proxyCA.Pool()})
	require.NoError(t, err)
	defer v.Close()
	opts := requestheader.DefaultHeaders()
	opts.Verifier = v
	a, err := requestheader.New(opts)
	require.NoError(t, err)
	require.NoError(t, a.Close())
	_, _, err = v.Verify([]*x509.Certificate{p.proxy.Certificate})
	require.NoError(t, err, "the shared verifier must still work after the Authenticator is closed")
	resp, ok, err := a.AuthenticateRequest(p.proxy.AddToRequest(authntest.NewProxyRequest("jane", nil, nil)))
	authntest.AssertUser(t, authn.UserInfo{Name: "jane"}, resp, ok, err)
}

// Error messages name the proxy certificate (serial, subject, common
// name), never a header value.
func TestErrorsCarryNoHeaderValues(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	a := newAuth(t, p, func(o *requestheader.Options) { o.MaxValues = 2 })
	const secret = "s3cret-header-value"
	for _, cert := range []*authntest.Cert{p.client, p.intruder, p.expired, p.proxy} {
		r := cert.AddToRequest(authntest.NewProxyRequest(secret, []string{secret, secret}, map[string][]string{secret: {secret}}))
		_, ok, err := a.AuthenticateRequest(r)
		require.Error(t, err)
		assert.False(t, ok)
		assert.NotContains(t, err.Error(), secret)
	}
}

// TestStripsUnderscoreSpellings: headers that spell an identity header
// with '_' for '-', in any case, are stripped on every outcome and never
// read.
func TestStripsUnderscoreSpellings(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	lookalikes := []hdr{
		{name: "X_Remote_User", value: "mallory", raw: true},
		{name: "x_remote_group", value: "system:masters", raw: true},
		{name: "X_Remote_Extra_foo", value: "bar", raw: true},
		{name: "X_REMOTE-UID", value: "0", raw: true},
		{name: "X-Remote_Extra-Scopes", value: "admin", raw: true},
		{name: "X_remote_user", value: "canonical form", raw: true}, // as net/http stores X_Remote_User
	}
	kept := []hdr{
		{name: "X_Remote_Userx", value: "k1", raw: true},
		{name: "X_Remote_Extras", value: "k2", raw: true}, // no prefix: "X-Remote-Extra-" needs the last '-'
		{name: "Unrelated_Header", value: "k3", raw: true},
	}
	for _, tc := range []struct {
		name  string
		cert  *authntest.Cert
		noTLS bool
		want  *authn.UserInfo
	}{
		{name: "no TLS", noTLS: true},
		{name: "no certificate"},
		{name: "client CA certificate", cert: p.client},
		{name: "disallowed name", cert: p.intruder},
		{name: "expired proxy", cert: p.expired},
		{name: "trusted proxy: lookalikes not read", cert: p.proxy},
		{name: "trusted proxy: real headers read, lookalikes not", cert: p.proxy,
			want: &authn.UserInfo{Name: "jane", Groups: []string{"dev"}, Extra: map[string][]string{"k": {"v"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lines := slices.Concat(lookalikes, kept)
			if tc.want != nil {
				lines = append(lines, hdr{name: "X-Remote-User", value: "jane"}, hdr{name: "X-Remote-Group", value: "dev"}, hdr{name: "X-Remote-Extra-K", value: "v"})
			}
			r := request(tc.cert, !tc.noTLS, lines...)
			resp, ok, err := newAuth(t, p, nil).AuthenticateRequest(r)
			require.True(t, authntest.CheckOutcome(t, resp, ok, err))
			if tc.want != nil {
				authntest.AssertUser(t, *tc.want, resp, ok, err)
			} else {
				assert.False(t, ok)
			}
			for _, l := range lookalikes {
				assert.NotContains(t, r.Header, l.name)
			}
			for _, l := range kept {
				assert.Equal(t, []string{l.value}, r.Header[l.name])
			}
			assertStripped(t, r.Header, requestheader.DefaultHeaders())
		})
	}

	t.Run("configured names with underscores", func(t *testing.T) {
		t.Parallel()
		a := newAuth(t, p, func(o *requestheader.Options) {
			o.UsernameHeaders, o.ExtraHeaderPrefixes = []string{"X_Proxy_User"}, []string{"X_Proxy_Extra_"}
		})
		r := request(p.proxy, true,
			hdr{name: "X_Proxy_User", value: "jane", raw: true}, // as configured: read, as Kubernetes does with Header.Get
			hdr{name: "X_proxy_user", value: "canonical", raw: true},
			hdr{name: "X-Proxy-User", value: "mallory"},
			hdr{name: "X-Proxy-Extra-A", value: "b"},
			hdr{name: "x_proxy_extra_c", value: "d", raw: true})
		resp, ok, err := a.AuthenticateRequest(r)
		authntest.AssertUser(t, authn.UserInfo{Name: "canonical", Extra: map[string][]string{"c": {"d"}}}, resp, ok, err)
		assert.Equal(t, http.Header{"Accept": {"application/json"}}, r.Header)
	})
}

// TestFailedProxyChainIsCheap: on a server that takes both front-proxy and
// client certificates, every request with a client certificate fails the
// front-proxy check first. After the first, the failure is x509auth's
// remembered one, wrapped without formatting: one small allocation.
func TestFailedProxyChainIsCheap(t *testing.T) {
	p := newPKI(t)
	a := newAuth(t, p, nil)
	r := p.client.AddToRequest(authntest.NewRequest())
	_, _, first := a.AuthenticateRequest(r)
	require.ErrorIs(t, first, x509auth.ErrUnknownAuthority)
	allocs := testing.AllocsPerRun(100, func() {
		_, _, err := a.AuthenticateRequest(r)
		if !errors.Is(err, x509auth.ErrUnknownAuthority) {
			t.Fatal(err)
		}
	})
	assert.LessOrEqual(t, allocs, 1.0)
	_, _, again := a.AuthenticateRequest(r)
	assert.Equal(t, first.Error(), again.Error())
	ce, ok := errors.AsType[*x509auth.CertificateError](again)
	require.True(t, ok)
	assert.Same(t, p.client.Certificate, ce.Certificate)
}
