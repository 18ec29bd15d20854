package serviceaccount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/internal/jwssig"
	"github.com/authnkit/authnkit/internal/jwtpeek"
)

const (
	testIssuer = "https://kubernetes.default.svc.cluster.local"
	otherIss   = "https://other.example"
)

// testNow is a fixed clock: tokens are minted and validated at this time
// unless a case says otherwise.
var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return k
}

func ecKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	require.NoError(t, err)
	return k
}

func newIssuer(t testing.TB, key crypto.Signer) *Issuer {
	t.Helper()
	i, err := NewIssuer(testIssuer, key, IssuerOptions{Now: fixedNow})
	require.NoError(t, err)
	return i
}

func newAuth(t testing.TB, opts Options) *Authenticator {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Issuers == nil {
		opts.Issuers = []string{testIssuer}
	}
	a, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func mint(t testing.TB, i *Issuer, bt BoundToken) string {
	t.Helper()
	tok, err := i.Mint(bt)
	require.NoError(t, err)
	return tok
}

// goJoseToken builds a token with go-jose alone, independent of Issuer.
func goJoseToken(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims ...any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	require.NoError(t, err)
	b := jwt.Signed(s)
	for _, c := range claims {
		b = b.Claims(c)
	}
	tok, err := b.Serialize()
	require.NoError(t, err)
	return tok
}

// rawToken assembles a token from JSON header and payload and a
// signature, for attacks.
func rawToken(header, payload string, sig []byte) string {
	e := base64.RawURLEncoding
	return e.EncodeToString([]byte(header)) + "." + e.EncodeToString([]byte(payload)) + "." + e.EncodeToString(sig)
}

// resign replaces the payload and header of a token and signs them with
// key, as a key holder (not an Issuer) would.
func signRaw(t testing.TB, key crypto.Signer, alg, header, payload string) string {
	t.Helper()
	e := base64.RawURLEncoding
	input := e.EncodeToString([]byte(header)) + "." + e.EncodeToString([]byte(payload))
	a, err := jwssig.Lookup(alg)
	h := a.Hash()
	require.NoError(t, err)
	d := h.New()
	d.Write([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, h, d.Sum(nil))
	case *ecdsa.PrivateKey:
		sig, err = key.Sign(rand.Reader, d.Sum(nil), h)
		require.NoError(t, err)
		sig, err = fixedECDSA(sig, (k.Curve.Params().BitSize+7)/8)
	}
	require.NoError(t, err)
	return input + "." + e.EncodeToString(sig)
}

func decodePart(t testing.TB, tok string, i int) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[i])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func writePEM(t testing.TB, path string, keys ...crypto.PublicKey) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(pemOf(t, keys...)), 0o600))
}

func pemOf(t testing.TB, keys ...crypto.PublicKey) string {
	t.Helper()
	var b strings.Builder
	for _, k := range keys {
		der, err := x509.MarshalPKIXPublicKey(k)
		require.NoError(t, err)
		require.NoError(t, pem.Encode(&b, &pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	return b.String()
}

func tempPath(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(t.TempDir(), name)
}

func splitForTest(tok string) (jwtpeek.JWS, error) { return jwtpeek.Split(tok, DefaultMaxTokenBytes) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// readLegacyTokens returns the real legacy tokens of
// testdata/legacy-sa-tokens.txt, one a line, "#" lines left out.
func readLegacyTokens(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile("testdata/legacy-sa-tokens.txt")
	require.NoError(t, err)
	var tokens []string
	for line := range strings.Lines(string(data)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			tokens = append(tokens, line)
		}
	}
	return tokens
}
