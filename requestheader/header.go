package requestheader

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/authnkit/authnkit/authn"
)

// headers is the validated header configuration of an Authenticator. It
// is immutable once built.
type headers struct {
	// name, uid and group hold the configured header names in canonical
	// form (http.CanonicalHeaderKey), in order, as Kubernetes looks them up.
	name, uid, group []string
	// prefixes are the extra header prefixes, trimmed, in order.
	prefixes []string
	// exact holds every configured name, deduplicated case-insensitively,
	// for stripping.
	exact []string
	// underscore is set when a configured name or prefix holds '_'.
	underscore bool
	// maxValues and maxBytes bound a trusted request's identity headers.
	maxValues, maxBytes int
}

// newHeaders validates the header options and builds the configuration.
func newHeaders(opts Options) (headers, error) {
	var h headers
	var err error
	if h.name, err = headerNames("UsernameHeaders", opts.UsernameHeaders, true); err != nil {
		return h, err
	}
	if len(h.name) == 0 {
		return h, fmt.Errorf("requestheader: UsernameHeaders must name at least one header (conventionally %s)", UsernameHeader)
	}
	if h.uid, err = headerNames("UIDHeaders", opts.UIDHeaders, true); err != nil {
		return h, err
	}
	if h.group, err = headerNames("GroupHeaders", opts.GroupHeaders, true); err != nil {
		return h, err
	}
	if h.prefixes, err = headerNames("ExtraHeaderPrefixes", opts.ExtraHeaderPrefixes, false); err != nil {
		return h, err
	}
	for _, n := range slices.Concat(h.name, h.uid, h.group) {
		if !slices.ContainsFunc(h.exact, func(e string) bool { return strings.EqualFold(e, n) }) {
			h.exact = append(h.exact, n)
		}
	}
	h.underscore = slices.ContainsFunc(slices.Concat(h.exact, h.prefixes), func(n string) bool { return strings.Contains(n, "_") })
	h.maxValues = cmp.Or(opts.MaxValues, DefaultMaxValues)
	h.maxBytes = cmp.Or(opts.MaxBytes, DefaultMaxBytes)
	return h, nil
}

// headerNames trims names and checks that each is a valid field name,
// returning them in canonical form when canonical is set.
func headerNames(field string, names []string, canonical bool) ([]string, error) {
	out := make([]string, 0, len(names))
	for i, n := range names {
		t := strings.TrimSpace(n)
		if t == "" {
			return nil, fmt.Errorf("requestheader: %s[%d]: empty header name", field, i)
		}
		if !validFieldName(t) {
			return nil, fmt.Errorf("requestheader: %s[%d]: %q is not a valid header name", field, i, t)
		}
		if canonical {
			t = http.CanonicalHeaderKey(t)
		}
		out = append(out, t)
	}
	return out, nil
}

// validFieldName reports whether s is an RFC 9110 token, the syntax of a
// header field name.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s starts with prefix, ignoring case, as
// Kubernetes' hasPrefixIgnoreCase does.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isIdentity reports whether key names a header the configuration reads:
// a configured name, compared case-insensitively, or a name under an extra
// prefix.
func (h *headers) isIdentity(key string) bool {
	for _, n := range h.exact {
		if strings.EqualFold(key, n) {
			return true
		}
	}
	for _, p := range h.prefixes {
		if hasPrefixFold(key, p) {
			return true
		}
	}
	return false
}

// isLookalike reports whether key spells a configured name, or starts with
// an extra prefix, when '_' is read as '-' (ASCII letters compared
// case-insensitively): X_Remote_User for X-Remote-User. Such headers are
// never read, but servers and gateways that turn header names into
// variables (CGI's HTTP_X_REMOTE_USER, nginx, WSGI) make the two
// spellings one, so they are stripped with the others.
func (h *headers) isLookalike(key string) bool {
	if !h.underscore && strings.IndexByte(key, '_') < 0 {
		return false // then isIdentity has answered already
	}
	for _, n := range h.exact {
		if len(key) == len(n) && equalFoldDash(key, n) {
			return true
		}
	}
	for _, p := range h.prefixes {
		if len(key) >= len(p) && equalFoldDash(key[:len(p)], p) {
			return true
		}
	}
	return false
}

