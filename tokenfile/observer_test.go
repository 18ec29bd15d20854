package tokenfile

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
)

func sha256Hex(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// A real file, replaced by a broken version and then by a good one: each
// attempt is reported, and Health follows.
func TestObserverAndHealth(t *testing.T) {
	defer goleak.VerifyNone(t)
	const v1, v2 = "t1,alice,1\nt2,bob,2\n", "t3,carol,3\n"
	path := writeTokenFile(t, v1)
	ev, rec := newReloadEvents(), authntest.NewRecorder()
	opts := ev.options(path)
	opts.Observer = rec.Observer()
	a, err := New(opts)
	require.NoError(t, err)
	defer a.Close()

	events := rec.Reload()
	require.Len(t, events, 1)
	first := events[0]
	assert.Equal(t, authn.ReloadEvent{Component: "tokenfile", Path: path, OK: true, First: true, Time: first.Time,
		ContentHash: sha256Hex(v1), Entries: 2}, first)
	h := a.Health()
	require.Len(t, h, 1)
	assert.Equal(t, authn.FileHealth{Component: "tokenfile", Path: path, LastLoad: first.Time, Entries: 2, ContentHash: sha256Hex(v1)}, h[0],
		"no periodic check with a negative Interval")

	reloadtest.Replace(t, path, "t3,carol\n")
	loadErr := ev.WaitError(t)
	events = rec.Reload()
	require.Len(t, events, 2)
	assert.Equal(t, authn.ReloadEvent{Component: "tokenfile", Path: path, Err: loadErr, Time: events[1].Time,
		ContentHash: sha256Hex(v1), Entries: 2}, events[1], "the old tokens keep serving")
	h = a.Health()
	assert.Equal(t, loadErr, h[0].LastError)
	assert.Equal(t, first.Time, h[0].LastLoad)

	reloadtest.Replace(t, path, v2)
	ev.WaitReload(t)
	events = rec.Reload()
	require.Len(t, events, 3)
	assert.Equal(t, authn.ReloadEvent{Component: "tokenfile", Path: path, OK: true, Time: events[2].Time,
		ContentHash: sha256Hex(v2), Entries: 1}, events[2])
	assert.Equal(t, authn.FileHealth{Component: "tokenfile", Path: path, LastLoad: events[2].Time, Entries: 1, ContentHash: sha256Hex(v2)}, a.Health()[0])
	assert.Nil(t, newTestAuthenticator(t, v1).Health(), "NewFromCSV has no file")
}
