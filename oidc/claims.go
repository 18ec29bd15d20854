package oidc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/authnkit/authnkit/internal/jwtpeek"
	"github.com/authnkit/authnkit/internal/jwtverify"
)

// Distributed claims (OpenID Connect Core §5.6.2).
const (
	claimNamesKey   = "_claim_names"
	claimSourcesKey = "_claim_sources"
)

// registered are the claims whose type is checked, those of go-oidc's ID
// token, which Kubernetes decodes every token into: a token with one of
// the wrong type is malformed, whatever the configuration reads. A
// top-level member whose name differs from one of them only in case is an
// ambiguity, since encoding/json would read it as that claim; in a nested
// object it is just a name. "jti" is read too, but Kubernetes looks it up
// by its exact name and ignores a value of another type, and so does this
// package.
var registered = [][]byte{[]byte("iss"), []byte("sub"), []byte("aud"), []byte("exp"), []byte("nbf"), []byte("iat"),
	[]byte("nonce"), []byte("at_hash"), []byte(claimNamesKey), []byte(claimSourcesKey)}

// caseVariant returns the registered claim that name differs from only in
// case (as encoding/json folds case, Unicode included), or "".
func caseVariant(name []byte) string {
	for _, k := range registered {
		if bytes.EqualFold(name, k) && !bytes.Equal(name, k) {
			return string(k)
		}
	}
	return ""
}

// claims is a token's payload, decoded once. Registered claims are typed;
// values holds the claims the issuer's mappings and rules need (every
// claim when expressions are in use), decoded as encoding/json decodes
// into an interface.
type claims struct {
	iss     string
	aud     []string
	jti     string
	exp     numericDate
	nbf     numericDate
	iat     numericDate
	values  map[string]any
	typeErr error // first registered claim of the wrong type
	// names and sources are "_claim_names" and "_claim_sources", checked
	// together once both are read.
	names, sources any
	ambiguity      error
	hasAudience    bool
}

type numericDate struct {
	t   time.Time
	set bool
}

// want says which claims to keep in values.
type want struct {
	all   bool
	names map[string]struct{}
}

func (w *want) keeps(name []byte) bool {
	if w.all {
		return true
	}
	_, ok := w.names[string(name)]
	return ok
}

// decodeClaims reads a JSON payload into c in one pass. A syntax error is
// returned; a registered claim of the wrong type is noted in c.typeErr and
// an ambiguous member name in c.ambiguity, so that the caller can first
// learn the issuer.
func decodeClaims(data []byte, w *want, c *claims) error {
	r := jwtpeek.NewReader(data, nil)
	if null, err := r.Object(); err != nil || null {
		return errors.New("payload is not a JSON object")
	}
	for {
		name, ok, err := r.Next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		keep := w.keeps(name)
		reg := isRegistered(name)
		if !reg && c.ambiguity == nil {
			if k := caseVariant(name); k != "" {
				c.ambiguity = fmt.Errorf("%w: member %q differs from %q only in case", jwtpeek.ErrAmbiguousJSON, jwtverify.Clip(string(name)), k)
			}
		}
		if !keep && !reg {
			if err := r.Skip(); err != nil {
				return err
			}
			continue
		}
		if !keep && typedRegistered(name) {
			// Read into its field directly: no value to box, no
			// allocation beyond the strings kept.
			terr, err := c.readRegistered(&r, name)
			if err != nil {
				return err
			}
			if terr != nil && c.typeErr == nil {
				c.typeErr = fmt.Errorf("claim %q: %w", string(name), terr)
			}
			continue
		}
		v, err := r.Value()
		if err != nil {
			return err
		}
		key := string(name)
		if keep {
			if c.values == nil {
				c.values = make(map[string]any, 8)
			}
			if _, dup := c.values[key]; !dup {
				c.values[key] = v
			}
		}
		if reg {
			if terr := c.setRegistered(key, v); terr != nil && c.typeErr == nil {
				c.typeErr = fmt.Errorf("claim %q: %w", key, terr)
			}
		}
	}
	if err := r.End(); err != nil {
		return err
	}
	if c.names != nil || c.sources != nil {
		if err := checkDistributed(c.names, c.sources); err != nil && c.typeErr == nil {
			c.typeErr = err
		}
	}
	if c.ambiguity == nil {
		c.ambiguity = r.Ambiguity()
	}
	return nil
}

func isRegistered(name []byte) bool {
	switch string(name) {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "nonce", "at_hash", claimNamesKey, claimSourcesKey, "jti":
		return true
	}
	return false
}

var errClaimType = errors.New("wrong type")

// typedRegistered reports whether readRegistered reads the registered
// claim name (every one but the distributed-claims objects).
func typedRegistered(name []byte) bool {
	switch string(name) {
	case claimNamesKey, claimSourcesKey:
		return false
	}
	return true
}

