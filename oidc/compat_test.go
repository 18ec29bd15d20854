package oidc_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

// TestCredentialIDFromJTI runs kube-apiserver's credential ID cases
// (k8s.io/apiserver plugin/pkg/authenticator/token/oidc, TestToken) with
// their configuration and claims: a string "jti" becomes the credential
// ID, with or without extra mappings; a "jti" that is not a string, or
// none, gives no credential ID and no error.
func TestCredentialIDFromJTI(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	jwt := func(extra ...authconfig.ExtraMapping) authconfig.JWT {
		return authconfig.JWT{
			Issuer:        authconfig.Issuer{URL: p.Issuer(), CertificateAuthority: string(p.CAPEM()), Audiences: []string{"my-client"}},
			ClaimMappings: authconfig.ClaimMappings{Username: authconfig.PrefixedClaimOrExpression{Expression: "claims.username"}, Extra: extra},
		}
	}
	valid := time.Now().Add(time.Hour).Unix()
	base := func(more map[string]any) map[string]any {
		c := map[string]any{"iss": p.Issuer(), "aud": "my-client", "username": "jane", "exp": valid}
		for k, v := range more {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name   string
		jwt    authconfig.JWT
		claims map[string]any
		want   authn.UserInfo
	}{
		{name: "credential id set in extra even when no extra claim mappings are defined",
			jwt: jwt(), claims: base(map[string]any{"jti": "1234"}),
			want: authn.UserInfo{Name: "jane", Extra: map[string][]string{authn.CredentialIDKey: {"JTI=1234"}}}},
		{name: "credential id set in extra when extra claim mappings are defined",
			jwt: jwt(authconfig.ExtraMapping{Key: "example.org/foo", ValueExpression: "claims.foo"},
				authconfig.ExtraMapping{Key: "example.org/bar", ValueExpression: "claims.bar"}),
			claims: base(map[string]any{"jti": "1234", "foo": "bar", "bar": []string{"baz", "qux"}}),
			want: authn.UserInfo{Name: "jane", Extra: map[string][]string{
				authn.CredentialIDKey: {"JTI=1234"},
				"example.org/foo":     {"bar"},
				"example.org/bar":     {"baz", "qux"},
			}}},
		{name: "non-string jti claim does not set credential id in extra or error",
			jwt: jwt(), claims: base(map[string]any{"jti": 1234}), want: authn.UserInfo{Name: "jane"}},
		{name: "missing jti claim does not set credential id in extra or error",
			jwt: jwt(), claims: base(nil), want: authn.UserInfo{Name: "jane"}},
		// Beyond Kubernetes' own cases, the other JSON types and a
		// case-variant name, which Kubernetes does not read as "jti".
		{name: "null jti", jwt: jwt(), claims: base(map[string]any{"jti": nil}), want: authn.UserInfo{Name: "jane"}},
		{name: "empty jti", jwt: jwt(), claims: base(map[string]any{"jti": ""}), want: authn.UserInfo{Name: "jane"}},
		{name: "object jti", jwt: jwt(), claims: base(map[string]any{"jti": map[string]any{"a": "b"}}), want: authn.UserInfo{Name: "jane"}},
		{name: "array jti", jwt: jwt(), claims: base(map[string]any{"jti": []string{"1234"}}), want: authn.UserInfo{Name: "jane"}},
		{name: "boolean jti", jwt: jwt(), claims: base(map[string]any{"jti": true}), want: authn.UserInfo{Name: "jane"}},
		{name: "upper-case JTI is another claim", jwt: jwt(), claims: base(map[string]any{"JTI": "1234"}), want: authn.UserInfo{Name: "jane"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAuthenticator(t, []authconfig.JWT{tt.jwt}, oidc.Options{})
			resp, ok, err := authenticate(t, a, p.Sign(tt.claims))
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.want, resp.User)
		})
	}
}

