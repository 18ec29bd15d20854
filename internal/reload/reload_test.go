package reload

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// snapshot is what the test parser produces: the file's trimmed content.
type snapshot struct{ text string }

// errBroken is what the test parser returns for content starting "broken".
var errBroken = errors.New("broken content")

// parser counts its calls and rejects content that starts with "broken",
// with an error naming path and line as real parsers do.
type parser struct{ calls atomic.Int64 }

func (p *parser) parse(path string, data []byte) (*snapshot, error) {
	p.calls.Add(1)
	s := strings.TrimSpace(string(data))
	if strings.HasPrefix(s, "broken") {
		return nil, &lineError{path: path, line: 1, err: errBroken}
	}
	return &snapshot{text: s}, nil
}

type lineError struct {
	path string
	line int
	err  error
}

func (e *lineError) Error() string { return "test: " + e.path + ":1: " + e.err.Error() }
func (e *lineError) Unwrap() error { return e.err }

// events collects the callbacks of a File.
type events struct{ *reloadtest.Events }

func newEvents() *events { return &events{reloadtest.NewEvents()} }

// testMaxSize is the MaxSize of the tests' files, which are small.
const testMaxSize = 1 << 20

func (e *events) options(interval time.Duration) Options {
	return Options{
		Name:     "test",
		Interval: interval,
		MaxSize:  testMaxSize,
		Logger:   slog.New(slog.DiscardHandler),
		OnReload: e.OnReload,
		OnError:  e.OnError,
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

// replaceFile writes content next to path and renames it over path, as
// editors and config-management tools do.
// watch starts a File on path, notified by fsnotify only, with a counting
// parser. The caller closes it.
func watch(t *testing.T, path string) (*File[snapshot], *events, *parser) {
	t.Helper()
	ev, p := newEvents(), &parser{}
	f, err := New(path, p.parse, ev.options(-1))
	require.NoError(t, err)
	return f, ev, p
}

func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	writeFile(t, tmp, content)
	require.NoError(t, os.Rename(tmp, path))
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	writeFile(t, good, "v1")
	broken := filepath.Join(dir, "broken")
	writeFile(t, broken, "broken")
	big := filepath.Join(dir, "big")
	writeFile(t, big, strings.Repeat("x", 100))
	p := &parser{}
	base := Options{MaxSize: testMaxSize}

	tests := []struct {
		name     string
		path     string
		parse    func(string, []byte) (*snapshot, error)
		opts     Options
		wantIs   error
		wantText string
	}{
		{name: "missing file", path: filepath.Join(dir, "nope"), parse: p.parse, opts: base, wantIs: fs.ErrNotExist, wantText: filepath.Join(dir, "nope")},
		{name: "parse error kept as is", path: broken, parse: p.parse, opts: base, wantIs: errBroken, wantText: "test: " + broken + ":1: broken content"},
		{name: "parse error without path is prefixed", path: good, parse: func(string, []byte) (*snapshot, error) {
			return nil, io.ErrUnexpectedEOF
		}, opts: Options{Name: "comp", MaxSize: testMaxSize}, wantIs: io.ErrUnexpectedEOF, wantText: "comp: " + good + ": unexpected EOF"},
		{name: "nil snapshot", path: good, parse: func(string, []byte) (*snapshot, error) { return nil, nil }, opts: base, wantText: good},
		{name: "too large", path: big, parse: p.parse, opts: Options{MaxSize: 99}, wantText: big},
		{name: "directory", path: dir, parse: p.parse, opts: base, wantIs: ErrNotRegular, wantText: dir},
		{name: "empty path", path: "", parse: p.parse, opts: base, wantText: "empty file path"},
		{name: "nil parse", path: good, parse: nil, opts: base, wantText: "nil parse"},
		{name: "negative MaxSize", path: good, parse: p.parse, opts: Options{MaxSize: -1}, wantText: "negative MaxSize"},
		{name: "no MaxSize", path: good, parse: p.parse, wantText: "no MaxSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			tt.opts.Logger = slog.New(slog.DiscardHandler)
			f, err := New(tt.path, tt.parse, tt.opts)
			require.Error(t, err)
			assert.Nil(t, f)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			assert.Contains(t, err.Error(), tt.wantText)
		})
	}
}

