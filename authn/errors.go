package authn

import (
	"errors"
	"time"
)

// Sentinel errors, one per failure kind a caller can act on. Errors returned
// by authnkit authenticators wrap these where a kind applies; test them with
// [errors.Is]. Messages never contain a credential.
var (
	// ErrInvalidToken: a bearer token was presented and no authenticator
	// accepted it. [BearerToken] wraps every rejection it returns with it
	// (except [ErrUnavailable] ones), so the middleware can send an RFC 6750
	// invalid_token challenge.
	ErrInvalidToken = errors.New("authn: invalid bearer token")
	// ErrInvalidCredentials: a user name and password (or similar pair)
	// was presented and is wrong. Unknown user and wrong password are the
	// same error on purpose.
	ErrInvalidCredentials = errors.New("authn: invalid username or password")
	// ErrMalformed: a credential of the authenticator's kind is present but
	// cannot be parsed (an empty bearer token, bad base64, a token that is
	// too long).
	ErrMalformed = errors.New("authn: malformed credential")
	// ErrExpired: the credential's validity has ended. See [ExpiredError].
	ErrExpired = errors.New("authn: credential expired")
	// ErrNotYetValid: the credential's validity has not started.
	ErrNotYetValid = errors.New("authn: credential not yet valid")
	// ErrWrongAudience: the credential was issued for none of the accepted
	// audiences.
	ErrWrongAudience = errors.New("authn: wrong audience")
	// ErrWrongIssuer: the credential's issuer is not the one expected.
	ErrWrongIssuer = errors.New("authn: wrong issuer")
	// ErrUnknownKey: the credential is signed by a key that is not known.
	ErrUnknownKey = errors.New("authn: unknown signing key")
	// ErrBadSignature: the credential's signature does not verify.
	ErrBadSignature = errors.New("authn: bad signature")
	// ErrRevoked: the credential was valid but has been revoked.
	ErrRevoked = errors.New("authn: credential revoked")
	// ErrUnrecognized: a credential was presented and no authenticator
	// knew it (every one had no opinion). It is a refusal (401), but no
	// verdict on the credential: [IsUnavailable] skips it, so that
	// one member's ignorance cannot hide another member's outage.
	// [BearerToken]'s error for a token nobody knew matches it and
	// [ErrInvalidToken].
	ErrUnrecognized = errors.New("authn: credential not recognized")
	// ErrUnavailable: the credential could not be checked because something
	// it depends on is down (keys not yet fetched, a webhook unreachable).
	// It never means the credential is wrong. [Middleware] answers 503 when
	// every failure is of this kind ([IsUnavailable]). Wrap a cause with
	// [UnavailableError] rather than with fmt.Errorf's multiple %w, so that
	// [IsUnavailable] sees one failure, not two.
	ErrUnavailable = errors.New("authn: cannot check credential now")
)

// ExpiredError reports when a rejected credential expired. It matches
// [ErrExpired].
type ExpiredError struct{ Expiry time.Time }

func (e *ExpiredError) Error() string {
	return "authn: credential expired at " + e.Expiry.UTC().Format(time.RFC3339)
}

// Is reports whether target is [ErrExpired].
func (e *ExpiredError) Is(target error) bool { return target == ErrExpired }

// NotYetValidError reports when a rejected credential becomes valid. It
// matches [ErrNotYetValid].
type NotYetValidError struct{ NotBefore time.Time }

func (e *NotYetValidError) Error() string {
	return "authn: credential not valid before " + e.NotBefore.UTC().Format(time.RFC3339)
}

// Is reports whether target is [ErrNotYetValid].
func (e *NotYetValidError) Is(target error) bool { return target == ErrNotYetValid }

// UnavailableError says that a credential could not be checked, and why. It
// matches [ErrUnavailable] and unwraps to Err (which must not contain a
// credential).
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string {
	if e.Err == nil {
		return ErrUnavailable.Error()
	}
	return ErrUnavailable.Error() + ": " + e.Err.Error()
}

// Is reports whether target is [ErrUnavailable].
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// Unwrap returns the cause.
func (e *UnavailableError) Unwrap() error { return e.Err }

// IsUnavailable reports whether err says only that credentials could not be
// checked: err matches [ErrUnavailable] and, where err joins several
// failures (as a union's error does, see [errors.Join]), every one of them
// that is a verdict does. A single rejection among them makes the answer
// false. A failure that matches only [ErrUnrecognized] (a credential that
// no authenticator knew, such as the error [BearerToken] returns when its
// token authenticator has no opinion) is no verdict either way and is
// skipped: one member of a union that did not know a token does not turn
// another member's outage into a 401. A nil err is not unavailable.
//
// The whole tree of err is walked, through single wrappers (fmt.Errorf
// with one %w, [AuthenticatorError]) and joins alike.
func IsUnavailable(err error) bool {
	return err != nil && classify(err) == classUnavailable
}

// class is what a failure says about a credential.
type class int

const (
	classNeutral     class = iota // no verdict: nobody knew the credential
	classUnavailable              // could not be checked
	classRejected                 // checked, and wrong
)

// classify walks err's tree: a rejection anywhere wins, then an outage;
// a tree of unrecognized credentials only is neutral.
func classify(err error) class {
	switch err {
	case ErrUnavailable:
		return classUnavailable
	case ErrUnrecognized:
		return classNeutral
	}
	if x, ok := err.(interface{ Is(error) bool }); ok {
		switch {
		case x.Is(ErrUnavailable):
			return classUnavailable
		case x.Is(ErrUnrecognized):
			return classNeutral
		}
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		c, seen := classNeutral, false
		for _, e := range u.Unwrap() {
			if e == nil {
				continue
			}
			seen = true
			switch classify(e) {
			case classRejected:
				return classRejected
			case classUnavailable:
				c = classUnavailable
			}
		}
		if !seen {
			return classRejected
		}
		return c
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			return classify(inner)
		}
	}
	return classRejected
}