// TestRegisteredClaimTypes: the claims Kubernetes decodes every token into
// (go-oidc's ID token: sub, nonce, at_hash, exp, iat, nbf and the
// distributed claim members) must have their types, whatever the
// configuration reads; "sub" may be absent or null unless it makes the
// username.
func TestRegisteredClaimTypes(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	fromClaim := jwtFor(p)
	fromClaim.ClaimMappings.Username = authconfig.PrefixedClaimOrExpression{Claim: "username", Prefix: ptr("")}
	fromExpr := jwtFor(p)
	fromExpr.ClaimMappings.Username = authconfig.PrefixedClaimOrExpression{Expression: "claims.username"}
	fromSub := jwtFor(p)
	noGroups := jwtFor(p)
	noGroups.ClaimMappings.Groups = authconfig.PrefixedClaimOrExpression{}
	now := time.Now()
	src := map[string]any{"s": map[string]any{"endpoint": "https://example.com/groups"}}
	tests := []struct {
		name     string
		jwt      authconfig.JWT
		claims   map[string]any // over p's defaults: iss, aud, sub "alice", iat, exp
		raw      string         // instead of claims: the whole payload
		wantUser string         // "" means an error is wanted
		wantErr  error
	}{
		{name: "sub a number, username from another claim", jwt: fromClaim,
			claims: map[string]any{"sub": 42, "username": "jane"}, wantErr: authn.ErrMalformed},
		{name: "sub a number, username from an expression", jwt: fromExpr,
			claims: map[string]any{"sub": 42, "username": "jane"}, wantErr: authn.ErrMalformed},
		{name: "sub an object", jwt: fromClaim, claims: map[string]any{"sub": map[string]any{"a": "b"}, "username": "jane"}, wantErr: authn.ErrMalformed},
		{name: "sub an array", jwt: fromClaim, claims: map[string]any{"sub": []string{"alice"}, "username": "jane"}, wantErr: authn.ErrMalformed},
		{name: "sub a boolean", jwt: fromExpr, claims: map[string]any{"sub": true, "username": "jane"}, wantErr: authn.ErrMalformed},
		{name: "sub a number, username from sub", jwt: fromSub, claims: map[string]any{"sub": 42}, wantErr: authn.ErrMalformed},
		{name: "sub absent, username from another claim", jwt: fromClaim,
			raw: `{"iss":"` + p.Issuer() + `","aud":"kubernetes","username":"jane","exp":` + formatInt(now.Add(time.Hour).Unix()) + `}`, wantUser: "jane"},
		{name: "sub absent, username from an expression", jwt: fromExpr,
			raw: `{"iss":"` + p.Issuer() + `","aud":"kubernetes","username":"jane","exp":` + formatInt(now.Add(time.Hour).Unix()) + `}`, wantUser: "jane"},
		{name: "sub null, username from another claim", jwt: fromClaim,
			raw: `{"iss":"` + p.Issuer() + `","aud":"kubernetes","sub":null,"username":"jane","exp":` + formatInt(now.Add(time.Hour).Unix()) + `}`, wantUser: "jane"},
		{name: "sub absent, username from sub", jwt: fromSub,
			raw: `{"iss":"` + p.Issuer() + `","aud":"kubernetes","exp":` + formatInt(now.Add(time.Hour).Unix()) + `}`, wantErr: oidc.ErrMissingClaim},
		{name: "sub empty, username from another claim", jwt: fromClaim, claims: map[string]any{"sub": "", "username": "jane"}, wantUser: "jane"},
		{name: "Sub beside sub is ambiguous", jwt: fromClaim,
			raw: `{"iss":"` + p.Issuer() + `","aud":"kubernetes","sub":"alice","Sub":7,"username":"jane","exp":` + formatInt(now.Add(time.Hour).Unix()) + `}`, wantErr: authn.ErrMalformed},
		{name: "Nonce alone is ambiguous", jwt: fromSub, claims: map[string]any{"Nonce": "n"}, wantErr: authn.ErrMalformed},
		{name: "sub with a long s is ambiguous", jwt: fromClaim, claims: map[string]any{"\u017fub": "x", "username": "jane"}, wantErr: authn.ErrMalformed},
		{name: "case variants in a nested object are just names", jwt: fromSub,
			claims: map[string]any{"profile": map[string]any{"Sub": 1, "EXP": "x", "Nonce": []int{1}}}, wantUser: "oidc:alice"},
		{name: "nonce a number", jwt: fromSub, claims: map[string]any{"nonce": 1}, wantErr: authn.ErrMalformed},
		{name: "nonce a string", jwt: fromSub, claims: map[string]any{"nonce": "n-0S6"}, wantUser: "oidc:alice"},
		{name: "at_hash an array", jwt: fromSub, claims: map[string]any{"at_hash": []string{"x"}}, wantErr: authn.ErrMalformed},
		{name: "at_hash null", jwt: fromSub,
			raw: `{"iss":"` + p.Issuer() + `","aud":"kubernetes","sub":"alice","at_hash":null,"exp":` + formatInt(now.Add(time.Hour).Unix()) + `}`, wantUser: "oidc:alice"},
		{name: "iat null", jwt: fromSub,
			raw: `{"iss":"` + p.Issuer() + `","aud":"kubernetes","sub":"alice","iat":null,"exp":` + formatInt(now.Add(time.Hour).Unix()) + `}`, wantErr: authn.ErrMalformed},
		{name: "exp null", jwt: fromSub,
			raw: `{"iss":"` + p.Issuer() + `","aud":"kubernetes","sub":"alice","exp":null}`, wantErr: authn.ErrMalformed},
		{name: "nbf null", jwt: fromSub,
			raw: `{"iss":"` + p.Issuer() + `","aud":"kubernetes","sub":"alice","nbf":null,"exp":` + formatInt(now.Add(time.Hour).Unix()) + `}`, wantUser: "oidc:alice"},
		{name: "exp a numeric string", jwt: fromSub, claims: map[string]any{"exp": formatInt(now.Add(time.Hour).Unix())}, wantErr: authn.ErrMalformed},
		{name: "nbf a numeric string", jwt: fromSub, claims: map[string]any{"nbf": formatInt(now.Unix())}, wantErr: authn.ErrMalformed},
		{name: "iat a numeric string", jwt: fromSub, claims: map[string]any{"iat": formatInt(now.Unix())}, wantErr: authn.ErrMalformed},
		{name: "nbf out of range", jwt: fromSub, claims: map[string]any{"nbf": 1e300}, wantErr: authn.ErrMalformed},
		{name: "exp out of range", jwt: fromSub, claims: map[string]any{"exp": 1 << 41}, wantErr: authn.ErrMalformed},
		{name: "_claim_names not an object, no groups configured", jwt: noGroups,
			claims: map[string]any{"_claim_names": "groups", "_claim_sources": src}, wantErr: authn.ErrMalformed},
		{name: "_claim_names names a missing source, no groups configured", jwt: noGroups,
			claims: map[string]any{"_claim_names": map[string]any{"groups": "t"}, "_claim_sources": src}, wantErr: authn.ErrMalformed},
		{name: "_claim_names names no source", jwt: noGroups,
			claims: map[string]any{"_claim_names": map[string]any{"groups": ""}, "_claim_sources": src}, wantErr: authn.ErrMalformed},
		{name: "_claim_names without _claim_sources", jwt: noGroups,
			claims: map[string]any{"_claim_names": map[string]any{"groups": "s"}}, wantErr: authn.ErrMalformed},
		{name: "_claim_sources endpoint not a string", jwt: noGroups,
			claims: map[string]any{"_claim_sources": map[string]any{"s": map[string]any{"endpoint": 1}}}, wantErr: authn.ErrMalformed},
		{name: "_claim_sources member not an object", jwt: noGroups,
			claims: map[string]any{"_claim_sources": map[string]any{"s": "https://example.com"}}, wantErr: authn.ErrMalformed},
		{name: "well-formed distributed claims, no groups configured", jwt: noGroups,
			claims: map[string]any{"_claim_names": map[string]any{"groups": "s"}, "_claim_sources": src}, wantUser: "oidc:alice"},
		{name: "aggregated claims source", jwt: noGroups,
			claims: map[string]any{"_claim_names": map[string]any{"groups": "s"}, "_claim_sources": map[string]any{"s": map[string]any{"JWT": "x.y.z"}}}, wantUser: "oidc:alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAuthenticator(t, []authconfig.JWT{tt.jwt}, oidc.Options{})
			token := p.Sign(claims(p, "alice", tt.claims))
			if tt.raw != "" {
				token = p.SignRaw([]byte(`{"alg":"RS256","kid":"`+p.KeyID()+`"}`), []byte(tt.raw), p.KeyID())
			}
			resp, ok, err := authenticate(t, a, token)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.False(t, ok)
				assert.False(t, authn.IsUnavailable(err))
				return
			}
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.wantUser, resp.User.Name)
		})
	}
}

