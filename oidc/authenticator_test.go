package oidc_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

func TestAuthenticateToken(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{})

	c := claims(p, "alice", map[string]any{"groups": []string{"dev", "ops"}, "jti": "id-1"})
	resp, ok, err := authenticate(t, a, p.Sign(c))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, authn.UserInfo{
		Name:   "oidc:alice",
		Groups: []string{"oidc:dev", "oidc:ops"},
		Extra:  map[string][]string{authn.CredentialIDKey: {"JTI=id-1"}},
	}, resp.User)
	assert.Equal(t, []string{audience}, resp.Audiences)
	assert.Equal(t, time.Unix(int64(c["exp"].(int64)), 0), resp.Expiry)

	h := a.Health()
	require.Len(t, h, 1)
	assert.Equal(t, p.Issuer(), h[0].Issuer)
	assert.True(t, h[0].Ready)
	assert.Equal(t, 1, h[0].Keys)
	assert.NoError(t, h[0].LastError)
	assert.NoError(t, a.Ready())
}

func TestClassicFlags(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	iss := p.Issuer()
	tests := []struct {
		name     string
		flags    authconfig.Classic
		claims   map[string]any
		wantUser authn.UserInfo
		wantErr  error
	}{
		{name: "default prefix is the issuer for sub", flags: authconfig.Classic{},
			claims: map[string]any{"groups": []string{"g"}}, wantUser: authn.UserInfo{Name: iss + "#alice"}},
		{name: "email claim has no default prefix", flags: authconfig.Classic{UsernameClaim: "email"},
			claims: map[string]any{"email": "alice@example.com", "email_verified": true}, wantUser: authn.UserInfo{Name: "alice@example.com"}},
		{name: "email without email_verified is accepted", flags: authconfig.Classic{UsernameClaim: "email"},
			claims: map[string]any{"email": "alice@example.com"}, wantUser: authn.UserInfo{Name: "alice@example.com"}},
		{name: "email_verified false", flags: authconfig.Classic{UsernameClaim: "email"},
			claims: map[string]any{"email": "alice@example.com", "email_verified": false}, wantErr: oidc.ErrEmailNotVerified},
		{name: "email_verified not a boolean", flags: authconfig.Classic{UsernameClaim: "email"},
			claims: map[string]any{"email": "alice@example.com", "email_verified": "true"}, wantErr: oidc.ErrMissingClaim},
		{name: "email_verified is only checked for the email claim", flags: authconfig.Classic{UsernamePrefix: "-"},
			claims: map[string]any{"email_verified": false}, wantUser: authn.UserInfo{Name: "alice"}},
		{name: "dash disables the prefix", flags: authconfig.Classic{UsernamePrefix: "-"}, wantUser: authn.UserInfo{Name: "alice"}},
		{name: "explicit prefix", flags: authconfig.Classic{UsernamePrefix: "acme:"}, wantUser: authn.UserInfo{Name: "acme:alice"}},
		{name: "explicit prefix on email", flags: authconfig.Classic{UsernameClaim: "email", UsernamePrefix: "acme:"},
			claims: map[string]any{"email": "a@example.com"}, wantUser: authn.UserInfo{Name: "acme:a@example.com"}},
		{name: "missing username claim", flags: authconfig.Classic{UsernameClaim: "preferred_username"}, wantErr: oidc.ErrMissingClaim},
		{name: "username claim not a string", flags: authconfig.Classic{UsernameClaim: "n", UsernamePrefix: "-"},
			claims: map[string]any{"n": 7}, wantErr: oidc.ErrMissingClaim},
		{name: "empty username", flags: authconfig.Classic{UsernameClaim: "n", UsernamePrefix: "-"},
			claims: map[string]any{"n": ""}, wantErr: oidc.ErrMissingClaim},
		{name: "groups array with prefix", flags: authconfig.Classic{UsernamePrefix: "-", GroupsClaim: "groups", GroupsPrefix: "oidc:"},
			claims: map[string]any{"groups": []string{"a", "b"}}, wantUser: authn.UserInfo{Name: "alice", Groups: []string{"oidc:a", "oidc:b"}}},
		{name: "groups single string", flags: authconfig.Classic{UsernamePrefix: "-", GroupsClaim: "role"},
			claims: map[string]any{"role": "admin"}, wantUser: authn.UserInfo{Name: "alice", Groups: []string{"admin"}}},
		{name: "groups absent", flags: authconfig.Classic{UsernamePrefix: "-", GroupsClaim: "groups"}, wantUser: authn.UserInfo{Name: "alice"}},
		{name: "groups null", flags: authconfig.Classic{UsernamePrefix: "-", GroupsClaim: "groups"},
			claims: map[string]any{"groups": nil}, wantUser: authn.UserInfo{Name: "alice"}},
		{name: "groups of the wrong type", flags: authconfig.Classic{UsernamePrefix: "-", GroupsClaim: "groups"},
			claims: map[string]any{"groups": []any{"a", 1}}, wantErr: oidc.ErrMissingClaim},
		{name: "required claims present", flags: authconfig.Classic{UsernamePrefix: "-", RequiredClaims: map[string]string{"hd": "example.com", "tier": "gold"}},
			claims: map[string]any{"hd": "example.com", "tier": "gold"}, wantUser: authn.UserInfo{Name: "alice"}},
		{name: "required claim wrong value", flags: authconfig.Classic{UsernamePrefix: "-", RequiredClaims: map[string]string{"hd": "example.com"}},
			claims: map[string]any{"hd": "evil.com"}, wantErr: oidc.ErrClaimValidation},
		{name: "required claim missing", flags: authconfig.Classic{UsernamePrefix: "-", RequiredClaims: map[string]string{"hd": "example.com"}},
			wantErr: oidc.ErrClaimValidation},
		{name: "required claim not a string", flags: authconfig.Classic{UsernamePrefix: "-", RequiredClaims: map[string]string{"hd": "1"}},
			claims: map[string]any{"hd": 1}, wantErr: oidc.ErrClaimValidation},
		{name: "system: username refused", flags: authconfig.Classic{UsernamePrefix: "-", UsernameClaim: "name"},
			claims: map[string]any{"name": "system:admin"}, wantErr: oidc.ErrReservedName},
		{name: "system: group refused", flags: authconfig.Classic{UsernamePrefix: "-", GroupsClaim: "groups"},
			claims: map[string]any{"groups": []string{"dev", "system:masters"}}, wantErr: oidc.ErrReservedName},
		{name: "system: group prefixed is fine", flags: authconfig.Classic{UsernamePrefix: "-", GroupsClaim: "groups", GroupsPrefix: "oidc:"},
			claims: map[string]any{"groups": []string{"system:masters"}}, wantUser: authn.UserInfo{Name: "alice", Groups: []string{"oidc:system:masters"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := tt.flags
			f.IssuerURL, f.ClientID, f.CertificateAuthority = iss, audience, string(p.CAPEM())
			a := newAuthenticator(t, []authconfig.JWT{f.JWT()}, oidc.Options{})
			resp, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", tt.claims)))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.ErrorIs(t, err, authn.ErrInvalidToken)
				require.False(t, ok)
				return
			}
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.wantUser, resp.User)
		})
	}
}

