package reload

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// list is a snapshot that counts its entries: the file's comma-separated
// words.
type list struct{ words []string }

func (l *list) Entries() int { return len(l.words) }

func parseList(path string, data []byte) (*list, error) {
	s := strings.TrimSpace(string(data))
	if strings.HasPrefix(s, "broken") {
		return nil, &lineError{path: path, line: 1, err: errBroken}
	}
	return &list{words: strings.Split(s, ",")}, nil
}

func hashOf(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestObserverAndHealth follows a file through loads, a broken version, a
// deletion and a repair, under the periodic check, and checks the events
// and the health at each step.
func TestObserverAndHealth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = time.Minute
		path := filepath.Join(t.TempDir(), "words")
		writeFile(t, path, "a,b")
		rec := authntest.NewRecorder()
		var failures atomic.Int64
		start := time.Now()
		f, err := newFile(path, parseList, Options{
			Name:     "words",
			Interval: interval,
			MaxSize:  testMaxSize,
			Logger:   slog.New(slog.DiscardHandler),
			OnError:  func(error) { failures.Add(1) },
			Observer: rec.Observer(),
		}, knobs{noNotify: true})
		require.NoError(t, err)

		ok := authn.ReloadEvent{Component: "words", Path: path, OK: true, First: true, Time: start, ContentHash: hashOf("a,b"), Entries: 2}
		assert.Equal(t, []authn.ReloadEvent{ok}, rec.Reload())
		assert.Equal(t, authn.FileHealth{Component: "words", Path: path, LastLoad: start, Entries: 2,
			ContentHash: hashOf("a,b"), NextCheck: start.Add(interval)}, f.Health())

		// Unchanged content: no attempt.
		time.Sleep(interval)
		synctest.Wait()
		assert.Len(t, rec.Reload(), 1)
		assert.Equal(t, start.Add(2*interval), f.Health().NextCheck)

		// A broken version: one failure, the old content still in use.
		writeFile(t, path, "broken")
		time.Sleep(interval)
		synctest.Wait()
		events := rec.Reload()
		require.Len(t, events, 2)
		failed := events[1]
		require.ErrorIs(t, failed.Err, errBroken)
		assert.Equal(t, authn.ReloadEvent{Component: "words", Path: path, Err: failed.Err, Time: start.Add(2 * interval),
			ContentHash: hashOf("a,b"), Entries: 2}, failed)
		h := f.Health()
		assert.Equal(t, start, h.LastLoad, "the content in use was loaded at start")
		require.ErrorIs(t, h.LastError, errBroken)
		time.Sleep(3 * interval)
		synctest.Wait()
		assert.Len(t, rec.Reload(), 2, "the same broken content is no new attempt")

		// A deleted file fails at every check: it may come back.
		require.NoError(t, os.Remove(path))
		time.Sleep(2 * interval)
		synctest.Wait()
		events = rec.Reload()
		require.Len(t, events, 4)
		for _, e := range events[2:] {
			assert.False(t, e.OK)
			require.ErrorIs(t, e.Err, fs.ErrNotExist)
			assert.Equal(t, hashOf("a,b"), e.ContentHash)
		}
		assert.EqualValues(t, 2, failures.Load(), "OnError hears of each failure once")

		// Repaired.
		writeFile(t, path, "a,b,c")
		time.Sleep(interval)
		synctest.Wait()
		now := time.Now()
		events = rec.Reload()
		require.Len(t, events, 5)
		assert.Equal(t, authn.ReloadEvent{Component: "words", Path: path, OK: true, Time: now, ContentHash: hashOf("a,b,c"), Entries: 3}, events[4])
		assert.Equal(t, authn.FileHealth{Component: "words", Path: path, LastLoad: now, Entries: 3,
			ContentHash: hashOf("a,b,c"), NextCheck: now.Add(interval)}, f.Health())

		// Reload is an attempt whatever the content.
		require.NoError(t, f.Reload())
		assert.Len(t, rec.Reload(), 6)

		require.NoError(t, f.Close())
		assert.Zero(t, f.Health().NextCheck, "no check after Close")
	})
}

// A first load that fails is reported, and New returns its error.
func TestObserverFirstLoadFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "words")
	writeFile(t, path, "broken")
	rec := authntest.NewRecorder()
	_, err := New(path, parseList, Options{MaxSize: testMaxSize, Interval: -1, Logger: slog.New(slog.DiscardHandler), Observer: rec.Observer()})
	require.ErrorIs(t, err, errBroken)
	events := rec.Reload()
	require.Len(t, events, 1)
	assert.True(t, events[0].First)
	assert.False(t, events[0].OK)
	assert.Equal(t, err, events[0].Err)
	assert.Empty(t, events[0].ContentHash, "no content is in use")
	assert.Equal(t, -1, events[0].Entries)
}

// A snapshot that cannot count reports -1 entries; a File without a
// periodic check has no next check.
func TestHealthWithoutCountOrCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	writeFile(t, path, "v1")
	f, err := newFile(path, (&parser{}).parse, Options{MaxSize: testMaxSize, Interval: -1, Logger: slog.New(slog.DiscardHandler)}, knobs{noNotify: true})
	require.NoError(t, err)
	defer f.Close()
	h := f.Health()
	assert.Equal(t, -1, h.Entries)
	assert.Equal(t, hashOf("v1"), h.ContentHash)
	assert.Zero(t, h.NextCheck)
	assert.Equal(t, "reload", h.Component, "the default Name")
}
