package authn

import (
	"context"
	"errors"
	"net/http"
)

// AuthenticatorError attributes a failure to the authenticator that
// returned it, so that a log line or a metric can say which one decided.
// [Named] and [NamedToken] add it. Its text is Err's text alone (the name
// is data, not prose, so messages do not repeat a package prefix), and it
// unwraps to Err, so [errors.Is] and [IsUnavailable] see through it.
type AuthenticatorError struct {
	// Authenticator is the name given to [Named] or [NamedToken], such as
	// "oidc" or "apikeys".
	Authenticator string
	// Err is the authenticator's error; never nil.
	Err error
}

func (e *AuthenticatorError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *AuthenticatorError) Unwrap() error { return e.Err }

// Named wraps a so that its errors carry name ([AuthenticatorError]).
// Successes and no opinion pass through unchanged and without allocating.
func Named(name string, a Authenticator) Authenticator {
	return named{name: name, a: a}
}

// NamedToken is [Named] for token authenticators.
func NamedToken(name string, t TokenAuthenticator) TokenAuthenticator {
	return namedToken{name: name, t: t}
}

type named struct {
	name string
	a    Authenticator
}

func (n named) AuthenticateRequest(r *http.Request) (*Response, bool, error) {
	resp, ok, err := n.a.AuthenticateRequest(r)
	if err != nil {
		return nil, false, &AuthenticatorError{Authenticator: n.name, Err: err}
	}
	return resp, ok, nil
}

type namedToken struct {
	name string
	t    TokenAuthenticator
}

func (n namedToken) AuthenticateToken(ctx context.Context, token string) (*Response, bool, error) {
	resp, ok, err := n.t.AuthenticateToken(ctx, token)
	if err != nil {
		return nil, false, &AuthenticatorError{Authenticator: n.name, Err: err}
	}
	return resp, ok, nil
}

// Authenticators returns the names of the authenticators err is
// attributed to ([AuthenticatorError]), in the order they appear in err's
// tree and without repeats. Where names nest, the innermost one is given:
// it is the one that decided. It returns nil when err names none.
func Authenticators(err error) []string {
	var names []string
	collectNames(err, &names)
	return names
}

// collectNames appends the innermost names under err and reports whether
// it found any.
func collectNames(err error, names *[]string) bool {
	if err == nil {
		return false
	}
	found := false
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			found = collectNames(e, names) || found
		}
	case interface{ Unwrap() error }:
		found = collectNames(u.Unwrap(), names)
	}
	if found {
		return true
	}
	if ae, ok := err.(*AuthenticatorError); ok {
		for _, n := range *names {
			if n == ae.Authenticator {
				return true
			}
		}
		*names = append(*names, ae.Authenticator)
		return true
	}
	return false
}

// Refusal reasons, as [Reason] names them: one word per kind of failure,
// for log lines and metric labels.
const (
	ReasonNoCredential       = "no_credential"       // nothing presented that anyone recognised as a credential
	ReasonUnrecognized       = "unrecognized"        // a credential nobody knew ([ErrUnrecognized])
	ReasonUnavailable        = "unavailable"         // could not be checked ([IsUnavailable])
	ReasonExpired            = "expired"             // [ErrExpired]
	ReasonNotYetValid        = "not_yet_valid"       // [ErrNotYetValid]
	ReasonRevoked            = "revoked"             // [ErrRevoked]
	ReasonWrongAudience      = "wrong_audience"      // [ErrWrongAudience]
	ReasonWrongIssuer        = "wrong_issuer"        // [ErrWrongIssuer]
	ReasonUnknownKey         = "unknown_key"         // [ErrUnknownKey]
	ReasonBadSignature       = "bad_signature"       // [ErrBadSignature]
	ReasonMalformed          = "malformed"           // [ErrMalformed]
	ReasonInvalidCredentials = "invalid_credentials" // [ErrInvalidCredentials]
	ReasonInvalid            = "invalid"             // any other rejection
)

// reasons is the order in which [Reason] looks for sentinels: the most
// specific and actionable first.
var reasons = [...]struct {
	err    error
	reason string
}{
	{ErrExpired, ReasonExpired},
	{ErrNotYetValid, ReasonNotYetValid},
	{ErrRevoked, ReasonRevoked},
	{ErrWrongAudience, ReasonWrongAudience},
	{ErrWrongIssuer, ReasonWrongIssuer},
	{ErrUnknownKey, ReasonUnknownKey},
	{ErrBadSignature, ReasonBadSignature},
	{ErrMalformed, ReasonMalformed},
	{ErrInvalidCredentials, ReasonInvalidCredentials},
}

// Reason names the kind of a refusal in one word (the Reason* constants):
// [ReasonNoCredential] for a nil err (the request carried nothing anyone
// recognised), [ReasonUnavailable] when err [IsUnavailable], then the
// first of expired, not yet valid, revoked, wrong audience, wrong issuer,
// unknown key, bad signature, malformed and invalid credentials that err
// matches, then [ReasonUnrecognized] when err only says nobody knew the
// credential, and [ReasonInvalid] for anything else. The result never
// contains text from err.
func Reason(err error) string {
	switch {
	case err == nil:
		return ReasonNoCredential
	case IsUnavailable(err):
		return ReasonUnavailable
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	if classify(err) == classNeutral {
		return ReasonUnrecognized
	}
	return ReasonInvalid
}
