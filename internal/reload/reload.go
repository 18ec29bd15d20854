package reload

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/authnkit/authnkit/authn"
)

// defaultDebounce is how long the watcher waits after the last relevant
// file-system event before it reads the file: editors and Kubernetes'
// atomic writer produce bursts of events for one logical change.
const defaultDebounce = 100 * time.Millisecond

// Options configures a [File]. Interval, MaxSize, OnError and OnReload
// mean what the fields of the same names in [authn.FileOptions] mean,
// where they are documented for every file-backed authenticator; build
// Options from those with [OptionsFor]. MaxSize is required here: the
// owner resolves its own default.
type Options struct {
	// Name is the component that owns the file, such as "tokenfile". It
	// prefixes errors that this package creates ("tokenfile: open …").
	// Empty means "reload".
	Name string
	// Interval: zero means [authn.DefaultFileInterval], negative none.
	Interval time.Duration
	// MaxSize bounds how many bytes are read. It must be positive.
	MaxSize int64
	// Logger receives reload failures (Warn) and successful reloads
	// (Debug). It is used as is: the owning component tags it. Nil means
	// [slog.Default], resolved once in [New].
	Logger *slog.Logger
	// OnError is called on the goroutine that reloaded (the watcher, or
	// the caller of [File.Reload]), after the failure has been logged; not
	// for the failure New returns. It must not call [File.Close].
	OnError func(error)
	// OnReload is called after a new snapshot has been stored (not for
	// the first one, which New stores), on the goroutine that reloaded.
	// It must not call [File.Close].
	OnReload func()
	// Observer, when its Reload function is set, receives an
	// [authn.ReloadEvent] after every attempt to load the file (see
	// [File]), with Name as its Component. Nil: nothing is recorded.
	Observer *authn.Observer
}

// OptionsFor returns the Options for a file configured by fo and owned by
// the component name, which logs to logger and reports to obs (nil:
// nowhere): fo's Interval, OnError and OnReload, and fo.MaxSize or, when
// that is zero, defaultMaxSize (the owner's documented default). fo.Path
// is the path to give [New].
func OptionsFor(name string, fo authn.FileOptions, defaultMaxSize int64, logger *slog.Logger, obs *authn.Observer) Options {
	return Options{
		Name:     name,
		Interval: fo.Interval,
		MaxSize:  cmp.Or(fo.MaxSize, defaultMaxSize),
		Logger:   logger,
		OnError:  fo.OnError,
		OnReload: fo.OnReload,
		Observer: obs,
	}
}

// Counter is implemented by snapshots that can tell how many entries
// (tokens, users, keys, certificates) they hold. A [File] of a snapshot
// type *T that implements it reports the count in its
// [authn.ReloadEvent]s and [File.Health]; other Files report -1.
type Counter interface {
	Entries() int
}

// File holds the parsed snapshot of one file behind an atomic pointer and
// keeps it current. Create it with [New]; the zero value is not usable.
// All methods are safe for concurrent use.
type File[T any] struct {
	cur atomic.Pointer[T]

	path     string
	dir      string
	base     string
	symlink  bool // path was a symbolic link when New ran
	name     string
	parse    func(path string, data []byte) (*T, error)
	maxSize  int64
	logger   *slog.Logger
	onError  func(error)
	onReload func()
	observe  func(authn.ReloadEvent) // nil: not observed

	mu   sync.Mutex // serializes reads and parses; guards seen
	seen seenState  // outcome of the last read, to skip unchanged content

	statusMu sync.Mutex // guards status; taken inside mu, never around it
	status   status

	watcher   *fsnotify.Watcher // nil when notifications are off or unavailable
	stop      chan struct{}
	done      chan struct{} // closed when the watch goroutine has returned
	closeOnce sync.Once
	closeErr  error
}

// seenState identifies what the last check found: the content's SHA-256,
// or the text of the read failure. Equal states mean nothing changed.
type seenState struct {
	sum     [sha256.Size]byte
	readErr string
}

// status is what [File.Health] reports.
type status struct {
	lastLoad  time.Time
	lastErr   error
	hash      string // of the content in use: "sha256:<hex>"
	entries   int
	nextCheck time.Time // zero: no periodic check (any more)
}

