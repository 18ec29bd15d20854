package webhook

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// Every TokenReview request sent to a real server is reported with its
// status code, retries included; one that gets no answer is "<error>".
func TestObserver(t *testing.T) {
	t.Parallel()
	ca := authntest.NewCA()
	f := &faulty{codes: []int{503, 0, 403}, next: NewHandler(testTokens, HandlerOptions{})}
	srv := tlsServer(t, ca, nil, f)
	rec := authntest.NewRecorder()
	a := newClient(t, Config{Server: srv.URL, CAData: ca.CertPEM}, Options{Observer: rec.Observer()})

	// 503, retried, then 201, which the handler answers as kube-apiserver
	// answers a TokenReview.
	resp, ok, err := a.AuthenticateToken(t.Context(), "alice-token")
	authntest.AssertUser(t, alice, resp, ok, err)
	// 403: not retried.
	_, ok, err = a.AuthenticateToken(t.Context(), "alice-token")
	require.ErrorIs(t, err, ErrBadResponse)
	require.False(t, ok)
	// 201 with status.error.
	_, _, err = a.AuthenticateToken(t.Context(), "revoked-token")
	require.ErrorIs(t, err, authn.ErrInvalidToken)

	events := rec.Webhook()
	codes := make([]string, len(events))
	for i, e := range events {
		codes[i] = e.Code
	}
	assert.Equal(t, []string{"503", "201", "403", "201"}, codes)

	// A server that is gone: every attempt is "<error>".
	gone := httptest.NewTLSServer(nil)
	url := gone.URL
	gone.Close()
	rec = authntest.NewRecorder()
	a = newClient(t, Config{Server: url}, Options{Observer: rec.Observer()})
	_, _, err = a.AuthenticateToken(t.Context(), "alice-token")
	require.ErrorIs(t, err, authn.ErrUnavailable)
	events = rec.Webhook()
	require.Len(t, events, fastRetry.Steps)
	for _, e := range events {
		assert.Equal(t, "<error>", e.Code)
	}
}
