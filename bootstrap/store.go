package bootstrap

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync/atomic"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/reload"
)

// DefaultMaxSize is the largest store file read, in bytes, when
// [authn.FileOptions.MaxSize] is zero: 16 MiB.
const DefaultMaxSize = 16 << 20

// StaticStore is a [Store] over a fixed set of Secrets. Create it with
// [NewStaticStore]; the zero value holds no Secrets. It is safe for
// concurrent use.
type StaticStore struct {
	byID map[string]*Secret
}

var _ Store = (*StaticStore)(nil)

// NewStaticStore returns a Store holding copies of secrets. Each must be a
// valid bootstrap token Secret, checked as [NewFileStore] checks a file's
// items (namespace kube-system, name bootstrap-token-<id>, type
// bootstrap.kubernetes.io/token, token-id and token-secret of the right
// form, a parseable expiration, valid extra groups); the error names the
// Secret by index and name, never a secret value. Two Secrets of the same
// name are an error.
func NewStaticStore(secrets ...Secret) (*StaticStore, error) {
	st := &StaticStore{byID: make(map[string]*Secret, len(secrets))}
	for i, s := range secrets {
		c := s
		c.Data = maps.Clone(s.Data)
		id, keep, err := checkSecret(&c)
		if err == nil && !keep {
			err = fmt.Errorf("type %q: want %s", truncate(c.Type), SecretType)
		}
		if err != nil {
			return nil, fmt.Errorf("bootstrap: secret %d (%s/%s): %w", i, c.Namespace, c.Name, err)
		}
		if _, dup := st.byID[id]; dup {
			return nil, fmt.Errorf("bootstrap: secret %d (%s/%s): duplicate", i, c.Namespace, c.Name)
		}
		st.byID[id] = &c
	}
	return st, nil
}

// Get returns the Secret for tokenID, or (nil, nil). It never fails. The
// Secret is shared and must not be modified.
func (st *StaticStore) Get(_ context.Context, tokenID string) (*Secret, error) {
	return st.byID[tokenID], nil
}

// FileStoreOptions configures a [FileStore]. Path is required; the zero
// value of every other field is a sound default.
type FileStoreOptions struct {
	// FileOptions names the file of Secrets and says how it is kept
	// current: Path (required), Interval, MaxSize (zero:
	// [DefaultMaxSize]), OnError and OnReload. See [authn.FileOptions]. A
	// reload failure's error names the file and the item.
	authn.FileOptions
	// Logger receives lifecycle events: "loaded" (path, number of tokens
	// and of skipped Secrets; never a token; at Warn when the file has no
	// bootstrap token, at start and on every reload) and reload failures. Nil
	// means [slog.Default], resolved once in NewFileStore. It is tagged
	// store=bootstrap.
	Logger *slog.Logger
	// Observer receives an [authn.ReloadEvent] (Component "bootstrap",
	// Entries the number of bootstrap tokens) after every attempt to load
	// the file, the first included. Nil: nothing is recorded.
	Observer *authn.Observer
}

// FileStore is a [Store] that reads bootstrap token Secrets from a YAML or
// JSON file (see the package documentation for the format) and keeps them
// current as the file changes. Create it with [NewFileStore]; the zero
// value is not usable. Get is safe for concurrent use and takes no lock.
type FileStore struct {
	file *reload.File[secretSet]
}

var _ Store = (*FileStore)(nil)

// NewFileStore reads the file at opts.Path and returns a FileStore that
// keeps it current, as [authn.FileOptions] describes: changes are noticed
// through fsnotify on the file's directory and a periodic check, and a
// file that fails to read or parse leaves the previous Secrets serving
// (the failure is logged and passed to OnError).
//
// NewFileStore fails if the file cannot be read or parsed; the error names
// the file and the item (index, line, namespace/name) and never contains a
// secret value. A missing file matches [io/fs.ErrNotExist]. The FileStore
// owns a goroutine until [FileStore.Close].
func NewFileStore(opts FileStoreOptions) (*FileStore, error) {
	logger := cmp.Or(opts.Logger, slog.Default()).With("store", "bootstrap")
	var serving atomic.Int64 // tokens in the set serving; -1 before the first load
	serving.Store(-1)
	f, err := reload.New(opts.Path, func(path string, data []byte) (*secretSet, error) {
		set, err := parseSecrets(path, data)
		if err != nil {
			return nil, err
		}
		// A set that parses is stored: it replaces the one serving.
		args := []any{"path", path, "tokens", len(set.byID), "skipped", set.skipped}
		if previous := serving.Swap(int64(len(set.byID))); previous >= 0 {
			args = append(args, "previous_tokens", previous)
		}
		if len(set.byID) == 0 {
			logger.Warn("bootstrap token file has no bootstrap tokens: every bootstrap token gets no opinion", args...)
		} else {
			logger.Info("loaded", args...)
		}
		return set, nil
	}, reload.OptionsFor("bootstrap", opts.FileOptions, DefaultMaxSize, logger, opts.Observer))
	if err != nil {
		return nil, err
	}
	return &FileStore{file: f}, nil
}

// Get returns the Secret for tokenID from the current file, or (nil, nil).
// It never fails and takes no lock. The Secret is shared and must not be
// modified.
func (fs *FileStore) Get(_ context.Context, tokenID string) (*Secret, error) {
	return fs.file.Load().byID[tokenID], nil
}

// Reload reads and parses the file now, as the watcher does when the file
// changes. On failure the previous Secrets keep serving and the error,
// which names the file and item, is logged, passed to OnError and
// returned.
func (fs *FileStore) Reload() error { return fs.file.Reload() }

// Health reports the file's state ([authn.FileHealth]: when the Secrets
// in use were loaded, the last failure, the number of bootstrap tokens,
// the content's hash, the next periodic check), one element for the one
// file. It does no I/O.
func (fs *FileStore) Health() []authn.FileHealth { return []authn.FileHealth{fs.file.Health()} }

// Close stops watching the file and waits for the watcher goroutine to
// return. The last Secrets loaded keep serving. Close is idempotent.
func (fs *FileStore) Close() error { return fs.file.Close() }
