package requestheader

import (
	"crypto/x509/pkix"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// FuzzExtraKey: decoding an extra key never panics, and follows
// Kubernetes' unescapeExtraKey(strings.ToLower(name)) exactly: the result
// is lower-case except for letters spelled by percent escapes.
func FuzzExtraKey(f *testing.F) {
	for _, s := range []string{
		"", "Scopes%2Fx", "scopes%2fx", "Acme.COM%2FProject-ID", "%41", "%4a%4A", "Bad%zz", "%", "%4", "a%2", "%%41",
		"Space%20Key", "plus+", "%E2%82%AC", "%e2%82", "%00", "%ff", "\xff\xfe", "İSTANBUL", "ǅ", "Ω", "\u212a", "%C4%B0",
		"a/b", "a%2Fb%2Fc", "UPPER", "MiXeD-case_1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := decodeExtraKey(raw)
		lower := strings.ToLower(raw)
		want := lower
		if k, err := url.PathUnescape(lower); err == nil {
			want = k
		}
		if got != want {
			t.Fatalf("decodeExtraKey(%q) = %q, want %q", raw, got, want)
		}
		if !strings.Contains(raw, "%") {
			if got != lower {
				t.Fatalf("decodeExtraKey(%q) = %q without escapes, want %q", raw, got, lower)
			}
			if strings.ContainsFunc(got, func(r rune) bool { return 'A' <= r && r <= 'Z' }) {
				t.Fatalf("decodeExtraKey(%q) = %q has upper-case letters", raw, got)
			}
		}
	})
}

// fuzzOptions reads overlapping, differently cased headers, with small
// bounds so that the fuzzer reaches them.
func fuzzOptions() Options {
	return Options{
		AllowedNames:        []string{"front-proxy-client"},
		UsernameHeaders:     []string{"X-Remote-User", "x-other-user"},
		UIDHeaders:          []string{"X-Remote-Uid"},
		GroupHeaders:        []string{"X-Remote-Group", "X-Other-Group"},
		ExtraHeaderPrefixes: []string{"X-Remote-Extra-", "x-other-"},
		MaxValues:           12,
		MaxBytes:            400,
	}
}

// FuzzHeaders: for arbitrary header sets (one "name: value" per line,
// keys put into the map as they are, canonical or not) and each kind of
// client certificate, AuthenticateRequest never panics, answers in one of
// the three shapes, authenticates only with the verified and allowed proxy
// certificate, then as Kubernetes' header rules say, and always leaves no
// identity header and every other header.
func FuzzHeaders(f *testing.F) {
	ca, other := authntest.NewCA(), authntest.NewCA()
	certs := []*authntest.Cert{
		nil, // no TLS
		ca.IssueClient("front-proxy-client"),
		ca.IssueClient("intruder"),
		other.IssueClient("front-proxy-client"),
		ca.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "front-proxy-client"},
			NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: time.Now().Add(-time.Hour)}),
		ca.Intermediate(authntest.CertOptions{}).IssueClient("front-proxy-client"),
	}
	trusted := func(i int) bool { return i == 1 || i == 5 }
	opts := fuzzOptions()
	opts.ClientCA = ca.Pool()
	a, err := New(opts)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = a.Close() })

	for _, s := range []string{
		"X-Remote-User: jane\nX-Remote-Group: dev\nX-Remote-Group: ops\nX-Remote-Extra-Scopes%2Fx: a\n",
		"X-Remote-User: \nX-Other-User: bob\nX-Other-Extra-K: v\nAccept: */*\n",
		"x-remote-user: lower\nX-REMOTE-GROUP: g\nx-remote-extra-%41: A\n",
		"X-Remote-User: a\nX-Remote-User: b\nX-Remote-Uid: 1\nX-Remote-Uid: 2\n",
		"X-Remote-User: a\nX-Remote-Extra-: empty key\nX-Remote-Extra-Bad%zz: v\nX-Other-Group: og\n",
		"X-Remote-User: a\n" + strings.Repeat("X-Remote-Group: g\n", 20),
		"X-Remote-User: " + strings.Repeat("x", 500) + "\n",
		"Authorization: Bearer t\nX-Remote-User: a\n",
		"X-Remote-User\nno colon\n:\n: value\n",
		"X_Remote_User: mallory\nx_remote_group: system:masters\nX_Remote_Extra_foo: bar\nX-Remote_Uid: 0\n",
		"X-Remote-User: jane\nX_Other_User: x\nx_other_k: v\nX_Remote_Userx: kept\nX_Remote_Extras: kept\n",
	} {
		for i := range certs {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, lines string) {
		i := int(which) % len(certs)
		h := http.Header{}
		for line := range strings.SplitSeq(lines, "\n") {
			k, v, _ := strings.Cut(line, ":")
			h[k] = append(h[k], strings.TrimPrefix(v, " "))
		}
		before := h.Clone()
		r := authntest.NewRequest()
		r.Header = h
		if certs[i] == nil {
			r.TLS = nil
		} else {
			certs[i].AddToRequest(r)
		}
		resp, ok, err := a.AuthenticateRequest(r)
		if !authntest.CheckOutcome(t, resp, ok, err) {
			t.FailNow()
		}
		if ok && !trusted(i) {
			t.Fatalf("certificate %d is not a trusted proxy, yet authenticated %q", i, resp.User.Name)
		}
		for k, vs := range before {
			_, left := r.Header[k]
			if strip := isIdentity(opts, k) || isLookalike(opts, k); strip == left {
				t.Fatalf("header %q (to strip: %v) left in the request: %v", k, strip, left)
			}
			if left && !slices.Equal(vs, r.Header[k]) {
				t.Fatalf("header %q changed from %q to %q", k, vs, r.Header[k])
			}
		}
		if len(r.Header) > len(before) {
			t.Fatalf("headers added: %v", r.Header)
		}
		if !trusted(i) {
			if (i == 0) != (err == nil) {
				t.Fatalf("certificate %d: error %v", i, err)
			}
			return
		}
		values, size := identitySize(opts, before)
		if values > opts.MaxValues || size > opts.MaxBytes {
			if !errors.Is(err, authn.ErrMalformed) {
				t.Fatalf("identity headers of %d values, %d bytes: want ErrMalformed, got %v (ok %v)", values, size, err, ok)
			}
			return
		}
		if err != nil {
			t.Fatalf("trusted proxy within bounds: unexpected error %v", err)
		}
		want, wantOK := kubernetesUser(opts, before)
		if ok != wantOK {
			t.Fatalf("ok = %v, Kubernetes' rules say %v", ok, wantOK)
		}
		if ok {
			if resp.User.Name == "" {
				t.Fatal("authenticated with an empty name")
			}
			authntest.AssertUser(t, want, resp, ok, err)
		}
	})
}

