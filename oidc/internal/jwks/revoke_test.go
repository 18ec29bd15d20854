package jwks

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/jwssig"
)

// TestEmptyKeySetRevokes: a provider that publishes a JWK Set with no
// usable key revokes the keys it published before, at the next refresh:
// every kid is then unknown (not unavailable), Health reports zero keys,
// and the change is logged at Error once. A failed fetch afterwards keeps
// the empty set; publishing keys again restores them.
func TestEmptyKeySetRevokes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, client := newBubbleProvider(t)
		k1, k2 := ecKey(t, "k1"), ecKey(t, "k2")
		p.setKeys(k1)
		p.set(func(p *provider) { p.cacheControl = "max-age=300" })
		var errs errorLog
		logger, logs := newLogger()
		s := newSet(t, p, client, Options{Logger: logger, OnError: errs.add})
		ctx := t.Context()
		_, err := s.Keys(ctx, "k1")
		require.NoError(t, err)

		p.setKeys([]jose.JSONWebKey{}...) // {"keys":[]}
		time.Sleep(300 * time.Second)
		synctest.Wait()
		require.Equal(t, 2, p.jwksHits())
		for _, kid := range []string{"k1", ""} {
			keys, err := s.Keys(ctx, kid)
			assert.Nil(t, keys)
			require.ErrorIs(t, err, authn.ErrUnknownKey, "kid %q", kid)
			assert.False(t, authn.IsUnavailable(err))
			assert.ErrorIs(t, err, errNoUsableKey)
			assert.Contains(t, err.Error(), "jwks: issuer "+p.url+`: kid "`+kid+`": authn: unknown signing key: the issuer publishes no usable signing key`)
		}
		h := s.Health()
		assert.True(t, h.Ready)
		assert.Zero(t, h.Keys)
		assert.NoError(t, h.LastError)
		assertTimes(t, []time.Time{time.Now()}, []time.Time{h.LastRefresh})
		assert.Empty(t, errs.all(), "not a failed fetch")
		assert.Equal(t, 1, strings.Count(logs.String(), "level=ERROR"))
		assert.Contains(t, logs.String(), `level=ERROR msg="issuer publishes no usable signing key: every token of this issuer is refused until it publishes one" issuer=`+p.url+` jwks_uri=`+p.url+`/keys`)

		// Still empty at the next refresh: not logged again.
		time.Sleep(300 * time.Second)
		synctest.Wait()
		require.Equal(t, 3, p.jwksHits())
		assert.Equal(t, 1, strings.Count(logs.String(), "level=ERROR"))

		// A failed fetch keeps the empty set: nothing verifies; a kid
		// might exist upstream, so it is unavailable.
		p.set(func(p *provider) { p.jwksStatus = 500 })
		time.Sleep(300 * time.Second)
		synctest.Wait()
		require.Error(t, s.Health().LastError)
		assert.Zero(t, s.Health().Keys)
		_, err = s.Keys(ctx, "k1")
		require.ErrorIs(t, err, authn.ErrUnavailable)

		// Keys published again come back with the next successful fetch.
		p.set(func(p *provider) { p.jwksStatus = 0 })
		p.setKeys(k2)
		time.Sleep(DefaultMaxBackoff)
		synctest.Wait()
		got, err := s.Keys(ctx, "k2")
		require.NoError(t, err)
		assert.Equal(t, []string{"k2"}, kids(got))
		_, err = s.Keys(ctx, "k1")
		require.ErrorIs(t, err, authn.ErrUnknownKey)
		assert.NotErrorIs(t, err, errNoUsableKey)
		assert.Equal(t, 1, s.Health().Keys)
		assert.Contains(t, logs.String(), `msg="keys loaded" issuer=`+p.url+` keys=1 kids=[k2]`)

		// Emptied again: logged again.
		p.setKeys([]jose.JSONWebKey{}...) // {"keys":[]}
		time.Sleep(300 * time.Second)
		synctest.Wait()
		assert.Equal(t, 2, strings.Count(logs.String(), "level=ERROR"))
	})
}

