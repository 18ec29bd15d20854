package options_test

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
	"github.com/authnkit/authnkit/options"
)

func newOIDCProvider(t *testing.T) *oidctest.Provider {
	t.Helper()
	p := oidctest.NewProvider(oidctest.Options{})
	t.Cleanup(p.Close)
	return p
}

func bearer(token string) *http.Request { return authntest.NewBearerRequest(token) }

func TestOIDCClassicFlags(t *testing.T) {
	t.Parallel()
	p := newOIDCProvider(t)
	ca := writeFile(t, "oidc-ca.pem", string(p.CAPEM()))
	o := options.NewOptions()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.AddFlags(fs)
	require.NoError(t, fs.Parse([]string{"--oidc-issuer-url=" + p.Issuer(), "--oidc-client-id=kubernetes", "--oidc-ca-file=" + ca,
		"--oidc-groups-claim=groups", "--oidc-groups-prefix=oidc:", "--oidc-required-claim=hd=example.com"}))
	a := newAuth(t, o)
	require.NotNil(t, a.OIDC)

	c := p.Claims("alice", "kubernetes")
	c["groups"] = []string{"dev"}
	c["hd"] = "example.com"
	resp, ok, err := a.AuthenticateRequest(bearer(p.Sign(c)))
	authntest.AssertUser(t, authn.UserInfo{Name: p.Issuer() + "#alice", Groups: []string{"oidc:dev", "system:authenticated"}}, resp, ok, err)

	c["hd"] = "evil.com"
	_, ok, err = a.AuthenticateRequest(bearer(p.Sign(c)))
	require.False(t, ok)
	require.ErrorIs(t, err, oidc.ErrClaimValidation, "a rejected token is not anonymous")
	require.NoError(t, a.OIDC.Ready())

	// The token review path sees the same user.
	b := p.Claims("bob", "kubernetes")
	b["hd"] = "example.com"
	resp, ok, err = a.Token.AuthenticateToken(t.Context(), p.Sign(b))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, p.Issuer()+"#bob", resp.User.Name)
}

func TestOIDCValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "issuer without client id", args: []string{"--oidc-issuer-url=https://idp.example"},
			want: "oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set"},
		{name: "a prefix alone", args: []string{"--oidc-groups-prefix=x"},
			want: "oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set"},
		{name: "config file and flags", args: []string{"--authentication-config=/a.yaml", "--oidc-username-claim=email"},
			want: "authentication-config file and oidc-* flags are mutually exclusive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := options.NewOptions()
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			o.AddFlags(fs)
			require.NoError(t, fs.Parse(tt.args))
			err := o.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// authConfig is an AuthenticationConfiguration for p, indented for YAML.
func authConfig(p *oidctest.Provider, usernameExpr, anonymous string) string {
	ca := "      " + strings.ReplaceAll(strings.TrimSpace(string(p.CAPEM())), "\n", "\n      ")
	return fmt.Sprintf(`apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: %s
    audiences: [kubernetes]
    certificateAuthority: |
%s
  claimValidationRules:
  - expression: 'claims.hd == "example.com"'
    message: the hosted domain must be example.com
  claimMappings:
    username:
      expression: '%s'
    groups:
      claim: groups
      prefix: "oidc:"
%s`, p.Issuer(), ca, usernameExpr, anonymous)
}

func TestAuthenticationConfigFile(t *testing.T) {
	t.Parallel()
	p := newOIDCProvider(t)
	anon := "anonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n  - path: /readyz\n"
	path := writeFile(t, "authn.yaml", authConfig(p, `"user:" + claims.sub`, anon))
	events := reloadtest.NewEvents()
	o := options.NewOptions()
	o.AuthenticationConfigFile = path
	o.OnError = events.OnError
	o.OnAuthenticationConfigReload = events.OnReload
	a := newAuth(t, o)

	c := p.Claims("alice", "kubernetes")
	c["hd"] = "example.com"
	c["groups"] = "dev"
	resp, ok, err := a.AuthenticateRequest(bearer(p.Sign(c)))
	authntest.AssertUser(t, authn.UserInfo{Name: "user:alice", Groups: []string{"oidc:dev", "system:authenticated"}}, resp, ok, err)

	bad := p.Claims("eve", "kubernetes")
	bad["hd"] = "evil.com"
	_, ok, err = a.AuthenticateRequest(bearer(p.Sign(bad)))
	require.False(t, ok)
	require.ErrorIs(t, err, oidc.ErrClaimValidation)

	// Anonymous only on the listed paths.
	resp, ok, err = a.AuthenticateRequest(httptest.NewRequest(http.MethodGet, "/livez", nil))
	authntest.AssertUser(t, authn.UserInfo{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, resp, ok, err)
	resp, ok, err = a.AuthenticateRequest(httptest.NewRequest(http.MethodGet, "/api", nil))
	require.NoError(t, err)
	require.False(t, ok)
	require.Nil(t, resp)

	// A valid change applies. (Each check signs a new token: successes
	// are cached for ten seconds, as in kube-apiserver.)
	fresh := func() string {
		c["nonce"] = rand.Text()
		return p.Sign(c)
	}
	reloadtest.Replace(t, path, authConfig(p, `"v2:" + claims.sub`, anon))
	events.WaitReload(t)
	resp, ok, err = a.AuthenticateRequest(bearer(fresh()))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "v2:alice", resp.User.Name)

	// An invalid file, a file that does not compile and a change to the
	// anonymous section are reported and keep the last good one serving.
	for _, content := range []string{
		"apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer: {url: http://insecure}\n",
		authConfig(p, `claims.sub +`, anon),
		authConfig(p, `"v3:" + claims.sub`, ""),
	} {
		reloadtest.Replace(t, path, content)
		err := events.WaitError(t)
		require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
		resp, ok, err = a.AuthenticateRequest(bearer(fresh()))
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "v2:alice", resp.User.Name)
	}
}

