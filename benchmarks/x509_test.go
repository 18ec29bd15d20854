package benchmarks

import (
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	k8sheaderrequest "k8s.io/apiserver/pkg/authentication/request/headerrequest"
	k8sx509 "k8s.io/apiserver/pkg/authentication/request/x509"

	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/requestheader"
	"github.com/authnkit/authnkit/x509auth"
)

// certKeys are the key types measured. Every certificate of a chain (root,
// intermediate, leaf) has the same key type, so that the signatures
// verified are of that type: verifying a chain checks the signature of
// each certificate with its issuer's key, and the leaf's own key is never
// used (the TLS handshake has checked it).
var certKeys = []struct {
	name string
	kt   authntest.KeyType
}{{"rsa2048", authntest.RSA2048}, {"p256", authntest.ECDSAP256}}

// certChains are the chain shapes: a leaf signed by the root, and a leaf
// signed by an intermediate that the client sends after its leaf.
var certChains = []string{"leaf", "intermediate"}

// firstSightCerts is how many distinct client certificates the first-sight
// benchmarks rotate through (all of one key type and chain shape, one root).
const firstSightCerts = 16

// certFixture is a root CA and client certificates issued under it, either
// directly (chain=leaf) or through one intermediate (chain=intermediate).
type certFixture struct {
	roots *x509.CertPool
	certs []*authntest.Cert
}

var (
	certFixturesMu sync.Mutex
	certFixtures   = map[string]*certFixture{}
)

// clientCerts returns the fixture of one key type and chain shape, made
// once per process: RSA keys take a while to generate.
func clientCerts(keyName string, kt authntest.KeyType, chain string) *certFixture {
	certFixturesMu.Lock()
	defer certFixturesMu.Unlock()
	id := keyName + "/" + chain
	if f := certFixtures[id]; f != nil {
		return f
	}
	ca := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "bench client CA " + keyName}, KeyType: kt})
	issuer := ca
	if chain == "intermediate" {
		issuer = ca.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "bench intermediate " + keyName}, KeyType: kt})
	}
	f := &certFixture{roots: ca.Pool()}
	for i := range firstSightCerts {
		f.certs = append(f.certs, issuer.Issue(authntest.CertOptions{
			Subject: pkix.Name{CommonName: fmt.Sprintf("user-%d", i), Organization: []string{"system:authenticated", fmt.Sprintf("team-%d", i%10)}},
			KeyType: kt,
		}))
	}
	certFixtures[id] = f
	return f
}

// peersOf is what the client sends: the leaf, then its intermediates.
func peersOf(c *authntest.Cert) []*x509.Certificate {
	return append([]*x509.Certificate{c.Certificate}, c.Intermediates...)
}

// certRequest is newRequest carrying c as the TLS peer certificate chain.
func certRequest(c *authntest.Cert) *http.Request {
	return c.AddToRequest(newRequest())
}

// k8sClientVerifyOptions are the options kube-apiserver verifies client
// certificates with: its CA bundle as roots, client-auth usage
// (x509.DefaultVerifyOptions plus Roots, as dynamiccertificates' CA
// content provider builds them), the client's intermediates added per
// request by the authenticator.
func k8sClientVerifyOptions(roots *x509.CertPool) x509.VerifyOptions {
	opts := k8sx509.DefaultVerifyOptions()
	opts.Roots = roots
	return opts
}

// rawVerify is one x509.Certificate.Verify of the presented chain for
// client authentication at the current time: the least any verifier of a
// client certificate does. The client's intermediates go into a pool built
// per call, as they must (they come with the request).
func rawVerify(peers []*x509.Certificate, roots *x509.CertPool) error {
	opts := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if len(peers) > 1 {
		opts.Intermediates = x509.NewCertPool()
		for _, c := range peers[1:] {
			opts.Intermediates.AddCert(c)
		}
	}
	_, err := peers[0].Verify(opts)
	return err
}

// rotateImpl measures a.AuthenticateRequest over reqs in turn, one
// request per call, after checking that each succeeds. In mode=parallel
// every goroutine walks the same requests (read-only: these
// authenticators do not touch the request) from its own starting point.
func rotateImpl[R any](name string, a requestAuthenticator[R], reqs []*http.Request) impl {
	check := func(b *testing.B) {
		b.Helper()
		for i, r := range reqs {
			if _, ok, err := a.AuthenticateRequest(r.WithContext(b.Context())); !ok || err != nil {
				b.Fatalf("%s: request %d: AuthenticateRequest ok = %v, err = %v, want success", name, i, ok, err)
			}
		}
	}
	return impl{
		name: name,
		serial: func(b *testing.B) {
			check(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_, _, _ = a.AuthenticateRequest(reqs[i])
				if i++; i == len(reqs) {
					i = 0
				}
			}
		},
		parallel: func(b *testing.B) {
			check(b)
			var goroutines atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				// Starting points 5 apart (mod 16): distinct for up to
				// 16 goroutines.
				i := int(goroutines.Add(1)) * 5 % len(reqs)
				for pb.Next() {
					_, _, _ = a.AuthenticateRequest(reqs[i])
					if i++; i == len(reqs) {
						i = 0
					}
				}
			})
		},
	}
}

