package basicauth

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/reload"
)

// Defaults applied to zero [Options] fields.
const (
	// DefaultCacheTTL is how long a successful hashed-password check is
	// remembered when [Options.CacheTTL] is zero.
	DefaultCacheTTL = time.Minute
	// DefaultMaxCacheEntries bounds the cache when [Options.MaxCacheEntries]
	// is zero.
	DefaultMaxCacheEntries = 10_000
	// DefaultQueuedChecksPerSlot sets the queue of password checks waiting
	// for a slot when [Options.MaxQueuedChecks] is zero: this many per slot
	// of [Options.MaxConcurrentChecks]. At the 50–100 ms that one check
	// takes, a full queue drains within [DefaultMaxQueueWait].
	DefaultQueuedChecksPerSlot = 8
	// DefaultMaxQueueWait is how long a password check waits for a slot
	// when [Options.MaxQueueWait] is zero. It matches the Retry-After that
	// [authn.Middleware] sends by default.
	DefaultMaxQueueWait = time.Second
)

// DefaultMaxSize bounds the password file (and the data given to
// [NewFromCSV]), in bytes, when [authn.FileOptions.MaxSize] is zero: 16
// MiB, some 100,000 rows of argon2id hashes.
const DefaultMaxSize = 16 << 20

// staticName stands for the file name in errors about [NewFromCSV] data.
const staticName = "<csv data>"

// Options configures an [Authenticator]. [New] requires Path; the zero
// value of every other field is a sound default: a one-minute reload
// check, a one-minute cache of 10,000 entries, half the CPUs for hashing,
// a queue of 8 waiting checks per hashing slot and a one-second wait in
// it, logging to [slog.Default].
type Options struct {
	// FileOptions names the password file and says how [New] keeps it
	// current: Path (required by New), Interval, MaxSize (zero:
	// [DefaultMaxSize]), OnError and OnReload. See [authn.FileOptions]. A
	// reload failure's error names the file and the line, never a
	// password. [NewFromCSV] applies MaxSize to its data and ignores the
	// rest.
	authn.FileOptions
	// CacheTTL is how long a successful bcrypt or argon2id check is
	// remembered, so that a client sending the same credentials on every
	// request pays for the hash once per TTL. Zero means
	// [DefaultCacheTTL]; a negative value disables the cache. A reload
	// empties the cache, whatever the TTL.
	CacheTTL time.Duration
	// MaxCacheEntries bounds the number of cached successes. Zero means
	// [DefaultMaxCacheEntries]; negative is an error.
	MaxCacheEntries int
	// MaxConcurrentChecks bounds how many bcrypt or argon2id checks run at
	// once (the check slots); other requests wait their turn in a bounded
	// queue (MaxQueuedChecks, MaxQueueWait). Zero means half of
	// runtime.GOMAXPROCS(0) (at least 1), so that a flood of wrong
	// passwords leaves CPUs for everything else; negative is an error. Note
	// that an argon2id check with p lanes runs p threads: at p=4, one check
	// can keep four CPUs busy.
	MaxConcurrentChecks int
	// MaxQueuedChecks bounds how many requests may wait for a check slot
	// when every slot is busy. A request that finds the queue full is
	// answered at once with an error matching [authn.ErrUnavailable],
	// without hashing. Zero means [DefaultQueuedChecksPerSlot] times the
	// number of slots; a negative value means no queue: a request that
	// finds every slot busy is answered at once.
	MaxQueuedChecks int
	// MaxQueueWait bounds how long a request waits in the queue for a
	// check slot; one that waited this long is answered with an error
	// matching [authn.ErrUnavailable], without hashing. A request also
	// stops waiting when its own context is done. Zero means
	// [DefaultMaxQueueWait]; negative is an error.
	MaxQueueWait time.Duration
	// Logger receives load warnings (plaintext passwords, duplicate users,
	// a file without users, at Warn at start and on every reload), reload
	// failures and lifecycle events, never a password. Nil means
	// [slog.Default], resolved once in the constructor.
	Logger *slog.Logger
	// Observer receives an [authn.ReloadEvent] (Component "basicauth",
	// Entries the number of users) after every attempt of [New] to load
	// the file, the first included. Nil: nothing is recorded.
	Observer *authn.Observer
}

// Authenticator authenticates requests carrying HTTP Basic credentials
// (RFC 7617) against a kube-apiserver style password file. Create it with
// [New] or [NewFromCSV]. It is safe for concurrent use.
type Authenticator struct {
	file   *reload.File[table] // New: the watched file; nil for NewFromCSV
	static *table              // NewFromCSV

	logger          *slog.Logger
	cacheTTL        time.Duration
	maxCacheEntries int
	sem             *semaphore.Weighted // the check slots
	maxQueued       int64               // requests that may wait for a slot; 0: none
	queued          atomic.Int64        // requests waiting for a slot now
	maxWait         time.Duration
	errQueueFull    error // built once: a flood of refusals allocates nothing
	errWaitedLong   error
	macKey          [32]byte     // per-authenticator random key for cache keys
	serving         atomic.Int64 // users in the table serving; -1 before the first load

	// beforeHash, a test hook set only by this package's tests before
	// use, is called with a check slot held, right before hashing.
	beforeHash func()
}

