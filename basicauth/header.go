package basicauth

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/authnkit/authnkit/authn"
)

// MaxCredentialsLength bounds the decoded "user-id:password" of a Basic
// credential, in bytes. A longer one is rejected as [authn.ErrMalformed]
// before any hashing.
const MaxCredentialsLength = 4 << 10

// maxEncodedLength is the longest base64 text that can decode to at most
// MaxCredentialsLength bytes.
var maxEncodedLength = base64.StdEncoding.EncodedLen(MaxCredentialsLength)

// Errors for Basic credentials that cannot be parsed. Each matches both
// authn.ErrMalformed and authn.ErrInvalidCredentials.
var (
	errEmptyCredentials = &malformedError{"empty"}
	errTooLong          = &malformedError{fmt.Sprintf("longer than %d bytes", MaxCredentialsLength)}
	errBase64           = &malformedError{"not canonical base64"}
	errNoColon          = &malformedError{"no colon between user name and password"}
	errEmptyUser        = &malformedError{"empty user name"}
	errUTF8             = &malformedError{"not UTF-8"}
	errControl          = &malformedError{"a control character"}
)

// malformedError is a Basic credential that cannot be parsed. It matches
// both [authn.ErrMalformed] and [authn.ErrInvalidCredentials] without
// spelling out either: "basicauth: malformed Basic credentials: not UTF-8".
type malformedError struct{ reason string }

func (e *malformedError) Error() string { return "basicauth: malformed Basic credentials: " + e.reason }

// Is reports whether target is authn.ErrMalformed or authn.ErrInvalidCredentials.
func (e *malformedError) Is(target error) bool {
	return target == authn.ErrMalformed || target == authn.ErrInvalidCredentials
}

// parseBasic extracts the user-id and password from an Authorization
// header value (RFC 7617). found is false, with no error, when the value is
// empty or of another scheme. The scheme is matched in any case (RFC 9110
// section 11.1); white space around the value and between scheme and
// credentials is ignored. Credentials must be canonical, padded standard
// base64 (RFC 4648 section 4) of UTF-8 "user-id:password", with a
// non-empty user-id, the first colon separating the two (RFC 7617 section
// 2), no control characters, and at most MaxCredentialsLength bytes;
// otherwise the error matches authn.ErrMalformed.
func parseBasic(header string) (user, password string, found bool, err error) {
	h := strings.TrimSpace(header)
	const scheme = "basic"
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", "", false, nil
	}
	rest := h[len(scheme):]
	if rest == "" {
		return "", "", false, errEmptyCredentials
	}
	if rest[0] != ' ' && rest[0] != '\t' {
		return "", "", false, nil // another scheme, such as "Basically"
	}
	enc := strings.TrimLeft(rest, " \t")
	switch {
	case enc == "":
		return "", "", false, errEmptyCredentials
	case len(enc) > maxEncodedLength:
		return "", "", false, errTooLong
	}
	// The decoder skips CR and LF; refuse anything outside the alphabet
	// first, and non-canonical padding bits after, so that one credential
	// has one spelling.
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !isBase64Char(c) {
			return "", "", false, errBase64
		}
	}
	raw, derr := base64.StdEncoding.Strict().DecodeString(enc)
	if derr != nil {
		return "", "", false, errBase64
	}
	if len(raw) > MaxCredentialsLength {
		return "", "", false, errTooLong
	}
	s := string(raw)
	user, password, ok := strings.Cut(s, ":")
	switch {
	case !ok:
		return "", "", false, errNoColon
	case user == "":
		return "", "", false, errEmptyUser
	}
	switch checkText(s) {
	case nil:
	case errNotUTF8:
		return "", "", false, errUTF8
	default:
		return "", "", false, errControl
	}
	return user, password, true, nil
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}
