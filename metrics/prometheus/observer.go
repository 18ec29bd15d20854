package prometheus

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authnkit/authnkit/authn"
)

// Options configures [New]. The zero value records what kube-apiserver
// 1.37 records, for a server whose identity is empty.
type Options struct {
	// APIServerID is this server's identity, as kube-apiserver's
	// --identity-lease (its "apiserver-<uuid>" lease name) is kube's:
	// the apiserver_id_hash label holds "sha256:<hex>" of it. Empty: the
	// label is empty, as Kubernetes hashes an empty ID. It is never
	// exported in the clear.
	APIServerID string

	// KnownUsernames are user names that authenticated_user_requests
	// reports as themselves, in addition to Kubernetes' own five (admin,
	// client, kube_proxy, kubelet and
	// system:serviceaccount:kube-system:default). Every other name is
	// reported as "email_id" when it holds an "@" and as "other"
	// otherwise, as Kubernetes' compressUsername does, so the username
	// label never has more than len(KnownUsernames)+7 values and never
	// holds a name nobody listed. Nil: Kubernetes' five only. Each name
	// must be valid UTF-8 and not empty; the slice is copied.
	KnownUsernames []string

	// NativeHistograms adds a native histogram (bucket factor 1.1, at
	// most 160 buckets) to every histogram's classic buckets, for
	// scrapers that ask for one, as kube-apiserver 1.37 does by default
	// (its NativeHistograms feature gate is beta and on). Off by
	// default: a native histogram's observation costs 1.5 to 3 times a
	// classic one's (BenchmarkObserver), on the token cache's hit path
	// whose budget leaves little room. Classic buckets, and so the text
	// exposition, are the same either way.
	NativeHistograms bool
}

// Kubernetes' native histogram settings (k8s.io/component-base
// metrics/internal: defaultNativeHistogramOptions).
const (
	nativeBucketFactor    = 1.1
	nativeMaxBucketNumber = 160
)

// The values the username label takes for the names not listed.
const (
	usernameEmail = "email_id"
	usernameOther = "other"
)

// authenticationConfigComponent is the [authn.ReloadEvent.Component] of
// the authentication configuration (--authentication-config, package
// options), the one file whose reloads Kubernetes has metrics for.
const authenticationConfigComponent = "options: --authentication-config"

// Kubernetes' label values.
const (
	statusSuccess = "success" // reloads, JWKS fetches
	statusFailure = "failure" // reloads, JWKS fetches, JWT verifications

	cacheHit      = "hit"
	cacheMiss     = "miss"
	fetchOK       = "ok"
	fetchError    = "error"
	fetchInFlight = "in_flight"
	fetchBlocked  = "blocked"

	// oidcAuthenticator is the JWTEvent.Authenticator whose verifications
	// Kubernetes measures (its JWT authenticators are OIDC issuers).
	oidcAuthenticator = "oidc"
)

// New registers Kubernetes' authentication metrics, and authnkit's own
// (listed in the package documentation), with reg, and returns an
// [authn.Observer] that records into them. Pass it to every component
// that takes one (options.Options.Observer passes it on to all).
//
// reg is required: this package never uses Prometheus' default registry;
// pass prometheus.DefaultRegisterer to use it. A registration that fails
// (a name already taken in reg, such as by a second New on the same
// registry) unregisters what New had registered and returns an error
// wrapping the registry's (a prometheus.AlreadyRegisteredError for a
// duplicate). Wrap reg (prometheus.WrapRegistererWith) to add constant
// labels or register twice.
//
// The returned Observer's functions are safe for concurrent use and do
// not block: each is a few atomic operations on metrics resolved at
// registration, except where a label comes from the event (a user name's
// category, an issuer's hash, a file, a status code), which costs a
// lookup of the labelled child as well.
func New(reg prometheus.Registerer, opts Options) (*authn.Observer, error) {
	if reg == nil {
		return nil, errors.New("metrics/prometheus: nil Registerer (this package never falls back to the default registry)")
	}
	// The names Kubernetes' compressUsername
	// (k8s.io/apiserver pkg/endpoints/filters/metrics.go) keeps as they are.
	known := map[string]struct{}{
		"admin":      {},
		"client":     {},
		"kube_proxy": {},
		"kubelet":    {},
		"system:serviceaccount:kube-system:default": {},
	}
	for i, n := range opts.KnownUsernames {
		if n == "" || !utf8.ValidString(n) {
			return nil, fmt.Errorf("metrics/prometheus: KnownUsernames[%d]: %q is not a non-empty UTF-8 name", i, n)
		}
		known[n] = struct{}{}
	}
	m := newMetrics(known, hash(opts.APIServerID), opts.NativeHistograms)
	if err := register(reg, m.collectors()); err != nil {
		return nil, err
	}
	return &authn.Observer{
		Authentication:      m.authentication,
		TokenCache:          m.tokenCache,
		TokenCacheFetch:     m.tokenCacheFetch,
		JWT:                 m.jwt,
		KeySetFetch:         m.keySetFetch,
		Reload:              m.reload,
		ClientCertificate:   m.clientCertificate,
		Webhook:             m.webhook,
		ServiceAccountToken: m.serviceAccountToken,
		ChainCheck:          m.chainCheck,
		UnknownKey:          m.unknownKey,
		IssuerRemoved:       m.issuerRemoved,
	}, nil
}

// register registers cs with reg, all or none.
func register(reg prometheus.Registerer, cs []prometheus.Collector) error {
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] {
				reg.Unregister(done)
			}
			return fmt.Errorf("metrics/prometheus: %w", err)
		}
	}
	return nil
}

// hash is Kubernetes' getHash (oidc/metrics.go,
// authenticationconfig/metrics/metrics.go): "sha256:" and the hex SHA-256
// of s, or "" for an empty s.
func hash(s string) string {
	if s == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// maxIssuerHashes bounds the issuers whose hash an Observer keeps.
const maxIssuerHashes = 1024

// issuerHashes memoizes hash for issuer URLs. JWT and key-set events name
// configured issuers, so there are few: past maxIssuerHashes distinct
// ones (a configuration reloaded with new issuers many times), the others
// are hashed on each event. Safe for concurrent use.
type issuerHashes struct {
	mu sync.RWMutex
	m  map[string]string
}

func (h *issuerHashes) of(issuer string) string {
	h.mu.RLock()
	v, ok := h.m[issuer]
	h.mu.RUnlock()
	if ok {
		return v
	}
	v = hash(issuer)
	h.mu.Lock()
	if h.m == nil {
		h.m = make(map[string]string)
	}
	if len(h.m) < maxIssuerHashes {
		h.m[issuer] = v
	}
	h.mu.Unlock()
	return v
}

// label makes s a valid label value: Prometheus refuses invalid UTF-8
// (a file name may hold any bytes), and a refusal would be a panic.
func label(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}

// unixSeconds is t (or now, when t is zero) as a timestamp gauge holds
// it: SetToCurrentTime's unit.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		t = time.Now()
	}
	return float64(t.UnixNano()) / 1e9
}