func TestInsecureAllowSystemNames(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	f := authconfig.Classic{IssuerURL: p.Issuer(), ClientID: audience, CertificateAuthority: string(p.CAPEM()), UsernamePrefix: "-", GroupsClaim: "groups"}
	a := newAuthenticator(t, []authconfig.JWT{f.JWT()}, oidc.Options{InsecureAllowSystemNames: true})
	resp, ok, err := authenticate(t, a, p.Sign(claims(p, "system:admin", map[string]any{"groups": []string{"system:masters"}})))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, authn.UserInfo{Name: "system:admin", Groups: []string{"system:masters"}}, resp.User)
}

func TestExpressions(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	base := func(m authconfig.ClaimMappings) authconfig.JWT {
		j := jwtFor(p)
		j.ClaimMappings = m
		return j
	}
	user := authconfig.PrefixedClaimOrExpression{Expression: `"user:" + claims.sub`}
	tests := []struct {
		name     string
		jwt      authconfig.JWT
		claims   map[string]any
		wantUser authn.UserInfo
		wantErr  error
	}{
		{name: "username, groups, uid and extra from expressions",
			jwt: base(authconfig.ClaimMappings{
				Username: user,
				Groups:   authconfig.PrefixedClaimOrExpression{Expression: `claims.roles.split(",").map(r, "role:" + r)`},
				UID:      authconfig.ClaimOrExpression{Expression: `claims.oid`},
				Extra: []authconfig.ExtraMapping{
					{Key: "example.com/tenant", ValueExpression: `claims.tid`},
					{Key: "example.com/empty", ValueExpression: `""`},
					{Key: "example.com/list", ValueExpression: `["a", "", "b"]`},
				},
			}),
			claims: map[string]any{"roles": "admin,dev", "oid": "o-1", "tid": "t-9"},
			wantUser: authn.UserInfo{Name: "user:alice", UID: "o-1", Groups: []string{"role:admin", "role:dev"},
				Extra: map[string][]string{"example.com/tenant": {"t-9"}, "example.com/list": {"a", "b"}}}},
		{name: "uid from a claim", jwt: base(authconfig.ClaimMappings{Username: user, UID: authconfig.ClaimOrExpression{Claim: "oid"}}),
			claims: map[string]any{"oid": "o-2"}, wantUser: authn.UserInfo{Name: "user:alice", UID: "o-2"}},
		{name: "uid claim missing", jwt: base(authconfig.ClaimMappings{Username: user, UID: authconfig.ClaimOrExpression{Claim: "oid"}}),
			wantErr: oidc.ErrMissingClaim},
		{name: "groups claim wins over the expression when present",
			jwt:    base(authconfig.ClaimMappings{Username: user, Groups: authconfig.PrefixedClaimOrExpression{Claim: "groups", Prefix: ptr("")}}),
			claims: map[string]any{"groups": "one"}, wantUser: authn.UserInfo{Name: "user:alice", Groups: []string{"one"}}},
		{name: "empty username from an expression", jwt: base(authconfig.ClaimMappings{Username: authconfig.PrefixedClaimOrExpression{Expression: `""`}}),
			wantErr: oidc.ErrMissingClaim},
		{name: "expression error at run time", jwt: base(authconfig.ClaimMappings{Username: authconfig.PrefixedClaimOrExpression{Expression: `claims.nope`}}),
			wantErr: oidc.ErrExpression},
		{name: "claim validation expression passes",
			jwt: func() authconfig.JWT {
				j := base(authconfig.ClaimMappings{Username: user})
				j.ClaimValidationRules = []authconfig.ClaimValidationRule{{Expression: `claims.hd == "example.com"`, Message: "wrong domain"}}
				return j
			}(),
			claims: map[string]any{"hd": "example.com"}, wantUser: authn.UserInfo{Name: "user:alice"}},
		{name: "claim validation expression fails",
			jwt: func() authconfig.JWT {
				j := base(authconfig.ClaimMappings{Username: user})
				j.ClaimValidationRules = []authconfig.ClaimValidationRule{{Expression: `claims.hd == "example.com"`, Message: "wrong domain"}}
				return j
			}(),
			claims: map[string]any{"hd": "evil.com"}, wantErr: oidc.ErrClaimValidation},
		{name: "numbers are doubles as in Kubernetes",
			jwt: func() authconfig.JWT {
				j := base(authconfig.ClaimMappings{Username: user})
				j.ClaimValidationRules = []authconfig.ClaimValidationRule{{Expression: `claims.level >= 2 && claims.exp > 0`}}
				return j
			}(),
			claims: map[string]any{"level": 3}, wantUser: authn.UserInfo{Name: "user:alice"}},
		{name: "user validation rule fails",
			jwt: func() authconfig.JWT {
				j := base(authconfig.ClaimMappings{Username: user})
				j.UserValidationRules = []authconfig.UserValidationRule{{Expression: `!user.username.startsWith("user:al")`, Message: "no al"}}
				return j
			}(),
			wantErr: oidc.ErrUserValidation},
		{name: "user validation rule sees groups",
			jwt: func() authconfig.JWT {
				j := base(authconfig.ClaimMappings{Username: user, Groups: authconfig.PrefixedClaimOrExpression{Claim: "groups", Prefix: ptr("")}})
				j.UserValidationRules = []authconfig.UserValidationRule{{Expression: `"dev" in user.groups`, Message: "dev only"}}
				return j
			}(),
			claims: map[string]any{"groups": []string{"dev"}}, wantUser: authn.UserInfo{Name: "user:alice", Groups: []string{"dev"}}},
		{name: "email with email_verified checked by a rule",
			jwt: func() authconfig.JWT {
				j := base(authconfig.ClaimMappings{Username: authconfig.PrefixedClaimOrExpression{Expression: `claims.email`}})
				j.ClaimValidationRules = []authconfig.ClaimValidationRule{{Expression: `claims.?email_verified.orValue(true) == true`, Message: "unverified"}}
				return j
			}(),
			claims: map[string]any{"email": "a@example.com", "email_verified": false}, wantErr: oidc.ErrClaimValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAuthenticator(t, []authconfig.JWT{tt.jwt}, oidc.Options{})
			resp, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", tt.claims)))
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

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	good := jwtFor(p)

	noCompiler := good
	noCompiler.ClaimMappings.Username = authconfig.PrefixedClaimOrExpression{Expression: "claims.sub"}
	_, err := oidc.New([]authconfig.JWT{noCompiler}, oidc.Options{})
	require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `jwt[0].claimMappings.username.expression: Invalid value: "claims.sub": expressions need a CEL compiler`)

	bad := good
	bad.ClaimMappings.Username = authconfig.PrefixedClaimOrExpression{Expression: "claims.sub +"}
	_, err = newAuthenticatorErr([]authconfig.JWT{bad})
	require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `jwt[0].claimMappings.username.expression: Invalid value: "claims.sub +": compilation failed: `)

	email := good
	email.ClaimMappings.Username = authconfig.PrefixedClaimOrExpression{Expression: "claims.email"}
	_, err = newAuthenticatorErr([]authconfig.JWT{email})
	require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "claims.email_verified must be used in claimMappings.username.expression or claimMappings.extra[*].valueExpression or claimValidationRules[*].expression when claims.email is used in claimMappings.username.expression")

	wrongType := good
	wrongType.ClaimValidationRules = []authconfig.ClaimValidationRule{{Expression: `"not a bool"`}}
	_, err = newAuthenticatorErr([]authconfig.JWT{wrongType})
	require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "jwt[0].claimValidationRules[0].expression: Invalid value")

	for _, u := range []string{p.Issuer() + "?", "https:///tenant"} {
		noFetch := good
		noFetch.Issuer.URL = u
		_, err = oidc.New([]authconfig.JWT{noFetch}, oidc.Options{})
		require.ErrorIs(t, err, authconfig.ErrInvalidConfig, u)
		fe, ok := errors.AsType[*authconfig.FieldError](err)
		require.True(t, ok, u)
		assert.Equal(t, "jwt[0].issuer.url", fe.Field)
	}

	_, err = oidc.New([]authconfig.JWT{good}, oidc.Options{SigningAlgorithms: []string{"HS256"}})
	require.Error(t, err)
	_, err = oidc.New([]authconfig.JWT{good}, oidc.Options{SigningAlgorithms: []string{"none"}})
	require.Error(t, err)
	_, err = oidc.New([]authconfig.JWT{good}, oidc.Options{ClockSkew: -time.Second})
	require.Error(t, err)
	// Key-fetch options the key manager refuses fail Prepare (so that
	// Apply cannot fail), naming the authenticator.
	_, err = oidc.New([]authconfig.JWT{good}, oidc.Options{MinRefresh: 2 * time.Hour})
	require.ErrorContains(t, err, "oidc: jwt[0]: jwks: MinRefresh 2h0m0s exceeds MaxRefresh 1h0m0s")

	empty, err := oidc.New(nil, oidc.Options{})
	require.NoError(t, err)
	resp, ok, err := authenticate(t, empty, p.Sign(claims(p, "alice", nil)))
	require.NoError(t, err)
	require.False(t, ok)
	require.Nil(t, resp)
	require.NoError(t, empty.Close())
}