// equalFoldDash reports whether a and b, of the same length, are equal
// when ASCII letters are compared without case and '_' is read as '-'.
func equalFoldDash(a, b string) bool {
	for i := range len(a) {
		if foldDash(a[i]) != foldDash(b[i]) {
			return false
		}
	}
	return true
}

func foldDash(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case c == '_':
		return '-'
	}
	return c
}

// strip deletes every identity header from hdr, whatever the case of its
// key, and every header that spells one with '_' for '-' (isLookalike),
// and reports how many keys it deleted.
func (h *headers) strip(hdr http.Header) int {
	n := 0
	for k := range hdr {
		if h.isIdentity(k) || h.isLookalike(k) {
			delete(hdr, k)
			n++
		}
	}
	return n
}

// extraKey is a header under an extra prefix, for ordering.
type extraKey struct {
	prefix int    // index in headers.prefixes
	header string // the key in http.Header
}

// read reads the identity from trusted headers, with Kubernetes' rules:
// the user name and UID from the first of their headers whose first value
// is non-empty, the groups from every non-empty value of every group
// header, and the extra from every header under a prefix. It returns
// (user, true, nil), or (zero, false, nil) when no user name is present,
// or an error matching authn.ErrMalformed when the identity headers exceed
// the bounds. hdr is not changed.
func (h *headers) read(hdr http.Header) (authn.UserInfo, bool, error) {
	var extras []extraKey
	values, size := 0, 0
	for k, vs := range hdr {
		if !h.isIdentity(k) {
			continue
		}
		values += len(vs)
		size += len(k)
		for _, v := range vs {
			size += len(v)
		}
		for i, p := range h.prefixes {
			if hasPrefixFold(k, p) {
				extras = append(extras, extraKey{prefix: i, header: k})
			}
		}
	}
	if values > h.maxValues {
		return authn.UserInfo{}, false, fmt.Errorf("requestheader: identity headers hold %d values, more than the limit of %d: %w", values, h.maxValues, authn.ErrMalformed)
	}
	if size > h.maxBytes {
		return authn.UserInfo{}, false, fmt.Errorf("requestheader: identity headers hold %d bytes, more than the limit of %d: %w", size, h.maxBytes, authn.ErrMalformed)
	}
	name := first(hdr, h.name)
	if name == "" {
		return authn.UserInfo{}, false, nil
	}
	u := authn.UserInfo{Name: name, UID: first(hdr, h.uid)}
	for _, k := range h.group {
		for _, v := range hdr[k] {
			if v != "" {
				u.Groups = append(u.Groups, v)
			}
		}
	}
	if len(extras) > 0 {
		// Kubernetes goes through the prefixes in order and, for each,
		// through the headers in map order; sorting by header name makes
		// the order of values under one key deterministic.
		slices.SortFunc(extras, func(a, b extraKey) int {
			return cmp.Or(cmp.Compare(a.prefix, b.prefix), strings.Compare(a.header, b.header))
		})
		u.Extra = make(map[string][]string, len(extras))
		for _, e := range extras {
			key := decodeExtraKey(e.header[len(h.prefixes[e.prefix]):])
			u.Extra[key] = append(u.Extra[key], hdr[e.header]...)
		}
	}
	return u, true, nil
}

// first returns the first value of the first header in keys (canonical
// names) whose first value is non-empty, as Kubernetes' headerValue does
// with http.Header.Get.
func first(hdr http.Header, keys []string) string {
	for _, k := range keys {
		if vs := hdr[k]; len(vs) > 0 && vs[0] != "" {
			return vs[0]
		}
	}
	return ""
}

// decodeExtraKey turns the part of a header name after an extra prefix
// into an extra key exactly as Kubernetes' unescapeExtraKey does, after
// lower-casing: the name is lower-cased first, then percent-decoded with
// url.PathUnescape; a malformed escape leaves the lower-cased name as it
// is. So "Scopes%2Fx" gives "scopes/x", "%41" gives "A" (escapes are
// decoded after lower-casing), and "bad%zz" gives "bad%zz".
func decodeExtraKey(s string) string {
	s = strings.ToLower(s)
	if k, err := url.PathUnescape(s); err == nil {
		return k
	}
	return s
}