// newX509auth is authnkit's client-certificate authenticator on a static
// pool, as a server with --client-ca-file builds it (a file only adds a
// watcher; a request reads the current bundle either way).
func newX509auth(b *testing.B, roots *x509.CertPool, cacheSize int) *x509auth.Authenticator {
	b.Helper()
	a, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{
		ClientCA:  roots,
		CacheSize: cacheSize,
		Logger:    slog.New(slog.DiscardHandler),
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	return a
}

// BenchmarkClientCertFirstSight authenticates requests by client
// certificates that have not been seen before: k8s.io/apiserver's
// x509.New(opts, CommonNameUserConversion), which verifies every request
// anyway, against authnkit's x509auth.New with a verified-chain cache of
// one entry, both rotating through 16 distinct certificates: every call is
// a cache miss (the entry left by the previous call is another
// certificate's; TestClientCertFirstSightMisses checks it), so authnkit
// pays for hashing the chain, verifying it, mapping the user, building the
// response and the cache insertion with its eviction. ref-verify is one
// x509.Certificate.Verify of the same chains for client auth, the
// reference of DESIGN.md's budget (≤ 1.1 ×).
func BenchmarkClientCertFirstSight(b *testing.B) {
	for _, k := range certKeys {
		for _, chain := range certChains {
			b.Run("key="+k.name+"/chain="+chain, func(b *testing.B) {
				f := clientCerts(k.name, k.kt, chain)
				reqs := make([]*http.Request, len(f.certs))
				peers := make([][]*x509.Certificate, len(f.certs))
				for i, c := range f.certs {
					reqs[i] = certRequest(c)
					peers[i] = peersOf(c)
				}
				k8s := k8sx509.New(k8sClientVerifyOptions(f.roots), k8sx509.CommonNameUserConversion)
				ours := newX509auth(b, f.roots, 1)
				next := 0
				runModes(b,
					rotateImpl(implK8s, k8s, reqs),
					rotateImpl(implAuthnkit, ours, reqs),
					refImpl("verify", func() {
						if err := rawVerify(peers[next], f.roots); err != nil {
							panic(err)
						}
						if next++; next == len(peers) {
							next = 0
						}
					}),
				)
			})
		}
	}
}

// BenchmarkClientCertSeenBefore authenticates the same client certificate
// chain on every request, as one client does: k8s.io/apiserver's
// x509.New(opts, CommonNameUserConversion) (v0.37.2 has no cache of
// verified chains: it verifies every request) against authnkit's x509auth.New
// with its default cache, warmed by the check before timing.
// ref-sha256-certs is one SHA-256 of each presented certificate's DER, the
// least a hit keyed by the chain can cost.
func BenchmarkClientCertSeenBefore(b *testing.B) {
	for _, k := range certKeys {
		for _, chain := range certChains {
			b.Run("key="+k.name+"/chain="+chain, func(b *testing.B) {
				f := clientCerts(k.name, k.kt, chain)
				c := f.certs[0]
				newReq := func() *http.Request { return certRequest(c) }
				k8s := k8sx509.New(k8sClientVerifyOptions(f.roots), k8sx509.CommonNameUserConversion)
				ours := newX509auth(b, f.roots, 0)
				peers := peersOf(c)
				var sum [sha256.Size]byte
				runModes(b,
					requestImpl(implK8s, k8s, newReq, nil, true),
					requestImpl(implAuthnkit, ours, newReq, nil, true),
					refImpl("sha256-certs", func() {
						for _, p := range peers {
							sum = sha256.Sum256(p.Raw)
						}
					}),
				)
				_ = sum
			})
		}
	}
}

// Front-proxy configuration, kubeadm's: the proxy's certificate is
// "front-proxy-client", RSA-2048, signed by a front-proxy CA of its own.
const frontProxyName = "front-proxy-client"

var (
	frontProxyUserHeaders  = []string{authntest.ProxyUserHeader}
	frontProxyUIDHeaders   = []string{authntest.ProxyUIDHeader}
	frontProxyGroupHeaders = []string{authntest.ProxyGroupHeader}
	frontProxyExtraPrefix  = []string{authntest.ProxyExtraHeaderPrefix}
)

// frontProxyRequest returns a request forwarded by the proxy holding c,
// with the identity headers a proxy sends: user, UID, two groups and two
// extra keys (one percent-encoded), and a function that puts those headers
// back after an authenticator has stripped them.
func frontProxyRequest(c *authntest.Cert) (*http.Request, func(http.Header)) {
	r := authntest.NewProxyRequest("jane", []string{"dev", "ops"}, map[string][]string{
		"scopes":                   {"view", "edit"},
		"example.com/project-name": {"p1"},
	})
	r.Header.Set(authntest.ProxyUIDHeader, "4b1d5c3e-8e7f-4d2a-9c1b-0a2b3c4d5e6f")
	r.Header.Set("Accept", "application/json, */*")
	r.Header.Set("User-Agent", "kubectl/v1.37.0 (linux/amd64) kubernetes/0000000")
	type kv struct {
		k string
		v []string
	}
	var identity []kv
	for k, v := range r.Header {
		if strings.HasPrefix(k, "X-Remote-") {
			identity = append(identity, kv{k, v})
		}
	}
	reset := func(h http.Header) {
		for _, e := range identity {
			h[e.k] = e.v
		}
	}
	return c.AddToRequest(r), reset
}

// requestResetImpl is requestImpl with any header reset: reset(r.Header)
// runs before every call, on both sides alike.
func requestResetImpl[R any](name string, a requestAuthenticator[R], newReq func() (*http.Request, func(http.Header))) impl {
	check := func(b *testing.B, r *http.Request, reset func(http.Header)) {
		b.Helper()
		reset(r.Header)
		resp, ok, err := a.AuthenticateRequest(r)
		if !ok || err != nil {
			b.Fatalf("%s: AuthenticateRequest ok = %v, err = %v, want success", name, ok, err)
		}
		_ = resp
		if len(r.Header.Values(authntest.ProxyUserHeader)) != 0 {
			b.Fatalf("%s: identity headers not stripped", name)
		}
	}
	return impl{
		name: name,
		serial: func(b *testing.B) {
			r, reset := newReq()
			r = r.WithContext(b.Context())
			check(b, r, reset)
			b.ReportAllocs()
			for b.Loop() {
				reset(r.Header)
				_, _, _ = a.AuthenticateRequest(r)
			}
		},
		parallel: func(b *testing.B) {
			ctx := b.Context()
			r, reset := newReq()
			check(b, r.WithContext(ctx), reset)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r, reset := newReq()
				r = r.WithContext(ctx)
				for pb.Next() {
					reset(r.Header)
					_, _, _ = a.AuthenticateRequest(r)
				}
			})
		},
	}
}

