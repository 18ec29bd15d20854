package benchmarks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"testing"

	k8sbearer "k8s.io/apiserver/pkg/authentication/request/bearertoken"
	k8stokenfile "k8s.io/apiserver/pkg/authentication/token/tokenfile"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/tokenfile"
)

// tokenFileTables are the tables measured: a handful of operators and a
// large static table, with 32-digit hexadecimal tokens (128 bits, `openssl
// rand -hex 16`); and the large table with 64-digit tokens (256 bits,
// `openssl rand -hex 32`), because a token longer than 32 bytes no longer
// fits the compiler's stack buffer for a []byte(string) conversion.
var tokenFileTables = []struct{ n, size int }{{10, 16}, {10_000, 16}, {10_000, 32}}

// implAuthnkitHashed is authnkit reading the same table with every token
// column written as sha256:<hex>.
const implAuthnkitHashed = "authnkit-hashed"

// sha256Column is the hashed token column for token.
func sha256Column(token string) string {
	sum := sha256.Sum256([]byte(token))
	return tokenfile.HashPrefix + hex.EncodeToString(sum[:])
}

// tokenFiles holds the three authenticators of one table size, each loaded
// from a file the benchmark wrote, as kube-apiserver loads --token-auth-file.
type tokenFiles struct {
	hit, miss string // a token in the table, and one of the same shape that is not
	k8s       *k8stokenfile.TokenAuthenticator
	plain     *tokenfile.Authenticator
	hashed    *tokenfile.Authenticator
}

func newTokenFiles(b testing.TB, n, size int) *tokenFiles {
	b.Helper()
	tokens, absent := staticTokens(n, size)
	dir := b.TempDir()
	plainPath := writeTokenFile(b, dir, "tokens.csv", tokens, false)
	hashedPath := writeTokenFile(b, dir, "hashed.csv", tokens, true)

	k8s, err := k8stokenfile.NewCSV(plainPath)
	if err != nil {
		b.Fatal(err)
	}
	// tokenfile.New, not NewFromCSV: the reloading authenticator a server
	// uses (its lookups read an atomic pointer either way). Its log lines
	// would end up among the results.
	quiet := slog.New(slog.DiscardHandler)
	plain, err := tokenfile.New(tokenfile.Options{FileOptions: authn.FileOptions{Path: plainPath}, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = plain.Close() })
	hashed, err := tokenfile.New(tokenfile.Options{FileOptions: authn.FileOptions{Path: hashedPath}, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = hashed.Close() })
	return &tokenFiles{hit: tokens[n/2], miss: absent, k8s: k8s, plain: plain, hashed: hashed}
}

// BenchmarkTokenFile looks up one token in a static token table:
// k8s.io/apiserver's tokenfile.NewCSV against authnkit's tokenfile.New on
// the same file, and authnkit on the same table with hashed rows.
// ref-sha256 is one sha256.Sum256 of the token, for the budget of hashed
// rows (≤ 1 × k8s + one SHA-256).
func BenchmarkTokenFile(b *testing.B) {
	for _, tab := range tokenFileTables {
		b.Run(fmt.Sprintf("n=%d/tok=hex%d", tab.n, 2*tab.size), func(b *testing.B) {
			f := newTokenFiles(b, tab.n, tab.size)
			for _, c := range []struct {
				name  string
				token string
				ok    bool
			}{{"hit", f.hit, true}, {"miss", f.miss, false}} {
				b.Run("case="+c.name, func(b *testing.B) {
					tokenBytes := []byte(c.token)
					var sum [sha256.Size]byte
					runModes(b,
						tokenImpl(implK8s, f.k8s, c.token, c.ok),
						tokenImpl(implAuthnkit, f.plain, c.token, c.ok),
						tokenImpl(implAuthnkitHashed, f.hashed, c.token, c.ok),
						refImpl("sha256", func() { sum = sha256.Sum256(tokenBytes) }),
					)
					_ = sum
				})
			}
		})
	}
}

// BenchmarkBearerTokenFile authenticates an *http.Request carrying
// "Authorization: Bearer <token>" against a 10 000-row token file of
// 32-digit tokens:
// k8s.io/apiserver's bearertoken.New(tokenfile) against authnkit's
// authn.BearerToken(tokenfile), both with their default behaviour of
// deleting the header on success. Both sides put the header back before
// every call (one map assignment of a prebuilt []string, no allocation), so
// the work measured is the same; a miss leaves the header alone and is
// answered with an "invalid bearer token" error on both sides.
func BenchmarkBearerTokenFile(b *testing.B) {
	n, size := 10_000, 16
	b.Run(fmt.Sprintf("n=%d/tok=hex%d", n, 2*size), func(b *testing.B) {
		f := newTokenFiles(b, n, size)
		k8s := k8sbearer.New(f.k8s)
		ours := authn.BearerToken(f.plain)
		for _, c := range []struct {
			name  string
			token string
			ok    bool
		}{{"hit", f.hit, true}, {"miss", f.miss, false}} {
			b.Run("case="+c.name, func(b *testing.B) {
				authz := []string{"Bearer " + c.token}
				runModes(b,
					requestImpl(implK8s, k8s, newRequest, authz, c.ok),
					requestImpl(implAuthnkit, ours, newRequest, authz, c.ok),
				)
			})
		}
	})
}