// TestTimeClaims pins Kubernetes' clock rules (go-oidc v2): "exp" may be
// now, not earlier; "nbf" (and, beyond Kubernetes, "iat") may be up to a
// minute ahead; dates are whole seconds, a fraction truncated toward zero.
// The bubble's clock makes the boundaries exact.
func TestTimeClaims(t *testing.T) {
	t.Parallel()
	inBubble(t, oidctest.Options{}, nil, func(t *testing.T, p *oidctest.Provider, a *oidc.Authenticator) {
		time.Sleep(500 * time.Millisecond) // now is half a second past a whole second
		now := time.Now()
		sec := now.Truncate(time.Second)
		unixf := func(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
		tests := []struct {
			name    string
			claims  map[string]any
			wantErr error
		}{
			{name: "nbf a minute ahead", claims: map[string]any{"nbf": sec.Add(time.Minute).Unix()}},
			{name: "nbf a minute and a second ahead", claims: map[string]any{"nbf": sec.Add(time.Minute + time.Second).Unix()}, wantErr: authn.ErrNotYetValid},
			{name: "iat a minute ahead", claims: map[string]any{"iat": sec.Add(time.Minute).Unix()}},
			{name: "iat a minute and a second ahead", claims: map[string]any{"iat": sec.Add(time.Minute + time.Second).Unix()}, wantErr: authn.ErrNotYetValid},
			{name: "exp a second ahead", claims: map[string]any{"exp": sec.Add(time.Second).Unix()}},
			{name: "exp fraction truncated", claims: map[string]any{"exp": unixf(sec.Add(900 * time.Millisecond))}, wantErr: authn.ErrExpired},
			{name: "nbf fraction truncated", claims: map[string]any{"nbf": unixf(sec.Add(time.Minute + 900*time.Millisecond))}},
		}
		for _, tt := range tests {
			_, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", tt.claims)))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr, tt.name)
				require.False(t, ok, tt.name)
				continue
			}
			require.NoError(t, err, tt.name)
			require.True(t, ok, tt.name)
		}

		_, _, err := authenticate(t, a, p.Sign(claims(p, "alice", map[string]any{"exp": unixf(sec.Add(900 * time.Millisecond))})))
		expired, ok := errors.AsType[*authn.ExpiredError](err)
		require.True(t, ok)
		assert.True(t, expired.Expiry.Equal(sec), "whole seconds: %v", expired.Expiry)

		resp, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", map[string]any{"exp": unixf(sec.Add(time.Hour + 900*time.Millisecond))})))
		require.NoError(t, err)
		require.True(t, ok)
		assert.True(t, resp.Expiry.Equal(sec.Add(time.Hour)), "whole seconds: %v", resp.Expiry)
	})
}