// readRegistered reads the value of the registered claim name, one that
// typedRegistered accepts, from r into c: what setRegistered does with the
// same value read by r.Value, without boxing it. terr is a claim of the
// wrong type (the value skipped); err a syntax error.
func (c *claims) readRegistered(r *jwtpeek.Reader, name []byte) (terr, err error) {
	switch string(name) {
	case "iss":
		if r.Peek() != '"' {
			return errClaimType, r.Skip()
		}
		c.iss, err = r.String()
		return nil, err
	case "sub", "nonce", "at_hash":
		if p := r.Peek(); p != '"' && p != 'n' {
			return errClaimType, r.Skip()
		}
		return nil, r.Skip() // a string or null: checked, not kept
	case "jti":
		if r.Peek() != '"' {
			return nil, r.Skip() // no credential ID, no error
		}
		c.jti, err = r.String()
		return nil, err
	case "aud":
		c.hasAudience = true
		switch r.Peek() {
		case '"':
			s, err := r.String()
			c.aud = []string{s}
			return nil, err
		case 'n':
			return nil, r.Skip()
		case '[':
		default:
			return errClaimType, r.Skip()
		}
		if _, err := r.Array(); err != nil {
			return nil, err
		}
		c.aud = []string{}
		for {
			more, err := r.NextElement()
			if err != nil || !more {
				return terr, err
			}
			if r.Peek() != '"' {
				terr = errClaimType
				if err := r.Skip(); err != nil {
					return nil, err
				}
				continue
			}
			s, err := r.String()
			if err != nil {
				return nil, err
			}
			if terr == nil {
				c.aud = append(c.aud, s)
			}
		}
	}
	// "exp", "nbf", "iat"
	key := string(name)
	if p := r.Peek(); p != 'n' && p != '-' && (p < '0' || p > '9') {
		return errClaimType, r.Skip()
	}
	f, ok, err := r.Number()
	switch {
	case err != nil:
		return nil, err // a number r.Value could not read either
	case !ok && key != "nbf":
		return errors.New("null, not a NumericDate"), nil
	}
	d := numericDate{}
	if ok {
		if d, err = floatDate(f); err != nil {
			return err, nil
		}
	}
	switch key {
	case "exp":
		c.exp = d
	case "nbf":
		c.nbf = d
	default:
		c.iat = d
	}
	return nil, nil
}

func (c *claims) setRegistered(key string, v any) error {
	switch key {
	case "iss":
		s, ok := v.(string)
		if !ok {
			return errClaimType
		}
		c.iss = s
	case "sub", "nonce", "at_hash":
		// Strings, or null (absent), whatever the configuration reads:
		// Kubernetes refuses a "sub" of another type even when the
		// username comes from another claim or an expression.
		if _, ok := v.(string); !ok && v != nil {
			return errClaimType
		}
	case claimNamesKey:
		c.names = v
	case claimSourcesKey:
		c.sources = v
	case "jti":
		// Kubernetes: a jti that is not a string gives no credential ID,
		// and is no error.
		c.jti, _ = v.(string)
	case "aud":
		c.hasAudience = true
		switch a := v.(type) {
		case string:
			c.aud = []string{a}
		case []any:
			c.aud = make([]string, 0, len(a))
			for _, e := range a {
				s, ok := e.(string)
				if !ok {
					return errClaimType
				}
				c.aud = append(c.aud, s)
			}
		case nil:
		default:
			return errClaimType
		}
	case "exp", "nbf", "iat":
		if v == nil && key != "nbf" {
			// go-oidc reads exp and iat into values, whose decoder
			// refuses null; only nbf, a pointer there, may be null.
			return errors.New("null, not a NumericDate")
		}
		d, err := toDate(v)
		if err != nil {
			return err
		}
		switch key {
		case "exp":
			c.exp = d
		case "nbf":
			c.nbf = d
		default:
			c.iat = d
		}
	}
	return nil
}

// toDate reads a NumericDate (RFC 7519 §2): seconds since the epoch,
// possibly fractional, within ±2^40; null is absent. As in Kubernetes
// (go-oidc), a fraction is truncated toward zero.
func toDate(v any) (numericDate, error) {
	switch f := v.(type) {
	case nil:
		return numericDate{}, nil
	case float64:
		return floatDate(f)
	}
	return numericDate{}, errClaimType
}

// floatDate is toDate of a number.
func floatDate(f float64) (numericDate, error) {
	if math.IsNaN(f) || f < -1<<40 || f > 1<<40 {
		return numericDate{}, errors.New("date out of range")
	}
	return numericDate{t: time.Unix(int64(f), 0), set: true}, nil
}

// stringClaim returns the claim name as a string, or an error matching
// ErrMissingClaim when it is absent or not a string. null reads as "", as
// Kubernetes reads it (encoding/json leaves a string unchanged on null).
func (c *claims) stringClaim(name string) (string, error) {
	v, ok := c.values[name]
	if !ok {
		return "", fmt.Errorf("%w: claim %q not present", ErrMissingClaim, name)
	}
	s, ok := v.(string)
	if !ok && v != nil {
		return "", fmt.Errorf("%w: claim %q is %s, not a string", ErrMissingClaim, name, jsonType(v))
	}
	return s, nil
}

// stringsClaim reads a claim that may be a string or an array of strings,
// as Kubernetes reads the groups claim. null is no values.
func stringsClaim(name string, v any) ([]string, error) {
	switch a := v.(type) {
	case string:
		return []string{a}, nil
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(a))
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%w: claim %q holds a %s, not a string", ErrMissingClaim, name, jsonType(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: claim %q is %s, not a string or an array of strings", ErrMissingClaim, name, jsonType(v))
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
