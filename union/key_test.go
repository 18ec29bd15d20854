package union

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestHasher(t testing.TB, key []byte) *hasher {
	t.Helper()
	h, err := newHasher(key)
	require.NoError(t, err)
	return h
}

// referenceKey is the documented cache key, computed with crypto/hmac.
func referenceKey(key []byte, auds []string, token string) [sha256.Size]byte {
	var msg []byte
	n := uint64(len(auds))
	if auds == nil {
		n = 1<<64 - 1
	}
	msg = binary.BigEndian.AppendUint64(msg, n)
	for _, a := range auds {
		msg = binary.BigEndian.AppendUint64(msg, uint64(len(a)))
		msg = append(msg, a...)
	}
	for len(msg)%sha256.BlockSize != 0 {
		msg = append(msg, 0)
	}
	msg = binary.BigEndian.AppendUint64(msg, uint64(len(token)))
	msg = append(msg, token...)
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	var out [sha256.Size]byte
	copy(out[:], m.Sum(nil))
	return out
}

type keyCase struct {
	name  string
	auds  []string
	token string
}

func keyCases() []keyCase {
	long := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 80) // 2880 bytes
	cases := []keyCase{
		{name: "empty token, no audiences"},
		{name: "empty token, empty audience list", auds: []string{}},
		{name: "empty audience list", auds: []string{}, token: "s3cret"},
		{name: "short token", token: "s3cret"},
		{name: "600-byte token", token: long[:600]},
		{name: "token longer than the buffer", token: long},
		{name: "audiences", auds: []string{"https://kubernetes.default.svc", "api"}, token: long[:600]},
		{name: "empty audience", auds: []string{""}, token: "t"},
		{name: "two empty audiences", auds: []string{"", ""}, token: "t"},
		{name: "many audiences", auds: strings.Split(long[:700], "x"), token: long[:300]},
		{name: "audience longer than the buffer", auds: []string{long[:1000], "b"}, token: "t"},
	}
	// Sizes around block and buffer edges.
	for _, n := range []int{39, 40, 47, 48, 55, 56, 63, 64, 65, 239, 240, 247, 248, 255, 256, 257, 1007, 1008, 1015, 1016, 1017, 1024, 1025} {
		cases = append(cases,
			keyCase{name: "audience edge", auds: []string{long[:n]}, token: long[:n]},
			keyCase{name: "token edge", token: long[:n]},
		)
	}
	return cases
}

func TestKeyMatchesHMAC(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xa5}, 32)
	cold := newTestHasher(t, key) // computes every audience state in full
	warm := newTestHasher(t, key) // remembers audience states
	for _, tc := range keyCases() {
		want := referenceKey(key, tc.auds, tc.token)
		assert.Equal(t, want, cold.key(tc.auds, tc.token), "%s, in full: %d audiences, token of %d bytes", tc.name, len(tc.auds), len(tc.token))
		require.NoError(t, warm.remember(tc.auds))
		assert.Equal(t, want, warm.key(tc.auds, tc.token), "%s, remembered: %d audiences, token of %d bytes", tc.name, len(tc.auds), len(tc.token))
	}
}

func TestKeyMemoIsBounded(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, []byte("k"))
	assert.True(t, h.known(nil), "no audiences are remembered from the start")
	assert.False(t, h.known([]string{}), "an empty audience list is not nil")
	for i := range 2 * audienceMemo {
		require.NoError(t, h.remember([]string{strings.Repeat("a", i+1)}))
	}
	for i := range 2 * audienceMemo {
		auds := []string{strings.Repeat("a", i+1)}
		assert.Equal(t, i < audienceMemo-1, h.known(auds), "audience set %d", i)
		assert.Equal(t, referenceKey([]byte("k"), auds, "t"), h.key(auds, "t"), "audience set %d", i)
	}
}

func TestKeyIsUnambiguous(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, []byte("k"))
	inputs := []keyCase{
		{token: "ab"},
		{auds: []string{"a"}, token: "b"},
		{auds: []string{"ab"}},
		{auds: []string{"a", "b"}},
		{auds: []string{""}, token: "ab"},
		{auds: []string{"", ""}, token: "ab"},
		{auds: []string{}, token: "ab"},
		{token: "a\x00\x00\x00\x00\x00\x00\x00\x01b"},
		{auds: []string{"a\x00\x00\x00\x00\x00\x00\x00\x01b"}},
	}
	seen := map[[sha256.Size]byte]int{}
	for i, in := range inputs {
		k := h.key(in.auds, in.token)
		if j, dup := seen[k]; dup {
			t.Errorf("inputs %d and %d share a key", j, i)
		}
		seen[k] = i
	}
	assert.NotEqual(t, h.key(nil, "t"), h.key([]string{}, "t"), "no audiences (any token) and an empty list (no token matches) differ")
}

func TestKeyDependsOnCacheKey(t *testing.T) {
	t.Parallel()
	a, b := newTestHasher(t, []byte("one")), newTestHasher(t, []byte("two"))
	assert.NotEqual(t, a.key(nil, "t"), b.key(nil, "t"))

	c1, err := NewCache(noopToken{}, CacheOptions{})
	require.NoError(t, err)
	c2, err := NewCache(noopToken{}, CacheOptions{})
	require.NoError(t, err)
	assert.NotEqual(t, c1.keys.key(nil, "t"), c2.keys.key(nil, "t"), "each Cache draws its own random key")
}

func TestKeyDoesNotAllocate(t *testing.T) {
	h := newTestHasher(t, []byte("k"))
	token := strings.Repeat("x", 600)
	remembered := []string{"api", "https://kubernetes.default.svc"}
	require.NoError(t, h.remember(remembered))
	for _, auds := range [][]string{nil, remembered, {"not remembered"}, {strings.Repeat("long audience ", 100)}} {
		var sink [sha256.Size]byte
		allocs := testing.AllocsPerRun(100, func() { sink = h.key(auds, token) })
		assert.Zero(t, allocs, "%d audiences", len(auds))
		_ = sink
	}
}

// TestCacheHoldsNoToken pins the map's key type: a digest, never a string.
func TestCacheHoldsNoToken(t *testing.T) {
	t.Parallel()
	c, err := NewCache(noopToken{}, CacheOptions{})
	require.NoError(t, err)
	var entries map[[sha256.Size]byte]entry = c.entries // compile-time check
	require.NotNil(t, entries)
}
