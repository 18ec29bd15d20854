package bootstrap

import (
	"errors"
	"strings"
)

// Sentinel errors of this package. The other failure kinds use authn's
// sentinels: an expired token matches [authn.ErrExpired] (and is an
// [*authn.ExpiredError] when the expiration parses), one whose Secret is
// being deleted [authn.ErrRevoked], and a store failure
// [authn.ErrUnavailable].
var (
	// ErrWrongSecret: the token's ID names a Secret, but its secret half is
	// not the Secret's token-secret.
	ErrWrongSecret = errors.New("bootstrap: wrong token secret")
	// ErrNotForAuthentication: the Secret's usage-bootstrap-authentication
	// is not "true" (for example a token for signing only).
	ErrNotForAuthentication = errors.New("bootstrap: token not marked usage-bootstrap-authentication=true")
	// ErrInvalidSecret: the Secret found for the token is not a valid
	// bootstrap token Secret (wrong namespace, name or type, no data, a
	// token-id that differs from the name, an invalid extra group).
	ErrInvalidSecret = errors.New("bootstrap: invalid bootstrap token secret")
)

// TokenError reports a bootstrap token that was rejected, naming its Secret
// by the token ID (the public half of the token). Err says why and matches
// the sentinels listed with [ErrWrongSecret]. Every rejection returned by
// [Authenticator.AuthenticateToken] is a *TokenError; a store failure wraps
// an [*authn.UnavailableError] instead.
type TokenError struct {
	// TokenID is the token's ID; the Secret is kube-system/bootstrap-token-<TokenID>.
	TokenID string
	// Err is the reason.
	Err error
}

// Error names the token ID and its Secret, then the reason, saying the
// package name once: "bootstrap: token abcdef (secret
// kube-system/bootstrap-token-abcdef): wrong token secret".
func (e *TokenError) Error() string {
	msg := "bootstrap: token " + e.TokenID + " (secret " + Namespace + "/" + SecretPrefix + e.TokenID + ")"
	if e.Err == nil {
		return msg + " rejected"
	}
	return msg + ": " + strings.TrimPrefix(e.Err.Error(), "bootstrap: ")
}

// Unwrap returns the reason.
func (e *TokenError) Unwrap() error { return e.Err }
