package serviceaccount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// errNoOpinion marks cases that must get (nil, false, nil).
var errNoOpinion = &struct{ error }{}

// TestAttacks runs the attack corpus of issue 5: every case is rejected,
// either with the named error kind or, for tokens that are not ours, with
// no opinion.
func TestAttacks(t *testing.T) {
	rk := rsaKey(t)
	ek := ecKey(t, elliptic.P256())
	other := rsaKey(t)
	rkid, _ := KeyID(&rk.PublicKey)
	okid, _ := KeyID(&other.PublicKey)
	a := newAuth(t, Options{Keys: []crypto.PublicKey{&rk.PublicKey, &ek.PublicKey}, Lookup: fakeLookup{"ServiceAccount/ns/sa": "sa-uid"}})
	noLegacy := a
	iss := newIssuer(t, rk)
	good := mint(t, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "sa-uid"})
	parts := strings.Split(good, ".")
	hdr := `{"alg":"RS256","kid":"` + rkid + `"}`
	now := testNow.Unix()
	payload := func(extra string) string {
		return `{"iss":"` + testIssuer + `","aud":"` + testIssuer + `","exp":` + itoa(now+3600) + `,"iat":` + itoa(now) +
			`,"nbf":` + itoa(now) + `,"sub":"system:serviceaccount:ns:sa","kubernetes.io":{"namespace":"ns","serviceaccount":{"name":"sa","uid":"sa-uid"}}` + extra + `}`
	}
	pemBytes := []byte(pemOf(t, &rk.PublicKey))
	hs := func(secret []byte) string {
		input := b64(`{"alg":"HS256","kid":"`+rkid+`"}`) + "." + b64(payload(""))
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	tamperedPayload := parts[0] + "." + b64(strings.Replace(payload(""), `"sa"`, `"admin"`, 1)) + "." + parts[2]
	asn1Sig := func() string {
		input := b64(`{"alg":"ES256"}`) + "." + b64(payload(""))
		d := sha256.Sum256([]byte(input))
		sig, err := ecdsa.SignASN1(rand.Reader, ek, d[:])
		require.NoError(t, err)
		return input + "." + base64.RawURLEncoding.EncodeToString(sig)
	}()

	tests := []struct {
		name    string
		auth    *Authenticator
		token   string
		wantErr error
	}{
		{"control: the good token", a, good, nil},
		{"alg none", a, rawToken(`{"alg":"none"}`, payload(""), nil), authn.ErrBadSignature},
		{"alg none with kid", a, rawToken(`{"alg":"none","kid":"`+rkid+`"}`, payload(""), nil), authn.ErrBadSignature},
		{"alg NONE", a, rawToken(`{"alg":"NONE"}`, payload(""), []byte("x")), authn.ErrBadSignature},
		{"HS256 keyed with the RSA public key PEM", a, hs(pemBytes), authn.ErrBadSignature},
		{"HS256 keyed with the RSA modulus", a, hs(rk.N.Bytes()), authn.ErrBadSignature},
		{"kid naming no key", a, signRaw(t, rk, "RS256", `{"alg":"RS256","kid":"nope"}`, payload("")), authn.ErrUnknownKey},
		{"another issuer's key, its kid", a, signRaw(t, other, "RS256", `{"alg":"RS256","kid":"`+okid+`"}`, payload("")), authn.ErrUnknownKey},
		{"another issuer's key, our kid", a, signRaw(t, other, "RS256", hdr, payload("")), authn.ErrBadSignature},
		{"another issuer's key, no kid", a, signRaw(t, other, "RS256", `{"alg":"RS256"}`, payload("")), authn.ErrBadSignature},
		{"tampered payload", a, tamperedPayload, authn.ErrBadSignature},
		{"tampered header", a, b64(`{"alg":"RS256","kid":"`+rkid+`","typ":"JWT"}`) + "." + parts[1] + "." + parts[2], authn.ErrBadSignature},
		{"alg switched to PS256", a, b64(`{"alg":"PS256","kid":"`+rkid+`"}`) + "." + parts[1] + "." + parts[2], authn.ErrBadSignature},
		{"alg switched to ES256 for an RSA kid", a, b64(`{"alg":"ES256","kid":"`+rkid+`"}`) + "." + parts[1] + "." + parts[2], authn.ErrUnknownKey},
		{"signature stripped", a, parts[0] + "." + parts[1] + ".", authn.ErrBadSignature},
		{"signature segment dropped", a, parts[0] + "." + parts[1], errNoOpinion},
		{"signature truncated", a, parts[0] + "." + parts[1] + "." + truncSig(t, parts[2]), authn.ErrBadSignature},
		{"ECDSA signature in ASN.1, not r||s", a, asn1Sig, authn.ErrBadSignature},
		{"expired", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"exp":`+itoa(now+3600), `"exp":`+itoa(now-3600), 1)), authn.ErrExpired},
		{"nbf in the future", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"nbf":`+itoa(now), `"nbf":`+itoa(now+600), 1)), authn.ErrNotYetValid},
		{"iat in the future", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"iat":`+itoa(now), `"iat":`+itoa(now+600), 1)), authn.ErrNotYetValid},
		{"wrong audience", a, mint(t, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "sa-uid", Audiences: []string{"vault"}}), authn.ErrWrongAudience},
		{"wrong issuer is no opinion", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), testIssuer, otherIss, 1)), errNoOpinion},
		{"legacy when legacy is off", noLegacy, mintLegacy(t, iss, LegacyToken{"ns", "sa", "sa-uid", "s"}), errNoOpinion},
		{"revoked: service account UID mismatch", a, mint(t, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "old-uid"}), authn.ErrRevoked},
		{"JWE, five segments", a, parts[0] + "." + parts[1] + ".AAAA.BBBB." + parts[2], errNoOpinion},
		{"JWE header with our issuer", a, signRaw(t, rk, "RS256", `{"alg":"RS256","enc":"A256GCM","kid":"`+rkid+`"}`, payload("")), authn.ErrMalformed},
		{"nested JWT", a, signRaw(t, rk, "RS256", `{"alg":"RS256","cty":"JWT","kid":"`+rkid+`"}`, payload("")), authn.ErrMalformed},
		{"critical extension", a, signRaw(t, rk, "RS256", `{"alg":"RS256","crit":["exp"],"exp":1,"kid":"`+rkid+`"}`, payload("")), authn.ErrMalformed},
		{"oversized", a, parts[0] + "." + b64(payload(`,"pad":"`+strings.Repeat("x", DefaultMaxTokenBytes)+`"`)) + "." + parts[2], errNoOpinion},
		{"standard base64 alphabet", a, strings.NewReplacer("-", "+", "_", "/").Replace(good) + "+/", errNoOpinion},
		{"padding", a, parts[0] + "=." + parts[1] + "." + parts[2], errNoOpinion},
		{"line break", a, parts[0] + ".\n" + parts[1] + "." + parts[2], errNoOpinion},
		{"payload not JSON", a, parts[0] + "." + b64("not json") + "." + parts[2], errNoOpinion},
		{"duplicate iss", a, signRaw(t, rk, "RS256", hdr, `{"iss":"`+testIssuer+`",`+payload("")[1:]), authn.ErrMalformed},
		{"duplicate iss, ours last", a, signRaw(t, rk, "RS256", hdr, `{"iss":"`+otherIss+`",`+payload("")[1:]), authn.ErrMalformed},
		{"duplicate exp", a, signRaw(t, rk, "RS256", hdr, payload(`,"exp":`+itoa(now+999999))), authn.ErrMalformed},
		{"case-variant duplicate", a, signRaw(t, rk, "RS256", hdr, payload(`,"EXP":`+itoa(now+999999))), authn.ErrMalformed},
		{"case-variant claim alone", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"sub"`, `"SUB"`, 1)), authn.ErrMalformed},
		{"escaped duplicate", a, signRaw(t, rk, "RS256", hdr, payload(`,"\u006A\u0074\u0069":"a","jti":"b"`)), authn.ErrMalformed},
		{"duplicate nested claim", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"namespace":"ns"`, `"namespace":"ns","namespace":"kube-system"`, 1)), authn.ErrMalformed},
		{"duplicate header member", a, signRaw(t, rk, "RS256", `{"alg":"RS256","alg":"RS256","kid":"`+rkid+`"}`, payload("")), authn.ErrMalformed},
		{"exp of the wrong type", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"exp":`+itoa(now+3600), `"exp":"soon"`, 1)), authn.ErrMalformed},
		{"missing service account UID", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `,"uid":"sa-uid"`, ``, 1)), authn.ErrMalformed},
		// Payloads the strict reader refuses are nobody's: no opinion.
		{"deep nesting", a, signRaw(t, rk, "RS256", hdr, payload(`,"x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100))), errNoOpinion},
		{"trailing garbage after the payload", a, signRaw(t, rk, "RS256", hdr, payload("")+"x"), errNoOpinion},
		{"single-quoted JSON", a, signRaw(t, rk, "RS256", hdr, strings.ReplaceAll(payload(""), `"`, `'`)), errNoOpinion},
		{"many members", a, signRaw(t, rk, "RS256", hdr, payload(strings.Repeat(`,"x":1`, 1)+manyMembers(200))), authn.ErrMalformed},
		{"header not an object", a, b64(`[]`) + "." + parts[1] + "." + parts[2], authn.ErrMalformed},
		{"kid of the wrong type", a, b64(`{"alg":"RS256","kid":5}`) + "." + parts[1] + "." + parts[2], authn.ErrMalformed},
		{"aud of the wrong type", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"aud":"`+testIssuer+`"`, `"aud":[1]`, 1)), authn.ErrMalformed},
		// go-jose v2, which Kubernetes decodes claims with, refuses these too.
		{"aud null", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"aud":"`+testIssuer+`"`, `"aud":null`, 1)), authn.ErrMalformed},
		{"aud with a null member", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"aud":"`+testIssuer+`"`, `"aud":["`+testIssuer+`",null]`, 1)), authn.ErrMalformed},
		{"nbf as a string", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"nbf":`+itoa(now), `"nbf":"`+itoa(now)+`"`, 1)), authn.ErrMalformed},
		{"iat as a string", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"iat":`+itoa(now), `"iat":"`+itoa(now)+`"`, 1)), authn.ErrMalformed},
		{"exp as a numeric string", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"exp":`+itoa(now+3600), `"exp":"`+itoa(now+3600)+`"`, 1)), authn.ErrMalformed},
		// Beyond Kubernetes, whose int64 conversion of such a date overflows.
		{"nbf beyond 2^53 seconds", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"nbf":`+itoa(now), `"nbf":1e300`, 1)), authn.ErrMalformed},
		{"empty aud string", a, signRaw(t, rk, "RS256", hdr, strings.Replace(payload(""), `"aud":"`+testIssuer+`"`, `"aud":""`, 1)), authn.ErrWrongAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, ok, err := tt.auth.AuthenticateToken(t.Context(), tt.token)
			authntest.CheckOutcome(t, resp, ok, err)
			switch tt.wantErr {
			case nil:
				require.NoError(t, err)
				require.True(t, ok)
			case errNoOpinion:
				require.NoError(t, err)
				require.False(t, ok)
			default:
				require.ErrorIs(t, err, tt.wantErr)
				require.False(t, ok)
				assert.NotContains(t, err.Error(), tt.token[:min(len(tt.token), 40)], "error must not contain the token")
			}
		})
	}
}

// TestLegacyKubernetesTokens parses two real legacy tokens printed by
// kubectl: their claims are read (the layout is Kubernetes'), and their
// signatures, by keys we do not have, fail. The file is a copy of the
// project's shared sample, kept here so the test needs nothing outside the
// repository.
func TestLegacyKubernetesTokens(t *testing.T) {
	tokens := readLegacyTokens(t)
	require.Len(t, tokens, 2)

	wantClaims := []claims{
		{Issuer: LegacyIssuer, Subject: "system:serviceaccount:default:testserviceaccount", LegacyNamespace: "default",
			LegacySecretName: "testserviceaccount-token-bsmxb", LegacySAName: "testserviceaccount", LegacySAUID: "b45a08c2-d385-412b-9505-6bdf87b64a7a"},
		{Issuer: LegacyIssuer, Subject: "system:serviceaccount:default:default", LegacyNamespace: "default",
			LegacySecretName: "default-token-pxzf7", LegacySAName: "default", LegacySAUID: "e331f555-0199-11ea-aa5a-42010a8000aa"},
	}
	wantErr := []error{authn.ErrUnknownKey, authn.ErrBadSignature} // the first names a kid, the second has "kid": ""
	a := newAuth(t, Options{Keys: []crypto.PublicKey{&rsaKey(t).PublicKey}, Legacy: true})
	for i, tok := range tokens {
		jws, err := splitForTest(tok)
		require.NoError(t, err)
		var c claims
		soft, hard := parseClaims(jws.Payload, &c)
		require.NoError(t, soft)
		require.NoError(t, hard)
		assert.Equal(t, wantClaims[i], c)

		resp, ok, err := a.AuthenticateToken(t.Context(), tok)
		authntest.CheckOutcome(t, resp, ok, err)
		require.ErrorIs(t, err, wantErr[i])

		off := newAuth(t, Options{Keys: []crypto.PublicKey{&rsaKey(t).PublicKey}})
		resp, ok, err = off.AuthenticateToken(t.Context(), tok)
		require.NoError(t, err, "legacy off: no opinion")
		require.False(t, ok)
		_ = resp
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func truncSig(t testing.TB, seg string) string {
	t.Helper()
	sig, err := base64.RawURLEncoding.DecodeString(seg)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(sig[:len(sig)-6])
}

func manyMembers(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(`,"m` + strconv.Itoa(i) + `":0`)
	}
	return b.String()
}
