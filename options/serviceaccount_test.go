package options_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/options"
	"github.com/authnkit/authnkit/serviceaccount"
)

func writeSigningKey(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return writeFile(t, "sa.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
}

func TestServiceAccountTokens(t *testing.T) {
	t.Parallel()
	const issuer = "https://kubernetes.default.svc.cluster.local"
	a := newAuth(t, &options.Options{
		ServiceAccountIssuers:        []string{issuer},
		ServiceAccountSigningKeyFile: writeSigningKey(t),
	})
	require.NotNil(t, a.ServiceAccountIssuer)
	assert.Equal(t, []string{issuer}, a.Audiences, "--api-audiences defaults to the issuers")

	token, err := a.ServiceAccountIssuer.Mint(serviceaccount.BoundToken{Namespace: "default", Name: "demo", UID: "8d5e9a3c-0000-4000-8000-000000000001", ID: "jti-1"})
	require.NoError(t, err)
	r := authntest.NewBearerRequest(token)
	r = r.WithContext(authn.WithAudiences(r.Context(), a.Audiences))
	resp, ok, err := a.AuthenticateRequest(r)
	authntest.AssertUser(t, authn.UserInfo{
		Name:   "system:serviceaccount:default:demo",
		UID:    "8d5e9a3c-0000-4000-8000-000000000001",
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"},
		Extra:  map[string][]string{authn.CredentialIDKey: {"JTI=jti-1"}},
	}, resp, ok, err)
	assert.Equal(t, []string{issuer}, resp.Audiences)

	other, err := a.ServiceAccountIssuer.Mint(serviceaccount.BoundToken{Namespace: "default", Name: "demo", UID: "u", Audiences: []string{"vault"}})
	require.NoError(t, err)
	r = authntest.NewBearerRequest(other)
	_, ok, err = a.AuthenticateRequest(r.WithContext(authn.WithAudiences(r.Context(), a.Audiences)))
	assert.False(t, ok)
	require.ErrorIs(t, err, authn.ErrWrongAudience)
}

func TestServiceAccountValidation(t *testing.T) {
	t.Parallel()
	for _, bad := range []options.Options{
		{ServiceAccountSigningKeyFile: "/sa.key"},
		{ServiceAccountIssuers: []string{"https://issuer"}},
	} {
		assert.Error(t, bad.Validate())
	}
	_, err := (&options.Options{ServiceAccountIssuers: []string{"https://i"}, ServiceAccountSigningKeyFile: writeFile(t, "bad.key", "not a key")}).New()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no PEM private key")
}

// Service-account and OIDC tokens side by side: one dispatch on "iss"
// hands each to its authenticator, whose refusals name it.
func TestJWTDispatch(t *testing.T) {
	t.Parallel()
	const issuer = "https://kubernetes.default.svc.cluster.local"
	p := newOIDCProvider(t)
	a := newAuth(t, &options.Options{
		ServiceAccountIssuers:        []string{issuer},
		ServiceAccountSigningKeyFile: writeSigningKey(t),
		APIAudiences:                 []string{issuer, "kubernetes"},
		OIDC: options.OIDCOptions{IssuerURL: p.Issuer(), ClientID: "kubernetes", CAFile: writeFile(t, "oidc-ca.pem", string(p.CAPEM())),
			UsernameClaim: "sub", UsernamePrefix: "oidc:"},
	})
	ask := func(token string) (*authn.Response, bool, error) {
		r := authntest.NewBearerRequest(token)
		return a.AuthenticateRequest(r.WithContext(authn.WithAudiences(r.Context(), a.Audiences)))
	}
	sa, err := a.ServiceAccountIssuer.Mint(serviceaccount.BoundToken{Namespace: "default", Name: "demo", UID: "u-1"})
	require.NoError(t, err)
	resp, ok, err := ask(sa)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "system:serviceaccount:default:demo", resp.User.Name)

	require.Eventually(t, func() bool { return a.OIDC.Ready() == nil }, 10*time.Second, time.Millisecond)
	resp, ok, err = ask(p.Sign(p.Claims("alice", "kubernetes")))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "oidc:alice", resp.User.Name)
	assert.Equal(t, a.Audiences, resp.Audiences, "OIDC is audience-agnostic for --api-audiences, as in kube-apiserver")

	_, ok, err = ask(p.Sign(p.Claims("alice", "elsewhere")))
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrWrongAudience)
	assert.Equal(t, []string{"oidc"}, authn.Authenticators(err))
	_, isTokenError := errors.AsType[*oidc.TokenError](err)
	assert.True(t, isTokenError)

	other, err := serviceaccount.NewIssuer(issuer, mustKey(t), serviceaccount.IssuerOptions{})
	require.NoError(t, err)
	forged, err := other.Mint(serviceaccount.BoundToken{Namespace: "default", Name: "demo", UID: "u-1"})
	require.NoError(t, err)
	_, ok, err = ask(forged)
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrUnknownKey)
	assert.Equal(t, []string{"serviceaccount"}, authn.Authenticators(err))
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return key
}
