package dpop

import (
	"context"
	"time"
)

// ReplayStore remembers the proofs a [Verifier] has accepted, so that each
// is accepted once (RFC 9449 section 11.1). Give every replica of a
// service the same store (package dpop/redisreplay) for a replay to be
// refused whichever replica it reaches. Implementations are safe for
// concurrent use.
type ReplayStore interface {
	// Remember records key until the time until, after which the proof it
	// stands for is too old to be accepted anyway, and reports whether key
	// was new: false means it was recorded before and not yet forgotten,
	// a replay. It is atomic: of two concurrent calls with one key, at
	// most one reports true. An error means the store could not tell; the
	// verifier then refuses the proof as unavailable ([authn.ErrUnavailable]),
	// never accepts it unchecked. key is at most 128 bytes of printable
	// ASCII and holds no credential.
	Remember(ctx context.Context, key string, until time.Time) (fresh bool, err error)
}
