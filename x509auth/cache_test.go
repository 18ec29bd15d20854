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
	allocs := testing.AllocsPerRun(100, func() { _, _, _ = v.Verify(peersOf(chained)) })
	assert.Zero(t, allocs-testing.AllocsPerRun(100, func() { _ = peersOf(chained) }), "a hit does not allocate")
}

// TestFailureCached: a chain that failed is not verified again while the
// failure is remembered; the same error answers, without allocating.
func TestFailureCached(t *testing.T) {
	ca := authntest.NewCA()
	v := newStatic(t, ca, VerifyOptions{})
	stranger := authntest.NewCA().IssueClient("mallory")
	_, _, first := v.Verify(peersOf(stranger))
	require.ErrorIs(t, first, ErrUnknownAuthority)
	for range 3 {
		_, _, err := v.Verify(peersOf(stranger))
		assert.Same(t, first, err)
	}
	assert.Equal(t, uint64(1), v.verifications.Load())
	allocs := testing.AllocsPerRun(100, func() {
		_, _, err := v.Verify(peersOf(stranger))
		if !errors.Is(err, ErrUnknownAuthority) {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs-testing.AllocsPerRun(100, func() { _ = peersOf(stranger) }), "a remembered failure, matched with errors.Is, does not allocate")
	assert.Equal(t, uint64(1), v.verifications.Load())

	// The whole presented chain is the key: the same leaf with another
	// intermediate list is another chain.
	_, _, err := v.Verify([]*x509.Certificate{stranger.Certificate, ca.Certificate})
	require.ErrorIs(t, err, ErrUnknownAuthority)
	assert.Equal(t, uint64(2), v.verifications.Load())
	assert.Equal(t, 2, v.failed.len())
	assert.Zero(t, v.cache.len(), "failures do not take room from verified chains")
}

// TestFailureExpiry runs in a synctest bubble: a failure is remembered for
// failureTTL, and a certificate that is not valid yet is verified again
// as soon as it becomes valid.
func TestFailureExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		ca := authntest.NewCAWith(authntest.CertOptions{Subject: pkix.Name{CommonName: "root"}, NotBefore: start.Add(-time.Hour), NotAfter: start.Add(48 * time.Hour)})
		v, err := NewVerifier(VerifyOptions{ClientCA: ca.Pool()})
		require.NoError(t, err)
		defer v.Close()
		soon := ca.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "soon"}, NotBefore: start.Add(3 * time.Second), NotAfter: start.Add(24 * time.Hour)})
		stranger := authntest.NewCA().IssueClient("mallory")

		_, _, err = v.Verify(peersOf(soon))
		require.ErrorIs(t, err, authn.ErrNotYetValid)
		_, _, err = v.Verify(peersOf(stranger))
		require.ErrorIs(t, err, ErrUnknownAuthority)
		require.Equal(t, uint64(2), v.verifications.Load())

		time.Sleep(3*time.Second - time.Nanosecond)
		_, _, err = v.Verify(peersOf(soon))
		require.ErrorIs(t, err, authn.ErrNotYetValid)
		assert.Equal(t, uint64(2), v.verifications.Load(), "remembered until just before NotBefore")
		time.Sleep(time.Nanosecond) // exactly NotBefore: valid, as for crypto/x509
		_, _, err = v.Verify(peersOf(soon))
		require.NoError(t, err)
		assert.Equal(t, uint64(3), v.verifications.Load())

		time.Sleep(failureTTL - 3*time.Second)
		_, _, err = v.Verify(peersOf(stranger))
		require.ErrorIs(t, err, ErrUnknownAuthority)
		assert.Equal(t, uint64(3), v.verifications.Load(), "remembered for failureTTL")
		time.Sleep(time.Nanosecond)
		_, _, err = v.Verify(peersOf(stranger))
		require.ErrorIs(t, err, ErrUnknownAuthority)
		assert.Equal(t, uint64(4), v.verifications.Load(), "verified again after failureTTL")
	})
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
	c := newChainCache[*entry](3)
	fresh := &entry{gen: 2, expiry: now.Add(time.Hour)}
	c.put(chainKey{1}, &entry{gen: 2, expiry: now.Add(-time.Second)}, now, 2) // expired
	c.put(chainKey{2}, fresh, now, 2)
	c.put(chainKey{3}, &entry{gen: 1, expiry: now.Add(time.Hour)}, now, 2) // old generation
	c.put(chainKey{4}, &entry{gen: 2, expiry: now.Add(time.Hour)}, now, 2)
	assert.Equal(t, 2, c.len(), "both stale entries dropped to make room")
	got, ok := c.get(chainKey{2}, 2, now)
	assert.True(t, ok)
	assert.Same(t, fresh, got)
	_, ok = c.get(chainKey{2}, 3, now)
	assert.False(t, ok, "another generation misses")
	_, ok = c.get(chainKey{2}, 2, now.Add(2*time.Hour))
	assert.False(t, ok, "an expired entry misses")
}