// frontProxyFixture is the front-proxy CA's pool and the proxy's
// certificate, made once per process.
var frontProxyFixture = sync.OnceValues(func() (*x509.CertPool, *authntest.Cert) {
	ca := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "front-proxy-ca"}, KeyType: authntest.RSA2048})
	c := ca.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: frontProxyName}, KeyType: authntest.RSA2048})
	return ca.Pool(), c
})

// BenchmarkFrontProxySeenBefore authenticates a request forwarded by an
// authenticating front proxy, whose certificate was seen before:
// k8s.io/apiserver's headerrequest.NewDynamicVerifyOptionsSecure, which is
// how kube-apiserver builds its --requestheader-* authenticator (an
// x509.NewDynamicCAVerifier around headerrequest.NewDynamic; it verifies
// the proxy's certificate on every request), against authnkit's
// requestheader.New on the same CA (verified-chain cache, warmed by the
// check before timing). Same headers on both sides. Both strip the
// identity headers on success; both benchmarks put them back before every
// call (one map assignment per header name, of a prebuilt []string: no
// allocation).
func BenchmarkFrontProxySeenBefore(b *testing.B) {
	b.Run("key=rsa2048/chain=leaf", func(b *testing.B) {
		roots, c := frontProxyFixture()
		k8s := k8sheaderrequest.NewDynamicVerifyOptionsSecure(
			k8sx509.StaticVerifierFn(k8sClientVerifyOptions(roots)),
			k8sheaderrequest.StaticStringSlice{frontProxyName},
			k8sheaderrequest.StaticStringSlice(frontProxyUserHeaders),
			k8sheaderrequest.StaticStringSlice(frontProxyUIDHeaders),
			k8sheaderrequest.StaticStringSlice(frontProxyGroupHeaders),
			k8sheaderrequest.StaticStringSlice(frontProxyExtraPrefix),
		)
		ours, err := requestheader.New(requestheader.Options{
			ClientCA:            roots,
			AllowedNames:        []string{frontProxyName},
			UsernameHeaders:     frontProxyUserHeaders,
			UIDHeaders:          frontProxyUIDHeaders,
			GroupHeaders:        frontProxyGroupHeaders,
			ExtraHeaderPrefixes: frontProxyExtraPrefix,
			Logger:              slog.New(slog.DiscardHandler),
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = ours.Close() })
		newReq := func() (*http.Request, func(http.Header)) { return frontProxyRequest(c) }
		runModes(b,
			requestResetImpl(implK8s, k8s, newReq),
			requestResetImpl(implAuthnkit, ours, newReq),
		)
	})
}
