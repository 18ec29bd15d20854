package tokenfile

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/reload"
)

// DefaultMaxSize is the largest token file read, in bytes, when
// [authn.FileOptions.MaxSize] is zero, and the limit [NewFromCSV] applies:
// 16 MiB, some 100,000 rows.
const DefaultMaxSize = 16 << 20

// Options configures an [Authenticator] made by [New]. Path is required;
// the zero value of every other field is a sound default.
type Options struct {
	// FileOptions names the token file and says how it is kept current:
	// Path (required), Interval, MaxSize (zero: [DefaultMaxSize]),
	// OnError and OnReload. See [authn.FileOptions]. A reload failure's
	// error names the file and, for a parse error, the line.
	authn.FileOptions
	// Logger receives lifecycle events: "loaded" (path and number of
	// tokens, never a token; at Warn when the file has no tokens),
	// duplicate and suspicious rows (path and line), and reload failures.
	// Nil means [slog.Default], resolved once in New. It is tagged
	// authenticator=tokenfile.
	Logger *slog.Logger
	// Observer receives an [authn.ReloadEvent] (Component "tokenfile",
	// Entries the number of tokens) after every attempt to load the
	// file, the first included. Nil: nothing is recorded.
	Observer *authn.Observer
}

// Authenticator authenticates bearer tokens against a static token table
// read from a --token-auth-file CSV. It is safe for concurrent use; a
// lookup takes no lock. Create it with [New] or [NewFromCSV]; the zero
// value is not usable.
type Authenticator struct {
	static *table              // set by NewFromCSV
	file   *reload.File[table] // set by New
}

var _ authn.TokenAuthenticator = (*Authenticator)(nil)

// New reads the token file at opts.Path and returns an Authenticator that
// keeps it current, as [authn.FileOptions] describes: changes on disk are
// noticed through fsnotify on the file's directory and a periodic check,
// and a file that fails to read or parse leaves the previous tokens
// serving (the failure is logged and passed to OnError). See the package
// documentation for the format.
//
// New fails if the file cannot be read or parsed; the error names the file
// and line and never contains a token. A missing file matches
// [io/fs.ErrNotExist]; a malformed CSV quote matches [encoding/csv.ErrQuote]
// or [encoding/csv.ErrBareQuote]. The Authenticator owns a goroutine until
// [Authenticator.Close].
func New(opts Options) (*Authenticator, error) {
	logger := cmp.Or(opts.Logger, slog.Default()).With("authenticator", "tokenfile")
	var serving atomic.Int64 // tokens in the table serving; -1 before the first load
	serving.Store(-1)
	f, err := reload.New(opts.Path, func(path string, data []byte) (*table, error) {
		ctx := context.Background()
		t, err := parse(ctx, path, data, logger)
		if err != nil {
			return nil, err
		}
		// A table that parses is stored: it replaces the one serving.
		logLoaded(ctx, logger, path, t, serving.Swap(int64(t.Entries())))
		return t, nil
	}, reload.OptionsFor("tokenfile", opts.FileOptions, DefaultMaxSize, logger, opts.Observer))
	if err != nil {
		return nil, err
	}
	return &Authenticator{file: f}, nil
}

// NewFromCSV parses a token table in the --token-auth-file format from r,
// reading at most [DefaultMaxSize] bytes, and returns an Authenticator that
// never changes and owns no goroutine. Errors name the line ("tokenfile:
// line 3: …") and never contain a token. It does not log: duplicate tokens
// silently resolve to the later row, as they do (with a warning) in [New].
func NewFromCSV(r io.Reader) (*Authenticator, error) {
	data, err := io.ReadAll(io.LimitReader(r, DefaultMaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("tokenfile: read: %w", err)
	}
	if len(data) > DefaultMaxSize {
		return nil, fmt.Errorf("tokenfile: input is more than the limit of %d bytes", DefaultMaxSize)
	}
	t, err := parse(context.Background(), "", data, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	return &Authenticator{static: t}, nil
}

// AuthenticateToken reports (resp, true, nil) for a token in the table and
// (nil, false, nil) for any other token, including the empty one: a static
// table has no opinion on strangers, and it never returns an error. It is
// safe for concurrent use and takes no lock. resp is shared by every
// request with the same token and must not be modified (see
// [authn.Response]).
//
// A plaintext row is found with one map lookup; a token not found there
// is hashed with SHA-256 and looked up among the hashed rows, only when the
// table has any. Neither allocates for tokens of up to 512 bytes.
func (a *Authenticator) AuthenticateToken(_ context.Context, token string) (*authn.Response, bool, error) {
	t := a.static
	if t == nil {
		t = a.file.Load()
	}
	if r, ok := t.byToken[token]; ok {
		return r, true, nil
	}
	if t.byHash != nil && token != "" && len(token) <= authn.MaxTokenBytes {
		if r, ok := t.byHash[sumToken(token)]; ok {
			return r, true, nil
		}
	}
	return nil, false, nil
}

// sumToken returns the SHA-256 of token. Tokens of usual length are copied
// to a stack buffer first, so that hashing does not allocate (a []byte
// conversion of more than 32 bytes would).
func sumToken(token string) [sha256.Size]byte {
	var buf [512]byte
	if len(token) <= len(buf) {
		return sha256.Sum256(append(buf[:0], token...))
	}
	return sha256.Sum256([]byte(token))
}

// Reload reads and parses the file now, as the watcher does when the file
// changes (for example on SIGHUP). On failure the previous tokens keep
// serving and the error, which names the file and line, is logged, passed
// to OnError and returned. For an Authenticator from [NewFromCSV] it does
// nothing and returns nil.
func (a *Authenticator) Reload() error {
	if a.file == nil {
		return nil
	}
	return a.file.Reload()
}

// Health reports the token file's state ([authn.FileHealth]: when the
// tokens in use were loaded, the last failure, the number of tokens, the
// content's hash, the next periodic check), one element for the one file;
// nil for an Authenticator from [NewFromCSV]. It does no I/O.
func (a *Authenticator) Health() []authn.FileHealth {
	if a.file == nil {
		return nil
	}
	return []authn.FileHealth{a.file.Health()}
}

// Close stops watching the file and waits for the watcher goroutine to
// return. The last tokens loaded keep working. Close is idempotent; for an
// Authenticator from [NewFromCSV] it does nothing.
func (a *Authenticator) Close() error {
	if a.file == nil {
		return nil
	}
	return a.file.Close()
}