// deepChain returns a client certificate under n intermediates of ca.
func deepChain(ca *authntest.CA, n int) *authntest.Cert {
	issuer := ca
	for i := range n {
		issuer = issuer.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: fmt.Sprint("level ", i)}})
	}
	return issuer.IssueClient("deep")
}

// TestChainLengthLimit: a chain longer than MaxIntermediates allows is
// refused before anything is verified or hashed; every chain within the
// limit, up to the largest limit, is verified once and cached.
func TestChainLengthLimit(t *testing.T) {
	ca := authntest.NewCA()
	tests := []struct {
		name     string
		max      int
		cert     *authntest.Cert
		wantSent int // > 0: refused, naming this count
	}{
		{name: "default: four intermediates", cert: deepChain(ca, DefaultMaxIntermediates)},
		{name: "default: five intermediates", cert: deepChain(ca, DefaultMaxIntermediates+1), wantSent: DefaultMaxIntermediates + 2},
		{name: "negative: the leaf alone", max: -1, cert: ca.IssueClient("leaf")},
		{name: "negative: one intermediate", max: -1, cert: deepChain(ca, 1), wantSent: 2},
		{name: "one", max: 1, cert: deepChain(ca, 1)},
		{name: "largest limit", max: maxIntermediatesLimit, cert: deepChain(ca, maxIntermediatesLimit)},
		{name: "beyond the largest limit", max: maxIntermediatesLimit, cert: deepChain(ca, maxIntermediatesLimit+1), wantSent: maxIntermediatesLimit + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newStatic(t, ca, VerifyOptions{MaxIntermediates: tt.max})
			for range 2 {
				chains, _, err := v.Verify(peersOf(tt.cert))
				if tt.wantSent > 0 {
					require.ErrorIs(t, err, ErrInvalidCertificate)
					ce, ok := errors.AsType[*CertificateError](err)
					require.True(t, ok)
					assert.Same(t, tt.cert.Certificate, ce.Certificate)
					assert.Contains(t, err.Error(), fmt.Sprintf("sent %d certificates, more than the limit of %d", tt.wantSent, tt.wantSent-1))
					continue
				}
				require.NoError(t, err)
				require.Len(t, chains[0], len(peersOf(tt.cert))+1)
			}
			if tt.wantSent > 0 {
				assert.Zero(t, v.verifications.Load(), "refused before verifying")
				assert.Zero(t, v.failed.len(), "nothing to remember: refusing costs less than a lookup")
			} else {
				assert.Equal(t, uint64(1), v.verifications.Load(), "verified once, then cached")
			}
		})
	}
	_, err := NewVerifier(VerifyOptions{ClientCA: ca.Pool(), MaxIntermediates: maxIntermediatesLimit + 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MaxIntermediates")
}

// TestReloadInvalidatesCache: after the bundle changes, a chain is
// verified again even when it still verifies, and a chain that failed is
// verified again too; a CRL or deny-list reload forgets failures.
func TestReloadInvalidatesCache(t *testing.T) {
	caA, caB := authntest.NewCA(), authntest.NewCA()
	dir := t.TempDir()
	path := writeFile(t, dir, "ca.crt", caA.CertPEM)
	denyPath := writeFile(t, dir, "deny", nil)
	ev := reloadtest.NewEvents()
	v, err := NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: path, Interval: -1, OnReload: ev.OnReload, OnError: ev.OnError}, DenyFile: authn.FileOptions{Path: denyPath, Interval: -1, OnReload: ev.OnReload, OnError: ev.OnError}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, v.Close()) })
	alice, bob := caA.IssueClient("alice"), caB.IssueClient("bob")
	for range 3 {
		_, _, err := v.Verify(peersOf(alice))
		require.NoError(t, err)
		_, _, err = v.Verify(peersOf(bob))
		require.ErrorIs(t, err, ErrUnknownAuthority)
	}
	require.Equal(t, uint64(2), v.verifications.Load())
	gen := v.bundle().gen

	reloadtest.Replace(t, denyPath, "# still nobody\n")
	ev.WaitReload(t)
	assert.Zero(t, v.failed.len(), "failures forgotten")
	assert.Equal(t, 1, v.cache.len(), "verified chains kept: the deny list is applied on every hit")
	_, _, err = v.Verify(peersOf(bob))
	require.ErrorIs(t, err, ErrUnknownAuthority)
	require.Equal(t, uint64(3), v.verifications.Load())

	reloadtest.Replace(t, path, string(caA.CertPEM)+string(caB.CertPEM))
	ev.WaitReload(t)
	assert.Greater(t, v.bundle().gen, gen)
	assert.Zero(t, v.cache.len(), "cleared")
	assert.Zero(t, v.failed.len(), "cleared")
	_, _, err = v.Verify(peersOf(alice))
	require.NoError(t, err)
	_, _, err = v.Verify(peersOf(bob))
	require.NoError(t, err, "the new CA's client, refused before, is accepted")
	assert.Equal(t, uint64(5), v.verifications.Load(), "verified again against the new bundle")
}
