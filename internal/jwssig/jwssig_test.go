package jwssig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sign makes a compact JWS with go-jose, an independent implementation.
func sign(t *testing.T, alg string, key crypto.Signer) (input string, sig []byte) {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, nil)
	require.NoError(t, err)
	obj, err := s.Sign([]byte(`{"sub":"alice"}`))
	require.NoError(t, err)
	compact, err := obj.CompactSerialize()
	require.NoError(t, err)
	parsed, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	require.NoError(t, err)
	i := len(compact) - 1
	for compact[i] != '.' {
		i--
	}
	return compact[:i], parsed.Signatures[0].Signature
}

func TestVerifyEveryAlgorithm(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ec := map[elliptic.Curve]*ecdsa.PrivateKey{}
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		ec[c], err = ecdsa.GenerateKey(c, rand.Reader)
		require.NoError(t, err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	keys := map[string]crypto.Signer{
		"RS256": rsaKey, "RS384": rsaKey, "RS512": rsaKey,
		"PS256": rsaKey, "PS384": rsaKey, "PS512": rsaKey,
		"ES256": ec[elliptic.P256()], "ES384": ec[elliptic.P384()], "ES512": ec[elliptic.P521()],
		"EdDSA": edKey,
	}
	require.Len(t, keys, len(Names))
	for _, name := range Names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			alg, err := Lookup(name)
			require.NoError(t, err)
			assert.Equal(t, name, alg.String())
			input, sig := sign(t, name, keys[name])
			pub := keys[name].Public()
			require.NoError(t, alg.Verify(pub, input, sig))

			tampered := input[:len(input)-1] + "A"
			if tampered == input {
				tampered = input[:len(input)-1] + "B"
			}
			require.ErrorIs(t, alg.Verify(pub, tampered, sig), ErrSignature)
			short := sig[:len(sig)-1]
			require.ErrorIs(t, alg.Verify(pub, input, short), ErrSignature)

			for other, k := range keys {
				if o, _ := Lookup(other); !(o.IsRSA() && alg.IsRSA()) && (o.family != alg.family || o.curve != alg.curve) {
					require.ErrorIs(t, alg.Verify(k.Public(), input, sig), ErrKeyMismatch, "key for %s", other)
				}
			}
		})
	}
}

func TestLookupRefuses(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "none", "None", "HS256", "HS384", "HS512", "rs256", "RSA-OAEP", "ES256K", "Ed25519"} {
		_, err := Lookup(name)
		assert.ErrorIs(t, err, ErrAlgorithm, name)
	}
	var zero Alg
	assert.False(t, zero.Fits(ed25519.PublicKey(make([]byte, 32))))
	assert.ErrorIs(t, zero.Verify(ed25519.PublicKey(make([]byte, 32)), "a.b", nil), ErrKeyMismatch)
}

func BenchmarkVerify(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(b, err)
	t := &testing.T{}
	input, sig := sign(t, "ES256", key)
	alg, _ := Lookup("ES256")
	b.ReportAllocs()
	for b.Loop() {
		if err := alg.Verify(&key.PublicKey, input, sig); err != nil {
			b.Fatal(err)
		}
	}
}