// knobs are test-only settings that New leaves at their defaults.
type knobs struct {
	debounce time.Duration         // zero means defaultDebounce
	noNotify bool                  // do not start fsnotify (synctest bubbles)
	events   <-chan fsnotify.Event // with noNotify: events fed by the test
}

// New reads and parses path once and returns a File holding the result, or
// the read or parse failure (naming the file). parse receives the path, for
// its error messages, and the file's bytes; it must return a non-nil
// snapshot or an error, and must not keep data. Errors from parse are
// returned as they are when they mention path, and prefixed with
// "name: path: " otherwise; a missing file matches [io/fs.ErrNotExist].
//
// Then New watches: fsnotify on the file's directory, so that rename-over,
// delete and re-create, and Kubernetes' "..data" symlink swaps are all seen
// (events are debounced), plus the periodic check of [Options.Interval].
// If notifications cannot be set up (for example the inotify watch limit
// is reached), New logs a warning and relies on the periodic check.
//
// The File owns a goroutine until [File.Close] is called.
func New[T any](path string, parse func(path string, data []byte) (*T, error), opts Options) (*File[T], error) {
	return newFile(path, parse, opts, knobs{})
}

func newFile[T any](path string, parse func(path string, data []byte) (*T, error), opts Options, k knobs) (*File[T], error) {
	name := opts.Name
	if name == "" {
		name = "reload"
	}
	switch {
	case path == "":
		return nil, fmt.Errorf("%s: empty file path", name)
	case parse == nil:
		return nil, fmt.Errorf("%s: nil parse function", name)
	case opts.MaxSize < 0:
		return nil, fmt.Errorf("%s: negative MaxSize %d", name, opts.MaxSize)
	case opts.MaxSize == 0:
		return nil, fmt.Errorf("%s: no MaxSize", name)
	}
	f := &File[T]{
		path:     path,
		dir:      filepath.Dir(path),
		base:     filepath.Base(path),
		name:     name,
		parse:    parse,
		maxSize:  opts.MaxSize,
		logger:   cmp.Or(opts.Logger, slog.Default()),
		onError:  opts.OnError,
		onReload: opts.OnReload,
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		status:   status{entries: -1},
	}
	if opts.Observer != nil {
		f.observe = opts.Observer.Reload
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		f.symlink = true
	}

	// The first load: no skipping, no callbacks, the error goes to the
	// caller (and to the observer).
	f.mu.Lock()
	err := f.load()
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}

	interval := cmp.Or(opts.Interval, authn.DefaultFileInterval)
	debounce := cmp.Or(max(k.debounce, 0), defaultDebounce)
	if !k.noNotify {
		f.watcher = f.startNotify()
	}
	var events <-chan fsnotify.Event
	var errs <-chan error
	if f.watcher != nil {
		events, errs = f.watcher.Events, f.watcher.Errors
	} else {
		events = k.events
	}
	if events == nil && interval < 0 {
		close(f.done) // nothing to run
		return f, nil
	}
	var tick *time.Ticker
	if interval > 0 {
		tick = time.NewTicker(interval)
		f.setNextCheck(time.Now().Add(interval))
	}
	go f.run(events, errs, tick, interval, debounce)
	return f, nil
}

// startNotify watches the file's directory, or logs why it cannot and
// returns nil. A watcher whose Add failed is kept: the periodic check
// retries the Add.
func (f *File[T]) startNotify() *fsnotify.Watcher {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		f.logger.Warn("file notifications unavailable, relying on the periodic check",
			"path", f.path, "err", err)
		return nil
	}
	if err := w.Add(f.dir); err != nil {
		f.logger.Warn("cannot watch directory, relying on the periodic check",
			"path", f.path, "err", err)
	}
	return w
}

// Load returns the current snapshot without locking. It is never nil once
// [New] has succeeded. The snapshot is shared: callers must not modify it.
func (f *File[T]) Load() *T { return f.cur.Load() }

// Reload reads and parses the file now, on the calling goroutine, even if
// its content has not changed, and stores the result. On failure the
// previous snapshot is kept, and the error (naming the file) is logged at
// Warn, passed to [Options.OnError] and returned. Reload still works after
// [File.Close].
func (f *File[T]) Reload() error {
	return f.check(context.Background(), true)
}