// TestNullClaims: where a string claim is needed, null reads as "", as
// Kubernetes reads it; an empty username is still refused, prefix or not.
func TestNullClaims(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	withUID := jwtFor(p)
	withUID.ClaimMappings.UID = authconfig.ClaimOrExpression{Claim: "oid"}
	required := func(value string) authconfig.JWT {
		j := jwtFor(p)
		j.ClaimValidationRules = []authconfig.ClaimValidationRule{{Claim: "hd", RequiredValue: value}}
		return j
	}
	fromName := func(prefix string) authconfig.JWT {
		j := jwtFor(p)
		j.ClaimMappings.Username = authconfig.PrefixedClaimOrExpression{Claim: "name", Prefix: ptr(prefix)}
		return j
	}
	tests := []struct {
		name     string
		jwt      authconfig.JWT
		claims   map[string]any
		wantUser authn.UserInfo
		wantErr  error
	}{
		{name: "null uid claim is an empty uid", jwt: withUID, claims: map[string]any{"oid": nil},
			wantUser: authn.UserInfo{Name: "oidc:alice"}},
		{name: "uid claim a number", jwt: withUID, claims: map[string]any{"oid": 7}, wantErr: oidc.ErrMissingClaim},
		{name: "null required claim equals an empty required value", jwt: required(""), claims: map[string]any{"hd": nil},
			wantUser: authn.UserInfo{Name: "oidc:alice"}},
		{name: "null required claim differs from a required value", jwt: required("example.com"), claims: map[string]any{"hd": nil},
			wantErr: oidc.ErrClaimValidation},
		{name: "null username claim with a prefix", jwt: fromName("oidc:"), claims: map[string]any{"name": nil}, wantErr: oidc.ErrMissingClaim},
		{name: "empty username claim with a prefix", jwt: fromName("oidc:"), claims: map[string]any{"name": ""}, wantErr: oidc.ErrMissingClaim},
		{name: "null username claim without a prefix", jwt: fromName(""), claims: map[string]any{"name": nil}, wantErr: oidc.ErrMissingClaim},
		{name: "null groups claim is no groups", jwt: jwtFor(p), claims: map[string]any{"groups": nil},
			wantUser: authn.UserInfo{Name: "oidc:alice"}},
		{name: "null inside the groups array is refused", jwt: jwtFor(p), claims: map[string]any{"groups": []any{"dev", nil}},
			wantErr: oidc.ErrMissingClaim},
		{name: "null email_verified is not verified", jwt: func() authconfig.JWT {
			j := fromName("")
			j.ClaimMappings.Username.Claim = "email"
			return j
		}(), claims: map[string]any{"email": "a@example.com", "email_verified": nil}, wantErr: oidc.ErrMissingClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAuthenticator(t, []authconfig.JWT{tt.jwt}, oidc.Options{})
			c := claims(p, "alice", tt.claims)
			for k, v := range tt.claims {
				c[k] = v // claims drops nil values; these tests need JSON null
			}
			resp, ok, err := authenticate(t, a, p.Sign(c))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.False(t, ok)
				return
			}
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.wantUser, resp.User)
		})
	}
}

