package audience_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authnkit/authnkit/internal/audience"
)

func TestIntersect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b []string
		want []string
	}{
		{name: "a's order, no duplicates", a: []string{"a", "b", "c", "b"}, b: []string{"c", "b"}, want: []string{"b", "c"}},
		{name: "disjoint is nil", a: []string{"a"}, b: []string{"b"}},
		{name: "nil a", b: []string{"b"}},
		{name: "nil b", a: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, audience.Intersect(tt.a, tt.b))
		})
	}
}

func TestImplicit(t *testing.T) {
	t.Parallel()
	implicit := []string{"api", "other"}
	auds, ask := audience.Implicit(nil, implicit)
	assert.True(t, ask, "no accepted audiences: ask as it is")
	assert.Nil(t, auds)
	auds, ask = audience.Implicit([]string{"vault", "api"}, implicit)
	assert.True(t, ask)
	assert.Equal(t, []string{"api"}, auds)
	auds, ask = audience.Implicit([]string{"vault"}, implicit)
	assert.False(t, ask, "another server's audience: no opinion")
	assert.Nil(t, auds)
	_, ask = audience.Implicit([]string{}, implicit)
	assert.False(t, ask, "an empty list matches nothing")
}
