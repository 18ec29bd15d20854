package authn_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func TestAudienceAgnostic(t *testing.T) {
	t.Parallel()
	implicit := []string{"https://kubernetes.default.svc", "api"}
	tests := []struct {
		name      string
		ctxAuds   []string // nil: none in context
		wantOK    bool
		wantAuds  []string
		wantCalls int64
	}{
		{name: "no audiences in context", wantOK: true, wantCalls: 1},
		{name: "intersecting", ctxAuds: []string{"api", "other"}, wantOK: true, wantAuds: []string{"api"}, wantCalls: 1},
		{name: "disjoint is no opinion", ctxAuds: []string{"vault"}, wantCalls: 0},
		{name: "empty list is disjoint", ctxAuds: []string{}, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inner := authntest.Succeed(alice)
			ctx := context.Background()
			if tt.ctxAuds != nil {
				ctx = authn.WithAudiences(ctx, tt.ctxAuds)
			}
			resp, ok, err := authn.AudienceAgnostic(implicit, inner).AuthenticateToken(ctx, "t")
			authntest.CheckOutcome(t, resp, ok, err)
			require.NoError(t, err)
			require.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.wantCalls, inner.Calls())
			if ok {
				assert.Equal(t, tt.wantAuds, resp.Audiences)
				assert.Nil(t, inner.Response.Audiences, "the shared inner response is not changed")
			}
			r := authntest.NewRequest().WithContext(ctx)
			resp, ok, err = authn.AudienceAgnosticRequest(implicit, inner).AuthenticateRequest(r)
			require.NoError(t, err)
			require.Equal(t, tt.wantOK, ok)
			if ok {
				assert.Equal(t, tt.wantAuds, resp.Audiences)
			}
		})
	}
}
