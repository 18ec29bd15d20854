package oidc_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/oidc"
	"github.com/authnkit/authnkit/oidc/oidctest"
)

// maxAllocs is DESIGN.md's budget for an uncached JWT verification.
const maxAllocs = 40

// TestVerifyAllocations pins the allocation budget of a verification with
// claim mappings (no expressions), for RSA and ECDSA.
func TestVerifyAllocations(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			p := newProvider(t, oidctest.Options{Algorithm: alg})
			a := newAuthenticator(t, []authconfig.JWT{jwtFor(p)}, oidc.Options{SigningAlgorithms: []string{alg}})
			tok := p.Sign(claims(p, "alice", map[string]any{"groups": []string{"dev", "ops"}, "exp": time.Now().Add(time.Hour).Unix()}))
			ctx := t.Context()
			_, ok, err := a.AuthenticateToken(ctx, tok)
			require.NoError(t, err)
			require.True(t, ok)
			n := testing.AllocsPerRun(50, func() { _, _, _ = a.AuthenticateToken(ctx, tok) })
			require.LessOrEqual(t, n, float64(maxAllocs))
			t.Logf("%s: %.0f allocations", alg, n)
		})
	}
}
