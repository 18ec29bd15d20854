// Package jwtverify is the JWT core that the JWT authenticators
// (serviceaccount, oidc) share: the [KeySet] they verify against, the one
// signature loop ([Verify]), the typed rejection ([TokenError]), and the
// [Dispatch] that reads a bearer token once and hands it to the
// authenticator of its issuer, however many are configured.
package jwtverify

import (
	"context"
	"fmt"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/jwssig"
	"github.com/authnkit/authnkit/internal/jwtpeek"
	"github.com/authnkit/authnkit/internal/keyload"
)

// KeySet gives the keys that may have signed a token. Implementations are
// safe for concurrent use.
type KeySet interface {
	// Keys returns the keys published under kid, or every key when kid is
	// empty. A kid the set does not know is an error matching
	// [authn.ErrUnknownKey], or [authn.ErrUnavailable] when the keys could
	// not be loaded to tell. The result is read-only.
	Keys(ctx context.Context, kid string) ([]keyload.Key, error)
}

// Static is a [KeySet] held in memory. Build it with [NewStatic] and
// [Static.Add]; once in use it must not change.
type Static struct {
	all   []keyload.Key
	byKID map[string][]keyload.Key
}

var _ KeySet = (*Static)(nil)

// NewStatic returns an empty Static.
func NewStatic() *Static { return &Static{byKID: make(map[string][]keyload.Key)} }

// Add lists k once among all keys and under each of ids (a key may be
// published under several IDs: the one derived from it and a JWK's "kid").
// Empty and repeated IDs are ignored.
func (s *Static) Add(k keyload.Key, ids ...string) {
	s.all = append(s.all, k)
	for i, id := range ids {
		if id == "" || containsID(ids[:i], id) {
			continue
		}
		s.byKID[id] = append(s.byKID[id], k)
	}
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Len is the number of keys added.
func (s *Static) Len() int { return len(s.all) }

// All returns every key, in the order added. The slice is read-only.
func (s *Static) All() []keyload.Key { return s.all }

// Keys implements [KeySet]: an unknown kid is an error matching
// [authn.ErrUnknownKey].
func (s *Static) Keys(_ context.Context, kid string) ([]keyload.Key, error) {
	if kid == "" {
		return s.all, nil
	}
	if ks := s.byKID[kid]; len(ks) > 0 {
		return ks, nil
	}
	return nil, fmt.Errorf("%w: kid %q", authn.ErrUnknownKey, Clip(kid))
}

// Verify checks the signature of jws, whose header is h, with alg (which
// the caller has found allowed for h.Alg) and the keys ks has for h.Kid.
// A key bound to another algorithm (a JWK's "alg"), or of a type alg does
// not use, is skipped. The digest is computed once however many keys are
// tried. It returns nil, ks's error, or an error matching
// [authn.ErrUnknownKey] (no key could be tried) or [authn.ErrBadSignature]
// (none verified). Errors quote the kid, clipped, never the token.
func Verify(ctx context.Context, ks KeySet, alg jwssig.Alg, h jwtpeek.Header, jws *jwtpeek.JWS) error {
	keys, err := ks.Keys(ctx, h.Kid)
	if err != nil {
		return err
	}
	var buf [64]byte
	var dig []byte
	tried := 0
	for _, k := range keys {
		if (k.Alg != "" && k.Alg != h.Alg) || !alg.Fits(k.Public) {
			continue
		}
		if dig == nil {
			dig = alg.Digest(jws.SigningInput, &buf)
		}
		tried++
		if alg.VerifyDigest(k.Public, jws.SigningInput, dig, jws.Signature) == nil {
			return nil
		}
	}
	if tried == 0 {
		return fmt.Errorf("%w: no %s key with kid %q", authn.ErrUnknownKey, h.Alg, Clip(h.Kid))
	}
	return fmt.Errorf("%w: %s, kid %q, %d keys tried", authn.ErrBadSignature, h.Alg, Clip(h.Kid), tried)
}

// TokenError is a JWT that an authenticator owned (its issuer is one the
// authenticator is configured for) and refused: which authenticator, the
// issuer, the key ID of its header, and why. It unwraps to Err, so
// [errors.Is] finds the authn sentinel of the cause ([authn.ErrExpired],
// [authn.ErrBadSignature], …) and [authn.IsUnavailable] judges it.
type TokenError struct {
	// Authenticator is the package that refused it: "serviceaccount" or
	// "oidc".
	Authenticator string
	// Issuer is the token's "iss", clipped.
	Issuer string
	// KeyID is the "kid" of its header, clipped; empty when it has none
	// or the header could not be read.
	KeyID string
	// Err is the cause; never nil.
	Err error
}

func (e *TokenError) Error() string {
	return e.Authenticator + ": issuer " + fmt.Sprintf("%q", e.Issuer) + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *TokenError) Unwrap() error { return e.Err }

// Refuse returns err as a *TokenError of authenticator for iss and kid,
// inside an [authn.AuthenticatorError] of the same name, so that the
// decision log says who refused however the authenticator was composed;
// nil for a nil err.
func Refuse(authenticator, iss, kid string, err error) error {
	if err == nil {
		return nil
	}
	return &authn.AuthenticatorError{Authenticator: authenticator,
		Err: &TokenError{Authenticator: authenticator, Issuer: Clip(iss), KeyID: Clip(kid), Err: err}}
}

// maxClip is how much of an untrusted string an error quotes.
const maxClip = 64

// Clip bounds an untrusted string quoted in an error.
func Clip(s string) string {
	if len(s) > maxClip {
		return s[:maxClip] + "..."
	}
	return s
}

// ClipList bounds an untrusted list quoted in an error: at most 8
// elements, each clipped.
func ClipList(l []string) []string {
	const max = 8
	if len(l) > max {
		l = l[:max]
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = Clip(s)
	}
	return out
}