func TestMaxSizeExact(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := filepath.Join(t.TempDir(), "f")
	writeFile(t, path, strings.Repeat("x", 100))
	p := &parser{}
	f, err := New(path, p.parse, Options{MaxSize: 100, Interval: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer f.Close()
	assert.Len(t, f.Load().text, 100)

	writeFile(t, path, strings.Repeat("y", 101))
	err = f.Reload()
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Len(t, f.Load().text, 100, "old snapshot kept")
}

func TestWatch(t *testing.T) {
	// Each case starts from a file holding "v1", changes it on disk, and
	// expects the watcher (fsnotify only: no periodic check) to react.
	tests := []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{name: "write in place", change: func(t *testing.T, path string) { writeFile(t, path, "v2") }},
		{name: "rename over", change: func(t *testing.T, path string) { replaceFile(t, path, "v2") }},
		{name: "truncate then write", change: func(t *testing.T, path string) {
			fh, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
			require.NoError(t, err)
			_, err = fh.WriteString("v2\n")
			require.NoError(t, err)
			require.NoError(t, fh.Close())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			path := filepath.Join(t.TempDir(), "config")
			writeFile(t, path, "v1")
			ev := newEvents()
			p := &parser{}
			f, err := New(path, p.parse, ev.options(-1))
			require.NoError(t, err)
			defer f.Close()
			require.Equal(t, "v1", f.Load().text)

			tt.change(t, path)
			ev.WaitReload(t)
			assert.Equal(t, "v2", f.Load().text)
		})
	}
}

func TestBrokenChangeKeepsSnapshot(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := filepath.Join(t.TempDir(), "config")
	writeFile(t, path, "v1")
	f, ev, _ := watch(t, path)
	defer f.Close()

	replaceFile(t, path, "broken")
	err := ev.WaitError(t)
	require.ErrorIs(t, err, errBroken)
	assert.Contains(t, err.Error(), path+":1:")
	assert.Equal(t, "v1", f.Load().text, "old snapshot still serves")

	// Reload reports the same failure synchronously.
	err = f.Reload()
	require.ErrorIs(t, err, errBroken)
	require.ErrorIs(t, ev.WaitError(t), errBroken)
	assert.Equal(t, "v1", f.Load().text)

	replaceFile(t, path, "v3")
	ev.WaitReload(t)
	assert.Equal(t, "v3", f.Load().text)
}

func TestDeleteAndRecreate(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := filepath.Join(t.TempDir(), "config")
	writeFile(t, path, "v1")
	f, ev, _ := watch(t, path)
	defer f.Close()

	require.NoError(t, os.Remove(path))
	err := ev.WaitError(t)
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), path)
	assert.Equal(t, "v1", f.Load().text, "a deleted file keeps the old snapshot")
	require.ErrorIs(t, f.Reload(), fs.ErrNotExist)
	require.ErrorIs(t, ev.WaitError(t), fs.ErrNotExist)

	writeFile(t, path, "v2")
	ev.WaitReload(t)
	assert.Equal(t, "v2", f.Load().text)
}

// TestConfigMapSwap mimics the Kubernetes atomic writer behind ConfigMap and
// Secret volumes: the file is a symlink through "..data", and an update
// swaps "..data" to a new timestamped directory.
func TestConfigMapSwap(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	mkVersion := func(name, content string) {
		require.NoError(t, os.Mkdir(filepath.Join(dir, name), 0o700))
		writeFile(t, filepath.Join(dir, name, "config"), content)
	}
	mkVersion("..2024_01_01_00_00_00.1", "v1")
	require.NoError(t, os.Symlink("..2024_01_01_00_00_00.1", filepath.Join(dir, "..data")))
	path := filepath.Join(dir, "config")
	require.NoError(t, os.Symlink(filepath.Join("..data", "config"), path))

	f, ev, _ := watch(t, path)
	defer f.Close()
	require.Equal(t, "v1", f.Load().text)

	mkVersion("..2024_01_01_00_01_00.2", "v2")
	require.NoError(t, os.Symlink("..2024_01_01_00_01_00.2", filepath.Join(dir, "..data_tmp")))
	require.NoError(t, os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "..2024_01_01_00_00_00.1")))

	ev.WaitReload(t)
	assert.Equal(t, "v2", f.Load().text)
}

func TestUnrelatedFilesIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "config")
		writeFile(t, path, "v1")
		feed := make(chan fsnotify.Event)
		p := &parser{}
		f, err := newFile(path, p.parse, Options{Interval: -1, Logger: slog.New(slog.DiscardHandler), MaxSize: testMaxSize},
			knobs{noNotify: true, events: feed})
		require.NoError(t, err)
		defer f.Close()
		writeFile(t, path, "v2")

		feed <- fsnotify.Event{Name: filepath.Join(dir, "other"), Op: fsnotify.Write}
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, "v1", f.Load().text, "an event on another file does not trigger a read")

		feed <- fsnotify.Event{Name: path, Op: fsnotify.Write}
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, "v2", f.Load().text)
	})
}

func TestDebounce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config")
		writeFile(t, path, "v1")
		feed := make(chan fsnotify.Event)
		p := &parser{}
		var reloads atomic.Int64
		f, err := newFile(path, p.parse, Options{
			Interval: -1,
			MaxSize:  testMaxSize,
			Logger:   slog.New(slog.DiscardHandler),
			OnReload: func() { reloads.Add(1) },
		}, knobs{noNotify: true, events: feed, debounce: 100 * time.Millisecond})
		require.NoError(t, err)
		defer f.Close()
		require.EqualValues(t, 1, p.calls.Load())

		// A burst of events, each within the debounce window of the last,
		// leads to one read once the burst is over.
		for i := range 10 {
			writeFile(t, path, "v"+strings.Repeat("x", i))
			feed <- fsnotify.Event{Name: path, Op: fsnotify.Write}
			time.Sleep(50 * time.Millisecond)
		}
		synctest.Wait()
		assert.EqualValues(t, 1, p.calls.Load(), "nothing read during the burst")
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		assert.EqualValues(t, 2, p.calls.Load())
		assert.EqualValues(t, 1, reloads.Load())
		assert.Equal(t, "v"+strings.Repeat("x", 9), f.Load().text)
	})
}

func TestPeriodicCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config")
		writeFile(t, path, "v1")
		p := &parser{}
		var reloads, failures atomic.Int64
		var lastErr atomic.Pointer[error]
		f, err := newFile(path, p.parse, Options{
			MaxSize:  testMaxSize,
			Logger:   slog.New(slog.DiscardHandler),
			OnReload: func() { reloads.Add(1) },
			OnError:  func(err error) { failures.Add(1); lastErr.Store(&err) },
		}, knobs{noNotify: true}) // Interval 0: the one-minute default
		require.NoError(t, err)
		defer f.Close()

		// Same content rewritten (new mtime): read and hashed, not parsed.
		writeFile(t, path, "v1")
		time.Sleep(authn.DefaultFileInterval + time.Second)
		synctest.Wait()
		assert.EqualValues(t, 1, p.calls.Load(), "unchanged content is not parsed again")

		writeFile(t, path, "v2")
		time.Sleep(authn.DefaultFileInterval)
		synctest.Wait()
		assert.Equal(t, "v2", f.Load().text)
		assert.EqualValues(t, 2, p.calls.Load())
		assert.EqualValues(t, 1, reloads.Load())

		// A broken file is reported once, not at every tick.
		writeFile(t, path, "broken")
		time.Sleep(5 * authn.DefaultFileInterval)
		synctest.Wait()
		assert.Equal(t, "v2", f.Load().text)
		assert.EqualValues(t, 1, failures.Load())
		require.ErrorIs(t, *lastErr.Load(), errBroken)

		// So is a deleted file.
		require.NoError(t, os.Remove(path))
		time.Sleep(5 * authn.DefaultFileInterval)
		synctest.Wait()
		assert.EqualValues(t, 2, failures.Load())
		require.ErrorIs(t, *lastErr.Load(), fs.ErrNotExist)

		// Restoring the old content counts as a change.
		writeFile(t, path, "v2")
		time.Sleep(authn.DefaultFileInterval)
		synctest.Wait()
		assert.EqualValues(t, 2, reloads.Load())
		assert.Equal(t, "v2", f.Load().text)
	})
}

func TestReloadForcesParse(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := filepath.Join(t.TempDir(), "config")
	writeFile(t, path, "v1")
	f, ev, p := watch(t, path)
	first := f.Load()
	require.NoError(t, f.Reload())
	ev.WaitReload(t)
	assert.EqualValues(t, 2, p.calls.Load())
	assert.NotSame(t, first, f.Load(), "a forced reload stores a new snapshot")
	require.NoError(t, f.Close())
}

func TestClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := filepath.Join(t.TempDir(), "config")
	writeFile(t, path, "v1")
	p := &parser{}
	f, err := New(path, p.parse, Options{Interval: time.Hour, Logger: slog.New(slog.DiscardHandler), MaxSize: testMaxSize})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "idempotent")
	assert.Equal(t, "v1", f.Load().text, "last snapshot stays readable")

	// Reload still works without a watcher.
	writeFile(t, path, "v2")
	require.NoError(t, f.Reload())
	assert.Equal(t, "v2", f.Load().text)
}

func TestCloseWithoutGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := filepath.Join(t.TempDir(), "config")
	writeFile(t, path, "v1")
	p := &parser{}
	f, err := newFile(path, p.parse, Options{Interval: -1, MaxSize: testMaxSize}, knobs{noNotify: true})
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func TestConcurrentCloses(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := filepath.Join(t.TempDir(), "config")
	writeFile(t, path, "v1")
	p := &parser{}
	f, err := New(path, p.parse, Options{Logger: slog.New(slog.DiscardHandler), MaxSize: testMaxSize})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { assert.NoError(t, f.Close()) })
	}
	wg.Wait()
}

// TestDirectoryRecreated checks that the watch comes back after the
// directory itself is removed and created again. The periodic check, with
// a real short interval, re-adds the watch; the test polls with a deadline
// and asserts nothing about time.
func TestDirectoryRecreated(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := filepath.Join(t.TempDir(), "conf")
	require.NoError(t, os.Mkdir(dir, 0o700))
	path := filepath.Join(dir, "config")
	writeFile(t, path, "v1")
	p := &parser{}
	ev := newEvents()
	f, err := New(path, p.parse, ev.options(20*time.Millisecond))
	require.NoError(t, err)
	defer f.Close()

	require.NoError(t, os.RemoveAll(dir))
	require.ErrorIs(t, ev.WaitError(t), fs.ErrNotExist)
	require.NoError(t, os.Mkdir(dir, 0o700))
	writeFile(t, path, "v2")
	ev.WaitReload(t)
	assert.Equal(t, "v2", f.Load().text)

	// Wait until the watch is back, then a change is seen.
	require.Eventually(t, func() bool { return len(f.watcher.WatchList()) > 0 }, reloadtest.WaitTimeout, 10*time.Millisecond)
	writeFile(t, path, "v3")
	ev.WaitReload(t)
	assert.Equal(t, "v3", f.Load().text)
}

func TestConcurrentLoadAndReload(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := filepath.Join(t.TempDir(), "config")
	writeFile(t, path, "v1")
	p := &parser{}
	f, err := New(path, p.parse, Options{Interval: -1, Logger: slog.New(slog.DiscardHandler), MaxSize: testMaxSize})
	require.NoError(t, err)
	defer f.Close()

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					if f.Load() == nil {
						t.Error("nil snapshot")
						return
					}
				}
			}
		})
	}
	for i := range 50 {
		replaceFile(t, path, "v"+strings.Repeat("x", i))
		assert.NoError(t, f.Reload())
	}
	close(stop)
	wg.Wait()
}

func TestOptionsFor(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.DiscardHandler)
	var reloaded, failed bool
	fo := authn.FileOptions{
		Path:     "/ignored",
		Interval: -1,
		OnError:  func(error) { failed = true },
		OnReload: func() { reloaded = true },
	}
	obs := &authn.Observer{}
	o := OptionsFor("comp", fo, 123, logger, obs)
	assert.Equal(t, "comp", o.Name)
	assert.Same(t, obs, o.Observer)
	assert.Equal(t, time.Duration(-1), o.Interval)
	assert.EqualValues(t, 123, o.MaxSize, "zero MaxSize: the owner's default")
	assert.Same(t, logger, o.Logger)
	o.OnError(nil)
	o.OnReload()
	assert.True(t, failed)
	assert.True(t, reloaded)

	fo.MaxSize = 7
	assert.EqualValues(t, 7, OptionsFor("comp", fo, 123, logger, nil).MaxSize, "a set MaxSize wins")
}
