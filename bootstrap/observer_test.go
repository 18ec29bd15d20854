package bootstrap

import (
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// Loads of the Secrets file are reported, with the number of bootstrap
// tokens, and Health says which content serves.
func TestFileStoreObserverAndHealth(t *testing.T) {
	path := writeFile(t, yamlSecret)
	rec := authntest.NewRecorder()
	st, err := NewFileStore(FileStoreOptions{
		FileOptions: authn.FileOptions{Path: path, Interval: -1},
		Logger:      slog.New(slog.DiscardHandler),
		Observer:    rec.Observer(),
	})
	require.NoError(t, err)
	defer st.Close()

	events := rec.Reload()
	require.Len(t, events, 1)
	assert.Equal(t, "bootstrap", events[0].Component)
	assert.True(t, events[0].OK && events[0].First)
	assert.Equal(t, 1, events[0].Entries)
	health := st.Health()
	require.Len(t, health, 1)
	assert.Equal(t, events[0].ContentHash, health[0].ContentHash)
	assert.Equal(t, path, health[0].Path)

	require.NoError(t, os.WriteFile(path, []byte("{not: [yaml"), 0o600))
	loadErr := st.Reload()
	require.Error(t, loadErr)
	events = rec.Reload()
	require.Len(t, events, 2)
	assert.False(t, events[1].OK)
	assert.Equal(t, 1, events[1].Entries, "the previous Secrets keep serving")
	assert.Equal(t, loadErr, st.Health()[0].LastError)
}
