package options_test

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/options"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want options.Options
	}{
		{name: "defaults", want: options.Options{AnonymousAuth: true, WebhookVersion: "v1beta1", WebhookCacheTTL: 2 * time.Minute, TokenSuccessCacheTTL: 10 * time.Second, OIDC: oidcDefaults}},
		{name: "all set", args: []string{"--token-auth-file=/t.csv", "--basic-auth-file", "/b.csv", "--anonymous-auth=false", "--api-audiences=a,b", "--api-audiences=c"},
			want: options.Options{TokenAuthFile: "/t.csv", BasicAuthFile: "/b.csv", APIAudiences: []string{"a", "b", "c"}, WebhookVersion: "v1beta1", WebhookCacheTTL: 2 * time.Minute, TokenSuccessCacheTTL: 10 * time.Second,
				AnonymousAuthSet: true, OIDC: oidcDefaults}},
		{name: "single dash works too", args: []string{"-api-audiences", " x , y "}, want: options.Options{AnonymousAuth: true, APIAudiences: []string{"x", "y"}, WebhookVersion: "v1beta1", WebhookCacheTTL: 2 * time.Minute, TokenSuccessCacheTTL: 10 * time.Second, OIDC: oidcDefaults}},
		{name: "oidc flags", args: []string{"--oidc-issuer-url=https://idp.example", "--oidc-client-id=k8s", "--oidc-ca-file=/ca.pem",
			"--oidc-username-claim=email", "--oidc-username-prefix=-", "--oidc-groups-claim=groups", "--oidc-groups-prefix=oidc:",
			"--oidc-required-claim=hd=example.com", "--oidc-required-claim", "tier=a=b,c", "--oidc-signing-algs=ES256,RS256", "--oidc-insecure-allow-system-names",
			"--authentication-config=/authn.yaml"},
			want: options.Options{AnonymousAuth: true, WebhookVersion: "v1beta1", WebhookCacheTTL: 2 * time.Minute, TokenSuccessCacheTTL: 10 * time.Second, AuthenticationConfigFile: "/authn.yaml",
				OIDC: options.OIDCOptions{IssuerURL: "https://idp.example", ClientID: "k8s", CAFile: "/ca.pem", UsernameClaim: "email", UsernamePrefix: "-",
					GroupsClaim: "groups", GroupsPrefix: "oidc:", RequiredClaims: map[string]string{"hd": "example.com", "tier": "a=b,c"},
					SigningAlgs: []string{"ES256", "RS256"}, InsecureAllowSystemNames: true, FlagsSet: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := options.NewOptions()
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			o.AddFlags(fs)
			require.NoError(t, fs.Parse(tt.args))
			assert.Equal(t, tt.want, *o)
		})
	}
}

var oidcDefaults = options.OIDCOptions{UsernameClaim: "sub", SigningAlgs: []string{"RS256"}}

func TestFlagDefaultsReplacedByFirstSet(t *testing.T) {
	t.Parallel()
	o := options.NewOptions()
	o.APIAudiences = []string{"default"}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	o.AddFlags(fs)
	assert.Equal(t, "default", fs.Lookup("api-audiences").DefValue)
	require.NoError(t, fs.Parse([]string{"--api-audiences=mine"}))
	assert.Equal(t, []string{"mine"}, o.APIAudiences)
}