var _ authn.Authenticator = (*Authenticator)(nil)

// errInvalid is the one error for an unknown user and for a wrong
// password: the same value, so not even its text tells them apart.
var errInvalid = fmt.Errorf("basicauth: %w", authn.ErrInvalidCredentials)

// New reads the password file at opts.Path (format: see the package
// documentation), and keeps it current, as [authn.FileOptions] describes:
// a change on disk is noticed (file-system notifications, and a periodic
// check every Interval) and loaded; a file that fails to load leaves the
// previous one in use, is logged, and is passed to OnError. New returns
// an error, naming the file and line, if the file cannot be read or
// parsed, or if opts is invalid. New does no hashing. Close stops the
// watcher.
func New(opts Options) (*Authenticator, error) {
	a, err := newAuthenticator(opts)
	if err != nil {
		return nil, err
	}
	f, err := reload.New(opts.Path, a.parse, reload.OptionsFor("basicauth", opts.FileOptions, DefaultMaxSize, a.logger, opts.Observer))
	if err != nil {
		return nil, err
	}
	a.file = f
	return a, nil
}

// NewFromCSV returns an Authenticator for a password file's content given
// as data (at most opts.MaxSize bytes, [DefaultMaxSize] when zero), which
// it does not keep. It never reloads; the other fields of
// opts.FileOptions are ignored. Errors name the line, never a password.
func NewFromCSV(data []byte, opts Options) (*Authenticator, error) {
	a, err := newAuthenticator(opts)
	if err != nil {
		return nil, err
	}
	if limit := cmp.Or(opts.MaxSize, DefaultMaxSize); int64(len(data)) > limit {
		return nil, fmt.Errorf("basicauth: %s: %d bytes, more than the limit of %d", staticName, len(data), limit)
	}
	if a.static, err = a.parse(staticName, data); err != nil {
		return nil, err
	}
	return a, nil
}

func newAuthenticator(opts Options) (*Authenticator, error) {
	switch {
	case opts.MaxCacheEntries < 0:
		return nil, fmt.Errorf("basicauth: negative MaxCacheEntries %d", opts.MaxCacheEntries)
	case opts.MaxConcurrentChecks < 0:
		return nil, fmt.Errorf("basicauth: negative MaxConcurrentChecks %d", opts.MaxConcurrentChecks)
	case opts.MaxQueueWait < 0:
		return nil, fmt.Errorf("basicauth: negative MaxQueueWait %s", opts.MaxQueueWait)
	case opts.MaxSize < 0:
		return nil, fmt.Errorf("basicauth: negative MaxSize %d", opts.MaxSize)
	}
	a := &Authenticator{
		logger:          cmp.Or(opts.Logger, slog.Default()).With("authenticator", "basicauth"),
		cacheTTL:        cmp.Or(opts.CacheTTL, DefaultCacheTTL),
		maxCacheEntries: cmp.Or(opts.MaxCacheEntries, DefaultMaxCacheEntries),
		maxWait:         cmp.Or(opts.MaxQueueWait, DefaultMaxQueueWait),
	}
	a.serving.Store(-1)
	n := cmp.Or(opts.MaxConcurrentChecks, max(1, runtime.GOMAXPROCS(0)/2))
	a.sem = semaphore.NewWeighted(int64(n))
	switch q := opts.MaxQueuedChecks; {
	case q == 0:
		a.maxQueued = int64(n) * DefaultQueuedChecksPerSlot
	case q > 0:
		a.maxQueued = int64(q)
	}
	a.errQueueFull = notChecked(fmt.Errorf("%w: %d running, %d waiting (the most allowed)", errBusy, n, a.maxQueued))
	a.errWaitedLong = notChecked(fmt.Errorf("%w: waited %s for a check slot", errBusy, a.maxWait))
	_, _ = rand.Read(a.macKey[:]) // never fails (crypto/rand.Read crashes the program instead)
	return a, nil
}

// current returns the table in use.
func (a *Authenticator) current() *table {
	if a.file != nil {
		return a.file.Load()
	}
	return a.static
}