// TestNoUsableKey: each way a well-formed JWK Set can hold no usable key
// empties the loaded set, and a kid that was loaded stops verifying.
func TestNoUsableKey(t *testing.T) {
	rs256, err := jwssig.Lookup("RS256")
	require.NoError(t, err)
	es256, err := jwssig.Lookup("ES256")
	require.NoError(t, err)
	rawKey := func(t *testing.T, k jose.JSONWebKey, set map[string]any) json.RawMessage {
		b, err := json.Marshal(k)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		for name, v := range set {
			m[name] = v
		}
		b, err = json.Marshal(m)
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name    string
		algs    []jwssig.Alg
		keys    func(t *testing.T) []json.RawMessage
		skipped string // in the Error line, when the key is reported
	}{
		{name: "no keys", keys: func(*testing.T) []json.RawMessage { return nil }},
		{name: "unknown kty", skipped: "unsupported key type",
			keys: func(t *testing.T) []json.RawMessage {
				return []json.RawMessage{rawKey(t, ecKey(t, "k1"), map[string]any{"kty": "XYZ"})}
			}},
		{name: "use enc", keys: func(t *testing.T) []json.RawMessage {
			return []json.RawMessage{rawKey(t, ecKey(t, "k1"), map[string]any{"use": "enc"})}
		}},
		{name: "symmetric key", skipped: "symmetric key",
			keys: func(t *testing.T) []json.RawMessage {
				return []json.RawMessage{json.RawMessage(`{"kty":"oct","kid":"k1","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}`)}
			}},
		{name: "unsupported alg", algs: []jwssig.Alg{rs256, es256}, skipped: `no allowed algorithm fits a *ecdsa.PublicKey with alg \"ES257\"`,
			keys: func(t *testing.T) []json.RawMessage {
				return []json.RawMessage{rawKey(t, ecKey(t, "k1"), map[string]any{"alg": "ES257"})}
			}},
		{name: "alg not allowed", algs: []jwssig.Alg{rs256}, skipped: "no allowed algorithm fits",
			keys: func(t *testing.T) []json.RawMessage { return []json.RawMessage{rawKey(t, ecKey(t, "k1"), nil)} }},
		{name: "alg of another key type", algs: []jwssig.Alg{rs256, es256}, skipped: "no allowed algorithm fits",
			keys: func(t *testing.T) []json.RawMessage {
				return []json.RawMessage{rawKey(t, ecKey(t, "k1"), map[string]any{"alg": "RS256"})}
			}},
		{name: "no allowed algorithm fits the key type", algs: []jwssig.Alg{rs256}, skipped: "no allowed algorithm fits",
			keys: func(t *testing.T) []json.RawMessage {
				return []json.RawMessage{rawKey(t, ecKey(t, "k1"), map[string]any{"alg": nil})}
			}},
		{name: "bad key material", skipped: "JWK 0",
			keys: func(t *testing.T) []json.RawMessage {
				return []json.RawMessage{rawKey(t, ecKey(t, "k1"), map[string]any{"x": "AAAA"})}
			}},
		{name: "several unusable keys", algs: []jwssig.Alg{rs256}, skipped: "symmetric key",
			keys: func(t *testing.T) []json.RawMessage {
				return []json.RawMessage{
					rawKey(t, ecKey(t, "k1"), map[string]any{"use": "enc"}),
					json.RawMessage(`{"kty":"oct","kid":"k2","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}`),
					rawKey(t, ecKey(t, "k3"), nil),
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, client := newBubbleProvider(t)
				good := rsaKey(t, "k1")
				if len(tt.algs) == 0 || tt.algs[0] != rs256 {
					good = ecKey(t, "k1")
				}
				p.setKeys(good)
				p.set(func(p *provider) { p.cacheControl = "max-age=60" })
				logger, logs := newLogger()
				s := newSet(t, p, client, Options{Algorithms: tt.algs, Logger: logger})
				ctx := t.Context()
				_, err := s.Keys(ctx, "k1")
				require.NoError(t, err)

				body, err := json.Marshal(map[string]any{"keys": append([]json.RawMessage{}, tt.keys(t)...)})
				require.NoError(t, err)
				p.set(func(p *provider) { p.jwksBody = body })
				time.Sleep(time.Minute)
				synctest.Wait()
				require.Equal(t, 2, p.jwksHits())

				_, err = s.Keys(ctx, "k1")
				require.ErrorIs(t, err, authn.ErrUnknownKey)
				require.True(t, errors.Is(err, errNoUsableKey), err.Error())
				assert.False(t, authn.IsUnavailable(err))
				h := s.Health()
				assert.True(t, h.Ready)
				assert.Zero(t, h.Keys)
				assert.NoError(t, h.LastError)
				out := logs.String()
				assert.Contains(t, out, `level=ERROR msg="issuer publishes no usable signing key`)
				assert.Contains(t, out, tt.skipped)
			})
		})
	}
}

