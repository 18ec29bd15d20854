package basicauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
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
)

// MaxFileSize bounds the password file (and the data given to
// [NewFromCSV]), in bytes: 16 MiB, some 100,000 rows of argon2id hashes.
const MaxFileSize = 16 << 20

// staticName stands for the file name in errors about [NewFromCSV] data.
const staticName = "<csv data>"

// Options configures an [Authenticator]. The zero value is usable: a
// one-minute reload check, a one-minute cache of 10,000 entries, half the
// CPUs for hashing, logging to [slog.Default].
type Options struct {
	// Interval is how often [New] re-checks the file in addition to
	// file-system notifications. Zero means one minute; a negative value
	// disables the periodic check (notifications still work). Ignored by
	// [NewFromCSV].
	Interval time.Duration
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
	// once; other requests wait their turn, each until its own context is
	// done. Zero means half of runtime.GOMAXPROCS(0) (at least 1), so that
	// a flood of wrong passwords leaves CPUs for everything else; negative
	// is an error. Note that an argon2id check with p lanes runs p threads:
	// at p=4, one check can keep four CPUs busy.
	MaxConcurrentChecks int
	// Logger receives load warnings (plaintext passwords, duplicate users),
	// reload failures and lifecycle events, never a password. Nil means
	// [slog.Default], resolved once in the constructor.
	Logger *slog.Logger
	// OnError, when set, is called with each failure to reload the file
	// (after it is logged), on the watcher goroutine. It must not call
	// [Authenticator.Close]. Ignored by [NewFromCSV].
	OnError func(error)
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
	sem             *semaphore.Weighted
	macKey          [32]byte // per-authenticator random key for cache keys

	// Test hooks, set only by this package's tests before use.
	beforeHash func() // called with a check slot held, right before hashing
	onReload   func() // called after each successful reload
}

var _ authn.Authenticator = (*Authenticator)(nil)

// errInvalid is the one error for an unknown user and for a wrong
// password: the same value, so not even its text tells them apart.
var errInvalid = fmt.Errorf("basicauth: %w", authn.ErrInvalidCredentials)

// New reads the password file at path (format: see the package
// documentation), and keeps it current: a change on disk is noticed
// (file-system notifications, and a periodic check every opts.Interval)
// and loaded; a file that fails to load leaves the previous one in use,
// is logged, and is passed to opts.OnError. New returns an error, naming
// the file and line, if the file cannot be read or parsed, or if opts is
// invalid. New does no hashing. Close stops the watcher.
func New(path string, opts Options) (*Authenticator, error) {
	return newWatching(path, opts, nil)
}

// newWatching is New with a reload hook for tests.
func newWatching(path string, opts Options, onReload func()) (*Authenticator, error) {
	a, err := newAuthenticator(opts)
	if err != nil {
		return nil, err
	}
	a.onReload = onReload
	f, err := reload.New(path, a.parse, reload.Options{
		Name:     "basicauth",
		Interval: opts.Interval,
		MaxSize:  MaxFileSize,
		Logger:   a.logger,
		OnError:  opts.OnError,
		OnReload: a.reloaded,
	})
	if err != nil {
		return nil, err
	}
	a.file = f
	return a, nil
}

// NewFromCSV returns an Authenticator for a password file's content given
// as data (at most [MaxFileSize] bytes), which it does not keep. It never
// reloads; opts.Interval and opts.OnError are ignored. Errors name the
// line, never a password.
func NewFromCSV(data []byte, opts Options) (*Authenticator, error) {
	a, err := newAuthenticator(opts)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("basicauth: %s: %d bytes, more than the limit of %d", staticName, len(data), MaxFileSize)
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
	}
	a := &Authenticator{
		logger:          opts.Logger,
		cacheTTL:        opts.CacheTTL,
		maxCacheEntries: opts.MaxCacheEntries,
	}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	a.logger = a.logger.With("authenticator", "basicauth")
	if a.cacheTTL == 0 {
		a.cacheTTL = DefaultCacheTTL
	}
	if a.maxCacheEntries == 0 {
		a.maxCacheEntries = DefaultMaxCacheEntries
	}
	n := opts.MaxConcurrentChecks
	if n == 0 {
		n = max(1, runtime.GOMAXPROCS(0)/2)
	}
	a.sem = semaphore.NewWeighted(int64(n))
	_, _ = rand.Read(a.macKey[:]) // never fails (crypto/rand.Read crashes the program instead)
	return a, nil
}

func (a *Authenticator) reloaded() {
	if a.onReload != nil {
		a.onReload()
	}
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
//     [authn.ErrUnavailable] when the request's context ended before the
//     password could be checked.
//
// Bcrypt and argon2id checks wait for one of [Options.MaxConcurrentChecks]
// slots, and successes are cached for [Options.CacheTTL]. The request is
// not modified. Safe for concurrent use.
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
	if err := ctx.Err(); err != nil {
		return nil, false, notChecked(err)
	}
	if err := a.sem.Acquire(ctx, 1); err != nil {
		return nil, false, notChecked(err)
	}
	if err := ctx.Err(); err != nil { // Acquire may succeed on a done context
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

// notChecked wraps the context error of a request that ended before its
// password was checked: that is "could not check", not "wrong".
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

// Close stops watching the file, waiting for the watcher goroutine to
// return. It is idempotent; for an Authenticator from [NewFromCSV] it does
// nothing. The Authenticator keeps answering with the last file it loaded.
func (a *Authenticator) Close() error {
	if a.file == nil {
		return nil
	}
	return a.file.Close()
}
