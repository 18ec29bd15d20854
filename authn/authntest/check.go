package authntest

import (
	"testing"

	"github.com/authnkit/authnkit/authn"
)

// CheckOutcome fails t unless (resp, ok, err) is one of the three shapes
// authn allows: (resp, true, nil) with resp non-nil, (nil, false, nil), or
// (nil, false, err) with err non-nil. It reports whether the shape was
// valid.
func CheckOutcome(t testing.TB, resp *authn.Response, ok bool, err error) bool {
	t.Helper()
	switch {
	case ok && resp != nil && err == nil:
		return true
	case !ok && resp == nil:
		return true
	case ok && resp == nil:
		t.Errorf("authntest: outcome (nil, true, %v): success without a response", err)
	case ok:
		t.Errorf("authntest: outcome (resp, true, %v): success with an error", err)
	default:
		t.Errorf("authntest: outcome (resp for %q, false, %v): a response without success", resp.User.Name, err)
	}
	return false
}

// AssertUser fails t unless (resp, ok, err) is a success whose user equals
// want exactly: name, UID, groups (order matters) and extra. A nil and an
// empty Groups slice or Extra map count as equal. It reports whether the
// answer matched.
func AssertUser(t testing.TB, want authn.UserInfo, resp *authn.Response, ok bool, err error) bool {
	t.Helper()
	if !CheckOutcome(t, resp, ok, err) {
		return false
	}
	if !ok {
		t.Errorf("authntest: want user %q, got no user (err: %v)", want.Name, err)
		return false
	}
	got := resp.User
	match := got.Name == want.Name && got.UID == want.UID && equalStrings(got.Groups, want.Groups) && len(got.Extra) == len(want.Extra)
	for k, v := range want.Extra {
		g, present := got.Extra[k]
		match = match && present && equalStrings(g, v)
	}
	if !match {
		t.Errorf("authntest: user mismatch\n got: %s\nwant: %s", format(got), format(want))
	}
	return match
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func format(u authn.UserInfo) string {
	return "{Name: " + quote(u.Name) + ", UID: " + quote(u.UID) + ", Groups: " + quoteAll(u.Groups) + ", Extra: " + formatExtra(u.Extra) + "}"
}
