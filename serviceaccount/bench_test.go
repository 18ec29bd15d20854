package serviceaccount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/authnkit/authnkit/authn"
)

// BenchmarkValidate compares uncached validation of a pod-bound token with
// one raw signature check of the same signing input (SHA-256 included),
// DESIGN.md's budget: ≤ 1.4 × raw, ≤ 60 allocations.
func BenchmarkValidate(b *testing.B) {
	rk := rsaKey(b)
	ek := ecKey(b, elliptic.P256())
	for _, bc := range []struct {
		name string
		key  crypto.Signer
	}{{"RS256", rk}, {"ES256", ek}} {
		iss := newIssuer(b, bc.key)
		a := newAuth(b, Options{Keys: []crypto.PublicKey{&rk.PublicKey, &ek.PublicKey}})
		tok := mint(b, iss, BoundToken{Namespace: "default", Name: "demo", UID: "0c5e1a7e-4a3b-4f4e-9b7e-2d0f0f0e0a1b",
			Pod: &ObjectRef{Name: "demo-7f9c", UID: "9b1f7c1e-0d2a-4c6b-8f3e-5a4d3c2b1a09"}, Node: &ObjectRef{Name: "node-1", UID: "f00"}})
		input := tok[:strings.LastIndexByte(tok, '.')]
		sig, _ := base64.RawURLEncoding.DecodeString(tok[strings.LastIndexByte(tok, '.')+1:])
		b.Run(bc.name+"/authenticate", func(b *testing.B) {
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := a.AuthenticateToken(ctx, tok); !ok {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/raw-verify", func(b *testing.B) {
			b.ReportAllocs()
			switch k := bc.key.(type) {
			case *rsa.PrivateKey:
				for b.Loop() {
					d := sha256.Sum256([]byte(input))
					if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, d[:], sig); err != nil {
						b.Fatal(err)
					}
				}
			case *ecdsa.PrivateKey:
				d := sha256.Sum256([]byte(input))
				der, _ := ecdsa.SignASN1(rand.Reader, k, d[:])
				for b.Loop() {
					d := sha256.Sum256([]byte(input))
					if !ecdsa.VerifyASN1(&k.PublicKey, d[:], der) {
						b.Fatal("verify")
					}
				}
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			ctx := authn.WithAudiences(b.Context(), []string{testIssuer})
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, _, _ = a.AuthenticateToken(ctx, tok)
				}
			})
		})
	}
}

// BenchmarkNotOurs measures the no-opinion path: a JWT from another
// issuer, which an OIDC authenticator behind this one would take.
func BenchmarkNotOurs(b *testing.B) {
	ek := ecKey(b, elliptic.P256())
	a := newAuth(b, Options{Keys: []crypto.PublicKey{&ek.PublicKey}})
	i, _ := NewIssuer(otherIss, ek, IssuerOptions{Now: fixedNow})
	tok := mint(b, i, BoundToken{Namespace: "ns", Name: "sa", UID: "u"})
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = a.AuthenticateToken(ctx, tok)
	}
}

// TestAllocations pins DESIGN.md's budget of at most 60 allocations for an
// uncached validation (pod- and node-bound token, with a jti).
func TestAllocations(t *testing.T) {
	for _, key := range []crypto.Signer{rsaKey(t), ecKey(t, elliptic.P256())} {
		a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}})
		tok := mint(t, newIssuer(t, key), BoundToken{Namespace: "default", Name: "demo", UID: "u",
			Pod: &ObjectRef{Name: "p", UID: "pu"}, Node: &ObjectRef{Name: "n", UID: "nu"}})
		ctx := t.Context()
		n := testing.AllocsPerRun(20, func() {
			if _, ok, err := a.AuthenticateToken(ctx, tok); !ok {
				t.Fatal(err)
			}
		})
		if n > 40 {
			t.Errorf("%T: %v allocations per validation, budget 40 (DESIGN.md)", key, n)
		}
	}
}