// AuthenticateRequest checks the request's "Authorization: Basic"
// credentials (RFC 7617) against the password file:
//
//   - (resp, true, nil) when the user is in the file and the password
//     matches; resp is shared and read-only;
//   - (nil, false, nil) when there is no Authorization header or it is of
//     another scheme (the scheme name is matched in any case);
//   - (nil, false, err) otherwise: err matches [authn.ErrInvalidCredentials]
//     for an unknown user or a wrong password (the same error, after the
//     same work), additionally [authn.ErrMalformed] for credentials that
//     cannot be parsed (bad base64, no colon, empty user name, not UTF-8,
//     control characters, longer than [MaxCredentialsLength]), and
//     [authn.ErrUnavailable] when the password was not checked: every
//     check slot was busy and the queue full, the wait for a slot passed
//     [Options.MaxQueueWait], or the request's context ended first.
//
// A bcrypt or argon2id row is first looked up in the cache of successes
// (kept for [Options.CacheTTL]): a hit is answered at once, however busy
// the check slots are. Otherwise the check takes one of
// [Options.MaxConcurrentChecks] slots, waiting in a bounded queue when
// all are busy. The request is not modified. Safe for concurrent use.
func (a *Authenticator) AuthenticateRequest(r *http.Request) (*authn.Response, bool, error) {
	user, password, found, err := parseBasic(r.Header.Get("Authorization"))
	if !found {
		return nil, false, err
	}
	return a.check(r.Context(), user, password)
}

// check verifies user and password against the current table.
func (a *Authenticator) check(ctx context.Context, user, password string) (*authn.Response, bool, error) {
	t := a.current()
	row, known := t.users[user]
	cred := t.dummy
	if known {
		cred = row.cred
	}
	if !cred.expensive() {
		if cred.verify([]byte(password)) && known {
			return row.resp, true, nil
		}
		return nil, false, errInvalid
	}

	key := a.cacheKey(user, password)
	if resp := t.cache.get(key, time.Now()); resp != nil {
		return resp, true, nil
	}
	if err := a.acquire(ctx); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil { // hashing cannot be interrupted: last chance to skip it
		a.sem.Release(1)
		return nil, false, notChecked(err)
	}
	if a.beforeHash != nil {
		a.beforeHash()
	}
	ok := cred.verify([]byte(password))
	a.sem.Release(1)
	if !ok || !known {
		return nil, false, errInvalid
	}
	t.cache.put(key, row.resp, time.Now())
	return row.resp, true, nil
}

// errBusy is the cause of a refusal for want of a check slot.
var errBusy = errors.New("too many password checks at once")

// acquire takes a check slot: at once when one is free, else after waiting
// in the queue. It fails, with an error matching authn.ErrUnavailable, at
// once when the queue is full, or when the wait passes a.maxWait or ctx is
// done, whichever comes first. Waiters are served in arrival order.
func (a *Authenticator) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return notChecked(err)
	}
	if a.sem.TryAcquire(1) { // fails while others wait, so nobody jumps the queue
		return nil
	}
	if a.queued.Add(1) > a.maxQueued {
		a.queued.Add(-1)
		return a.errQueueFull
	}
	defer a.queued.Add(-1)
	wait, cancel := context.WithTimeout(ctx, a.maxWait)
	defer cancel()
	if err := a.sem.Acquire(wait, 1); err != nil {
		if ctx.Err() == nil {
			return a.errWaitedLong
		}
		return notChecked(ctx.Err())
	}
	return nil
}

// notChecked wraps the reason why a password was not checked (the
// request's context ended, or no check slot was free): that is "could not
// check", not "wrong".
func notChecked(err error) error {
	return fmt.Errorf("basicauth: password not checked: %w", &authn.UnavailableError{Err: err})
}

// cacheKey returns HMAC-SHA256(a.macKey, user NUL password). User names
// cannot contain NUL, so the encoding is unambiguous.
func (a *Authenticator) cacheKey(user, password string) cacheKey {
	m := hmac.New(sha256.New, a.macKey[:])
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var k cacheKey
	m.Sum(k[:0])
	return k
}

// Reload reads and parses the password file now, on the calling
// goroutine, as the watcher does when the file changes (on SIGHUP, say).
// On failure the previous users keep serving and the error, which names
// the file and line and never a password, is logged, passed to OnError
// and returned. A reload, even of unchanged content, empties the cache of
// checked passwords. For an Authenticator from [NewFromCSV] it does
// nothing and returns nil.
func (a *Authenticator) Reload() error {
	if a.file == nil {
		return nil
	}
	return a.file.Reload()
}

// Health reports the password file's state ([authn.FileHealth]: when
// the users in use were loaded, the last failure, the number of users,
// the content's hash, the next periodic check), one element for the one
// file; nil for an Authenticator from [NewFromCSV]. It does no I/O.
func (a *Authenticator) Health() []authn.FileHealth {
	if a.file == nil {
		return nil
	}
	return []authn.FileHealth{a.file.Health()}
}

// Close stops watching the file, waiting for the watcher goroutine to
// return. It is idempotent; for an Authenticator from [NewFromCSV] it does
// nothing. The Authenticator keeps answering with the last file it loaded.
func (a *Authenticator) Close() error {
	if a.file == nil {
		return nil
	}
	return a.file.Close()
}
