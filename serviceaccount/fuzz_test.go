package serviceaccount

import (
	"crypto"
	"crypto/elliptic"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// FuzzParseToken feeds arbitrary tokens to an Authenticator that accepts
// bound and legacy tokens, with a lookup that knows their objects: it must
// never panic, must answer in one of the three shapes, and must
// authenticate nothing but the exact tokens the issuer minted (a
// signature covers the exact bytes, and strict base64url leaves no second
// spelling).
func FuzzParseToken(f *testing.F) {
	key := ecKey(f, elliptic.P256())
	iss := newIssuer(f, key)
	valid := []string{
		mint(f, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "u", Pod: &ObjectRef{"p", "pu"}, Node: &ObjectRef{"n", "nu"}}),
		mint(f, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "u", Secret: &ObjectRef{"s", "su"}}),
		mintLegacy(f, iss, LegacyToken{"ns", "sa", "u", "sa-token"}),
	}
	lookup := secretTable{
		fakeLookup: fakeLookup{"ServiceAccount/ns/sa": "u", "Pod/ns/p": "pu", "Secret/ns/s": "su"},
		secrets:    map[string]Secret{"ns/sa-token": {Token: []byte(valid[2])}},
	}
	a, err := New(Options{Keys: []crypto.PublicKey{key.Public()}, Issuers: []string{testIssuer}, Legacy: true,
		Lookup: lookup, Now: fixedNow, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range valid {
		if _, ok, err := a.AuthenticateToken(f.Context(), v); !ok {
			f.Fatalf("a minted token does not authenticate: %v", err)
		}
		f.Add(v)
		parts := strings.Split(v, ".")
		f.Add(parts[0] + "." + parts[1] + ".")
		f.Add(rawToken(`{"alg":"none"}`, `{"iss":"`+testIssuer+`","iss":"x"}`, nil))
	}
	f.Add(rawToken(`{"alg":"ES256","kid":"\u0041"}`, `{"iss":"kubernetes/serviceaccount","aud":[1,"a"],"exp":1e400}`, []byte{1}))
	f.Add(rawToken(`{"alg":"ES256","crit":null}`, `{"iss":"`+testIssuer+`","kubernetes.io":{"pod":null,"node":{"name":5}}}`, nil))
	f.Add(rawToken(`{"alg":"ES256"}`, `{"iss":"`+testIssuer+`","aud":null,"kubernetes.io":{"validatingwebhookconfiguration":{"name":"v"}}}`, []byte{1}))
	f.Add(rawToken(`{"alg":"ES256"}`, `{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:NS:a.b","nbf":1e300}`, []byte{1}))
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

// FuzzParseKeys feeds arbitrary key files to the key file parser: it must
// never panic, and every key it returns must be an accepted verification
// key with a derived kid and, if bound to an algorithm, one that is
// allowed and fits it.
func FuzzParseKeys(f *testing.F) {
	rk := rsaKey(f)
	ek := ecKey(f, elliptic.P384())
	f.Add([]byte(pemOf(f, &rk.PublicKey, &ek.PublicKey)))
	for _, alg := range []string{"", "RS256", "PS512", "ES384", "HS256"} {
		jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &rk.PublicKey, KeyID: "r", Use: "sig", Algorithm: alg},
			{Key: &ek.PublicKey, KeyID: "e", Algorithm: "ES384"},
		}})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(jwks)
	}
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","alg":"ES256"}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := parseKeys(data)
		if err != nil {
			if len(keys) != 0 {
				t.Fatalf("keys with an error: %v", err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		for _, k := range keys {
			kid, err := KeyID(k.key)
			if err != nil || kid != k.kid {
				t.Fatalf("kid %q, derived %q, %v", k.kid, kid, err)
			}
			if k.alg != "" {
				alg, err := allowedAlg(k.alg)
				if err != nil || !alg.Fits(k.key) {
					t.Fatalf("key bound to %q, which does not fit it", k.alg)
				}
			}
		}
	})
}