// TestValidationRulesBeforeMappings: claim validation rules run before
// the claim mappings, so a token that fails both is reported by its rule,
// with the rule's message, and the mapping expression never runs.
func TestValidationRulesBeforeMappings(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	j := jwtFor(p)
	j.ClaimMappings.Username = authconfig.PrefixedClaimOrExpression{Expression: "claims.username"} // fails without the claim
	j.ClaimValidationRules = []authconfig.ClaimValidationRule{{Expression: `has(claims.username)`, Message: "a username is required"}}
	a := newAuthenticator(t, []authconfig.JWT{j}, oidc.Options{})

	_, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", nil)))
	require.False(t, ok)
	require.ErrorIs(t, err, oidc.ErrClaimValidation)
	assert.NotErrorIs(t, err, oidc.ErrExpression)
	assert.ErrorContains(t, err, "a username is required")

	resp, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", map[string]any{"username": "jane"})))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "jane", resp.User.Name)
}

// TestJWKAlgorithmBindsKey: a key published with an "alg" verifies only
// tokens of that algorithm, even when the token's algorithm is allowed
// and its kid names the key; Kubernetes would verify with it.
func TestJWKAlgorithmBindsKey(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	kid := p.KeyID()
	body, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: p.PublicKey(kid), KeyID: kid, Algorithm: "PS256", Use: "sig"}}})
	require.NoError(t, err)
	p.SetJWKSBody(body)
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{SigningAlgorithms: []string{"RS256", "PS256"}})

	_, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", nil))) // RS256, with the key's kid
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrUnknownKey)
	assert.ErrorContains(t, err, `no RS256 key with kid "`+kid+`"`)
	assert.Equal(t, 1, a.Health()[0].Keys, "the key is usable, for PS256")

	p.SetJWKSBody(nil)
	b := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{SigningAlgorithms: []string{"RS256", "PS256"}})
	_, ok, err = authenticate(t, b, p.Sign(claims(p, "alice", nil)))
	require.NoError(t, err, "the same key published as RS256")
	require.True(t, ok)
}

