package x509auth

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authnkit/authnkit/authn"
)

// DefaultCacheSize is the number of verified chains a [Verifier] keeps
// when [VerifyOptions.CacheSize] is zero.
const DefaultCacheSize = 4096

// maxCachedPeers is the longest presented chain whose verification is
// cached; longer ones (unusual: clients send their leaf and one or two
// intermediates) are verified on every request.
const maxCachedPeers = 8

// chainKey identifies a presented chain: SHA-256 over the certificates'
// SHA-256 fingerprints (fixed-size, so concatenating them is unambiguous),
// or the leaf's fingerprint alone when the client sent only its leaf.
type chainKey [sha256.Size]byte

// presented holds the fingerprints of the presented certificates, on the
// caller's stack.
type presented struct {
	n   int
	sum [maxCachedPeers][sha256.Size]byte
}

// keyOf hashes peers (at most maxCachedPeers) into p and returns the chain
// key. It does not allocate: it costs one SHA-256 of each certificate's
// DER, plus one of their fingerprints when there are several.
func keyOf(peers []*x509.Certificate, p *presented) chainKey {
	p.n = len(peers)
	for i, c := range peers {
		p.sum[i] = sha256.Sum256(c.Raw)
	}
	if p.n == 1 {
		return p.sum[0]
	}
	var buf [1 + maxCachedPeers*sha256.Size]byte
	buf[0] = byte(p.n)
	for i := range p.n {
		copy(buf[1+i*sha256.Size:], p.sum[i][:])
	}
	return sha256.Sum256(buf[:1+p.n*sha256.Size])
}

// entry is a verified chain with everything the per-request checks need,
// computed once. It is immutable, except resp, which is set once.
type entry struct {
	gen    uint64    // CA bundle generation it was verified against
	expiry time.Time // earliest NotAfter of chains[0]
	chains [][]*x509.Certificate
	leaf   *x509.Certificate
	// leafSerial is serialKey(leaf.SerialNumber), for the deny list.
	leafSerial string
	// certs are the distinct certificates of all chains, with their
	// fingerprints, for the deny list's sha256: entries.
	certs []certInfo
	// links are the distinct (certificate, issuer) pairs of all chains,
	// for the CRLs.
	links []link
	// resp is the response of the default mapping, built on first use and
	// shared by every request presenting this chain.
	resp atomic.Pointer[authn.Response]
}

type certInfo struct {
	cert *x509.Certificate
	sum  [sha256.Size]byte
	leaf bool
}

type link struct {
	cert      *x509.Certificate
	serial    string // serialKey(cert.SerialNumber)
	issuer    *x509.Certificate
	issuerKey issuerKey
	leaf      bool
}

// newEntry precomputes the per-request checks of a verified chain. p
// holds the fingerprints of the presented certificates (p.n is zero when
// the chain is too long to cache: they are then computed here). withLinks
// adds the issuer links that CRL checks need; without a CRL file they are
// never read, and cost a few SHA-256s per link.
func newEntry(chains [][]*x509.Certificate, gen uint64, p *presented, peers []*x509.Certificate, withLinks bool) *entry {
	leaf := chains[0][0]
	e := &entry{gen: gen, chains: chains, leaf: leaf, leafSerial: serialKey(leaf.SerialNumber), expiry: leaf.NotAfter}
	for _, c := range chains[0][1:] {
		if c.NotAfter.Before(e.expiry) {
			e.expiry = c.NotAfter
		}
	}
	n := 0
	for _, chain := range chains {
		n += len(chain)
	}
	e.certs = make([]certInfo, 0, n)
	if withLinks {
		e.links = make([]link, 0, n-len(chains))
	}
	for _, chain := range chains {
		for i, c := range chain {
			if e.indexOf(c) < 0 {
				e.certs = append(e.certs, certInfo{cert: c, sum: fingerprint(c, p, peers), leaf: i == 0})
			}
			if !withLinks || i == 0 || e.hasLink(chain[i-1], c) {
				continue
			}
			e.links = append(e.links, link{
				cert: chain[i-1], serial: serialKey(chain[i-1].SerialNumber),
				issuer: c, issuerKey: keyOfIssuer(c), leaf: i == 1,
			})
		}
	}
	return e
}

// fingerprint returns the SHA-256 of c, taken from p when c was presented.
func fingerprint(c *x509.Certificate, p *presented, peers []*x509.Certificate) [sha256.Size]byte {
	for i := range p.n {
		if peers[i] == c {
			return p.sum[i]
		}
	}
	return sha256.Sum256(c.Raw)
}

// indexOf returns the index of c in e.certs, or -1.
func (e *entry) indexOf(c *x509.Certificate) int {
	for i := range e.certs {
		if e.certs[i].cert == c || e.certs[i].cert.Equal(c) {
			return i
		}
	}
	return -1
}

func (e *entry) hasLink(c, issuer *x509.Certificate) bool {
	for _, l := range e.links {
		if l.cert.Equal(c) && l.issuer.Equal(issuer) {
			return true
		}
	}
	return false
}

// valid reports whether e may answer for generation gen at now.
func (e *entry) valid(gen uint64, now time.Time) bool {
	return e.gen == gen && !now.After(e.expiry)
}

// chainCache is a bounded map of verified chains. A hit takes a read lock.
type chainCache struct {
	max int
	mu  sync.RWMutex
	m   map[chainKey]*entry
}

func newChainCache(size int) *chainCache {
	return &chainCache{max: size, m: make(map[chainKey]*entry)}
}

// get returns the entry for k if it is valid for gen at now.
func (c *chainCache) get(k chainKey, gen uint64, now time.Time) *entry {
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	if e == nil || !e.valid(gen, now) {
		return nil
	}
	return e
}

// evictSample is how many entries an insert into a full cache looks at.
const evictSample = 8

// put stores e under k. When the cache is full it first drops, among a few
// entries picked at random (map iteration order), those that are expired
// or of an older generation, and otherwise one of them at random, so that
// an insert stays O(1) and the cache never holds more than max entries.
func (c *chainCache) put(k chainKey, e *entry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		var victim chainKey
		dropped, seen := false, 0
		for key, old := range c.m {
			if !old.valid(e.gen, now) {
				delete(c.m, key)
				dropped = true
			} else if seen == 0 {
				victim = key
			}
			if seen++; seen >= evictSample {
				break
			}
		}
		if !dropped {
			delete(c.m, victim)
		}
	}
	c.m[k] = e
}

// clear empties the cache (after a CA reload: its entries are of an old
// generation and would never be used again).
func (c *chainCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

func (c *chainCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
