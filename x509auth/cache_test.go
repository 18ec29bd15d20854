package x509auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
)

func TestCacheHitSkipsVerify(t *testing.T) {
	ca := authntest.NewCA()
	inter := ca.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "intermediate"}})
	v := newStatic(t, ca, VerifyOptions{})
	leafOnly := ca.IssueClient("a")
	chained := inter.IssueClient("b")
	for i := range 5 {
		c1, e1, err := v.Verify(peersOf(leafOnly))
		require.NoError(t, err)
		c2, e2, err := v.Verify(peersOf(chained))
		require.NoError(t, err)
		assert.Equal(t, uint64(2), v.verifications.Load(), "round %d", i)
		assert.Equal(t, earliest(c1[0]), e1)
		assert.Equal(t, earliest(c2[0]), e2)
	}
	// The same leaf with another intermediate list is another chain.
	_, _, err := v.Verify([]*x509.Certificate{chained.Certificate, inter.Certificate, ca.Certificate})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), v.verifications.Load())
	// Failures are not cached.
	stranger := authntest.NewCA().IssueClient("c")
	for range 3 {
		_, _, err := v.Verify(peersOf(stranger))
		require.ErrorIs(t, err, ErrUnknownAuthority)
	}
	assert.Equal(t, uint64(6), v.verifications.Load())

	allocs := testing.AllocsPerRun(100, func() { _, _, _ = v.Verify(peersOf(chained)) })
	assert.Zero(t, allocs-testing.AllocsPerRun(100, func() { _ = peersOf(chained) }), "a hit does not allocate")
}

// TestCacheExpiry runs in a synctest bubble: the entry is used up to the
// chain's earliest NotAfter and not a moment longer.
func TestCacheExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		ca := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "root"}, NotAfter: start.Add(48 * time.Hour)})
		inter := ca.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "intermediate"}, NotAfter: start.Add(time.Hour)})
		c := inter.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "jane"}, NotAfter: start.Add(24 * time.Hour)})
		v, err := NewVerifier(VerifyOptions{ClientCA: ca.Pool()})
		require.NoError(t, err)
		defer v.Close()
		a := NewWithVerifier(v, nil)

		resp, ok, err := a.AuthenticateRequest(c.NewRequest())
		authntest.AssertUser(t, authn.UserInfo{Name: "jane", Extra: credentialID(c.Certificate)}, resp, ok, err)
		assert.Equal(t, inter.Certificate.NotAfter, resp.Expiry, "the intermediate expires first")

		time.Sleep(time.Hour) // exactly NotAfter: still valid, as for crypto/x509
		_, ok, err = a.AuthenticateRequest(c.NewRequest())
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, uint64(1), v.verifications.Load(), "served from the cache")

		time.Sleep(time.Second)
		_, _, err = a.AuthenticateRequest(c.NewRequest())
		require.ErrorIs(t, err, authn.ErrExpired)
		ee, isExp := errors.AsType[*authn.ExpiredError](err)
		require.True(t, isExp)
		assert.Equal(t, inter.Certificate.NotAfter, ee.Expiry)
		assert.Equal(t, uint64(2), v.verifications.Load(), "verified again, not served")
	})
}

func TestCacheBound(t *testing.T) {
	ca := authntest.NewCA()
	v := newStatic(t, ca, VerifyOptions{CacheSize: 4})
	var last *authntest.Cert
	for i := range 20 {
		last = ca.IssueClient(fmt.Sprint("user-", i))
		_, _, err := v.Verify(peersOf(last))
		require.NoError(t, err)
		require.LessOrEqual(t, v.cache.len(), 4)
	}
	n := v.verifications.Load()
	_, _, err := v.Verify(peersOf(last))
	require.NoError(t, err)
	assert.Equal(t, n, v.verifications.Load(), "the newest entry is kept")
}

func TestCacheEvictsStaleFirst(t *testing.T) {
	now := time.Now()
	c := newChainCache(3)
	fresh := &entry{gen: 2, expiry: now.Add(time.Hour)}
	c.put(chainKey{1}, &entry{gen: 2, expiry: now.Add(-time.Second)}, now) // expired
	c.put(chainKey{2}, fresh, now)
	c.put(chainKey{3}, &entry{gen: 1, expiry: now.Add(time.Hour)}, now) // old generation
	c.put(chainKey{4}, &entry{gen: 2, expiry: now.Add(time.Hour)}, now)
	assert.Equal(t, 2, c.len(), "both stale entries dropped to make room")
	assert.Same(t, fresh, c.get(chainKey{2}, 2, now))
	assert.Nil(t, c.get(chainKey{2}, 3, now), "another generation misses")
	assert.Nil(t, c.get(chainKey{2}, 2, now.Add(2*time.Hour)), "an expired entry misses")
}

func TestCacheLongChainsNotCached(t *testing.T) {
	ca := authntest.NewCA()
	issuer := ca
	for i := range maxCachedPeers {
		issuer = issuer.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: fmt.Sprint("level ", i)}})
	}
	c := issuer.IssueClient("deep")
	require.Len(t, peersOf(c), maxCachedPeers+1)
	v := newStatic(t, ca, VerifyOptions{})
	for range 2 {
		chains, _, err := v.Verify(peersOf(c))
		require.NoError(t, err)
		require.Len(t, chains[0], maxCachedPeers+2)
	}
	assert.Equal(t, uint64(2), v.verifications.Load())
	assert.Zero(t, v.cache.len())
}

// TestCAReloadInvalidatesCache: after the bundle changes, a chain is
// verified again even when it still verifies.
func TestCAReloadInvalidatesCache(t *testing.T) {
	caA, caB := authntest.NewCA(), authntest.NewCA()
	path := writeFile(t, t.TempDir(), "ca.crt", caA.CertPEM)
	ev := reloadtest.NewEvents()
	v, err := NewVerifier(VerifyOptions{ClientCAFile: path, Interval: -1, OnReload: ev.OnReload, OnError: ev.OnError})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, v.Close()) })
	alice := caA.IssueClient("alice")
	for range 3 {
		_, _, err := v.Verify(peersOf(alice))
		require.NoError(t, err)
	}
	require.Equal(t, uint64(1), v.verifications.Load())
	gen := v.bundle().gen

	reloadtest.Replace(t, path, string(caA.CertPEM)+string(caB.CertPEM))
	ev.WaitReload(t)
	assert.Greater(t, v.bundle().gen, gen)
	assert.Zero(t, v.cache.len(), "cleared")
	_, _, err = v.Verify(peersOf(alice))
	require.NoError(t, err)
	assert.Equal(t, uint64(2), v.verifications.Load(), "verified again against the new bundle")
}
