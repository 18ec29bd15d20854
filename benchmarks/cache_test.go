package benchmarks

import (
	"github.com/prometheus/client_golang/prometheus"

	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
	"hash"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/blake2s"
	k8sauthenticator "k8s.io/apiserver/pkg/authentication/authenticator"
	k8scache "k8s.io/apiserver/pkg/authentication/token/cache"
	k8suser "k8s.io/apiserver/pkg/authentication/user"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/union"
)

// cacheTTL is the success TTL of both caches: kube-apiserver's default
// --token-success-cache-ttl (failures are not cached, its default too).
// An entry that expires during a run is refilled by one miss.
const cacheTTL = 10 * time.Second

// jwtSize is the size of the token the cache benchmarks present: a typical
// service-account or OIDC ID token.
const jwtSize = 600

// BenchmarkTokenCache presents a JWT-shaped token to a token cache in front
// of a token authenticator that knows it: kube-apiserver's
// token/cache.New(delegate, true, 10s, 0) against authnkit's
// union.NewCache(delegate, CacheOptions{SuccessTTL: 10s}). The delegates
// are the same on both sides: a func returning a prebuilt response for the
// known token and no opinion otherwise.
//
// case=hit is a cache hit (the cache is warmed by the first call); case=miss
// is another token of the same shape, which the delegate does not know and
// neither cache keeps, so every call goes upstream through the single-flight
// group.
//
// The ref-… columns are one keyed hash of the same token, for the budget
// "hit ≤ 1.2 × one keyed hash": HMAC-SHA256 as crypto/hmac does it from
// scratch (hmac.New, Write, Sum) and with a reused hash.Hash (Reset, Write,
// Sum, no allocation); and keyed BLAKE2b-256 and BLAKE2s-256 from
// golang.org/x/crypto with a reused hash, DESIGN.md's "faster keyed hash
// from x/crypto if measured faster".
// implAuthnkitObserved is authnkit with an Observer recording into
// metrics/prometheus.
const implAuthnkitObserved = "authnkit-observed"

func BenchmarkTokenCache(b *testing.B) {
	known := jwtShapedToken(jwtSize)
	unknown := known[:len(known)-1] + "A" // another signature, same size
	if unknown == known {
		unknown = known[:len(known)-1] + "B"
	}
	b.Run(fmt.Sprintf("token=jwt%d", len(known)), func(b *testing.B) {
		k8sResp := &k8sauthenticator.Response{User: &k8suser.DefaultInfo{
			Name:   "system:serviceaccount:default:builder",
			UID:    "6f1c6b2e-3f0c-4b7a-9a52-3c1d2e4f5a6b",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"},
		}}
		ourResp := &authn.Response{User: authn.UserInfo{
			Name:   k8sResp.User.GetName(),
			UID:    k8sResp.User.GetUID(),
			Groups: k8sResp.User.GetGroups(),
		}}
		k8sDelegate := k8sauthenticator.TokenFunc(func(_ context.Context, token string) (*k8sauthenticator.Response, bool, error) {
			if token == known {
				return k8sResp, true, nil
			}
			return nil, false, nil
		})
		ourDelegate := authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
			if token == known {
				return ourResp, true, nil
			}
			return nil, false, nil
		})

		k8s := k8scache.New(k8sDelegate, true, cacheTTL, 0)
		ours, err := union.NewCache(ourDelegate, union.CacheOptions{SuccessTTL: cacheTTL, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = ours.Close() })
		// The same cache recording into Kubernetes' metrics, for
		// DESIGN.md's "observer on" budget.
		observer, err := authnprom.New(prometheus.NewRegistry(), authnprom.Options{})
		if err != nil {
			b.Fatal(err)
		}
		observed, err := union.NewCache(ourDelegate, union.CacheOptions{SuccessTTL: cacheTTL, Logger: slog.New(slog.DiscardHandler), Observer: observer})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = observed.Close() })

		b.Run("case=hit", func(b *testing.B) {
			runModes(b, append([]impl{
				tokenImpl(implK8s, k8s, known, true),
				tokenImpl(implAuthnkit, ours, known, true),
				tokenImpl(implAuthnkitObserved, observed, known, true),
			}, keyedHashRefs(known)...)...)
		})
		b.Run("case=miss", func(b *testing.B) {
			runModes(b,
				tokenImpl(implK8s, k8s, unknown, false),
				tokenImpl(implAuthnkit, ours, unknown, false),
			)
		})
	})
}

// keyedHashRefs returns the keyed-hash reference columns for token, each
// under a random-looking 32-byte key (the size both caches use).
func keyedHashRefs(token string) []impl {
	key := []byte("0123456789abcdef0123456789abcdef")
	msg := []byte(token)
	var out [sha256.Size]byte
	reused := func(name string, h hash.Hash) impl {
		return refImpl(name, func() {
			h.Reset()
			h.Write(msg)
			h.Sum(out[:0])
		})
	}
	b2b, err := blake2b.New256(key)
	if err != nil {
		panic(err)
	}
	b2s, err := blake2s.New256(key)
	if err != nil {
		panic(err)
	}
	return []impl{
		refImpl("hmac-sha256-new", func() {
			h := hmac.New(sha256.New, key)
			h.Write(msg)
			h.Sum(out[:0])
		}),
		reused("hmac-sha256-reset", hmac.New(sha256.New, key)),
		reused("blake2b-256-reset", b2b),
		reused("blake2s-256-reset", b2s),
	}
}