func newAuthenticatorErr(jwt []authconfig.JWT) (*oidc.Authenticator, error) {
	c, err := celexprNew()
	if err != nil {
		return nil, err
	}
	a, err := oidc.New(jwt, oidc.Options{Compiler: c})
	if err == nil {
		_ = a.Close()
		return nil, errors.New("unexpected success")
	}
	return nil, err
}

func TestManyIssuers(t *testing.T) {
	t.Parallel()
	var ps []*oidctest.Provider
	var jwts []authconfig.JWT
	for i, path := range []string{"/a", "/b", "/c"} {
		p := newProvider(t, oidctest.Options{IssuerPath: path, Algorithm: []string{"RS256", "ES256", "EdDSA"}[i]})
		ps = append(ps, p)
		j := jwtFor(p)
		j.ClaimMappings.Username.Prefix = ptr(path + ":")
		jwts = append(jwts, j)
	}
	a := newAuthenticator(t, jwts, oidc.Options{SigningAlgorithms: oidc.AllSigningAlgorithms()})
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() {
			resp, ok, err := a.AuthenticateToken(t.Context(), p.Sign(claims(p, "u", nil)))
			assert.NoError(t, err)
			if assert.True(t, ok) {
				assert.Equal(t, []string{"/a", "/b", "/c"}[i]+":u", resp.User.Name)
			}
		})
	}
	wg.Wait()

	other := newProvider(t, oidctest.Options{IssuerPath: "/d"})
	resp, ok, err := authenticate(t, a, other.Sign(claims(other, "u", nil)))
	require.NoError(t, err, "an issuer nobody configured is no opinion")
	require.False(t, ok)
	require.Nil(t, resp)

	// A token signed by issuer a's key but claiming issuer b.
	forged := ps[0].Sign(claims(ps[1], "u", nil))
	_, ok, err = authenticate(t, a, forged)
	require.False(t, ok)
	require.Error(t, err)
	assert.True(t, errors.Is(err, authn.ErrUnknownKey) || errors.Is(err, authn.ErrBadSignature) || errors.Is(err, oidc.ErrAlgorithm), err)

	for _, h := range a.Health() {
		assert.True(t, h.Ready, h.Issuer)
	}
	assert.Equal(t, []string{ps[0].Issuer(), ps[1].Issuer(), ps[2].Issuer()}, func() []string {
		var out []string
		for _, h := range a.Health() {
			out = append(out, h.Issuer)
		}
		return out
	}())
}

