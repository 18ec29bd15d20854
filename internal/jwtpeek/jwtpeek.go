// Package jwtpeek splits a compact JWS (RFC 7515 §7.1) into its decoded
// parts and checks the JSON of its header and payload for ambiguities,
// without verifying anything. It is shared by the JWT authenticators
// (serviceaccount, oidc), which must peek at a token's issuer before they
// know which keys to verify it with.
//
// Nothing this package returns is trustworthy until the caller has verified
// the signature over [JWS.SigningInput]. Errors never contain token bytes.
package jwtpeek

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrNotJWS reports input that is not a compact JWS: too long, not three
// segments, a character outside the base64url alphabet, or bad base64url.
var ErrNotJWS = errors.New("jwtpeek: not a compact JWS")

// ErrAmbiguousJSON reports a header or payload whose JSON two parsers could
// read differently: a duplicate member name in one object (compared
// case-insensitively, as encoding/json matches names), a member whose name
// differs from a known claim only in case (encoding/json would read it as
// that claim), or too many member names.
var ErrAmbiguousJSON = errors.New("jwtpeek: ambiguous JSON")

// JWS holds the parts of a compact JWS. Header, Payload and Signature are
// decoded and share one backing array owned by the caller.
type JWS struct {
	// SigningInput is "header.payload" exactly as it appears in the token:
	// the bytes the signature covers.
	SigningInput string
	Header       []byte
	Payload      []byte
	Signature    []byte
}

// Split bounds token to maxLen bytes, checks that it is three dot-separated
// segments of unpadded base64url (RFC 7515 §2: no padding, no white space,
// no line breaks) and decodes them. Any failure matches [ErrNotJWS]. Split
// allocates once, for the decoded bytes.
func Split(token string, maxLen int) (JWS, error) {
	if len(token) > maxLen {
		return JWS{}, fmt.Errorf("%w: longer than %d bytes", ErrNotJWS, maxLen)
	}
	dot1, dot2 := -1, -1
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.':
			switch {
			case dot1 < 0:
				dot1 = i
			case dot2 < 0:
				dot2 = i
			default:
				return JWS{}, fmt.Errorf("%w: more than three segments", ErrNotJWS)
			}
		default:
			return JWS{}, fmt.Errorf("%w: byte %d is outside the base64url alphabet", ErrNotJWS, i)
		}
	}
	if dot2 < 0 {
		return JWS{}, fmt.Errorf("%w: fewer than three segments", ErrNotJWS)
	}
	h, p, s := token[:dot1], token[dot1+1:dot2], token[dot2+1:]
	if h == "" || p == "" {
		return JWS{}, fmt.Errorf("%w: empty header or payload", ErrNotJWS)
	}
	enc := base64.RawURLEncoding.Strict()
	hl, pl, sl := enc.DecodedLen(len(h)), enc.DecodedLen(len(p)), enc.DecodedLen(len(s))
	buf := make([]byte, hl+pl+sl)
	hn, err := enc.Decode(buf[:hl], []byte(h))
	if err != nil {
		return JWS{}, fmt.Errorf("%w: header: bad base64url", ErrNotJWS)
	}
	pn, err := enc.Decode(buf[hl:hl+pl], []byte(p))
	if err != nil {
		return JWS{}, fmt.Errorf("%w: payload: bad base64url", ErrNotJWS)
	}
	sn, err := enc.Decode(buf[hl+pl:], []byte(s))
	if err != nil {
		return JWS{}, fmt.Errorf("%w: signature: bad base64url", ErrNotJWS)
	}
	return JWS{
		SigningInput: token[:dot2],
		Header:       buf[:hn:hn],
		Payload:      buf[hl : hl+pn : hl+pn],
		Signature:    buf[hl+pl : hl+pl+sn : hl+pl+sn],
	}, nil
}

// Header is the part of a JOSE header that JWT validators look at.
type Header struct {
	Alg string // "alg"
	Kid string // "kid"
	Typ string // "typ"
	Cty string // "cty"
	Enc string // "enc"
	// Crit is true when "crit" is present and not null.
	Crit bool
}

// headerNames are the header members [ParseHeader] reads.
var headerNames = []string{"alg", "kid", "typ", "cty", "enc", "crit"}

// maxDepth bounds the nesting of objects and arrays a [Reader] accepts.
const maxDepth = 32

// ParseHeader decodes a JOSE header strictly and rejects what a JWS
// validator must not accept: invalid JSON ([ErrSyntax]), string members of
// another type ([ErrType]), duplicate or case-variant member names
// ([ErrAmbiguousJSON]), a JWE ("enc" present), a nested JWT ("cty": "JWT",
// RFC 7519 §5.2), and any "crit" extension (RFC 7515 §4.1.11: none is
// understood here).
func ParseHeader(data []byte) (Header, error) {
	var h Header
	r := NewReader(data, headerNames)
	if null, err := r.Object(); err != nil || null {
		return Header{}, fmt.Errorf("jwtpeek: header: not a JSON object: %w", errOr(err, ErrType))
	}
	for {
		name, ok, err := r.Next()
		if err != nil {
			return Header{}, fmt.Errorf("jwtpeek: header: %w", err)
		}
		if !ok {
			break
		}
		var dst *string
		switch string(name) {
		case "alg":
			dst = &h.Alg
		case "kid":
			dst = &h.Kid
		case "typ":
			dst = &h.Typ
		case "cty":
			dst = &h.Cty
		case "enc":
			dst = &h.Enc
		case "crit":
			h.Crit = r.peek() != 'n'
		}
		if dst != nil {
			*dst, err = r.String()
		} else {
			err = r.Skip()
		}
		if err != nil {
			return Header{}, fmt.Errorf("jwtpeek: header: member %q: %w", clip(name), err)
		}
	}
	if err := r.End(); err != nil {
		return Header{}, fmt.Errorf("jwtpeek: header: %w", err)
	}
	if err := r.Ambiguity(); err != nil {
		return Header{}, fmt.Errorf("jwtpeek: header: %w", err)
	}
	switch {
	case h.Enc != "":
		return Header{}, errors.New("jwtpeek: header: a JWE, not a JWS")
	case strings.EqualFold(h.Cty, "JWT"):
		return Header{}, errors.New("jwtpeek: header: a nested JWT")
	case h.Crit:
		return Header{}, errors.New("jwtpeek: header: unsupported critical extensions")
	}
	return h, nil
}

func errOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// clip shortens a member name for an error message. Member names are not
// secret, but they come from an unverified token and are bounded here.
func clip(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "…"
	}
	return string(b)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
