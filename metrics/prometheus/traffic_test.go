package prometheus_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
	"github.com/authnkit/authnkit/oidc/oidctest"
	"github.com/authnkit/authnkit/options"
	"github.com/authnkit/authnkit/serviceaccount"
	"github.com/authnkit/authnkit/webhook"
	"github.com/authnkit/authnkit/x509auth"
)

// TestRealTraffic builds what kube-apiserver builds (package options:
// client certificates, a token file, service accounts, an OIDC issuer from
// an authentication configuration file, a TokenReview webhook) with the
// Observer of New, serves it over TLS on 127.0.0.1, sends real requests,
// breaks and fixes files on disk, and scrapes the metrics over HTTP after
// each step.
func TestRealTraffic(t *testing.T) {
	const saIssuer = "https://kubernetes.default.svc.cluster.local"
	tg := newTarget(t, authnprom.Options{APIServerID: "apiserver-e2e"})
	ca := authntest.NewCA()
	p := oidctest.NewProvider(oidctest.Options{})
	t.Cleanup(p.Close)
	dir := t.TempDir()
	configPath := writeFile(t, dir, "authn.yaml", authConfig(p, "oidc:"))
	tokensPath := writeFile(t, dir, "tokens.csv", "tok-alice,alice,1001\n")
	errs, configReloads := make(chan error, 16), make(chan struct{}, 16)

	o := options.NewOptions()
	o.ClientCAFile = writeFile(t, dir, "ca.crt", string(ca.CertPEM))
	o.TokenAuthFile = tokensPath
	o.ServiceAccountIssuers = []string{saIssuer}
	o.ServiceAccountSigningKeyFile = writeFile(t, dir, "sa.key", signingKeyPEM(t))
	o.AuthenticationConfigFile = configPath
	o.WebhookConfigFile, o.WebhookVersion = reviewer(t, dir), "v1"
	o.AnonymousAuth = false
	o.Logger = slog.New(slog.DiscardHandler)
	o.OnError = func(err error) { errs <- err }
	o.OnAuthenticationConfigReload = func() { configReloads <- struct{}{} }
	o.Observer = tg.obs
	a, err := o.New()
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	srv := httptest.NewUnstartedServer(a.Middleware()(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	srv.TLS = x509auth.TLSConfig(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	saToken, err := a.ServiceAccountIssuer.Mint(serviceaccount.BoundToken{Namespace: "default", Name: "builder", UID: "u-1", WarnAfter: time.Hour})
	require.NoError(t, err)
	oidcToken := p.Sign(p.Claims("carol", "kubernetes"))
	jane := authntest.Client(srv, ca.IssueClient("jane").TLSCertificate())
	requests := []struct {
		name       string
		client     *http.Client
		authz      string
		wantStatus int
	}{
		{"client certificate", jane, "", http.StatusOK},
		{"static token", nil, "Bearer tok-alice", http.StatusOK},
		{"service-account token: a cache miss", nil, "Bearer " + saToken, http.StatusOK},
		{"the same token: a cache hit", nil, "Bearer " + saToken, http.StatusOK},
		{"OIDC token", nil, "Bearer " + oidcToken, http.StatusOK},
		{"webhook token", nil, "Bearer remote-token", http.StatusOK},
		{"no credential", nil, "", http.StatusUnauthorized},
	}
	before := tg.scrape(t)
	for _, r := range requests {
		c := r.client
		if c == nil {
			c = srv.Client()
		}
		assert.Equal(t, r.wantStatus, status(t, c, srv.URL, r.authz), r.name)
	}
	s := tg.scrape(t)

	issuerHash, idHash := kubeHash(p.Issuer()), kubeHash("apiserver-e2e")
	t.Run("requests", func(t *testing.T) {
		assert.Equal(t, 0.0, before.value(t, "authentication_attempts", counter, l{"result": "success"}))
		assert.Equal(t, 6.0, s.value(t, "authentication_attempts", counter, l{"result": "success"}))
		assert.Equal(t, 1.0, s.value(t, "authentication_attempts", counter, l{"result": "failure"}))
		assert.Equal(t, 7.0, s.value(t, "authentication_duration_seconds", histogram, l{"result": "success"})+
			s.value(t, "authentication_duration_seconds", histogram, l{"result": "failure"}))
		assert.Equal(t, 6.0, s.value(t, "authenticated_user_requests", counter, l{"username": "other"}), "jane, alice, the builder twice, oidc:carol, erin")
		assert.Equal(t, 1.0, s.value(t, "authnkit_authentication_refusals_total", counter, l{"reason": "no_credential"}))
	})
	t.Run("token caches: a hit and the misses", func(t *testing.T) {
		assert.Equal(t, 1.0, s.value(t, "authentication_token_cache_request_total", counter, l{"status": "hit"}))
		assert.Positive(t, s.value(t, "authentication_token_cache_request_total", counter, l{"status": "miss"}))
		assert.Positive(t, s.value(t, "authentication_token_cache_fetch_total", counter, l{"status": "ok"}))
		assert.Equal(t, 0.0, s.value(t, "authentication_token_cache_active_fetch_count", gauge, l{"status": "in_flight"}))
		assert.Equal(t, 0.0, s.value(t, "authentication_token_cache_active_fetch_count", gauge, l{"status": "blocked"}))
	})
	t.Run("JWTs and the issuer's keys", func(t *testing.T) {
		assert.Equal(t, 1.0, s.value(t, "apiserver_authentication_jwt_authenticator_latency_seconds", histogram, l{"result": "success", "jwt_issuer_hash": issuerHash}))
		assert.Equal(t, 1.0, s.value(t, "authnkit_jwt_authenticator_latency_seconds", histogram,
			l{"authenticator": "serviceaccount", "result": "success", "jwt_issuer_hash": kubeHash(saIssuer)}), "the second use was a cache hit")
		stamp := s.value(t, "apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds", gauge,
			l{"result": "success", "jwt_issuer_hash": issuerHash, "apiserver_id_hash": idHash})
		assert.InDelta(t, float64(time.Now().Unix()), stamp, 3600, "a time, in seconds")
		assert.Equal(t, 1.0, s.value(t, "apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info", gauge,
			l{"jwt_issuer_hash": issuerHash, "apiserver_id_hash": idHash, "hash": kubeHash(jwks(t, p))}), "the hash of the JWKS body, as Kubernetes computes it")
		assert.Equal(t, 1.0, s.value(t, "authnkit_jwt_authenticator_jwks_keys", gauge, l{"jwt_issuer_hash": issuerHash, "apiserver_id_hash": idHash}))
	})
	t.Run("client certificates, webhook, service-account tokens", func(t *testing.T) {
		assert.Equal(t, 1.0, s.value(t, "apiserver_client_certificate_expiration_seconds", histogram, nil))
		assert.Equal(t, 1.0, s.value(t, "apiserver_delegated_authn_request_total", counter, l{"code": "201"}))
		assert.Equal(t, 1.0, s.value(t, "serviceaccount_valid_tokens_total", counter, nil))
		assert.Equal(t, 0.0, s.value(t, "serviceaccount_stale_tokens_total", counter, nil))
	})
	t.Run("files loaded", func(t *testing.T) {
		assert.Equal(t, 1.0, s.value(t, "apiserver_authentication_config_controller_last_config_info", gauge,
			l{"apiserver_id_hash": idHash, "hash": kubeHash(authConfig(p, "oidc:"))}))
		assert.Empty(t, s["apiserver_authentication_config_controller_automatic_reloads_total"].GetMetric(), "the first load is no reload")
		assert.Equal(t, 1.0, s.value(t, "authnkit_file_entries", gauge, l{"component": "tokenfile", "file": tokensPath}))
		assert.Equal(t, 1.0, s.value(t, "authnkit_file_last_config_info", gauge,
			l{"component": "tokenfile", "file": tokensPath, "apiserver_id_hash": idHash, "hash": kubeHash("tok-alice,alice,1001\n")}))
	})

	// The configuration breaks, then is fixed; the token file breaks.
	replaceFile(t, configPath, "jwt: [")
	require.Error(t, wait(t, errs))
	broken := tg.scrape(t)
	fixed := authConfig(p, "v2:")
	replaceFile(t, configPath, fixed)
	wait(t, configReloads)
	replaceFile(t, tokensPath, "only-a-token\n")
	require.Error(t, wait(t, errs))
	s = tg.scrape(t)

	t.Run("a configuration that fails to reload", func(t *testing.T) {
		assert.Equal(t, 1.0, broken.value(t, "apiserver_authentication_config_controller_automatic_reloads_total", counter, l{"status": "failure", "apiserver_id_hash": idHash}))
		assert.Positive(t, broken.value(t, "apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds", gauge, l{"status": "failure", "apiserver_id_hash": idHash}))
		assert.Equal(t, []string{kubeHash(authConfig(p, "oidc:"))}, broken.labelValues("apiserver_authentication_config_controller_last_config_info", "hash"))
	})
	t.Run("then reloads", func(t *testing.T) {
		assert.Equal(t, 1.0, s.value(t, "apiserver_authentication_config_controller_automatic_reloads_total", counter, l{"status": "success", "apiserver_id_hash": idHash}))
		assert.Equal(t, []string{kubeHash(fixed)}, s.labelValues("apiserver_authentication_config_controller_last_config_info", "hash"))
	})
	t.Run("a token file that fails to reload", func(t *testing.T) {
		assert.Equal(t, 1.0, s.value(t, "authnkit_file_automatic_reloads_total", counter,
			l{"component": "tokenfile", "file": tokensPath, "status": "failure", "apiserver_id_hash": idHash}))
		assert.Equal(t, 1.0, s.value(t, "authnkit_file_entries", gauge, l{"component": "tokenfile", "file": tokensPath}), "the last good content serves")
	})
}

func status(t *testing.T, c *http.Client, url, authz string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// wait returns the next value of ch, failing the test after a minute.
func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatal("no reload reported")
		panic("unreachable")
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// replaceFile replaces path's content as an editor does: a new file
// renamed over it.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

func signingKeyPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// authConfig is an AuthenticationConfiguration trusting p, with user
// names prefixed.
func authConfig(p *oidctest.Provider, prefix string) string {
	ca := "      " + strings.ReplaceAll(strings.TrimSpace(string(p.CAPEM())), "\n", "\n      ")
	return fmt.Sprintf(`apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: %s
    audiences: [kubernetes]
    certificateAuthority: |
%s
  claimMappings:
    username:
      claim: sub
      prefix: %q
`, p.Issuer(), ca, prefix)
}

// jwks is the body of p's JWKS, as a fetch receives it.
func jwks(t *testing.T, p *oidctest.Provider) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, p.JWKSURL(), nil)
	require.NoError(t, err)
	res, err := p.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

// reviewer serves TokenReview over TLS for "remote-token" (user erin,
// for the audiences asked) and returns a kubeconfig for it.
func reviewer(t *testing.T, dir string) string {
	t.Helper()
	tokens := authn.TokenAuthenticatorFunc(func(ctx context.Context, token string) (*authn.Response, bool, error) {
		if token != "remote-token" {
			return nil, false, nil
		}
		return &authn.Response{User: authn.UserInfo{Name: "erin"}, Audiences: authn.AudiencesFrom(ctx)}, true, nil
	})
	ca := authntest.NewCA()
	srv := httptest.NewUnstartedServer(webhook.NewHandler(tokens, webhook.HandlerOptions{}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.IssueServer("127.0.0.1").TLSCertificate()}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := writeFile(t, dir, "reviewer-ca.crt", string(ca.CertPEM))
	return writeFile(t, dir, "webhook.yaml", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: reviewer
  cluster: {server: %q, certificate-authority: %q}
users:
- name: apiserver
  user: {}
contexts:
- name: c
  context: {cluster: reviewer, user: apiserver}
current-context: c
`, srv.URL, caFile))
}