func TestPrepareApply(t *testing.T) {
	t.Parallel()
	p1 := newProvider(t, oidctest.Options{IssuerPath: "/one"})
	p2 := newProvider(t, oidctest.Options{IssuerPath: "/two"})
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p1)}, oidc.Options{})
	tok1, tok2 := p1.Sign(claims(p1, "u", nil)), p2.Sign(claims(p2, "u", nil))

	_, ok, err := authenticate(t, a, tok1)
	require.NoError(t, err)
	require.True(t, ok)
	d1, j1 := p1.Fetches()

	bad := jwtFor(p2)
	bad.Issuer.Audiences = nil
	prepared, err := a.Prepare([]authconfig.JWT{jwtFor(p1), bad})
	require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
	require.Nil(t, prepared)
	_, ok, err = authenticate(t, a, tok1)
	require.NoError(t, err)
	require.True(t, ok, "a failed Prepare keeps the old configuration")

	both, err := a.Prepare([]authconfig.JWT{jwtFor(p1), jwtFor(p2)})
	require.NoError(t, err)
	_, ok, err = authenticate(t, a, tok2)
	require.NoError(t, err)
	require.False(t, ok, "a prepared configuration does not serve before Apply")
	d2, j2 := p2.Fetches()
	assert.Equal(t, [2]int{0, 0}, [2]int{d2, j2}, "Prepare starts no key manager")
	assert.Len(t, a.Health(), 1)

	a.Apply(both)
	a.Apply(both) // again: nothing changes
	for _, tok := range []string{tok1, tok2} {
		_, ok, err = authenticate(t, a, tok)
		require.NoError(t, err)
		require.True(t, ok)
	}
	d, j := p1.Fetches()
	assert.Equal(t, [2]int{d1, j1}, [2]int{d, j}, "an unchanged issuer keeps its keys")
	assert.Len(t, a.Health(), 2)

	second, err := a.Prepare([]authconfig.JWT{jwtFor(p2)})
	require.NoError(t, err)
	a.Apply(second)
	_, ok, err = authenticate(t, a, tok1)
	require.NoError(t, err)
	require.False(t, ok, "a removed issuer is no opinion")

	other := newAuthenticator(t, nil, oidc.Options{})
	assert.PanicsWithValue(t, "oidc: Apply of a configuration prepared by another Authenticator", func() { other.Apply(second) })

	require.NoError(t, a.Close())
	a.Apply(both)
	_, ok, err = authenticate(t, a, tok1)
	require.NoError(t, err)
	require.False(t, ok, "Apply after Close changes nothing")
	_, ok, err = authenticate(t, a, tok2)
	require.NoError(t, err)
	require.True(t, ok, "after Close tokens verify with the keys last fetched")
}

