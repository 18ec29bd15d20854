package benchmarks

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The naming scheme: every benchmark is
//
//	Benchmark<Scenario>/<key>=<value>/…/mode=<serial|parallel>/impl=<implementation>
//
// with impl always the innermost level, so that both sides of one scenario
// run back to back (the machine's speed drifts, adjacent runs drift least)
// and `benchstat -col /impl` puts them side by side. impl=k8s runs first,
// so it is benchstat's baseline column and the authnkit column's delta
// reads "authnkit vs k8s". Reference measurements (a bare SHA-256 or
// HMAC-SHA256 of the same token, for the budgets that are expressed in
// hashes) are extra impl columns named ref-…, in mode=serial only.

// Implementation names: the values of the impl key.
const (
	implK8s      = "k8s"
	implAuthnkit = "authnkit"
)

// impl is one column of a scenario: how to run it serially and, unless
// parallel is nil, under b.RunParallel.
type impl struct {
	name     string
	serial   func(b *testing.B)
	parallel func(b *testing.B)
}

// runModes runs every impl under mode=serial and then every impl that has
// a parallel variant under mode=parallel.
func runModes(b *testing.B, impls ...impl) {
	b.Helper()
	b.Run("mode=serial", func(b *testing.B) {
		for _, im := range impls {
			b.Run("impl="+im.name, im.serial)
		}
	})
	b.Run("mode=parallel", func(b *testing.B) {
		for _, im := range impls {
			if im.parallel != nil {
				b.Run("impl="+im.name, im.parallel)
			}
		}
	})
}

// tokenAuthenticator is what authn.TokenAuthenticator and k8s'
// authenticator.Token have in common, R being each one's response type.
type tokenAuthenticator[R any] interface {
	AuthenticateToken(ctx context.Context, token string) (R, bool, error)
}

// requestAuthenticator is what authn.Authenticator and k8s'
// authenticator.Request have in common.
type requestAuthenticator[R any] interface {
	AuthenticateRequest(r *http.Request) (R, bool, error)
}

// tokenImpl measures a.AuthenticateToken(ctx, token), called through the
// interface as a union or the bearer-token wrapper would, after checking
// once that it answers ok == wantOK: a benchmark of a broken setup would
// measure the wrong path.
func tokenImpl[R any](name string, a tokenAuthenticator[R], token string, wantOK bool) impl {
	check := func(b *testing.B, ctx context.Context) {
		b.Helper()
		if _, ok, err := a.AuthenticateToken(ctx, token); ok != wantOK {
			b.Fatalf("%s: AuthenticateToken ok = %v (err %v), want %v", name, ok, err, wantOK)
		}
	}
	return impl{
		name: name,
		serial: func(b *testing.B) {
			ctx := b.Context()
			check(b, ctx)
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = a.AuthenticateToken(ctx, token)
			}
		},
		parallel: func(b *testing.B) {
			ctx := b.Context()
			check(b, ctx)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, _, _ = a.AuthenticateToken(ctx, token)
				}
			})
		},
	}
}

// requestImpl measures a.AuthenticateRequest on a request built by
// newReq, one request per goroutine. Before every call the Authorization
// header is set back to authz when authz is not nil, on both sides alike:
// Kubernetes' bearer-token authenticator (and authnkit's by default)
// deletes it on success, and the next iteration must find it again.
func requestImpl[R any](name string, a requestAuthenticator[R], newReq func() *http.Request, authz []string, wantOK bool) impl {
	check := func(b *testing.B, r *http.Request) {
		b.Helper()
		if authz != nil {
			r.Header["Authorization"] = authz
		}
		if _, ok, err := a.AuthenticateRequest(r); ok != wantOK {
			b.Fatalf("%s: AuthenticateRequest ok = %v (err %v), want %v", name, ok, err, wantOK)
		}
	}
	return impl{
		name: name,
		serial: func(b *testing.B) {
			r := newReq().WithContext(b.Context())
			check(b, r)
			b.ReportAllocs()
			for b.Loop() {
				if authz != nil {
					r.Header["Authorization"] = authz
				}
				_, _, _ = a.AuthenticateRequest(r)
			}
		},
		parallel: func(b *testing.B) {
			ctx := b.Context()
			check(b, newReq().WithContext(ctx))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := newReq().WithContext(ctx)
				for pb.Next() {
					if authz != nil {
						r.Header["Authorization"] = authz
					}
					_, _, _ = a.AuthenticateRequest(r)
				}
			})
		},
	}
}

