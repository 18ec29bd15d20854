package oidc

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/authnkit/authnkit/internal/jwssig"
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

	// Logger receives lifecycle events (keys loaded, rotated, fetch
	// failures). Nil: slog.Default().
	Logger *slog.Logger
	// OnError receives background failures (key fetches). Nil: log only.
	OnError func(error)
}

// AllSigningAlgorithms returns every algorithm [Options.SigningAlgorithms]
// may name, as kube-apiserver accepts all it knows with an
// AuthenticationConfiguration file (plus EdDSA).
func AllSigningAlgorithms() []string {
	return slices.Clone(jwssig.Names)
}
