package serviceaccount

import (
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"os"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
)

func TestKeyIDMatchesKubernetes(t *testing.T) {
	// keyIDFromPublicKey in k8s.io/kubernetes/pkg/serviceaccount/jwt.go:
	// base64url(sha256(PKIX DER)), unpadded. Pinned on a fixed key.
	const pemKey = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEH6cuzP8XuD5wal6wf9M6xDljTOPL
X2i8uIp/C/ASqiIGUeeKQtX0/IR3qCXyThP/dbCiHrF3v1cuhBOHY8CLVg==
-----END PUBLIC KEY-----
`
	block, _ := pem.Decode([]byte(pemKey))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	require.NoError(t, err)
	kid, err := KeyID(pub)
	require.NoError(t, err)
	// Computed independently: openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64 | tr "+/" "-_" | tr -d "="
	assert.Equal(t, "SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc", kid)
}

func TestKeyFileRotation(t *testing.T) {
	defer goleak.VerifyNone(t)
	ka, kb := ecKey(t, elliptic.P256()), rsaKey(t)
	ia, ib := newIssuer(t, ka), newIssuer(t, kb)
	ta := mint(t, ia, BoundToken{Namespace: "ns", Name: "a", UID: "1"})
	tb := mint(t, ib, BoundToken{Namespace: "ns", Name: "b", UID: "2"})
	path := tempPath(t, "sa.pub")
	writePEM(t, path, ka.Public())

	ev := reloadtest.NewEvents()
	a, err := New(Options{KeyFiles: []authn.FileOptions{{Path: path, OnReload: ev.OnReload, OnError: ev.OnError}},
		Issuers: []string{testIssuer}, Now: fixedNow, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer func() { require.NoError(t, a.Close()) }()

	accepts := func(tok string) bool {
		t.Helper()
		resp, ok, err := a.AuthenticateToken(t.Context(), tok)
		authntest.CheckOutcome(t, resp, ok, err)
		if !ok {
			require.ErrorIs(t, err, authn.ErrUnknownKey)
		}
		return ok
	}
	assert.True(t, accepts(ta))
	assert.False(t, accepts(tb))

	reloadtest.Replace(t, path, pemOf(t, ka.Public(), kb.Public()))
	ev.WaitReload(t)
	assert.True(t, accepts(ta), "old key kept")
	assert.True(t, accepts(tb), "new key verifies")

	reloadtest.Replace(t, path, pemOf(t, kb.Public()))
	ev.WaitReload(t)
	assert.False(t, accepts(ta), "removed key stops")
	assert.True(t, accepts(tb))

	reloadtest.Replace(t, path, "-----BEGIN PUBLIC KEY-----\nbroken\n-----END PUBLIC KEY-----\n")
	err = ev.WaitError(t)
	assert.ErrorContains(t, err, path)
	assert.True(t, accepts(tb), "a broken file keeps the old keys")
	assert.Len(t, a.PublicKeys(), 1)
}

func TestKeyFileFormats(t *testing.T) {
	ec, rk := ecKey(t, elliptic.P384()), rsaKey(t)
	ecDER, err := x509.MarshalECPrivateKey(ec)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(rk)
	require.NoError(t, err)
	pemPriv := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rk.PublicKey)}))
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &ec.PublicKey, KeyID: "custom-ec", Use: "sig", Algorithm: "ES384"},
		{Key: &rk.PublicKey, KeyID: "custom-rsa", Use: "sig", Algorithm: "RS256"},
	}})
	require.NoError(t, err)
	for name, content := range map[string]string{"pem private keys": pemPriv, "jwks": string(jwks)} {
		t.Run(name, func(t *testing.T) {
			path := tempPath(t, "keys")
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			a := newAuth(t, Options{KeyFiles: []authn.FileOptions{{Path: path, Interval: -1}}})
			for _, tok := range []string{
				mint(t, newIssuer(t, ec), BoundToken{Namespace: "ns", Name: "sa", UID: "u"}),
				mint(t, newIssuer(t, rk), BoundToken{Namespace: "ns", Name: "sa", UID: "u"}),
			} {
				resp, ok, err := a.AuthenticateToken(t.Context(), tok)
				authntest.AssertUser(t, saUser("ns", "sa", "u", resp.User.Extra), resp, ok, err)
			}
			if name == "jwks" {
				tok := goJoseToken(t, jose.ES384, ec, "custom-ec", map[string]any{"iss": testIssuer, "aud": testIssuer,
					"kubernetes.io": map[string]any{"namespace": "ns", "serviceaccount": map[string]any{"name": "sa", "uid": "u"}}})
				resp, ok, err := a.AuthenticateToken(t.Context(), tok)
				authntest.AssertUser(t, saUser("ns", "sa", "u", nil), resp, ok, err)
			}
		})
	}
	bad := map[string]string{
		"empty":         "",
		"no key":        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
		"symmetric jwk": `{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"h"}]}`,
		"bad json":      `{"keys":`,
	}
	for name, content := range bad {
		_, err := parseKeys([]byte(content))
		assert.Error(t, err, name)
	}
}

// TestJWKAlgBinds: in a JWKS key file, a key whose JWK names an "alg"
// (RFC 7517 §4.4) verifies that algorithm only; an "alg" that is not
// allowed, or does not fit the key, makes the file unusable.
func TestJWKAlgBinds(t *testing.T) {
	rk := rsaKey(t)
	claims := map[string]any{"iss": testIssuer, "aud": testIssuer,
		"kubernetes.io": map[string]any{"namespace": "ns", "serviceaccount": map[string]any{"name": "sa", "uid": "u"}}}
	rs256 := mint(t, newIssuer(t, rk), BoundToken{Namespace: "ns", Name: "sa", UID: "u"})
	ps256 := goJoseToken(t, jose.PS256, rk, "custom", claims)
	ps256NoKid := goJoseToken(t, jose.PS256, rk, "", claims)
	keyFile := func(alg string) string {
		t.Helper()
		data, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &rk.PublicKey, KeyID: "custom", Use: "sig", Algorithm: alg}}})
		require.NoError(t, err)
		path := tempPath(t, "jwks.json")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		return path
	}
	tests := []struct {
		name    string
		alg     string
		token   string
		wantErr error
	}{
		{name: "RS256 key, RS256 token", alg: "RS256", token: rs256},
		{name: "RS256 key, PS256 token by kid", alg: "RS256", token: ps256, wantErr: authn.ErrUnknownKey},
		{name: "RS256 key, PS256 token without kid", alg: "RS256", token: ps256NoKid, wantErr: authn.ErrUnknownKey},
		{name: "PS256 key, PS256 token", alg: "PS256", token: ps256},
		{name: "PS256 key, RS256 token", alg: "PS256", token: rs256, wantErr: authn.ErrUnknownKey},
		{name: "no alg, either", alg: "", token: ps256NoKid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, Options{KeyFiles: []authn.FileOptions{{Path: keyFile(tt.alg), Interval: -1}}})
			resp, ok, err := a.AuthenticateToken(t.Context(), tt.token)
			if tt.wantErr == nil {
				authntest.AssertUser(t, saUser("ns", "sa", "u", resp.User.Extra), resp, ok, err)
				return
			}
			authntest.CheckOutcome(t, resp, ok, err)
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
	for _, alg := range []string{"ES256", "HS256", "none", "EdDSA", "RS1"} {
		t.Run("alg "+alg+" refused", func(t *testing.T) {
			_, err := New(Options{KeyFiles: []authn.FileOptions{{Path: keyFile(alg), Interval: -1}}, Issuers: []string{testIssuer}, Logger: slog.New(slog.DiscardHandler)})
			require.ErrorContains(t, err, alg)
		})
	}
}
