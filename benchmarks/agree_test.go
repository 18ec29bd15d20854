package benchmarks

import (
	"slices"
	"testing"
)

// TestTokenFilesAgree checks that the two sides of BenchmarkTokenFile
// answer alike for every token of the table, so that they do the same work:
// the same user from the plaintext file (k8s, authnkit) and from the hashed
// one (authnkit), and no opinion for a stranger.
func TestTokenFilesAgree(t *testing.T) {
	tokens, absent := staticTokens(100, 16)
	f := newTokenFiles(t, len(tokens), 16)
	ctx := t.Context()
	for _, tok := range append(tokens, absent) {
		k, kOK, kErr := f.k8s.AuthenticateToken(ctx, tok)
		p, pOK, pErr := f.plain.AuthenticateToken(ctx, tok)
		h, hOK, hErr := f.hashed.AuthenticateToken(ctx, tok)
		if kErr != nil || pErr != nil || hErr != nil {
			t.Fatalf("errors: %v, %v, %v", kErr, pErr, hErr)
		}
		want := tok != absent
		if kOK != want || pOK != want || hOK != want {
			t.Fatalf("ok = %v, %v, %v, want %v", kOK, pOK, hOK, want)
		}
		if !want {
			continue
		}
		for _, u := range []struct {
			name, uid string
			groups    []string
		}{
			{p.User.Name, p.User.UID, p.User.Groups},
			{h.User.Name, h.User.UID, h.User.Groups},
		} {
			if u.name != k.User.GetName() || u.uid != k.User.GetUID() || !slices.Equal(u.groups, k.User.GetGroups()) {
				t.Fatalf("authnkit %q %q %q, k8s %q %q %q", u.name, u.uid, u.groups,
					k.User.GetName(), k.User.GetUID(), k.User.GetGroups())
			}
		}
	}
	if f.hit == f.miss || len(f.hit) != len(f.miss) {
		t.Errorf("hit %q and miss %q must differ and have the same length", f.hit, f.miss)
	}
}
