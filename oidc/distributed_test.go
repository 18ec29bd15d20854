package oidc_test

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

func TestDistributedGroups(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{})
	stranger := newProvider(t, oidctest.Options{IssuerPath: "/stranger"})
	var gotAuth atomic.Value
	p.HandleFunc("/claims/ok", func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(p.Sign(claims(p, "alice", map[string]any{"groups": []string{"team-a", "team-b"}}))))
	})
	p.HandleFunc("/claims/nogroups", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(p.Sign(claims(p, "alice", nil))))
	})
	p.HandleFunc("/claims/stranger", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(stranger.Sign(claims(stranger, "alice", map[string]any{"groups": []string{"x"}}))))
	})
	p.HandleFunc("/claims/wrongaud", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(p.Sign(claims(p, "alice", map[string]any{"aud": "other", "groups": []string{"x"}}))))
	})
	for _, status := range []int{http.StatusIMUsed, http.StatusIMUsed + 1} {
		p.HandleFunc("/claims/status"+strconv.Itoa(status), func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(p.Sign(claims(p, "alice", map[string]any{"groups": []string{"g"}}))))
		})
	}
	p.HandleFunc("/claims/fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	})
	a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{})

	distributed := func(endpoint string) map[string]any {
		return map[string]any{
			"_claim_names":   map[string]any{"groups": "src1"},
			"_claim_sources": map[string]any{"src1": map[string]any{"endpoint": endpoint, "access_token": "at-123"}},
		}
	}
	tests := []struct {
		name       string
		extra      map[string]any
		wantGroups []string
		wantErr    error
	}{
		{name: "resolved", extra: distributed(p.URL() + "/claims/ok"), wantGroups: []string{"oidc:team-a", "oidc:team-b"}},
		{name: "a groups claim in the token wins", extra: func() map[string]any {
			m := distributed(p.URL() + "/claims/fail")
			m["groups"] = []string{"inline"}
			return m
		}(), wantGroups: []string{"oidc:inline"}},
		{name: "aggregated claims are not resolved", extra: map[string]any{
			"_claim_names":   map[string]any{"groups": "src1"},
			"_claim_sources": map[string]any{"src1": map[string]any{"JWT": "a.b.c"}},
		}},
		{name: "claim of another name", extra: map[string]any{
			"_claim_names":   map[string]any{"roles": "src1"},
			"_claim_sources": map[string]any{"src1": map[string]any{"endpoint": p.URL() + "/claims/fail"}},
		}},
		{name: "answer without the claim", extra: distributed(p.URL() + "/claims/nogroups"), wantErr: oidc.ErrMissingClaim},
		{name: "answer from an issuer nobody configured", extra: distributed(p.URL() + "/claims/stranger"), wantErr: authn.ErrWrongIssuer},
		{name: "answer for another audience", extra: distributed(p.URL() + "/claims/wrongaud"), wantErr: authn.ErrWrongAudience},
		{name: "endpoint failing", extra: distributed(p.URL() + "/claims/fail"), wantErr: authn.ErrUnavailable},
		{name: "status 226 is success, as in Kubernetes", extra: distributed(p.URL() + "/claims/status226"), wantGroups: []string{"oidc:g"}},
		{name: "status 227 is a failure, as in Kubernetes", extra: distributed(p.URL() + "/claims/status227"), wantErr: authn.ErrUnavailable},
		{name: "plain http endpoint", extra: distributed("http://127.0.0.1:1/claims"), wantErr: authn.ErrMalformed},
		{name: "source missing", extra: map[string]any{"_claim_names": map[string]any{"groups": "src9"}, "_claim_sources": map[string]any{}}, wantErr: authn.ErrMalformed},
		{name: "names not an object", extra: map[string]any{"_claim_names": "groups"}, wantErr: authn.ErrMalformed},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				resp, ok, err := authenticate(t, a, p.Sign(claims(p, "alice", tt.extra)))
				if tt.wantErr != nil {
					require.ErrorIs(t, err, tt.wantErr)
					require.False(t, ok)
					assert.NotContains(t, err.Error(), "at-123", "the access token is never quoted")
					return
				}
				require.NoError(t, err)
				require.True(t, ok)
				assert.Equal(t, tt.wantGroups, resp.User.Groups)
			})
		}
	})
	assert.Equal(t, "Bearer at-123", gotAuth.Load())
}
