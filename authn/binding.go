package authn

import (
	"errors"
	"net/http"
	"strconv"
)

// Confirmation is the key a sender-constrained credential is bound to: the
// "cnf" claim of a JWT (RFC 7800), as an authenticator that read it reports
// it in [Response.Confirmation]. A request presenting such a credential
// must also prove that it holds the key; [BearerTokenWith] asks its
// [BearerOptions.Binding] to check that, and refuses the request when no
// checker is configured.
//
// Kubernetes ignores "cnf": a bound token is a plain bearer token there.
type Confirmation struct {
	// X5TS256 is "x5t#S256": the unpadded base64url SHA-256 of the DER
	// client certificate the token is bound to (RFC 8705 section 3.1).
	X5TS256 string
	// JKT is "jkt": the unpadded base64url SHA-256 JWK thumbprint
	// (RFC 7638) of the key DPoP proofs must be signed with (RFC 9449
	// section 6.1).
	JKT string
}

// BindingPolicy says what a JWT authenticator does with a token's "cnf"
// claim. Each authenticator that reads one (package serviceaccount, each
// issuer of package oidc) has its own.
type BindingPolicy int

const (
	// BindingWhenPresent, the zero value, reports a token's "cnf"
	// ("x5t#S256", "jkt") in [Response.Confirmation], so that the request
	// must prove possession of that key; a token without one is a bearer
	// token. A "cnf" with neither member, or with a malformed one, is
	// refused ([ErrMalformed]): a binding the server cannot check is never
	// dropped silently.
	BindingWhenPresent BindingPolicy = iota
	// BindingRequired refuses a token without "x5t#S256" or "jkt" in its
	// "cnf", with a [*BindingError]: every token of that issuer must be
	// sender-constrained.
	BindingRequired
	// BindingIgnored ignores "cnf": every token is a bearer token, as in
	// Kubernetes. Use it only for an issuer whose bound tokens must keep
	// working where no proof can be checked.
	BindingIgnored
)

// String returns the policy's flag spelling: "when-present", "required"
// or "ignored".
func (p BindingPolicy) String() string {
	switch p {
	case BindingWhenPresent:
		return "when-present"
	case BindingRequired:
		return "required"
	case BindingIgnored:
		return "ignored"
	}
	return "BindingPolicy(" + strconv.Itoa(int(p)) + ")"
}

// ParseBindingPolicy reads a policy in its flag spelling (see
// [BindingPolicy.String]).
func ParseBindingPolicy(s string) (BindingPolicy, error) {
	for _, p := range []BindingPolicy{BindingWhenPresent, BindingRequired, BindingIgnored} {
		if s == p.String() {
			return p, nil
		}
	}
	return 0, errors.New(`authn: token binding policy must be "when-present", "required" or "ignored"`)
}

// ErrProofOfPossession: a sender-constrained credential was presented
// without a valid proof that the caller holds its key (no client
// certificate, another certificate, no DPoP proof, a proof by another
// key), or a credential that must be sender-constrained was not. It is a
// refusal (401), never [ErrUnavailable]. See [BindingError].
var ErrProofOfPossession = errors.New("authn: proof of possession missing or wrong")

// BindingError is the refusal of a credential whose binding was not
// proved. It matches [ErrProofOfPossession] and, since the credential was
// a token, [ErrInvalidToken] (RFC 8705 section 3 and RFC 9449 section 7.1
// both answer invalid_token). It unwraps to Err when a cause is known.
type BindingError struct {
	// Method is the binding: "mtls" (RFC 8705, "x5t#S256") or "dpop"
	// (RFC 9449, "jkt").
	Method string
	// Reason says what was missing or wrong, in a few words, without the
	// credential ("no client certificate", "certificate does not match").
	Reason string
	// Err is the cause, or nil.
	Err error
}

func (e *BindingError) Error() string {
	s := "authn: " + e.Method + " binding: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is [ErrProofOfPossession] or [ErrInvalidToken].
func (e *BindingError) Is(target error) bool {
	return target == ErrProofOfPossession || target == ErrInvalidToken
}

// Unwrap returns Err.
func (e *BindingError) Unwrap() error { return e.Err }

// BindingChecker checks that a request proves possession of the key its
// token is bound to. [BearerTokenWith] calls it, after the token
// authenticator accepted the token, for every token whose response has a
// [Confirmation] and for every token presented with the DPoP scheme
// (which must be DPoP-bound). Package binding implements it.
type BindingChecker interface {
	// CheckBinding returns nil when r proves possession of the key c
	// names. scheme is the Authorization scheme the token came with,
	// "Bearer" or "DPoP"; c is nil for a token that is not bound. The
	// error should match [ErrProofOfPossession] (or [ErrUnavailable]
	// when the proof could not be checked, a replay store being down).
	// It may be a [Challenger]. It must not modify r, except to remove
	// the DPoP header once used.
	CheckBinding(r *http.Request, scheme, token string, c *Confirmation) error
	// Schemes lists the Authorization schemes besides Bearer whose tokens
	// it checks: "DPoP" when it verifies DPoP proofs.
	Schemes() []string
}

// Challenger is an error that knows the WWW-Authenticate challenge (and
// any other header) its 401 answer needs, such as a DPoP refusal
// (RFC 9449 section 7.1: DPoP error="invalid_dpop_proof", or
// "use_dpop_nonce" with a DPoP-Nonce header). [DefaultFailureHandler]
// finds the first Challenger in an error's tree ([errors.As]) and lets it
// set the response headers after its own.
type Challenger interface {
	error
	// Challenge adds headers to a 401 answer. It must not put a
	// credential in them.
	Challenge(h http.Header)
}

var errBindingUnchecked = &BindingError{Method: "cnf", Reason: "the token is sender-constrained and this server checks no binding"}
