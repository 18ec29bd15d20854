package authn_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/union"
)

var alice = authn.UserInfo{Name: "alice", UID: "1001", Groups: []string{"dev"}, Extra: map[string][]string{"scope": {"a", "b"}}}

func aliceTokens() authn.TokenAuthenticator {
	return authntest.Tokens(map[string]authn.UserInfo{"s3cret": alice, "with=base64+/chars": alice})
}

func TestParseBearer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header string
		wantToken    string
		wantFound    bool
		wantErr      error
	}{
		{name: "no header", header: ""},
		{name: "basic scheme", header: "Basic YWxpY2U6cHc="},
		{name: "scheme prefix only", header: "BearerX abc"},
		{name: "canonical", header: "Bearer abc", wantToken: "abc", wantFound: true},
		{name: "lower case scheme", header: "bearer abc", wantToken: "abc", wantFound: true},
		{name: "upper case scheme", header: "BEARER abc", wantToken: "abc", wantFound: true},
		{name: "surrounding spaces", header: "  Bearer   abc \t", wantToken: "abc", wantFound: true},
		{name: "tab separator", header: "Bearer\tabc", wantToken: "abc", wantFound: true},
		{name: "token68 chars", header: "Bearer a-b._~+/c==", wantToken: "a-b._~+/c==", wantFound: true},
		{name: "bare scheme", header: "Bearer", wantErr: authn.ErrMalformed},
		{name: "scheme and spaces", header: "Bearer    ", wantErr: authn.ErrMalformed},
		{name: "two tokens", header: "Bearer abc def", wantErr: authn.ErrMalformed},
		{name: "control char", header: "Bearer ab\x01c", wantErr: authn.ErrMalformed},
		{name: "DEL char", header: "Bearer ab\x7fc", wantErr: authn.ErrMalformed},
		{name: "too long", header: "Bearer " + strings.Repeat("a", authn.MaxTokenBytes+1), wantErr: authn.ErrMalformed},
		{name: "longest allowed", header: "Bearer " + strings.Repeat("a", authn.MaxTokenBytes), wantToken: strings.Repeat("a", authn.MaxTokenBytes), wantFound: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, found, err := authn.ParseBearer(tt.header)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.ErrorIs(t, err, authn.ErrInvalidToken)
				assert.False(t, found)
				assert.Empty(t, tok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantFound, found)
			assert.Equal(t, tt.wantToken, tok)
		})
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	unavailable := &authn.UnavailableError{Err: errors.New("issuer down")}
	tests := []struct {
		name      string
		header    string
		inner     authn.TokenAuthenticator
		wantUser  *authn.UserInfo
		wantErrs  []error
		keepsAuth bool
	}{
		{name: "known token", header: "Bearer s3cret", inner: aliceTokens(), wantUser: &alice},
		{name: "no header is no opinion", header: "", inner: aliceTokens(), keepsAuth: true},
		{name: "basic is no opinion", header: "Basic YTpi", inner: aliceTokens(), keepsAuth: true},
		{name: "unknown token is invalid and unrecognized", header: "Bearer nope", inner: aliceTokens(), wantErrs: []error{authn.ErrInvalidToken, authn.ErrUnrecognized}, keepsAuth: true},
		{name: "empty token is malformed", header: "Bearer ", inner: aliceTokens(), wantErrs: []error{authn.ErrInvalidToken, authn.ErrMalformed}, keepsAuth: true},
		{name: "inner error keeps its kind", header: "Bearer s3cret", inner: authntest.Fail(authn.ErrExpired), wantErrs: []error{authn.ErrInvalidToken, authn.ErrExpired}, keepsAuth: true},
		{name: "unavailable passes through", header: "Bearer s3cret", inner: authntest.Fail(unavailable), wantErrs: []error{authn.ErrUnavailable}, keepsAuth: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := authntest.NewRequest()
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			resp, ok, err := authn.BearerToken(tt.inner).AuthenticateRequest(r)
			authntest.CheckOutcome(t, resp, ok, err)
			switch {
			case tt.wantUser != nil:
				authntest.AssertUser(t, *tt.wantUser, resp, ok, err)
			case tt.wantErrs != nil:
				for _, want := range tt.wantErrs {
					require.ErrorIs(t, err, want)
				}
				assert.Equal(t, errors.Is(err, authn.ErrUnavailable), authn.IsUnavailable(err))
				assert.NotContains(t, err.Error(), "s3cret")
			default:
				require.NoError(t, err)
				require.False(t, ok)
			}
			assert.Equal(t, tt.keepsAuth, r.Header.Get("Authorization") != "" || tt.header == "")
		})
	}
}

