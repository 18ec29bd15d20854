package union

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The cache key of (audiences, token) is HMAC-SHA256 (RFC 2104), under the
// Cache's random key, of this message:
//
//	uint64(len(audiences)), or 2^64-1 when there are none in the context (nil)
//	for each audience: uint64(len(audience)) audience
//	zero bytes up to the next multiple of 64, the SHA-256 block size
//	uint64(len(token)) token
//
// all integers big-endian. No accepted audiences (nil: any token) and an
// empty list of them (no token can match) are told apart, as
// [authn.AudienceAgnostic] tells them apart. The encoding is unambiguous, and the padding
// puts the token on a block boundary, so the hash state after the
// audiences can be kept per audience set and a lookup hashes only the
// token: as many SHA-256 blocks as a bare HMAC of the token.

// audienceMemo is how many audience sets a hasher keeps states for. A
// server accepts one set (--api-audiences); a few more cost nothing.
const audienceMemo = 4

// hasher computes cache keys without allocating. It is safe for
// concurrent use.
type hasher struct {
	// inner and outer are the SHA-256 states after the HMAC key's ipad and
	// opad blocks, in encoding.BinaryMarshaler form. Immutable.
	inner, outer []byte
	// memo holds the states after ipad and the audience encoding of up to
	// audienceMemo audience sets, filled in order; a slot, once set, never
	// changes.
	memo   [audienceMemo]atomic.Pointer[audienceState]
	memoMu sync.Mutex // serialises remember
}

type audienceState struct {
	auds  []string // cloned; read-only
	state []byte   // encoding.BinaryMarshaler form
}

// newHasher returns a hasher under key, which must be at most 64 bytes
// long, that remembers the state for no audiences.
func newHasher(key []byte) (*hasher, error) {
	var ipad, opad [sha256.BlockSize]byte
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	h := &hasher{}
	var err error
	if h.inner, err = stateAfter(ipad[:]); err != nil {
		return nil, err
	}
	if h.outer, err = stateAfter(opad[:]); err != nil {
		return nil, err
	}
	return h, h.remember(nil)
}

func stateAfter(block []byte) ([]byte, error) {
	d := sha256.New()
	d.Write(block)
	return d.(encoding.BinaryMarshaler).MarshalBinary()
}

// remember keeps the state after auds in a free memo slot, unless auds is
// there already or no slot is free. It allocates: call it off the hit path.
func (h *hasher) remember(auds []string) error {
	h.memoMu.Lock()
	defer h.memoMu.Unlock()
	for i := range h.memo {
		s := h.memo[i].Load()
		if s != nil && sameAudiences(s.auds, auds) {
			return nil
		}
		if s != nil {
			continue
		}
		d := sha256.New()
		if err := d.(encoding.BinaryUnmarshaler).UnmarshalBinary(h.inner); err != nil {
			return err
		}
		var buf [256]byte
		enc := audienceEncoder{auds: auds}
		for more := true; more; {
			var b []byte
			b, more = enc.fill(buf[:0])
			d.Write(b)
		}
		state, err := d.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return err
		}
		h.memo[i].Store(&audienceState{auds: slices.Clone(auds), state: state})
		return nil
	}
	return nil // memo full: keys for auds are computed in full, still without allocating
}

// known reports whether the state after auds is in the memo.
func (h *hasher) known(auds []string) bool {
	for i := range h.memo {
		s := h.memo[i].Load()
		if s == nil {
			return false
		}
		if sameAudiences(s.auds, auds) {
			return true
		}
	}
	return false
}

// key returns the cache key of auds and token. It does not allocate: the
// digests are devirtualised and stay on the stack (check with go build
// -gcflags=-m), start from precomputed states, and the token reaches them
// as a view of its bytes rather than a []byte conversion (a copy).
// TestKeyMatchesHMAC and TestKeyDoesNotAllocate pin both properties.
func (h *hasher) key(auds []string, token string) [sha256.Size]byte {
	d := sha256.New()
	var start []byte
	for i := range h.memo {
		s := h.memo[i].Load()
		if s == nil {
			break
		}
		if sameAudiences(s.auds, auds) {
			start = s.state
			break
		}
	}
	if start != nil {
		_ = d.(encoding.BinaryUnmarshaler).UnmarshalBinary(start) // our own state: always unmarshals
	} else {
		_ = d.(encoding.BinaryUnmarshaler).UnmarshalBinary(h.inner)
		var buf [256]byte
		enc := audienceEncoder{auds: auds}
		for more := true; more; {
			var b []byte
			b, more = enc.fill(buf[:0])
			d.Write(b)
		}
	}

	var n [8]byte
	d.Write(putUint64(n[:0], uint64(len(token))))
	// The token is hashed in place: SHA-256's Write only reads p and does
	// not keep it, so the bytes of the immutable string are never written.
	// A copy through a stack buffer cost a hit 7 % (BenchmarkCache).
	d.Write(unsafe.Slice(unsafe.StringData(token), len(token)))
	var sum [sha256.Size]byte
	d.Sum(sum[:0])

	o := sha256.New()
	_ = o.(encoding.BinaryUnmarshaler).UnmarshalBinary(h.outer)
	o.Write(sum[:])
	o.Sum(sum[:0])
	return sum
}

// audienceEncoder produces the padded audience encoding in chunks.
type audienceEncoder struct {
	auds    []string
	next    int    // index of the next audience to start
	rest    string // what is left of the current audience
	started bool   // the count is out
	n       int    // bytes produced so far
}

// fill appends to b, up to cap(b), as much of the encoding as fits, and
// reports whether more remains. cap(b) must be at least 8.
func (e *audienceEncoder) fill(b []byte) ([]byte, bool) {
	for {
		room := cap(b) - len(b)
		switch {
		case !e.started:
			if room < 8 {
				return b, true
			}
			n := uint64(len(e.auds))
			if e.auds == nil {
				n = noAudiences
			}
			b = putUint64(b, n)
			e.started, e.n = true, e.n+8
		case e.rest != "":
			k := copy(b[len(b):cap(b)], e.rest)
			b, e.rest, e.n = b[:len(b)+k], e.rest[k:], e.n+k
			if e.rest != "" {
				return b, true
			}
		case e.next < len(e.auds):
			if room < 8 {
				return b, true
			}
			b = putUint64(b, uint64(len(e.auds[e.next])))
			e.rest, e.next, e.n = e.auds[e.next], e.next+1, e.n+8
		default: // zero padding to the block boundary
			pad := -e.n & (sha256.BlockSize - 1)
			k := min(pad, room)
			clear(b[len(b) : len(b)+k])
			b, e.n = b[:len(b)+k], e.n+k
			return b, k < pad
		}
	}
}

// noAudiences is the count encoded for a nil audience list.
const noAudiences = ^uint64(0)

// sameAudiences is slices.Equal that tells nil from empty.
func sameAudiences(a, b []string) bool {
	return (a == nil) == (b == nil) && slices.Equal(a, b)
}

// putUint64 appends v, big-endian, to b, which must have room for it.
func putUint64(b []byte, v uint64) []byte {
	binary.BigEndian.PutUint64(b[len(b):len(b)+8], v)
	return b[:len(b)+8]
}
