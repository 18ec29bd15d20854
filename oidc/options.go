package oidc

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/jwssig"
	"github.com/authnkit/authnkit/internal/jwtverify"
	"github.com/authnkit/authnkit/internal/keyload"
)

// Defaults for [Options].
const (
	// DefaultSigningAlgorithm is kube-apiserver's --oidc-signing-algs
	// default.
	DefaultSigningAlgorithm = "RS256"
	// DefaultMaxTokenBytes bounds the tokens read. ID tokens carrying many
	// groups run to a few kilobytes; 64 KiB leaves ample room.
	DefaultMaxTokenBytes = 64 << 10
	// NotBeforeLeeway is how far in the future "nbf" (and "iat") may be
	// when [Options.ClockSkew] is zero: the fixed minute of go-oidc v2,
	// which Kubernetes verifies ID tokens with.
	NotBeforeLeeway = time.Minute
)

// Options configures an [Authenticator]. The zero value is usable: RS256
// only, Kubernetes' clock rules, no expressions.
type Options struct {
	// SigningAlgorithms lists the "alg" values accepted, from RS256,
	// RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 and EdDSA
	// (beyond Kubernetes, which lacks EdDSA). Empty: ["RS256"], as
	// --oidc-signing-algs. "none" and HMAC algorithms are never accepted.
	SigningAlgorithms []string

	// ClockSkew is how far this host's clock may disagree with the
	// issuer's: "exp" is accepted up to ClockSkew after it has passed,
	// "nbf" and "iat" up to ClockSkew before they arrive. Zero keeps
	// Kubernetes' behaviour: no leeway on "exp" and [NotBeforeLeeway] on
	// "nbf" and "iat". Negative is an error.
	ClockSkew time.Duration

	// InsecureAllowSystemNames lets a mapped username or group begin with
	// "system:". Off, such tokens are refused with [ErrReservedName]: an
	// identity provider must not be able to mint system:masters.
	// Kubernetes has no such guard.
	InsecureAllowSystemNames bool

	// Compiler compiles the CEL expressions of the configuration
	// (github.com/authnkit/authnkit/oidc/celexpr provides one). Nil: a
	// configuration that uses an expression is an error.
	Compiler Compiler

	// HTTPClient, when set, makes every request (discovery, keys,
	// distributed claims) for every issuer; Issuer.CertificateAuthority
	// must then be empty. Nil: each issuer gets a client that trusts its
	// CertificateAuthority (or the system roots) with a 10 s timeout.
	HTTPClient *http.Client

	// MaxTokenBytes bounds the length of a token read. Zero:
	// [DefaultMaxTokenBytes].
	MaxTokenBytes int

	// Key fetching, per issuer. Zero values take the defaults documented
	// on the key manager: refresh on the JWKS response's max-age bounded
	// to [1 min, 1 h], and at most one refetch per 15 s for unknown key
	// IDs.
	MinRefresh, MaxRefresh time.Duration
	UnknownKeyCooldown     time.Duration

	// KeySets holds verification keys the program holds itself, by
	// issuer URL, as Kubernetes' oidc Options.KeySet does for one issuer:
	// an issuer listed here fetches no discovery document and no JWKS,
	// and its tokens verify only against these keys ([NewStaticKeySet],
	// or any [KeySet]). Issuers not listed fetch their keys as usual.
	// Nil: every issuer fetches.
	KeySets map[string]KeySet

	// Logger receives lifecycle events (keys loaded, rotated, fetch
	// failures). Nil: slog.Default().
	Logger *slog.Logger
	// OnError receives background failures (key fetches). Nil: log only.
	OnError func(error)
	// Observer receives an [authn.JWTEvent] per verification of a token
	// of a configured issuer (Authenticator "oidc"), and an
	// [authn.KeySetFetchEvent] after every fetch of an issuer's JWKS. Nil:
	// nothing is recorded.
	Observer *authn.Observer
}

// AllSigningAlgorithms returns every algorithm [Options.SigningAlgorithms]
// may name, as kube-apiserver accepts all it knows with an
// AuthenticationConfiguration file (plus EdDSA).
func AllSigningAlgorithms() []string {
	return slices.Clone(jwssig.Names)
}

// Key is a verification key: a public key (*rsa.PublicKey,
// *ecdsa.PublicKey or ed25519.PublicKey), the "kid" it is published under
// (empty: it is tried for every token), and the one "alg" it may verify
// (empty: any allowed algorithm that fits it).
type Key = keyload.Key

// KeySet gives the keys that may have signed a token: Keys(ctx, kid)
// returns the keys published under kid, or every key when kid is empty;
// a kid it does not know is an error matching [authn.ErrUnknownKey] (or
// [authn.ErrUnavailable] when the keys could not be loaded). It must be
// safe for concurrent use. The service-account and OIDC authenticators
// verify against this one interface.
type KeySet = jwtverify.KeySet

// NewStaticKeySet returns a KeySet of keys held in memory, each listed
// under its KeyID, for [Options.KeySets].
func NewStaticKeySet(keys ...Key) KeySet {
	s := jwtverify.NewStatic()
	for _, k := range keys {
		s.Add(k, k.KeyID)
	}
	return s
}
