// Package reload keeps a parsed snapshot of one file current.
//
// A [File] reads and parses a file once in [New], publishes the result
// behind an [sync/atomic.Pointer], and then watches for changes: fsnotify on
// the file's directory (so that an editor's rename-over, a delete followed by
// a re-create, and Kubernetes' ConfigMap and Secret volume updates, which
// swap a "..data" symlink, are all seen), with events debounced, plus a
// periodic check as a fallback for file systems where notifications do not
// arrive (NFS, some container overlays, a symlink into another directory).
//
// A change is read (at most [Options.MaxSize] bytes) and hashed with
// SHA-256; content that is the same as what was last seen is not parsed
// again. New content is handed to the parse function; its result replaces
// the snapshot. Content that cannot be read or parsed leaves the previous
// snapshot in place: the failure is logged at Warn and passed to
// [Options.OnError]. A deleted file is such a failure; re-creating the file
// is noticed like any other change.
//
// Readers call [File.Load], which never blocks and never takes a lock.
// Snapshots must be treated as immutable once parse has returned them.
//
// Owners configure their files with [authn.FileOptions], which documents
// Interval, MaxSize, OnError and OnReload once for all of them;
// [OptionsFor] turns one into [Options], with the owner's name, logger and
// default size limit.
//
// Every attempt to load the file — the first, a change, a call to
// [File.Reload], and every check that fails to read the file, also when
// the failure has not changed, since it may resolve — ends with an
// [authn.ReloadEvent] to [Options.Observer]: the owner's Name as its
// Component, whether the content loaded, the SHA-256 of the content in
// use ("sha256:<hex>", as Kubernetes hashes its configuration for
// apiserver_authentication_config_controller_last_config_info) and its
// entry count when the snapshot is a [Counter]. A check that finds the
// content unchanged is no attempt. [File.Health] reports the same state
// at any time, with the next periodic check.
//
// The component that owns a File logs its own "loaded" line (with whatever
// counts it knows); this package logs successful reloads only at Debug, and
// failures at Warn. Nothing here logs file content.
package reload