// The configuration a reload prepared is the one applied: Health follows
// the file, and a file refused after parsing (here: an expression that
// does not compile) leaves the issuers as they were.
func TestAuthenticationConfigReloadSwapsIssuers(t *testing.T) {
	t.Parallel()
	p1, p2 := newOIDCProvider(t), newOIDCProvider(t)
	path := writeFile(t, "authn.yaml", authConfig(p1, `claims.sub`, ""))
	events := reloadtest.NewEvents()
	o := options.NewOptions()
	o.AuthenticationConfigFile = path
	o.OnError = events.OnError
	o.OnAuthenticationConfigReload = events.OnReload
	a := newAuth(t, o)
	issuers := func() []string {
		var out []string
		for _, h := range a.OIDC.Health() {
			out = append(out, h.Issuer)
		}
		return out
	}
	require.Equal(t, []string{p1.Issuer()}, issuers())

	reloadtest.Replace(t, path, authConfig(p2, `claims.sub`, ""))
	events.WaitReload(t)
	require.Equal(t, []string{p2.Issuer()}, issuers())
	c := p1.Claims("alice", "kubernetes")
	c["hd"] = "example.com"
	_, ok, err := a.OIDC.AuthenticateToken(t.Context(), p1.Sign(c))
	require.NoError(t, err)
	require.False(t, ok, "the issuer the file dropped is gone")

	reloadtest.Replace(t, path, authConfig(p1, `claims.sub +`, ""))
	require.ErrorIs(t, events.WaitError(t), authconfig.ErrInvalidConfig)
	assert.Equal(t, []string{p2.Issuer()}, issuers())
}

func TestAuthenticationConfigConflicts(t *testing.T) {
	t.Parallel()
	p := newOIDCProvider(t)
	anon := "anonymous:\n  enabled: true\n"
	path := writeFile(t, "authn.yaml", authConfig(p, `"user:" + claims.sub`, anon))

	o := options.NewOptions()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	o.AddFlags(fs)
	require.NoError(t, fs.Parse([]string{"--authentication-config=" + path, "--anonymous-auth=false"}))
	_, err := o.New()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "anonymous: Forbidden: --anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file")

	o = options.NewOptions()
	o.AuthenticationConfigFile = path
	o.ServiceAccountIssuers = []string{p.Issuer()}
	o.ServiceAccountKeyFiles = []string{writeFile(t, "sa.pem", string(p.CAPEM()))}
	_, err = o.New()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "jwt[0].issuer.url: Invalid value: \""+p.Issuer()+"\": URL must not overlap with disallowed issuers")

	o = options.NewOptions()
	o.AuthenticationConfigFile = writeFile(t, "broken.yaml", "kind: Nope\n")
	_, err = o.New()
	require.Error(t, err)
	require.True(t, errors.Is(err, authconfig.ErrInvalidConfig), err)
}

// Problems with the --oidc-* flags name the flags, and the CA file by its
// path, not fields of a configuration file the user never wrote.
func TestOIDCFlagErrorsNameTheFlags(t *testing.T) {
	t.Parallel()
	garbage := writeFile(t, "not-a-ca.pem", "this is not PEM\n")
	tests := []struct {
		name      string
		args      []string
		wantParts []string
	}{
		{name: "http issuer", args: []string{"--oidc-issuer-url=http://idp.example", "--oidc-client-id=k8s"},
			wantParts: []string{"--oidc-issuer-url", "http://idp.example", "https"}},
		{name: "CA file without certificates", args: []string{"--oidc-issuer-url=https://idp.example", "--oidc-client-id=k8s", "--oidc-ca-file=" + garbage},
			wantParts: []string{"--oidc-ca-file", garbage}},
		{name: "issuer shared with service accounts", args: []string{"--oidc-issuer-url=https://idp.example", "--oidc-client-id=k8s",
			"--service-account-issuer=https://idp.example", "--service-account-key-file=" + writeFile(t, "sa.pem", string(authntest.NewCA().CertPEM))},
			wantParts: []string{"--oidc-issuer-url", "disallowed issuers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := options.NewOptions()
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			o.AddFlags(fs)
			require.NoError(t, fs.Parse(tt.args))
			o.Logger = slog.New(slog.DiscardHandler)
			a, err := o.New()
			require.Error(t, err)
			require.Nil(t, a)
			msg := err.Error()
			for _, part := range tt.wantParts {
				assert.Contains(t, msg, part)
			}
			assert.NotContains(t, msg, "jwt[0]", "no configuration field the user never wrote")
			assert.NotContains(t, msg, "<omitted>")
			require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
		})
	}
}
