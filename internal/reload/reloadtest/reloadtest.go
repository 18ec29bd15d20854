// Package reloadtest helps test components built on internal/reload: it
// collects their OnReload and OnError callbacks and waits for them, and
// replaces files the way editors and Kubernetes do.
package reloadtest

import (
	"os"
	"testing"
	"time"
)

// WaitTimeout bounds how long a wait lasts before the test fails. It is a
// deadline for a failure message, not an assertion on time: file-system
// notifications arrive in milliseconds.
const WaitTimeout = 10 * time.Second

// Events collects reload callbacks. Pass its OnReload and OnError methods
// to the component under test. It is safe for concurrent use.
type Events struct {
	reloads chan struct{}
	errs    chan error
}

// NewEvents returns an Events that buffers up to 64 of each callback.
func NewEvents() *Events {
	return &Events{reloads: make(chan struct{}, 64), errs: make(chan error, 64)}
}

// OnReload records a successful reload.
func (e *Events) OnReload() { e.reloads <- struct{}{} }

// OnError records a failed reload.
func (e *Events) OnError(err error) { e.errs <- err }

// WaitReload waits for a successful reload and fails t on an error or
// after [WaitTimeout].
func (e *Events) WaitReload(t testing.TB) {
	t.Helper()
	select {
	case <-e.reloads:
	case err := <-e.errs:
		t.Fatalf("reloadtest: want a reload, got error %v", err)
	case <-time.After(WaitTimeout):
		t.Fatal("reloadtest: no reload seen")
	}
}

// WaitError waits for a failed reload and returns its error; it fails t on
// a successful reload or after [WaitTimeout].
func (e *Events) WaitError(t testing.TB) error {
	t.Helper()
	select {
	case err := <-e.errs:
		return err
	case <-e.reloads:
		t.Fatal("reloadtest: want a reload error, got a reload")
	case <-time.After(WaitTimeout):
		t.Fatal("reloadtest: no reload error seen")
	}
	return nil
}

// Replace writes content to a temporary file beside path and renames it
// over path, as editors and atomic writers do.
func Replace(t testing.TB, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