// isIdentity reports whether header k is one of opts' identity headers,
// written out independently of the code under test.
func isIdentity(opts Options, k string) bool {
	for _, n := range slices.Concat(opts.UsernameHeaders, opts.UIDHeaders, opts.GroupHeaders) {
		if strings.EqualFold(k, n) {
			return true
		}
	}
	for _, p := range opts.ExtraHeaderPrefixes {
		if len(k) >= len(p) && strings.EqualFold(k[:len(p)], p) {
			return true
		}
	}
	return false
}

// isLookalike reports whether header k spells one of opts' identity
// headers, or starts with an extra prefix, once '_' is read as '-' and
// ASCII letters are lower-cased on both sides.
func isLookalike(opts Options, k string) bool {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r == '_':
				return '-'
			case 'A' <= r && r <= 'Z':
				return r + 'a' - 'A'
			}
			return r
		}, s)
	}
	nk := norm(k)
	for _, n := range slices.Concat(opts.UsernameHeaders, opts.UIDHeaders, opts.GroupHeaders) {
		if nk == norm(n) {
			return true
		}
	}
	for _, p := range opts.ExtraHeaderPrefixes {
		if strings.HasPrefix(nk, norm(p)) {
			return true
		}
	}
	return false
}

// identitySize counts the values and bytes of opts' identity headers in h.
func identitySize(opts Options, h http.Header) (values, size int) {
	for k, vs := range h {
		if isIdentity(opts, k) {
			values += len(vs)
			size += len(k)
			for _, v := range vs {
				size += len(v)
			}
		}
	}
	return values, size
}

// kubernetesUser applies k8s.io/apiserver's headerrequest rules to h with
// opts, written out independently of the code under test; map iteration is
// replaced by sorted header names.
func kubernetesUser(opts Options, h http.Header) (authn.UserInfo, bool) {
	get := func(names []string) string {
		for _, n := range names {
			if v := h.Get(n); v != "" {
				return v
			}
		}
		return ""
	}
	u := authn.UserInfo{Name: get(opts.UsernameHeaders)}
	if u.Name == "" {
		return authn.UserInfo{}, false
	}
	u.UID = get(opts.UIDHeaders)
	for _, n := range opts.GroupHeaders {
		for _, v := range h[http.CanonicalHeaderKey(n)] {
			if v != "" {
				u.Groups = append(u.Groups, v)
			}
		}
	}
	u.Extra = map[string][]string{}
	keys := slices.Sorted(maps.Keys(h))
	for _, p := range opts.ExtraHeaderPrefixes {
		for _, k := range keys {
			if len(k) < len(p) || !strings.EqualFold(k[:len(p)], p) {
				continue
			}
			key := strings.ToLower(k[len(p):])
			if d, err := url.PathUnescape(key); err == nil {
				key = d
			}
			u.Extra[key] = append(u.Extra[key], h[k]...)
		}
	}
	return u, true
}