// One BearerToken per member: a member that does not know the token must
// not turn another member's outage into a 401, nor hide its success.
func TestBearerTokenPerMemberComposes(t *testing.T) {
	t.Parallel()
	down := &authn.UnavailableError{Err: errors.New("issuer down")}
	apiKeys := authn.BearerToken(authntest.NoOpinion())
	_, _, err := union.New(apiKeys, authn.BearerToken(authntest.Fail(down))).AuthenticateRequest(authntest.NewBearerRequest("t"))
	require.ErrorIs(t, err, authn.ErrUnavailable)
	assert.True(t, authn.IsUnavailable(err), "an outage behind one member stays an outage: %v", err)
	assert.Equal(t, authn.ReasonUnavailable, authn.Reason(err))

	resp, ok, err := union.New(apiKeys, authn.BearerToken(aliceTokens())).AuthenticateRequest(authntest.NewBearerRequest("s3cret"))
	authntest.AssertUser(t, alice, resp, ok, err)

	_, _, err = union.New(apiKeys, authn.BearerToken(aliceTokens())).AuthenticateRequest(authntest.NewBearerRequest("nope"))
	require.ErrorIs(t, err, authn.ErrInvalidToken)
	assert.False(t, authn.IsUnavailable(err))
	assert.Equal(t, authn.ReasonUnrecognized, authn.Reason(err))
}

// An error that already says "invalid bearer token" is not wrapped again.
func TestBearerTokenSaysInvalidOnce(t *testing.T) {
	t.Parallel()
	custom := fmt.Errorf("apikeys: %w: unknown API key", authn.ErrInvalidToken)
	_, _, err := authn.BearerToken(authntest.Fail(custom)).AuthenticateRequest(authntest.NewBearerRequest("k"))
	require.ErrorIs(t, err, authn.ErrInvalidToken)
	assert.Equal(t, 1, strings.Count(err.Error(), "invalid bearer token"), err.Error())
	_, _, err = authn.BearerToken(authntest.Fail(errors.New("apikeys: unknown API key"))).AuthenticateRequest(authntest.NewBearerRequest("k"))
	assert.Equal(t, "authn: invalid bearer token: apikeys: unknown API key", err.Error())
}

func TestBearerTokenKeepCredential(t *testing.T) {
	t.Parallel()
	r := authntest.NewBearerRequest("s3cret")
	resp, ok, err := authn.BearerTokenWith(aliceTokens(), authn.BearerOptions{KeepCredential: true}).AuthenticateRequest(r)
	authntest.AssertUser(t, alice, resp, ok, err)
	assert.Equal(t, "Bearer s3cret", r.Header.Get("Authorization"))
}

func TestBearerTokenPassesContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	var got any
	inner := authn.TokenAuthenticatorFunc(func(ctx context.Context, _ string) (*authn.Response, bool, error) {
		got = ctx.Value(key{})
		return nil, false, nil
	})
	r := authntest.NewBearerRequest("x")
	r = r.WithContext(context.WithValue(r.Context(), key{}, "v"))
	_, _, _ = authn.BearerToken(inner).AuthenticateRequest(r)
	assert.Equal(t, "v", got)
}

func wsProto(token string) string {
	return authn.WebSocketProtocolPrefix + base64.RawURLEncoding.EncodeToString([]byte(token))
}