func TestCredentialIDAndAudiences(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	j := jwtFor(p)
	j.Issuer.Audiences = []string{"a", "b", "c"}
	j.Issuer.AudienceMatchPolicy = authconfig.MatchAny
	a := newAuthenticator(t, []authconfig.JWT{j}, oidc.Options{})
	c := p.Claims("alice", "c", "x", "a")
	resp, ok, err := authenticate(t, a, p.Sign(c))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []string{"a", "c"}, resp.Audiences)
	assert.Nil(t, resp.User.Extra)
	assert.False(t, strings.Contains(resp.User.Name, "#"))
}

// A refusal of a configured issuer's token is a *TokenError naming the
// issuer and the kid; the program's own keys (KeySets) verify without a
// fetch, and Health reports them.
func TestTokenErrorAndKeySets(t *testing.T) {
	t.Parallel()
	p := oidctest.NewProvider(oidctest.Options{})
	t.Cleanup(p.Close)
	other := oidctest.NewProvider(oidctest.Options{})
	t.Cleanup(other.Close)
	// Keys of another provider, under this provider's kid: every token
	// of p fails its signature.
	wrong := oidc.NewStaticKeySet(oidc.Key{Public: other.PublicKey(other.KeyID()), KeyID: p.KeyID()})
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{KeySets: map[string]oidc.KeySet{p.Issuer(): wrong}})
	_, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", nil)))
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrBadSignature)
	te, isTokenError := errors.AsType[*oidc.TokenError](err)
	require.True(t, isTokenError)
	assert.Equal(t, "oidc", te.Authenticator)
	assert.Equal(t, p.Issuer(), te.Issuer)
	assert.Equal(t, p.KeyID(), te.KeyID)
	require.NoError(t, a.Ready())
	assert.Equal(t, []oidc.Health{{Issuer: p.Issuer(), Ready: true, Keys: 1}}, a.Health())
	discovery, jwks := p.Fetches()
	assert.Zero(t, discovery+jwks, "an issuer with the program's keys fetches nothing")
}