func TestValidate(t *testing.T) {
	t.Parallel()
	o := options.NewOptions()
	o.APIAudiences = []string{"a", "", "a"}
	err := o.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--api-audiences[1] is empty")
	assert.Contains(t, err.Error(), `lists "a" twice`)
	_, err = o.New()
	require.Error(t, err)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func newAuth(t *testing.T, o *options.Options) *options.Authenticator {
	t.Helper()
	o.Logger = slog.New(slog.DiscardHandler)
	a, err := o.New()
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	return a
}

func TestNew(t *testing.T) {
	t.Parallel()
	tokens := writeFile(t, "tokens.csv", "tok-alice,alice,1001,\"dev,ops\"\n")
	passwords := writeFile(t, "passwords.csv", "pw-bob,bob,1002,viewers\n")
	withAuds := func(o *options.Options) *options.Options { o.APIAudiences = []string{"api"}; return o }

	tests := []struct {
		name      string
		opts      *options.Options
		request   string // "bearer:<tok>", "basic:<user>:<pw>", "none"
		wantUser  *authn.UserInfo
		wantErrIs error
	}{
		{name: "token file user", opts: &options.Options{TokenAuthFile: tokens}, request: "bearer:tok-alice",
			wantUser: &authn.UserInfo{Name: "alice", UID: "1001", Groups: []string{"dev", "ops", "system:authenticated"}}},
		{name: "basic file user", opts: &options.Options{TokenAuthFile: tokens, BasicAuthFile: passwords}, request: "basic:bob:pw-bob",
			wantUser: &authn.UserInfo{Name: "bob", UID: "1002", Groups: []string{"viewers", "system:authenticated"}}},
		{name: "anonymous when nothing presented", opts: &options.Options{TokenAuthFile: tokens, AnonymousAuth: true}, request: "none",
			wantUser: &authn.UserInfo{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}},
		{name: "rejected token is not anonymous", opts: &options.Options{TokenAuthFile: tokens, AnonymousAuth: true}, request: "bearer:nope",
			wantErrIs: authn.ErrInvalidToken},
		{name: "wrong password is not anonymous", opts: &options.Options{BasicAuthFile: passwords, AnonymousAuth: true}, request: "basic:bob:nope",
			wantErrIs: authn.ErrInvalidCredentials},
		{name: "no anonymous: no credentials is no opinion", opts: &options.Options{TokenAuthFile: tokens}, request: "none"},
		{name: "api audiences do not hide the token file", opts: withAuds(&options.Options{TokenAuthFile: tokens}), request: "bearer:tok-alice",
			wantUser: &authn.UserInfo{Name: "alice", UID: "1001", Groups: []string{"dev", "ops", "system:authenticated"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAuth(t, tt.opts)
			var r = authntest.NewRequest()
			switch kind, rest, _ := cut(tt.request); kind {
			case "bearer":
				r = authntest.NewBearerRequest(rest)
			case "basic":
				user, pw, _ := cut(rest)
				r = authntest.NewBasicRequest(user, pw)
			}
			if len(tt.opts.APIAudiences) > 0 {
				r = r.WithContext(authn.WithAudiences(r.Context(), tt.opts.APIAudiences))
			}
			resp, ok, err := a.AuthenticateRequest(r)
			authntest.CheckOutcome(t, resp, ok, err)
			switch {
			case tt.wantUser != nil:
				authntest.AssertUser(t, *tt.wantUser, resp, ok, err)
			case tt.wantErrIs != nil:
				require.ErrorIs(t, err, tt.wantErrIs)
			default:
				require.NoError(t, err)
				assert.False(t, ok)
			}
		})
	}
}

func cut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestChallengesAndTokenReviewer(t *testing.T) {
	t.Parallel()
	tokens := writeFile(t, "tokens.csv", "tok-alice,alice,1001,dev\n")
	passwords := writeFile(t, "passwords.csv", "pw-bob,bob,1002\n")

	a := newAuth(t, &options.Options{TokenAuthFile: tokens, BasicAuthFile: passwords, APIAudiences: []string{"api"}})
	assert.Equal(t, []authn.Challenge{authn.BearerChallenge, authn.BasicChallenge}, a.Challenges)
	assert.Equal(t, []string{"api"}, a.Audiences)
	require.NotNil(t, a.Token)

	resp, ok, err := a.Token.AuthenticateToken(authn.WithAudiences(t.Context(), []string{"api"}), "tok-alice")
	authntest.AssertUser(t, authn.UserInfo{Name: "alice", UID: "1001", Groups: []string{"dev", "system:authenticated"}}, resp, ok, err)
	assert.Equal(t, []string{"api"}, resp.Audiences)

	_, ok, err = a.Token.AuthenticateToken(authn.WithAudiences(t.Context(), []string{"vault"}), "tok-alice")
	assert.False(t, ok, "a token file does not serve audiences the server does not accept")
	require.ErrorIs(t, err, authn.ErrInvalidToken)

	_, ok, err = a.Token.AuthenticateToken(t.Context(), "a b")
	assert.False(t, ok)
	require.ErrorIs(t, err, authn.ErrMalformed)

	basicOnly := newAuth(t, &options.Options{BasicAuthFile: passwords})
	assert.Equal(t, []authn.Challenge{authn.BasicChallenge}, basicOnly.Challenges)
	assert.Nil(t, basicOnly.Token)
}

func TestNewFileErrors(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, "bad.csv", "only-two,columns\n")
	for _, o := range []*options.Options{
		{TokenAuthFile: filepath.Join(t.TempDir(), "missing.csv")},
		{TokenAuthFile: bad},
		{BasicAuthFile: bad},
		{TokenAuthFile: writeFile(t, "ok.csv", "t,u,1\n"), BasicAuthFile: bad}, // the token watcher must be stopped
	} {
		o.Logger = slog.New(slog.DiscardHandler)
		a, err := o.New()
		require.Error(t, err)
		assert.Nil(t, a)
	}
}

// Starting with nothing configured is allowed, as in kube-apiserver, but
// never silent.
func TestNothingConfiguredWarns(t *testing.T) {
	t.Parallel()
	for _, anonymous := range []bool{false, true} {
		var logs strings.Builder
		o := &options.Options{AnonymousAuth: anonymous, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		a, err := o.New()
		require.NoError(t, err)
		require.NoError(t, a.Close())
		assert.Contains(t, logs.String(), "level=WARN")
		assert.Contains(t, logs.String(), "no authenticator is configured")
		if anonymous {
			assert.Contains(t, logs.String(), "every request is anonymous")
		} else {
			assert.Contains(t, logs.String(), "every request will be refused")
		}
	}
	var logs strings.Builder
	a, err := (&options.Options{TokenAuthFile: writeFile(t, "t.csv", "t,u,1\n"), Logger: slog.New(slog.NewTextHandler(&logs, nil))}).New()
	require.NoError(t, err)
	require.NoError(t, a.Close())
	assert.NotContains(t, logs.String(), "no authenticator is configured")
}