func TestBearerTokenWebSocket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		upgrade    bool
		protocols  []string
		wantUser   bool
		wantErr    error
		wantRemain string
	}{
		{name: "token and another protocol", upgrade: true, protocols: []string{wsProto("s3cret") + ", v4.channel.k8s.io"}, wantUser: true, wantRemain: "v4.channel.k8s.io"},
		{name: "repeated headers are one list", upgrade: true, protocols: []string{"v4.channel.k8s.io", wsProto("s3cret"), "v5.channel.k8s.io"}, wantUser: true, wantRemain: "v4.channel.k8s.io,v5.channel.k8s.io"},
		{name: "not an upgrade is ignored", protocols: []string{wsProto("s3cret") + ", v4.channel.k8s.io"}},
		{name: "no token protocol is no opinion", upgrade: true, protocols: []string{"v4.channel.k8s.io"}},
		{name: "token alone needs another protocol", upgrade: true, protocols: []string{wsProto("s3cret")}, wantErr: authn.ErrMalformed},
		{name: "two token protocols", upgrade: true, protocols: []string{wsProto("s3cret") + "," + wsProto("s3cret") + ",x"}, wantErr: authn.ErrMalformed},
		{name: "bad base64", upgrade: true, protocols: []string{authn.WebSocketProtocolPrefix + "!!!,x"}, wantErr: authn.ErrMalformed},
		{name: "padded base64 refused", upgrade: true, protocols: []string{authn.WebSocketProtocolPrefix + "YQ==,x"}, wantErr: authn.ErrMalformed},
		{name: "not utf-8", upgrade: true, protocols: []string{authn.WebSocketProtocolPrefix + base64.RawURLEncoding.EncodeToString([]byte{0xff, 0xfe}) + ",x"}, wantErr: authn.ErrMalformed},
		{name: "empty token", upgrade: true, protocols: []string{authn.WebSocketProtocolPrefix + ",x"}, wantErr: authn.ErrMalformed},
		{name: "unknown token", upgrade: true, protocols: []string{wsProto("nope") + ",x"}, wantErr: authn.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := authntest.NewRequest()
			if tt.upgrade {
				r.Header.Set("Connection", "keep-alive, Upgrade")
				r.Header.Set("Upgrade", "websocket")
			}
			for _, p := range tt.protocols {
				r.Header.Add("Sec-WebSocket-Protocol", p)
			}
			resp, ok, err := authn.BearerToken(aliceTokens()).AuthenticateRequest(r)
			authntest.CheckOutcome(t, resp, ok, err)
			switch {
			case tt.wantUser:
				authntest.AssertUser(t, alice, resp, ok, err)
				assert.Equal(t, []string{tt.wantRemain}, r.Header.Values("Sec-WebSocket-Protocol"))
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, tt.protocols, r.Header.Values("Sec-WebSocket-Protocol"), "a failure leaves the header alone")
			default:
				require.NoError(t, err)
				assert.False(t, ok)
			}
		})
	}
}

func TestBearerTokenWebSocketDisabled(t *testing.T) {
	t.Parallel()
	r := authntest.NewRequest()
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Protocol", wsProto("s3cret")+",x")
	resp, ok, err := authn.BearerTokenWith(aliceTokens(), authn.BearerOptions{DisableWebSocket: true}).AuthenticateRequest(r)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Nil(t, resp)
}

func TestBearerTokenHitDoesNotAllocate(t *testing.T) {
	a := authn.BearerTokenWith(aliceTokens(), authn.BearerOptions{KeepCredential: true})
	r := authntest.NewBearerRequest("s3cret")
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok, _ := a.AuthenticateRequest(r); !ok {
			t.Fatal("not authenticated")
		}
	})
	assert.Zero(t, allocs)
}

func TestParseBearerRealHeaderRoundTrip(t *testing.T) {
	t.Parallel()
	// Go's HTTP server hands odd-but-legal header spacing through as sent.
	h := http.Header{}
	h.Set("Authorization", "  bEaReR \t tok ")
	tok, found, err := authn.ParseBearer(h.Get("Authorization"))
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "tok", tok)
}
