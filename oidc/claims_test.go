package oidc

import (
	"fmt"
	"testing"
)

// claimPayloads are payloads whose registered claims exercise every type
// readRegistered tells apart.
var claimPayloads = []string{
	`{"iss":"https://idp","sub":"alice","aud":"k8s","exp":1700000000,"iat":1690000000.9,"nbf":null,"jti":"j-1"}`,
	`{"iss":"https://idp","aud":["a","b"],"exp":1e12,"jti":7,"nonce":"n","at_hash":null}`,
	`{"iss":null,"sub":1,"aud":["a",2],"exp":null,"iat":"1","nbf":true}`,
	`{"iss":["x"],"sub":{"a":1,"A":2},"aud":{},"exp":-1e13,"nbf":1e400}`,
	`{"iss":"i","iss":"j","aud":[],"exp":1,"EXP":2}`,
	`{"sub":null,"nonce":false,"at_hash":[],"jti":null,"aud":null}`,
	`{"iss":"i","aud":"a","exp":1,"iat":null}`,
}

// readRegistered must decode exactly as setRegistered does over the boxed
// values of r.Value: the typed path is only an allocation saving.
func TestReadRegisteredMatchesValues(t *testing.T) {
	t.Parallel()
	for _, p := range claimPayloads {
		checkRegisteredPaths(t, []byte(p))
	}
}

func FuzzReadRegistered(f *testing.F) {
	for _, p := range claimPayloads {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, payload []byte) { checkRegisteredPaths(t, payload) })
}

func checkRegisteredPaths(t *testing.T, payload []byte) {
	t.Helper()
	var typed, boxed claims
	errTyped := decodeClaims(payload, &want{}, &typed)
	// Keeping the registered claims sends them through r.Value.
	keepRegistered := &want{names: map[string]struct{}{}}
	for _, n := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "nonce", "at_hash", "jti"} {
		keepRegistered.names[n] = struct{}{}
	}
	errBoxed := decodeClaims(payload, keepRegistered, &boxed)
	if (errTyped == nil) != (errBoxed == nil) {
		t.Fatalf("%s: typed %v, boxed %v", payload, errTyped, errBoxed)
	}
	if errTyped != nil {
		return
	}
	got := fmt.Sprintf("%q %q %v %v %v %v %q %v %v", typed.iss, typed.aud, typed.hasAudience, typed.exp, typed.nbf, typed.iat, typed.jti, typed.typeErr != nil, typed.ambiguity != nil)
	want := fmt.Sprintf("%q %q %v %v %v %v %q %v %v", boxed.iss, boxed.aud, boxed.hasAudience, boxed.exp, boxed.nbf, boxed.iat, boxed.jti, boxed.typeErr != nil, boxed.ambiguity != nil)
	if typed.typeErr != nil {
		// A refused token: which fields were set before the wrong one
		// does not matter, only that it is refused.
		got, want = fmt.Sprint(typed.typeErr != nil, typed.ambiguity != nil), fmt.Sprint(boxed.typeErr != nil, boxed.ambiguity != nil)
	}
	if got != want {
		t.Fatalf("%s:\n typed %s\n boxed %s", payload, got, want)
	}
}
