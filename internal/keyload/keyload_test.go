package keyload

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pemBlock(t *testing.T, typ string, der []byte) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func TestPEM(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	require.NoError(t, err)

	pkix := func(k crypto.PublicKey) []byte {
		der, err := x509.MarshalPKIXPublicKey(k)
		require.NoError(t, err)
		return der
	}
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(edKey)
	require.NoError(t, err)

	keys, err := PEM([]byte(pemBlock(t, "PUBLIC KEY", pkix(&rsaKey.PublicKey)) +
		"some comment\n" +
		pemBlock(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)) +
		pemBlock(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)) +
		pemBlock(t, "EC PRIVATE KEY", ecDER) +
		pemBlock(t, "PRIVATE KEY", pkcs8) +
		pemBlock(t, "PUBLIC KEY", pkix(edPub)) +
		pemBlock(t, "X509 CRL", []byte{1, 2, 3})))
	require.NoError(t, err)
	require.Len(t, keys, 6)
	for i := range 3 {
		assert.True(t, rsaKey.PublicKey.Equal(keys[i].Public), i)
	}
	assert.True(t, ecKey.PublicKey.Equal(keys[3].Public))
	assert.True(t, edPub.Equal(keys[4].Public))
	assert.True(t, edPub.Equal(keys[5].Public))

	for name, tc := range map[string]struct{ data, err string }{
		"empty":     {"", "no public key found"},
		"no key":    {pemBlock(t, "CERTIFICATE REQUEST", []byte{1}), "no public key found"},
		"bad block": {pemBlock(t, "PUBLIC KEY", []byte{1, 2}), "PEM block 1 (PUBLIC KEY): "},
		"bad curve": {pemBlock(t, "PUBLIC KEY", pkix(&p224.PublicKey)), "PEM block 1 (PUBLIC KEY): ECDSA curve P-224 is not P-256, P-384 or P-521"},
	} {
		_, err := PEM([]byte(tc.data))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.err, name)
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	jwk := func(k any, kid, alg, use string) json.RawMessage {
		b, err := json.Marshal(jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: alg, Use: use})
		require.NoError(t, err)
		return b
	}
	set := func(keys ...json.RawMessage) []byte {
		b, err := json.Marshal(map[string]any{"keys": keys})
		require.NoError(t, err)
		return b
	}

	keys, skipped, err := JWKS(set(
		jwk(&rsaKey.PublicKey, "r", "RS256", "sig"),
		jwk(&ecKey.PublicKey, "e", "", ""),
		jwk(edPub, "ed", "EdDSA", "sig"),
		jwk(&rsaKey.PublicKey, "enc", "RSA-OAEP", "enc"),
		json.RawMessage(`{"kty":"oct","kid":"h","k":"c2VjcmV0"}`),
		json.RawMessage(`{"kty":"EC","kid":"odd","crv":"P-999","x":"AA","y":"AA"}`),
		json.RawMessage(`"not an object"`),
		jwk(rsaKey, "private", "RS256", "sig"),
	))
	require.NoError(t, err)
	require.Len(t, keys, 4)
	assert.Equal(t, Key{Public: &rsaKey.PublicKey, KeyID: "r", Alg: "RS256"}, keys[0])
	assert.Equal(t, "e", keys[1].KeyID)
	assert.True(t, ecKey.PublicKey.Equal(keys[1].Public))
	assert.Equal(t, Key{Public: edPub, KeyID: "ed", Alg: "EdDSA"}, keys[2])
	assert.True(t, rsaKey.PublicKey.Equal(keys[3].Public), "a private JWK is reduced to its public half")
	require.Len(t, skipped, 3)
	assert.Contains(t, skipped[0].Error(), `JWK 4 (kid "h"): symmetric key`)
	assert.Contains(t, skipped[1].Error(), `JWK 5 (kid "odd")`)
	assert.Contains(t, skipped[2].Error(), `JWK 6`)

	one, skipped, err := JWKS(jwk(&ecKey.PublicKey, "single", "", ""))
	require.NoError(t, err)
	assert.Empty(t, skipped)
	require.Len(t, one, 1)
	assert.Equal(t, "single", one[0].KeyID)

	for name, data := range map[string]string{
		"not JSON":  "{",
		"empty set": `{"keys":[]}`,
		"only oct":  `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`,
		"only enc":  string(set(jwk(&rsaKey.PublicKey, "enc", "RSA-OAEP", "enc"))),
		"keys null": `{"keys":null,"kty":"oct","k":"AA"}`,
	} {
		_, _, err := JWKS([]byte(data))
		assert.Error(t, err, name)
		assert.NotContains(t, err.Error(), "c2VjcmV0", "%s: a symmetric key's value is never quoted", name)
	}
	assert.True(t, IsJSON([]byte("\n {\"keys\":[]}")))
	assert.False(t, IsJSON([]byte("-----BEGIN")))
}

func FuzzJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, _, err := JWKS(data)
		if err == nil {
			require.NotEmpty(t, keys)
		}
		for _, k := range keys {
			_, err := Public(k.Public)
			require.NoError(t, err)
		}
		pk, err := PEM(data)
		if err == nil {
			require.NotEmpty(t, pk)
		}
	})
}
