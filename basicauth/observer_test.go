package basicauth_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/basicauth"
)

// Loads of the password file are reported, with the number of users, and
// Health says which content serves.
func TestObserverAndHealth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "basic.csv")
	require.NoError(t, os.WriteFile(path, []byte("pw1,alice,1\npw2,bob,2\n"), 0o600))
	rec := authntest.NewRecorder()
	a, err := basicauth.New(basicauth.Options{
		FileOptions: authn.FileOptions{Path: path, Interval: -1},
		Logger:      slog.New(slog.DiscardHandler),
		Observer:    rec.Observer(),
	})
	require.NoError(t, err)
	defer a.Close()

	events := rec.Reload()
	require.Len(t, events, 1)
	assert.Equal(t, "basicauth", events[0].Component)
	assert.True(t, events[0].OK && events[0].First)
	assert.Equal(t, 2, events[0].Entries)
	health := a.Health()
	require.Len(t, health, 1)
	assert.Equal(t, events[0].ContentHash, health[0].ContentHash)
	assert.Equal(t, 2, health[0].Entries)

	require.NoError(t, os.WriteFile(path, []byte("pw3,carol\n"), 0o600))
	loadErr := a.Reload()
	require.Error(t, loadErr)
	events = rec.Reload()
	require.Len(t, events, 2)
	assert.False(t, events[1].OK)
	assert.Equal(t, loadErr, events[1].Err)
	assert.Equal(t, 2, events[1].Entries, "the old users keep serving")
	assert.Equal(t, loadErr, a.Health()[0].LastError)

	fixed, err := basicauth.NewFromCSV([]byte("pw,u,1\n"), basicauth.Options{})
	require.NoError(t, err)
	assert.Nil(t, fixed.Health(), "NewFromCSV has no file")
}
