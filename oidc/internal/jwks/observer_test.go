package jwks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// Every fetch that requests the JWKS is reported: its outcome, the keys in
// use after it, and on success the SHA-256 of the body Kubernetes hashes.
func TestObserverKeySetFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, client := newBubbleProvider(t)
		body, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{ecKey(t, "k1"), ecKey(t, "k2")}})
		require.NoError(t, err)
		p.set(func(p *provider) { p.jwksBody, p.cacheControl = body, "max-age=300" })
		rec := authntest.NewRecorder()
		s := newSet(t, p, client, Options{Observer: rec.Observer()})
		_, err = s.Keys(t.Context(), "k1")
		require.NoError(t, err)
		loaded := time.Now()
		sum := sha256.Sum256(body)
		want := authn.KeySetFetchEvent{Issuer: p.url, OK: true, Time: loaded, Keys: 2, KeySetHash: "sha256:" + hex.EncodeToString(sum[:]),
			NextRefresh: loaded.Add(300 * time.Second)} // the response's max-age
		assert.Equal(t, []authn.KeySetFetchEvent{want}, rec.KeySetFetch())

		// The JWKS fails: the previous keys stay, no hash.
		p.set(func(p *provider) { p.jwksStatus, p.statusBody = 500, []byte("oops") })
		time.Sleep(300 * time.Second)
		synctest.Wait()
		events := rec.KeySetFetch()
		require.Len(t, events, 2)
		assert.Equal(t, authn.KeySetFetchEvent{Issuer: p.url, Time: time.Now(), Keys: 2, NextRefresh: s.Health().NextRefresh}, events[1])
		assert.True(t, events[1].NextRefresh.After(events[1].Time), "a retry is scheduled")

		// Discovery fails next (the retry discovers again): no JWKS was
		// requested, so no event, as in Kubernetes.
		p.set(func(p *provider) { p.down = 503 })
		time.Sleep(time.Until(s.Health().NextRefresh))
		synctest.Wait()
		require.Error(t, s.Health().LastError)
		assert.Len(t, rec.KeySetFetch(), 2)

		// Back: the retry's success is reported.
		p.set(func(p *provider) { p.down, p.jwksStatus = 0, 0 })
		time.Sleep(time.Until(s.Health().NextRefresh))
		synctest.Wait()
		events = rec.KeySetFetch()
		require.Len(t, events, 3)
		assert.True(t, events[2].OK)
		assert.Equal(t, want.KeySetHash, events[2].KeySetHash)
	})
}