// TestUsableAlgorithms: keys no allowed algorithm can use are left out of
// a set that still has others, and counted out of Health.
func TestUsableAlgorithms(t *testing.T) {
	t.Parallel()
	rs256, err := jwssig.Lookup("RS256")
	require.NoError(t, err)
	p, client := newTLSProvider(t)
	noAlg := rsaKey(t, "rsa-any")
	noAlg.Algorithm = ""
	p.setKeys(rsaKey(t, "rsa"), ecKey(t, "ec"), noAlg, edKey(t, "ed"))
	logger, logs := newLogger()
	s := newSet(t, p, client, Options{Algorithms: []jwssig.Alg{rs256}, Logger: logger})
	all, err := s.Keys(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"rsa", "rsa-any"}, kids(all))
	assert.Equal(t, 2, s.Health().Keys)
	_, err = s.Keys(t.Context(), "ec")
	require.ErrorIs(t, err, authn.ErrUnknownKey)
	assert.NotErrorIs(t, err, errNoUsableKey)
	assert.Contains(t, logs.String(), `level=WARN msg="keys skipped"`)
	assert.Contains(t, logs.String(), `kid \"ec\"`)
	assert.Contains(t, logs.String(), `kid \"ed\"`)
}

// FuzzParse feeds arbitrary JWKS bodies to the parser: it never panics; a
// body it accepts is a JWK Set whose kept keys an allowed algorithm can
// use; a body it refuses is not a JWK Set.
func FuzzParse(f *testing.F) {
	rs256, err := jwssig.Lookup("RS256")
	require.NoError(f, err)
	es256, err := jwssig.Lookup("ES256")
	require.NoError(f, err)
	s := &Set{algs: []jwssig.Alg{rs256, es256}}
	for _, k := range []jose.JSONWebKey{rsaKey(f, "r"), ecKey(f, "e"), edKey(f, "d")} {
		b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}})
		require.NoError(f, err)
		f.Add(b)
		b, err = json.Marshal(k)
		require.NoError(f, err)
		f.Add(b) // a single JWK
	}
	for _, seed := range []string{`{"keys":[]}`, `{"keys":null}`, `{}`, `[]`, `{"keys":[{"kty":"XYZ"}]}`,
		`{"keys":[{"kty":"oct","k":"AAAA"}]}`, `{"keys":[{"kty":"EC","use":"enc"}]}`, `{"keys":{}}`, `{"KEYS":[]}`, `null`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, skipped, err := s.parse(body)
		if err != nil {
			if isKeySet(body) {
				t.Fatalf("a JWK Set refused: %v", err)
			}
			if keys != nil || skipped != nil {
				t.Fatalf("keys or skipped with an error")
			}
			return
		}
		for _, k := range keys {
			if !slices.ContainsFunc(s.algs, func(a jwssig.Alg) bool { return (k.Alg == "" || k.Alg == a.String()) && a.Fits(k.Public) }) {
				t.Fatalf("kept a key no algorithm can use: %T alg %q", k.Public, k.Alg)
			}
		}
		if len(keys) == 0 && !isKeySet(body) {
			t.Fatalf("an empty set from a body that is not a JWK Set")
		}
	})
}
