package x509auth

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authnkit/authnkit/authn"
)

// DefaultCacheSize is the number of verified chains a [Verifier] keeps
// when [VerifyOptions.CacheSize] is zero.
const DefaultCacheSize = 4096

// maxPeers is the longest chain a Verifier accepts: the leaf and the most
// intermediates VerifyOptions.MaxIntermediates may allow. Every chain
// that is verified can be cached.
const maxPeers = 1 + maxIntermediatesLimit

// chainKey identifies a presented chain: SHA-256 over the certificates'
// SHA-256 fingerprints (fixed-size, so concatenating them is unambiguous),
// or the leaf's fingerprint alone when the client sent only its leaf.
type chainKey [sha256.Size]byte

// presented holds the fingerprints of the presented certificates, on the
// caller's stack.
type presented struct {
	n   int
	sum [maxPeers][sha256.Size]byte
}

// keyOf hashes peers (at most maxPeers) into p and returns the chain
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
	var buf [1 + maxPeers*sha256.Size]byte
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
// holds the fingerprints of the presented certificates. withLinks
// adds the issuer links that CRL checks need; without a CRL file they are
// never read.
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
			j := e.indexOf(c)
			if j < 0 {
				j = len(e.certs)
				e.certs = append(e.certs, certInfo{cert: c, sum: fingerprint(c, p, peers), leaf: i == 0})
			}
			if !withLinks || i == 0 || e.hasLink(chain[i-1], c) {
				continue
			}
			e.links = append(e.links, link{
				cert: chain[i-1], serial: serialKey(chain[i-1].SerialNumber),
				issuer: c, issuerKey: issuerKey(e.certs[j].sum), leaf: i == 1,
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

// failureTTL is how long a failed verification is remembered (at most:
// see newFailure).
const failureTTL = 10 * time.Second

// failure is a chain that failed verification: err answers for it, with
// the CA bundle of generation gen, up to expiry. It is immutable.
type failure struct {
	gen    uint64
	expiry time.Time
	err    error
}

// newFailure remembers err, the verification failure of a chain against
// the CA bundle of generation gen at now, for failureTTL; a chain refused
// because a certificate is not valid yet is forgotten just before that
// certificate's NotBefore. A failure depends on nothing else: the chain,
// the bundle and the time decide it (revocation is checked only on chains
// that verify).
func newFailure(err error, gen uint64, now time.Time) *failure {
	f := &failure{gen: gen, expiry: now.Add(failureTTL), err: err}
	if nyv, ok := errors.AsType[*authn.NotYetValidError](err); ok && nyv.NotBefore.Before(f.expiry) {
		f.expiry = nyv.NotBefore.Add(-time.Nanosecond)
	}
	return f
}

// valid reports whether f may answer for generation gen at now.
func (f *failure) valid(gen uint64, now time.Time) bool {
	return f.gen == gen && !now.After(f.expiry)
}

// cached is what a chainCache holds: verified chains or failures.
type cached interface {
	*entry | *failure
	valid(gen uint64, now time.Time) bool
}

// chainCache is a bounded map of chains, keyed by chainKey. A hit takes a
// read lock.
type chainCache[E cached] struct {
	max int
	mu  sync.RWMutex
	m   map[chainKey]E
}

func newChainCache[E cached](size int) *chainCache[E] {
	return &chainCache[E]{max: size, m: make(map[chainKey]E)}
}

// get returns the value for k if it is valid for gen at now.
func (c *chainCache[E]) get(k chainKey, gen uint64, now time.Time) (E, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || !e.valid(gen, now) {
		var none E
		return none, false
	}
	return e, true
}

// evictSample is how many entries an insert into a full cache looks at.
const evictSample = 8

// put stores e under k. When the cache is full it first drops, among a few
// entries picked at random (map iteration order), those that are expired
// or of an older generation, and otherwise one of them at random, so that
// an insert stays O(1) and the cache never holds more than max entries.
func (c *chainCache[E]) put(k chainKey, e E, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		var victim chainKey
		dropped, seen := false, 0
		for key, old := range c.m {
			if !old.valid(gen, now) {
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

// clear empties the cache (after a reload).
func (c *chainCache[E]) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

func (c *chainCache[E]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
