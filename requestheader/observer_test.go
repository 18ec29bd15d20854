package requestheader_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/requestheader"
)

// The front-proxy CA bundle's loads are reported, and its health; the
// proxy's certificate is not a client certificate.
func TestObserverAndHealth(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	path := filepath.Join(t.TempDir(), "front-proxy-ca.crt")
	require.NoError(t, os.WriteFile(path, p.proxyCA.CertPEM, 0o600))
	rec := authntest.NewRecorder()
	opts := requestheader.DefaultHeaders()
	opts.ClientCAFile = authn.FileOptions{Path: path, Interval: -1}
	opts.Logger = slog.New(slog.DiscardHandler)
	opts.Observer = rec.Observer()
	a, err := requestheader.New(opts)
	require.NoError(t, err)
	defer a.Close()

	resp, ok, err := a.AuthenticateRequest(p.proxy.AddToRequest(authntest.NewProxyRequest("jane", nil, nil)))
	authntest.AssertUser(t, authn.UserInfo{Name: "jane"}, resp, ok, err)
	assert.Empty(t, rec.ClientCertificate())

	require.NoError(t, os.WriteFile(path, []byte("not a bundle"), 0o600))
	reloadErr := a.Reload()
	require.Error(t, reloadErr)
	events := rec.Reload()
	require.Len(t, events, 2)
	assert.Equal(t, authn.ReloadEvent{Component: "x509auth", Path: path, OK: true, First: true, Time: events[0].Time,
		ContentHash: events[0].ContentHash, Entries: 1}, events[0])
	require.Error(t, events[1].Err)
	assert.EqualError(t, reloadErr, events[1].Err.Error(), "Reload returns the failure reported")
	assert.Equal(t, authn.ReloadEvent{Component: "x509auth", Path: path, Err: events[1].Err, Time: events[1].Time,
		ContentHash: events[0].ContentHash, Entries: 1}, events[1], "the previous bundle keeps serving")
	health := a.Health()
	require.Len(t, health, 1)
	assert.Equal(t, events[1].Err, health[0].LastError)

	shared, err := requestheader.New(func() requestheader.Options {
		o := requestheader.DefaultHeaders()
		o.ClientCA = p.proxyCA.Pool()
		return o
	}())
	require.NoError(t, err)
	assert.Nil(t, shared.Health(), "no file")
}