// TestExpressionsIterateClaims: an expression may iterate over the
// members of claims and sees their names, as over any CEL map (in
// kube-apiserver the iteration yields the values).
func TestExpressionsIterateClaims(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	j := jwtFor(p)
	j.ClaimMappings.Groups = authconfig.PrefixedClaimOrExpression{Expression: `claims.filter(k, k.startsWith("grp_")).map(k, k.substring(4)).sort()`}
	j.ClaimValidationRules = []authconfig.ClaimValidationRule{{Expression: `claims.exists(k, k == "sub")`, Message: "no sub"}}
	a := newAuthenticator(t, []authconfig.JWT{j}, oidc.Options{})
	resp, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", map[string]any{"grp_ops": true, "grp_dev": 1, "other": "x"})))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, authn.UserInfo{Name: "oidc:alice", Groups: []string{"dev", "ops"}}, resp.User)
}

// TestEmailVerifiedRuleIndexForms: the rule that claims.email in a
// username expression needs claims.email_verified somewhere counts the
// index forms too, on both sides.
func TestEmailVerifiedRuleIndexForms(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	tests := []struct {
		name, username, rule string
		wantErr              bool
	}{
		{name: "index form of email needs email_verified", username: `claims["email"]`, wantErr: true},
		{name: "index form of email_verified satisfies the rule", username: `claims.email`, rule: `claims["email_verified"] == true`},
		{name: "both index forms", username: `claims["email"]`, rule: `claims["email_verified"] == true`},
		{name: "select forms, as in Kubernetes", username: `claims.email`, rule: `claims.email_verified == true`},
		{name: "select form without email_verified, as in Kubernetes", username: `claims.email`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j := jwtFor(p)
			j.ClaimMappings.Username = authconfig.PrefixedClaimOrExpression{Expression: tt.username}
			if tt.rule != "" {
				j.ClaimValidationRules = []authconfig.ClaimValidationRule{{Expression: tt.rule, Message: "unverified"}}
			}
			c, err := celexprNew()
			require.NoError(t, err)
			a, err := oidc.New([]authconfig.JWT{j}, oidc.Options{Compiler: c})
			if tt.wantErr {
				require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
				assert.ErrorContains(t, err, "jwt[0].claimMappings.username.expression: Invalid value")
				assert.ErrorContains(t, err, "claims.email_verified must be used")
				return
			}
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, a.Close()) })
			resp, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", map[string]any{"email": "a@example.com", "email_verified": true})))
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, "a@example.com", resp.User.Name)
		})
	}
}
