package serviceaccount

import (
	"crypto"
	"crypto/elliptic"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// FuzzParseToken feeds arbitrary tokens to an Authenticator that accepts
// bound and legacy tokens: it must never panic, must answer in one of the
// three shapes, and must authenticate nothing but the exact tokens the
// issuer minted (a signature covers the exact bytes, and strict base64url
// leaves no second spelling).
func FuzzParseToken(f *testing.F) {
	key := ecKey(f, elliptic.P256())
	iss := newIssuer(f, key)
	valid := []string{
		mint(f, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "u", Pod: &ObjectRef{"p", "pu"}, Node: &ObjectRef{"n", "nu"}}),
		mint(f, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "u", Secret: &ObjectRef{"s", "su"}}),
		mintLegacy(f, iss, LegacyToken{"ns", "sa", "u", "sa-token"}),
	}
	a, err := New(Options{Keys: []crypto.PublicKey{key.Public()}, Issuers: []string{testIssuer}, Legacy: true,
		Now: fixedNow, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range valid {
		f.Add(v)
		parts := strings.Split(v, ".")
		f.Add(parts[0] + "." + parts[1] + ".")
		f.Add(rawToken(`{"alg":"none"}`, `{"iss":"`+testIssuer+`","iss":"x"}`, nil))
	}
	f.Add(rawToken(`{"alg":"ES256","kid":"\u0041"}`, `{"iss":"kubernetes/serviceaccount","aud":[1,"a"],"exp":1e400}`, []byte{1}))
	f.Add(rawToken(`{"alg":"ES256","crit":null}`, `{"iss":"`+testIssuer+`","kubernetes.io":{"pod":null,"node":{"name":5}}}`, nil))
	f.Add("not a token")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		resp, ok, err := a.AuthenticateToken(t.Context(), token)
		if !authntest.CheckOutcome(t, resp, ok, err) {
			return
		}
		if ok && !slices.Contains(valid, token) {
			t.Fatalf("a token the issuer did not mint authenticated as %q", resp.User.Name)
		}
		if err != nil && strings.Contains(err.Error(), token) && len(token) > 8 {
			t.Fatalf("error contains the token: %v", err)
		}
		if err != nil && !errorsIsAny(err) {
			t.Fatalf("error of no known kind: %v", err)
		}
	})
}

func errorsIsAny(err error) bool {
	for _, k := range []error{authn.ErrMalformed, authn.ErrUnknownKey, authn.ErrBadSignature, authn.ErrWrongAudience,
		authn.ErrExpired, authn.ErrNotYetValid, authn.ErrRevoked, authn.ErrUnavailable} {
		if errorsIs(err, k) {
			return true
		}
	}
	return false
}
