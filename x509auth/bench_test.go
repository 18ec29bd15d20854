package x509auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// benchChain is a client chain and a Verifier trusting its root.
type benchChain struct {
	name  string
	peers []*x509.Certificate
	roots *x509.CertPool
}

func benchChains(b *testing.B) []benchChain {
	b.Helper()
	var out []benchChain
	for _, k := range []struct {
		name string
		kt   authntest.KeyType
	}{{"ecdsa-p256", authntest.ECDSAP256}, {"rsa-2048", authntest.RSA2048}, {"ed25519", authntest.Ed25519}} {
		ca := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "root"}, KeyType: k.kt})
		inter := ca.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "intermediate"}, KeyType: k.kt})
		leaf := ca.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "jane", Organization: []string{"dev"}}, KeyType: k.kt})
		viaInter := inter.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "jane", Organization: []string{"dev"}}, KeyType: k.kt})
		out = append(out,
			benchChain{name: "key=" + k.name + "/chain=leaf", peers: peersOf(leaf), roots: ca.Pool()},
			benchChain{name: "key=" + k.name + "/chain=intermediate", peers: peersOf(viaInter), roots: ca.Pool()})
	}
	return out
}

// rawVerify is what a verification costs without this package: one
// x509.Certificate.Verify for client auth, with the client's
// intermediates in a pool built per call (as Kubernetes does).
func rawVerify(peers []*x509.Certificate, roots *x509.CertPool, usages []x509.ExtKeyUsage) error {
	opts := x509.VerifyOptions{Roots: roots, CurrentTime: time.Now(), KeyUsages: usages}
	if len(peers) > 1 {
		opts.Intermediates = x509.NewCertPool()
		for _, c := range peers[1:] {
			opts.Intermediates.AddCert(c)
		}
	}
	_, err := peers[0].Verify(opts)
	return err
}

// BenchmarkVerify compares first sight (the cache emptied before each
// call: hashing, verification, precomputation, insertion) with one raw
// x509 Verify of the same chain, and a cache hit (seen before), serial and
// parallel. DESIGN.md's budgets: first sight ≤ 1.1 × raw; seen before
// about a SHA-256 of the chain.
func BenchmarkVerify(b *testing.B) {
	for _, bc := range benchChains(b) {
		v, err := NewVerifier(VerifyOptions{ClientCA: bc.roots})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { v.Close() })
		usages := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		b.Run(bc.name+"/case=first_sight/impl=raw_x509", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := rawVerify(bc.peers, bc.roots, usages); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/case=first_sight/impl=x509auth", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v.cache.clear()
				if _, _, err := v.Verify(bc.peers); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/case=seen_before/mode=serial", func(b *testing.B) {
			if _, _, err := v.Verify(bc.peers); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := v.Verify(bc.peers); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/case=seen_before/mode=parallel", func(b *testing.B) {
			if _, _, err := v.Verify(bc.peers); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := v.Verify(bc.peers); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkAuthenticateRequest measures a request whose chain was seen
// before (the shared response is returned), with and without the CRL and
// deny list checks, next to the SHA-256 of the leaf that a hit costs at
// least.
func BenchmarkAuthenticateRequest(b *testing.B) {
	ca := authntest.NewCA()
	c := ca.IssueClient("jane", "dev")
	dir := b.TempDir()
	caFile := writeFile(b, dir, "ca.crt", ca.CertPEM)
	crl := writeFile(b, dir, "ca.crl", newCRL(b, ca, crlOptions{revoked: []*x509.Certificate{ca.IssueClient("x").Certificate}}))
	deny := writeFile(b, dir, "deny", []byte("01\nsha256:"+"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"))
	for _, bc := range []struct {
		name string
		opts VerifyOptions
	}{
		{"revocation=none", VerifyOptions{ClientCA: ca.Pool()}},
		{"revocation=crl+deny", VerifyOptions{ClientCAFile: authn.FileOptions{Path: caFile, Interval: -1}, CRLFile: authn.FileOptions{Path: crl, Interval: -1}, DenyFile: authn.FileOptions{Path: deny, Interval: -1}}},
	} {
		a, err := New(Options{VerifyOptions: bc.opts})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { a.Close() })
		r := c.NewRequest()
		if _, ok, err := a.AuthenticateRequest(r); !ok || err != nil {
			b.Fatal(ok, err)
		}
		b.Run(bc.name+"/mode=serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = a.AuthenticateRequest(r)
			}
		})
		b.Run(bc.name+"/mode=parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, _, _ = a.AuthenticateRequest(r)
				}
			})
		})
	}
	b.Run("baseline=sha256_of_leaf", func(b *testing.B) {
		var p presented
		peers := peersOf(c)
		b.ReportAllocs()
		for b.Loop() {
			_ = keyOf(peers, &p)
		}
	})
}