// refImpl is a reference measurement: f, serially only.
func refImpl(name string, f func()) impl {
	return impl{
		name: "ref-" + name,
		serial: func(b *testing.B) {
			f() // warm up, as the others' check does
			b.ReportAllocs()
			for b.Loop() {
				f()
			}
		},
	}
}

// newRequest returns a GET request with the headers a typical API client
// sends, and none about authentication.
func newRequest() *http.Request {
	r, err := http.NewRequest(http.MethodGet, "https://127.0.0.1:6443/api/v1/namespaces/default/pods?limit=500", nil)
	if err != nil {
		panic(err)
	}
	r.Header.Set("Accept", "application/json, */*")
	r.Header.Set("User-Agent", "kubectl/v1.37.0 (linux/amd64) kubernetes/0000000")
	return r
}

// staticTokens returns n distinct tokens of 2×size hexadecimal digits
// (size random bytes, as `openssl rand -hex <size>` makes), the same on
// every run, and one more of the same shape that is not among them.
func staticTokens(n, size int) (tokens []string, absent string) {
	rng := rand.New(rand.NewPCG(uint64(size), uint64(n)))
	seen := make(map[string]bool, n+1)
	next := func() string {
		for {
			b := make([]byte, size)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			t := hex.EncodeToString(b)
			if !seen[t] {
				seen[t] = true
				return t
			}
		}
	}
	tokens = make([]string, n)
	for i := range tokens {
		tokens[i] = next()
	}
	return tokens, next()
}

// writeTokenFile writes a --token-auth-file CSV with one row per token,
// token,user-<i>,<uid>,"system:authenticated,team-<i%10>", into dir and
// returns its path. With hashed, the token column is sha256:<hex> (an
// authnkit extension; Kubernetes would take it for a literal token).
func writeTokenFile(tb testing.TB, dir, name string, tokens []string, hashed bool) string {
	tb.Helper()
	var sb strings.Builder
	for i, t := range tokens {
		if hashed {
			t = sha256Column(t)
		}
		fmt.Fprintf(&sb, "%s,user-%d,%d,\"system:authenticated,team-%d\"\n", t, i, 100000+i, i%10)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// jwtShapedToken returns a token shaped like a Kubernetes service-account
// JWT signed with ES256 — base64url header, claims and a 64-byte signature —
// of size bytes, or a byte or two more when the claims' base64 cannot land
// on size exactly. Nothing verifies it: the token cache
// only hashes it.
func jwtShapedToken(size int) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"ES256","kid":"Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr"}`))
	sig := make([]byte, 64)
	rng := rand.New(rand.NewPCG(2, 3))
	for i := range sig {
		sig[i] = byte(rng.Uint32())
	}
	signature := enc.EncodeToString(sig)
	for pad := 0; ; pad++ {
		claims := fmt.Sprintf(`{"aud":["https://kubernetes.default.svc"],"exp":1893456000,"iat":1861920000,`+
			`"iss":"https://kubernetes.default.svc","jti":"%s","kubernetes.io":{"namespace":"default",`+
			`"serviceaccount":{"name":"builder","uid":"6f1c6b2e-3f0c-4b7a-9a52-3c1d2e4f5a6b"}},`+
			`"nbf":1861920000,"sub":"system:serviceaccount:default:builder"}`, strings.Repeat("x", pad))
		t := header + "." + enc.EncodeToString([]byte(claims)) + "." + signature
		if len(t) >= size {
			return t
		}
	}
}
