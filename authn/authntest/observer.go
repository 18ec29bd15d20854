package authntest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/authnkit/authnkit/authn"
)

// awaitTimeout bounds [Recorder.Await]: a deadline for a failure
// message, not a measure of anything.
const awaitTimeout = 10 * time.Second

// Recorder keeps every event an [authn.Observer] receives, for tests that
// check what a component reports. Create it with [NewRecorder] and give
// the component [Recorder.Observer]. It is safe for concurrent use; the
// accessors return copies, in the order the events arrived.
type Recorder struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every event

	authentication      []authn.AuthenticationEvent
	tokenCache          []authn.TokenCacheEvent
	tokenCacheFetch     []authn.TokenCacheFetchEvent
	jwt                 []authn.JWTEvent
	keySetFetch         []authn.KeySetFetchEvent
	reload              []authn.ReloadEvent
	clientCertificate   []authn.ClientCertificateEvent
	webhook             []authn.WebhookEvent
	serviceAccountToken []authn.ServiceAccountTokenEvent
	chainCheck          []authn.ChainCheckEvent
	unknownKey          []authn.UnknownKeyEvent
	issuerRemoved       []authn.IssuerRemovedEvent
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{changed: make(chan struct{})}
}

// Observer returns an Observer whose every function records into r.
func (r *Recorder) Observer() *authn.Observer {
	return &authn.Observer{
		Authentication:      func(e authn.AuthenticationEvent) { record(r, &r.authentication, e) },
		TokenCache:          func(e authn.TokenCacheEvent) { record(r, &r.tokenCache, e) },
		TokenCacheFetch:     func(e authn.TokenCacheFetchEvent) { record(r, &r.tokenCacheFetch, e) },
		JWT:                 func(e authn.JWTEvent) { record(r, &r.jwt, e) },
		KeySetFetch:         func(e authn.KeySetFetchEvent) { record(r, &r.keySetFetch, e) },
		Reload:              func(e authn.ReloadEvent) { record(r, &r.reload, e) },
		ClientCertificate:   func(e authn.ClientCertificateEvent) { record(r, &r.clientCertificate, e) },
		Webhook:             func(e authn.WebhookEvent) { record(r, &r.webhook, e) },
		ServiceAccountToken: func(e authn.ServiceAccountTokenEvent) { record(r, &r.serviceAccountToken, e) },
		ChainCheck:          func(e authn.ChainCheckEvent) { record(r, &r.chainCheck, e) },
		UnknownKey:          func(e authn.UnknownKeyEvent) { record(r, &r.unknownKey, e) },
		IssuerRemoved:       func(e authn.IssuerRemovedEvent) { record(r, &r.issuerRemoved, e) },
	}
}

func record[E any](r *Recorder, list *[]E, e E) {
	r.mu.Lock()
	*list = append(*list, e)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

func events[E any](r *Recorder, list *[]E) []E {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(*list)
}

// Authentication returns the [authn.AuthenticationEvent]s received.
func (r *Recorder) Authentication() []authn.AuthenticationEvent {
	return events(r, &r.authentication)
}

// TokenCache returns the [authn.TokenCacheEvent]s received.
func (r *Recorder) TokenCache() []authn.TokenCacheEvent { return events(r, &r.tokenCache) }

// TokenCacheFetch returns the [authn.TokenCacheFetchEvent]s received.
func (r *Recorder) TokenCacheFetch() []authn.TokenCacheFetchEvent {
	return events(r, &r.tokenCacheFetch)
}

// JWT returns the [authn.JWTEvent]s received.
func (r *Recorder) JWT() []authn.JWTEvent { return events(r, &r.jwt) }

// KeySetFetch returns the [authn.KeySetFetchEvent]s received.
func (r *Recorder) KeySetFetch() []authn.KeySetFetchEvent { return events(r, &r.keySetFetch) }

// Reload returns the [authn.ReloadEvent]s received.
func (r *Recorder) Reload() []authn.ReloadEvent { return events(r, &r.reload) }

// ClientCertificate returns the [authn.ClientCertificateEvent]s received.
func (r *Recorder) ClientCertificate() []authn.ClientCertificateEvent {
	return events(r, &r.clientCertificate)
}

// Webhook returns the [authn.WebhookEvent]s received.
func (r *Recorder) Webhook() []authn.WebhookEvent { return events(r, &r.webhook) }

// ServiceAccountToken returns the [authn.ServiceAccountTokenEvent]s
// received.
func (r *Recorder) ServiceAccountToken() []authn.ServiceAccountTokenEvent {
	return events(r, &r.serviceAccountToken)
}

// ChainCheck returns the ChainCheck events.
func (r *Recorder) ChainCheck() []authn.ChainCheckEvent { return events(r, &r.chainCheck) }

// UnknownKey returns the UnknownKey events.
func (r *Recorder) UnknownKey() []authn.UnknownKeyEvent { return events(r, &r.unknownKey) }

// IssuerRemoved returns the IssuerRemoved events.
func (r *Recorder) IssuerRemoved() []authn.IssuerRemovedEvent { return events(r, &r.issuerRemoved) }

// Await waits until cond returns true, calling it now and after every
// event, for events that arrive on a component's own goroutine (a file
// watcher, a key refresher). It fails t when cond is still false ten
// seconds after the last event: a deadline for the failure message, not
// an assertion on time. cond may call r's accessors.
func (r *Recorder) Await(t testing.TB, cond func() bool) {
	t.Helper()
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-time.After(awaitTimeout):
			t.Fatal("authntest: the awaited events did not arrive")
			return
		}
	}
}