// Health reports the file's state: its path, when the snapshot in use
// was loaded, the failure of the last attempt (nil after a success), the
// snapshot's entry count ([Counter]; -1 otherwise) and content hash, and
// when the periodic check runs next. It does no I/O and does not wait for
// a load in progress, only for the moment its outcome is recorded.
func (f *File[T]) Health() authn.FileHealth {
	f.statusMu.Lock()
	st := f.status
	f.statusMu.Unlock()
	return authn.FileHealth{
		Component:   f.name,
		Path:        f.path,
		LastLoad:    st.lastLoad,
		LastError:   st.lastErr,
		Entries:     st.entries,
		ContentHash: st.hash,
		NextCheck:   st.nextCheck,
	}
}

// Close stops watching and waits for the watcher goroutine to return. It is
// idempotent and returns the same error each time. The last snapshot stays
// available through [File.Load]. Close must not be called from OnError or
// OnReload.
func (f *File[T]) Close() error {
	f.closeOnce.Do(func() {
		close(f.stop)
		<-f.done
		if f.watcher != nil {
			if err := f.watcher.Close(); err != nil {
				f.closeErr = fmt.Errorf("%s: close watcher for %s: %w", f.name, f.path, err)
			}
		}
	})
	return f.closeErr
}

// check reads the file and, when force is set or the outcome differs from
// the last check's, parses it and stores or reports the result. Unforced
// checks of unchanged content, or of a failure already reported, do
// nothing and return nil, except that a read failure is reported to the
// observer again: it is an attempt that may succeed next time.
func (f *File[T]) check(ctx context.Context, force bool) error {
	f.mu.Lock()
	data, err := f.read()
	var now seenState
	if err != nil {
		now.readErr = err.Error()
	} else {
		now.sum = sha256.Sum256(data)
	}
	if !force && now == f.seen {
		if err != nil {
			f.loaded(nil, err, now.sum, false)
		}
		f.mu.Unlock()
		return nil
	}
	f.seen = now
	var snap *T
	if err == nil {
		snap, err = f.parseData(data)
	}
	f.loaded(snap, err, now.sum, false)
	f.mu.Unlock()

	if err != nil {
		f.logger.WarnContext(ctx, "reload failed, keeping previous snapshot", "path", f.path, "err", err)
		if f.onError != nil {
			f.onError(err)
		}
		return err
	}
	f.logger.DebugContext(ctx, "reloaded", "path", f.path)
	if f.onReload != nil {
		f.onReload()
	}
	return nil
}

// load is the first load: it reads and parses the file, records what it
// saw, and stores the snapshot. f.mu is held.
func (f *File[T]) load() error {
	data, err := f.read()
	if err != nil {
		f.seen = seenState{readErr: err.Error()}
		f.loaded(nil, err, [sha256.Size]byte{}, true)
		return err
	}
	f.seen = seenState{sum: sha256.Sum256(data)}
	snap, err := f.parseData(data)
	f.loaded(snap, err, f.seen.sum, true)
	return err
}

// loaded ends a load attempt: on success (err nil) it stores snap, whose
// content has SHA-256 sum; either way it updates the status and tells the
// observer. f.mu is held, so that stores, status and events follow the
// order of the attempts.
func (f *File[T]) loaded(snap *T, err error, sum [sha256.Size]byte, first bool) {
	now := time.Now()
	f.statusMu.Lock()
	st := &f.status
	if err == nil {
		f.cur.Store(snap)
		st.lastLoad, st.lastErr = now, nil
		st.hash = "sha256:" + hex.EncodeToString(sum[:])
		st.entries = -1
		if c, ok := any(snap).(Counter); ok {
			st.entries = c.Entries()
		}
	} else {
		st.lastErr = err
	}
	ev := authn.ReloadEvent{Component: f.name, Path: f.path, OK: err == nil, Err: err,
		First: first, Time: now, ContentHash: st.hash, Entries: st.entries}
	f.statusMu.Unlock()
	if f.observe != nil {
		f.observe(ev)
	}
}

// setNextCheck records when the periodic check runs next.
func (f *File[T]) setNextCheck(t time.Time) {
	f.statusMu.Lock()
	f.status.nextCheck = t
	f.statusMu.Unlock()
}

