package authn

import "time"

// DefaultFileInterval is how often a file configured by [FileOptions] is
// checked when [FileOptions.Interval] is zero.
const DefaultFileInterval = time.Minute

// FileOptions configures one file that an authenticator (or a store) reads
// and keeps current: a token or password file, a CA bundle, a CRL, a deny
// list, a file of bootstrap-token Secrets. Every file-backed type in
// authnkit takes one: tokenfile.Options, basicauth.Options and
// bootstrap.FileStoreOptions embed it; x509auth.VerifyOptions has one per
// file (ClientCAFile, CRLFile, DenyFile), and requestheader.Options one for
// its CA bundle (ClientCAFile). The zero value of every field but Path is
// a sound default.
//
// The owner reads and parses the file once when it is created: a file that
// cannot be read or parsed is its constructor's error. Then it keeps the
// file current: it watches the file's directory with file-system
// notifications (so that an editor's rename-over, a delete followed by a
// re-create, and Kubernetes' ConfigMap and Secret volume updates, which
// swap a "..data" symbolic link, are all seen) and checks the file every
// Interval as well. New content is parsed into a new snapshot, which
// replaces the one serving without blocking any request; content that
// cannot be read or parsed (a deleted file, a syntax error, a file over
// MaxSize) leaves the last good snapshot serving, and the failure is
// logged at Warn and passed to OnError. The owner's Reload method does the
// same at once, on the caller's goroutine, and returns the failure; its
// Close method stops the watching.
type FileOptions struct {
	// Path names the file. It is required where the file is (a token
	// file); where the file is optional (x509auth's CRLFile), an empty
	// Path means no file, and the other fields are then ignored.
	Path string
	// Interval is how often the file is checked in addition to
	// file-system notifications, which do not arrive on every file system
	// (NFS, some container overlays, a symbolic link into another
	// directory). A check reads and hashes the file and parses it only
	// when its content changed. Zero means [DefaultFileInterval]; a
	// negative value disables the periodic check (notifications still
	// work).
	Interval time.Duration
	// MaxSize bounds the file's size in bytes: a larger file is an error,
	// from the constructor at first and a failed reload afterwards. Zero
	// means the owning package's DefaultMaxSize; a negative value is an
	// error from the constructor.
	MaxSize int64
	// OnError, when set, is called with every reload failure after it has
	// been logged; the last good snapshot keeps serving. The error names
	// the file (and the line or item, where the format has them) and
	// never holds a secret. It is not called for the failure the
	// constructor returns. It runs on the goroutine that reloaded, the
	// watcher's or the caller of Reload, and must not call the owner's
	// Close. Nil: log only.
	OnError func(error)
	// OnReload, when set, is called after the file has been reloaded (a
	// change noticed, or a call to Reload) and its new snapshot is in
	// use; not after the first load, which the constructor does. Same
	// goroutine and rule as OnError. Nil: nothing.
	OnReload func()
}
