package basicauth

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/authnkit/authnkit/authn"
)

// cacheKey is HMAC-SHA256(per-authenticator random key, user NUL password):
// the cache never holds a password or an unkeyed digest of one.
type cacheKey [sha256.Size]byte

type cacheEntry struct {
	resp    *authn.Response
	expires time.Time
}

// cache remembers successful hashed-password checks of one snapshot, for
// ttl, at most max entries. A nil *cache is a disabled cache. Failures are
// never cached.
type cache struct {
	ttl time.Duration
	max int

	mu      sync.RWMutex
	entries map[cacheKey]cacheEntry
}

func newCache(ttl time.Duration, maxEntries int) *cache {
	if ttl <= 0 || maxEntries <= 0 {
		return nil
	}
	return &cache{ttl: ttl, max: maxEntries, entries: make(map[cacheKey]cacheEntry)}
}

// get returns the cached response for k, or nil.
func (c *cache) get(k cacheKey, now time.Time) *authn.Response {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return nil
	}
	return e.resp
}

// put remembers resp under k until now+ttl. When the cache is full it
// first drops expired entries, then, if still full, an arbitrary one (Go
// map order is random, so this is random eviction: cheap, and with only
// successes cached the cache holds about one entry per user anyway).
func (c *cache) put(k cacheKey, resp *authn.Response, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
		for key, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, key)
			}
		}
		for key := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, key)
		}
	}
	c.entries[k] = cacheEntry{resp: resp, expires: now.Add(c.ttl)}
}

// len reports the number of entries, expired or not.
func (c *cache) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
