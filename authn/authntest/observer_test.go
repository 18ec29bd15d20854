package authntest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func TestRecorder(t *testing.T) {
	t.Parallel()
	rec := authntest.NewRecorder()
	obs := rec.Observer()
	obs.Authentication(authn.AuthenticationEvent{Result: authn.ResultSuccess, User: "alice"})
	obs.TokenCache(authn.TokenCacheEvent{Hit: true})
	obs.TokenCacheFetch(authn.TokenCacheFetchEvent{Done: true, OK: true})
	obs.JWT(authn.JWTEvent{Issuer: "https://issuer"})
	obs.KeySetFetch(authn.KeySetFetchEvent{Issuer: "https://issuer", OK: true})
	obs.ClientCertificate(authn.ClientCertificateEvent{Verified: true})
	obs.Webhook(authn.WebhookEvent{Code: "200"})
	obs.ServiceAccountToken(authn.ServiceAccountTokenEvent{Legacy: true})

	assert.Equal(t, []authn.AuthenticationEvent{{Result: authn.ResultSuccess, User: "alice"}}, rec.Authentication())
	assert.Equal(t, []authn.TokenCacheEvent{{Hit: true}}, rec.TokenCache())
	assert.Equal(t, []authn.TokenCacheFetchEvent{{Done: true, OK: true}}, rec.TokenCacheFetch())
	assert.Equal(t, []authn.JWTEvent{{Issuer: "https://issuer"}}, rec.JWT())
	assert.Equal(t, []authn.KeySetFetchEvent{{Issuer: "https://issuer", OK: true}}, rec.KeySetFetch())
	assert.Equal(t, []authn.ClientCertificateEvent{{Verified: true}}, rec.ClientCertificate())
	assert.Equal(t, []authn.WebhookEvent{{Code: "200"}}, rec.Webhook())
	assert.Equal(t, []authn.ServiceAccountTokenEvent{{Legacy: true}}, rec.ServiceAccountToken())
	assert.Empty(t, rec.Reload())

	// Await returns once an event from another goroutine satisfies it.
	go obs.Reload(authn.ReloadEvent{Path: "/etc/tokens.csv", OK: true})
	rec.Await(t, func() bool { return len(rec.Reload()) == 1 })
	assert.Equal(t, "/etc/tokens.csv", rec.Reload()[0].Path)
}
