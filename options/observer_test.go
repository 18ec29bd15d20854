package options_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
	"github.com/authnkit/authnkit/options"
	"github.com/authnkit/authnkit/serviceaccount"
	"github.com/authnkit/authnkit/webhook"
)

// One Observer reaches every component Options.New builds: real requests
// over TLS through the middleware, with a client certificate, a static
// token, a service-account token, an OIDC token and a webhook token, and a
// configuration file that fails to reload and is then fixed.
func TestObserver(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	p := newOIDCProvider(t)
	kubeconfig := audienceAwareReviewer(t)
	const issuer = "https://kubernetes.default.svc.cluster.local"
	configPath := writeFile(t, "authn.yaml", authConfig(p, `"oidc:" + claims.sub`, ""))
	rec, events := authntest.NewRecorder(), reloadtest.NewEvents()
	o := options.NewOptions()
	o.ClientCAFile = writeFile(t, "ca.crt", string(ca.CertPEM))
	o.ClientCertDenyFile = writeFile(t, "deny", "# nobody yet\n")
	o.TokenAuthFile = writeFile(t, "tokens.csv", "tok-alice,alice,1001\n")
	o.BasicAuthFile = writeFile(t, "passwords.csv", "pw-bob,bob,1002\n")
	o.ServiceAccountIssuers = []string{issuer}
	o.ServiceAccountSigningKeyFile = writeSigningKey(t)
	o.AuthenticationConfigFile = configPath
	o.WebhookConfigFile, o.WebhookVersion = kubeconfig, "v1"
	o.AnonymousAuth = false
	o.OnError, o.OnAuthenticationConfigReload = events.OnError, events.OnReload
	o.Observer = rec.Observer()
	a := newAuth(t, o)
	srv := serveTLS(t, a.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })))

	saToken, err := a.ServiceAccountIssuer.Mint(serviceaccount.BoundToken{Namespace: "default", Name: "demo", UID: "u-1", ID: "jti-1"})
	require.NoError(t, err)
	claims := p.Claims("carol", "kubernetes")
	claims["hd"] = "example.com"
	oidcToken := p.Sign(claims)
	jane := ca.IssueClient("jane")

	bearer := func(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }
	requests := []struct {
		name      string
		client    *http.Client
		header    http.Header
		wantEvent authn.AuthenticationEvent
	}{
		{"client certificate", clientWith(srv, jane), nil,
			authn.AuthenticationEvent{Result: authn.ResultSuccess, Credentials: []string{"x509"}, User: "jane",
				CredentialID: fmt.Sprintf("X509SHA256=%x", sha256.Sum256(jane.Certificate.Raw))}},
		{"static token", nil, bearer("tok-alice"),
			authn.AuthenticationEvent{Result: authn.ResultSuccess, Credentials: []string{"bearer"}, User: "alice"}},
		{"service-account token", nil, bearer(saToken),
			authn.AuthenticationEvent{Result: authn.ResultSuccess, Credentials: []string{"bearer"}, User: "system:serviceaccount:default:demo", CredentialID: "JTI=jti-1"}},
		{"service-account token again, from the cache", nil, bearer(saToken),
			authn.AuthenticationEvent{Result: authn.ResultSuccess, Credentials: []string{"bearer"}, User: "system:serviceaccount:default:demo", CredentialID: "JTI=jti-1"}},
		{"OIDC token", nil, bearer(oidcToken),
			authn.AuthenticationEvent{Result: authn.ResultSuccess, Credentials: []string{"bearer"}, User: "oidc:carol"}},
		{"webhook token", nil, bearer("remote-token"),
			authn.AuthenticationEvent{Result: authn.ResultSuccess, Credentials: []string{"bearer"}, User: "erin"}},
		{"wrong password", nil, http.Header{"Authorization": {"Basic " + basic("bob", "nope")}},
			authn.AuthenticationEvent{Result: authn.ResultError, Reason: authn.ReasonInvalidCredentials, Authenticators: []string{options.NameBasicAuth}, Credentials: []string{"basic"}}},
	}
	for _, tt := range requests {
		client := tt.client
		if client == nil {
			client = srv.Client()
		}
		before := len(rec.Authentication())
		res, _ := get(t, client, srv.URL, tt.header)
		events := rec.Authentication()
		require.Len(t, events, before+1, tt.name)
		got := events[before]
		got.Time, got.Duration = tt.wantEvent.Time, tt.wantEvent.Duration
		assert.Equal(t, tt.wantEvent, got, tt.name)
		if tt.wantEvent.Result == authn.ResultSuccess {
			assert.Equal(t, http.StatusOK, res.StatusCode, tt.name)
		}
	}

	assert.Equal(t, []authn.ClientCertificateEvent{{Remaining: rec.ClientCertificate()[0].Remaining, Verified: true}}, rec.ClientCertificate())
	var jwts []string
	for _, e := range rec.JWT() {
		jwts = append(jwts, e.Authenticator+" "+e.Issuer+" "+e.Result)
	}
	assert.Equal(t, []string{"serviceaccount " + issuer + " success", "oidc " + p.Issuer() + " success"}, jwts,
		"one verification each: the second service-account request hit the cache")
	hits := 0
	for _, e := range rec.TokenCache() {
		if e.Hit {
			hits++
		}
	}
	assert.Equal(t, 1, hits)
	require.NotEmpty(t, rec.KeySetFetch())
	assert.True(t, rec.KeySetFetch()[0].OK)
	assert.Equal(t, []authn.WebhookEvent{{Code: "201", Duration: rec.Webhook()[0].Duration}}, rec.Webhook())

	// Every file was loaded once; Health lists them in build order.
	var loaded []string
	for _, e := range rec.Reload() {
		require.True(t, e.OK && e.First, e.Path)
		loaded = append(loaded, e.Component)
	}
	assert.Equal(t, []string{"basicauth", "x509auth", "x509auth", "tokenfile", "serviceaccount", "options: --authentication-config"}, loaded)
	health := a.Health()
	var paths []string
	for _, f := range health.Files {
		paths = append(paths, f.Path)
		assert.NoError(t, f.LastError)
	}
	assert.Equal(t, []string{o.BasicAuthFile, o.ClientCAFile, o.ClientCertDenyFile, o.TokenAuthFile, o.ServiceAccountSigningKeyFile, configPath}, paths)
	require.Len(t, health.Issuers, 1)
	assert.True(t, health.Issuers[0].Ready)
	assert.Equal(t, 1, health.Files[5].Entries, "one JWT issuer")

	// The configuration file breaks, then is fixed.
	reloadtest.Replace(t, configPath, authConfig(p, `claims.sub +`, ""))
	loadErr := events.WaitError(t)
	last := rec.Reload()[len(rec.Reload())-1]
	assert.Equal(t, authn.ReloadEvent{Component: "options: --authentication-config", Path: configPath, Err: loadErr, Time: last.Time,
		ContentHash: health.Files[5].ContentHash, Entries: 1}, last)
	assert.Equal(t, loadErr, a.Health().Files[5].LastError)
	reloadtest.Replace(t, configPath, authConfig(p, `"v2:" + claims.sub`, ""))
	events.WaitReload(t)
	last = rec.Reload()[len(rec.Reload())-1]
	assert.True(t, last.OK)
	assert.NotEqual(t, health.Files[5].ContentHash, last.ContentHash)
	fixed := a.Health().Files[5]
	assert.NoError(t, fixed.LastError)
	assert.Equal(t, last.ContentHash, fixed.ContentHash)
	assert.False(t, slices.ContainsFunc(a.Health().Files, func(f authn.FileHealth) bool { return f.NextCheck.IsZero() }),
		"every file has its periodic check")
}

// audienceAwareReviewer serves TokenReview over TLS for "remote-token",
// accepted for the audiences asked, and returns a kubeconfig for it.
func audienceAwareReviewer(t *testing.T) string {
	t.Helper()
	tokens := authn.TokenAuthenticatorFunc(func(ctx context.Context, token string) (*authn.Response, bool, error) {
		if token != "remote-token" {
			return nil, false, nil
		}
		return &authn.Response{User: authn.UserInfo{Name: "erin"}, Audiences: authn.AudiencesFrom(ctx)}, true, nil
	})
	ca := authntest.NewCA()
	srv := httptest.NewUnstartedServer(webhook.NewHandler(tokens, webhook.HandlerOptions{}))
	srv.TLS = srvTLS(ca)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return webhookKubeconfig(t, srv.URL, writeFile(t, "reviewer-ca.crt", string(ca.CertPEM)))
}
