package oidc_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

// TestDocumentedBehaviour loads the Kubernetes documentation's complete
// AuthenticationConfiguration example (authconfig/testdata/config/full-v1.yaml),
// points it at an in-process provider (its discoveryURL too), and checks
// the outcomes the documentation gives for its example tokens.
func TestDocumentedBehaviour(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	cfg, err := authconfig.Load("../authconfig/testdata/config/full-v1.yaml")
	require.NoError(t, err)
	require.Len(t, cfg.JWT, 1)
	cfg.JWT[0].Issuer.URL = p.Issuer()
	cfg.JWT[0].Issuer.DiscoveryURL = p.DiscoveryURL()
	cfg.JWT[0].Issuer.CertificateAuthority = string(p.CAPEM())
	a := newAuthenticator(t, cfg.JWT, oidc.Options{})

	now := time.Now()
	token := func(extra map[string]any) string {
		c := map[string]any{
			"aud": "my-app", "iss": p.Issuer(), "sub": "auth", "jti": "7c337942807e",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			"hd": "example.com", "roles": "user,admin", "username": "foo",
			"tenant": "72f988bf-86f1-41af-91ab-2d7cd011db4a",
		}
		for k, v := range extra {
			c[k] = v
		}
		return p.Sign(c)
	}

	resp, ok, err := authenticate(t, a, token(nil))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, authn.UserInfo{
		Name:   "foo:external-user",
		UID:    "auth",
		Groups: []string{"user", "admin"},
		Extra: map[string][]string{
			"example.com/tenant":  {"72f988bf-86f1-41af-91ab-2d7cd011db4a"},
			authn.CredentialIDKey: {"JTI=7c337942807e"},
		},
	}, resp.User)
	assert.Equal(t, []string{"my-app"}, resp.Audiences)

	for _, tt := range []struct {
		name  string
		extra map[string]any
		want  error
		msg   string
	}{
		{name: "the other audience", extra: map[string]any{"aud": []string{"my-other-app"}}},
		{name: "wrong hosted domain", extra: map[string]any{"hd": "evil.com"}, want: oidc.ErrClaimValidation},
		{name: "lifetime over 24 hours", extra: map[string]any{"nbf": now.Add(-25 * time.Hour).Unix()}, want: oidc.ErrClaimValidation,
			msg: "total token lifetime must not exceed 24 hours"},
		{name: "reserved username", extra: map[string]any{"username": "system:foo"}, want: oidc.ErrReservedName},
		{name: "wrong audience", extra: map[string]any{"aud": "kubernetes"}, want: authn.ErrWrongAudience},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, ok, err := authenticate(t, a, token(tt.extra))
			if tt.want == nil {
				require.NoError(t, err)
				require.True(t, ok)
				return
			}
			require.False(t, ok)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}

	// The documentation's user validation rule, reached when system:
	// names are allowed by this package.
	b := newAuthenticator(t, cfg.JWT, oidc.Options{InsecureAllowSystemNames: true})
	_, ok, err = authenticate(t, b, token(map[string]any{"username": "system:foo"}))
	require.False(t, ok)
	require.ErrorIs(t, err, oidc.ErrUserValidation)
	assert.Contains(t, err.Error(), "username cannot use the reserved system: prefix")
}