// parseData runs parse and makes sure its error names the file.
func (f *File[T]) parseData(data []byte) (*T, error) {
	snap, err := f.parse(f.path, data)
	switch {
	case err != nil:
		if !strings.Contains(err.Error(), f.path) {
			err = fmt.Errorf("%s: %s: %w", f.name, f.path, err)
		}
		return nil, err
	case snap == nil:
		return nil, fmt.Errorf("%s: %s: parse returned no snapshot", f.name, f.path)
	}
	return snap, nil
}

// ErrNotRegular reports a path that is not a regular file (a directory, a
// FIFO that would block, a device).
var ErrNotRegular = errors.New("not a regular file")

// read returns the file's content, at most f.maxSize bytes.
func (f *File[T]) read() ([]byte, error) {
	return ReadFile(f.name, f.path, f.maxSize)
}

// ReadFile returns the content of the regular file at path, refusing one
// larger than maxSize bytes, as a [File] reads it. Errors start with name
// and name the path; one for a path that is not a regular file matches
// [ErrNotRegular], one for a missing file [io/fs.ErrNotExist].
func ReadFile(name, path string, maxSize int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s: %w", name, path, ErrNotRegular)
	}
	if fi.Size() > maxSize {
		return nil, fmt.Errorf("%s: %s: file is %d bytes, more than the limit of %d", name, path, fi.Size(), maxSize)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer fh.Close()
	var buf bytes.Buffer
	buf.Grow(int(fi.Size()) + bytes.MinRead)
	// The file may have grown since Stat: read one byte past the limit.
	if _, err := buf.ReadFrom(io.LimitReader(fh, maxSize+1)); err != nil {
		return nil, fmt.Errorf("%s: read %s: %w", name, path, err)
	}
	if int64(buf.Len()) > maxSize {
		return nil, fmt.Errorf("%s: %s: file is more than the limit of %d bytes", name, path, maxSize)
	}
	return buf.Bytes(), nil
}

// run is the watch goroutine: it debounces relevant fsnotify events and
// runs the periodic check of ticker, which ticks every interval, until
// Close. events, errs and ticker may be nil (no periodic check).
func (f *File[T]) run(events <-chan fsnotify.Event, errs <-chan error, ticker *time.Ticker, interval, debounce time.Duration) {
	defer close(f.done)
	defer f.setNextCheck(time.Time{})
	ctx := context.Background()
	var tick <-chan time.Time
	if ticker != nil {
		defer ticker.Stop()
		tick = ticker.C
	}
	var timer *time.Timer
	var fire <-chan time.Time
	schedule := func() {
		if timer == nil {
			timer = time.NewTimer(debounce)
		} else {
			timer.Reset(debounce) // Go ≥ 1.23 timers: no stale fire after Reset
		}
		fire = timer.C
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()

	for {
		select {
		case <-f.stop:
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if f.relevant(ev) {
				schedule()
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// For example an event queue overflow: events may have been
			// lost, so look at the file.
			f.logger.WarnContext(ctx, "file watch error", "path", f.path, "err", err)
			schedule()
		case <-fire:
			fire = nil
			_ = f.check(ctx, false) // reported by check
		case t := <-tick:
			f.setNextCheck(t.Add(interval))
			f.rewatch(ctx)
			_ = f.check(ctx, false)
		}
	}
}

// relevant reports whether ev may have changed the file's content: an
// event on the file's own name, on a Kubernetes atomic-writer entry
// ("..data", "..2024_…"), on the directory itself, or on anything in the
// directory when the path is a symbolic link (whose target may be any
// sibling).
func (f *File[T]) relevant(ev fsnotify.Event) bool {
	if f.symlink || filepath.Clean(ev.Name) == filepath.Clean(f.dir) {
		return true
	}
	b := filepath.Base(ev.Name)
	return b == f.base || strings.HasPrefix(b, "..")
}

// rewatch adds the directory watch again when it was lost (the directory
// was removed and re-created, or the first Add failed).
func (f *File[T]) rewatch(ctx context.Context) {
	if f.watcher == nil || len(f.watcher.WatchList()) > 0 {
		return
	}
	if err := f.watcher.Add(f.dir); err == nil {
		f.logger.InfoContext(ctx, "watching directory again", "path", f.path)
	}
}
