package serviceaccount

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// secretTable is a SecretLookup over in-memory objects, as a lookup over
// informers answers: fakeLookup for UIDs, secrets by "ns/name". A Secret
// named "down" fails as an unreachable backend would.
type secretTable struct {
	fakeLookup
	secrets map[string]Secret
}

func (l secretTable) Secret(_ context.Context, ns, name string) (Secret, bool, error) {
	if name == "down" {
		return Secret{}, false, errors.New("dial tcp 127.0.0.1:6443: connect: connection refused")
	}
	s, ok := l.secrets[ns+"/"+name]
	return s, ok, nil
}

// TestLegacyLookup checks kube-apiserver's --service-account-lookup rules
// for legacy tokens (legacy.go): the Secret must exist, not be being
// deleted, hold exactly this token and carry no invalid-since label, and
// the service account must exist with the token's UID.
func TestLegacyLookup(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	iss := newIssuer(t, key)
	legacy := func(secret string) string {
		return mintLegacy(t, iss, LegacyToken{Namespace: "ns", Name: "sa", UID: "sa-uid", SecretName: secret})
	}
	tokens := map[string]string{}
	for _, s := range []string{"live", "rotated", "longer", "empty", "invalid", "invalid-empty", "other-label", "deleting", "gone", "down", "sa-gone"} {
		tokens[s] = legacy(s)
	}
	lookup := secretTable{
		fakeLookup: fakeLookup{"ServiceAccount/ns/sa": "sa-uid", "ServiceAccount/other/sa": "ERR"},
		secrets: map[string]Secret{
			"ns/live":          {Token: []byte(tokens["live"]), Labels: map[string]string{"kubernetes.io/legacy-token-last-used": "2026-04-30"}},
			"ns/rotated":       {Token: []byte(legacy("rotated"))}, // the token controller wrote a new token
			"ns/longer":        {Token: []byte(tokens["longer"] + "\n")},
			"ns/empty":         {},
			"ns/invalid":       {Token: []byte(tokens["invalid"]), Labels: map[string]string{InvalidSinceLabel: "2026-01-01"}},
			"ns/invalid-empty": {Token: []byte(tokens["invalid-empty"]), Labels: map[string]string{InvalidSinceLabel: ""}},
			"ns/other-label":   {Token: []byte(tokens["other-label"]), Labels: map[string]string{"kubernetes.io/legacy-token-invalid": "2026-01-01"}},
			"ns/deleting":      {Token: []byte(tokens["deleting"]), Deleting: true},
		},
	}
	a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, Legacy: true, Lookup: lookup})

	// The service account's UID changed: the Secret still holds the token.
	staleUID := mintLegacy(t, iss, LegacyToken{Namespace: "ns", Name: "sa", UID: "old-uid", SecretName: "stale-uid"})
	lookup.secrets["ns/stale-uid"] = Secret{Token: []byte(staleUID)}
	// The service account cannot be looked up.
	saDown := mintLegacy(t, iss, LegacyToken{Namespace: "other", Name: "sa", UID: "sa-uid", SecretName: "s"})
	lookup.secrets["other/s"] = Secret{Token: []byte(saDown)}
	// Invalidated and with a stale service account: the service account is
	// checked first, as in Kubernetes.
	invalidStale := mintLegacy(t, iss, LegacyToken{Namespace: "ns", Name: "sa", UID: "old-uid", SecretName: "invalid-stale"})
	lookup.secrets["ns/invalid-stale"] = Secret{Token: []byte(invalidStale), Labels: map[string]string{InvalidSinceLabel: "2026-01-01"}}

	secret := func(name string, reason RevokedReason) *RevokedError {
		return &RevokedError{Kind: KindSecret, Namespace: "ns", Name: name, Reason: reason}
	}
	tests := []struct {
		name        string
		token       string
		wantErr     error
		wantRevoked *RevokedError
	}{
		{name: "secret holds the token", token: tokens["live"]},
		{name: "empty invalid-since label is no mark", token: tokens["invalid-empty"]},
		{name: "other labels are ignored", token: tokens["other-label"]},
		{name: "secret holds another token", token: tokens["rotated"], wantErr: authn.ErrRevoked, wantRevoked: secret("rotated", RevokedTokenChanged)},
		{name: "secret holds the token and more", token: tokens["longer"], wantErr: authn.ErrRevoked, wantRevoked: secret("longer", RevokedTokenChanged)},
		{name: "secret holds no token", token: tokens["empty"], wantErr: authn.ErrRevoked, wantRevoked: secret("empty", RevokedTokenChanged)},
		{name: "secret labelled invalid-since", token: tokens["invalid"], wantErr: authn.ErrRevoked, wantRevoked: secret("invalid", RevokedInvalidated)},
		{name: "secret being deleted", token: tokens["deleting"], wantErr: authn.ErrRevoked, wantRevoked: secret("deleting", RevokedDeleting)},
		{name: "secret gone", token: tokens["gone"], wantErr: authn.ErrRevoked, wantRevoked: secret("gone", RevokedNotFound)},
		{name: "secret backend down", token: tokens["down"], wantErr: authn.ErrUnavailable},
		{name: "service account recreated", token: staleUID, wantErr: authn.ErrRevoked,
			wantRevoked: &RevokedError{Kind: KindServiceAccount, Namespace: "ns", Name: "sa", Reason: RevokedUIDChanged}},
		{name: "service account backend down", token: saDown, wantErr: authn.ErrUnavailable},
		{name: "service account checked before the label", token: invalidStale, wantErr: authn.ErrRevoked,
			wantRevoked: &RevokedError{Kind: KindServiceAccount, Namespace: "ns", Name: "sa", Reason: RevokedUIDChanged}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, ok, err := a.AuthenticateToken(t.Context(), tt.token)
			authntest.CheckOutcome(t, resp, ok, err)
			if tt.wantErr == nil {
				authntest.AssertUser(t, saUser("ns", "sa", "sa-uid", nil), resp, ok, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, tt.wantErr == authn.ErrUnavailable, authn.IsUnavailable(err), "unavailable only when the backend failed")
			assertNoToken(t, err, tt.token)
			got, isRevoked := errors.AsType[*RevokedError](err)
			if tt.wantRevoked == nil {
				assert.False(t, isRevoked, "not revoked: %v", err)
				return
			}
			require.True(t, isRevoked, "a *RevokedError: %v", err)
			assert.Equal(t, tt.wantRevoked, got)
		})
	}

	t.Run("invalid-since error names the label and its date", func(t *testing.T) {
		_, _, err := a.AuthenticateToken(t.Context(), tokens["invalid"])
		assert.ErrorContains(t, err, InvalidSinceLabel)
		assert.ErrorContains(t, err, `"2026-01-01"`)
	})
	t.Run("bound tokens never read secrets", func(t *testing.T) {
		tok := mint(t, iss, BoundToken{Namespace: "ns", Name: "sa", UID: "sa-uid", Secret: &ObjectRef{Name: "down", UID: "x"}})
		_, _, err := a.AuthenticateToken(t.Context(), tok)
		require.ErrorIs(t, err, authn.ErrRevoked, "Secret/ns/down is not in the UID table")
	})
}

// TestLegacyLookupRealTokens runs the claims of real legacy tokens, as
// kubectl printed them (testdata), through the lookup: their payloads,
// byte for byte, signed again with a key we hold.
func TestLegacyLookupRealTokens(t *testing.T) {
	key := rsaKey(t)
	kid, err := KeyID(key.Public())
	require.NoError(t, err)
	header := `{"alg":"RS256","kid":"` + kid + `"}`
	var tokens []string
	for _, real := range readLegacyTokens(t) {
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(real, ".")[1])
		require.NoError(t, err)
		tokens = append(tokens, signRaw(t, key, "RS256", header, string(payload)))
	}
	require.Len(t, tokens, 2)
	lookup := secretTable{
		fakeLookup: fakeLookup{
			"ServiceAccount/default/testserviceaccount": "b45a08c2-d385-412b-9505-6bdf87b64a7a",
			"ServiceAccount/default/default":            "e331f555-0199-11ea-aa5a-42010a8000aa",
		},
		secrets: map[string]Secret{
			"default/testserviceaccount-token-bsmxb": {Token: []byte(tokens[0])},
			"default/default-token-pxzf7":            {Token: []byte(tokens[1]), Labels: map[string]string{InvalidSinceLabel: "2024-05-01"}},
		},
	}
	a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, Legacy: true, Lookup: lookup})

	resp, ok, err := a.AuthenticateToken(t.Context(), tokens[0])
	authntest.AssertUser(t, saUser("default", "testserviceaccount", "b45a08c2-d385-412b-9505-6bdf87b64a7a", nil), resp, ok, err)

	resp, ok, err = a.AuthenticateToken(t.Context(), tokens[1])
	authntest.CheckOutcome(t, resp, ok, err)
	require.ErrorIs(t, err, authn.ErrRevoked)
	assert.Equal(t, &RevokedError{Kind: KindSecret, Namespace: "default", Name: "default-token-pxzf7", Reason: RevokedInvalidated}, errorAs[*RevokedError](t, err))
	assertNoToken(t, err, tokens[1])

	// The Secret now holds the first token: the second no longer matches.
	lookup.secrets["default/default-token-pxzf7"] = Secret{Token: []byte(tokens[0])}
	_, _, err = a.AuthenticateToken(t.Context(), tokens[1])
	assert.Equal(t, RevokedTokenChanged, errorAs[*RevokedError](t, err).Reason)
}

// TestNewLegacyNeedsSecretLookup: a Lookup that cannot read Secrets would
// accept legacy tokens on a weaker check than Kubernetes', so New refuses
// it when legacy tokens are on.
func TestNewLegacyNeedsSecretLookup(t *testing.T) {
	key := ecKey(t, elliptic.P256()).Public()
	uidOnly := LookupFunc(func(context.Context, Kind, string, string) (string, bool, error) { return "", false, nil })
	_, err := New(Options{Keys: []crypto.PublicKey{key}, Issuers: []string{testIssuer}, Legacy: true, Lookup: uidOnly})
	require.ErrorContains(t, err, "SecretLookup")
	_, err = New(Options{Keys: []crypto.PublicKey{key}, Issuers: []string{testIssuer}, Legacy: true, Lookup: fakeLookup{}})
	require.ErrorContains(t, err, "SecretLookup")

	a := newAuth(t, Options{Keys: []crypto.PublicKey{key}, Lookup: uidOnly})
	assert.NotNil(t, a, "bound tokens alone need only UIDs")
	a = newAuth(t, Options{Keys: []crypto.PublicKey{key}, Legacy: true, Lookup: secretTable{}})
	assert.NotNil(t, a)
}

// apiLookup is a SecretLookup over HTTP, as a program without informers
// might read the objects from an API server: 404 is not found, any other
// failure is an error.
type apiLookup struct {
	client *http.Client
	base   string
}

type apiObject struct {
	Metadata struct {
		UID               string            `json:"uid"`
		Labels            map[string]string `json:"labels"`
		DeletionTimestamp *string           `json:"deletionTimestamp"`
	} `json:"metadata"`
	Data map[string][]byte `json:"data"`
}

func (l apiLookup) get(ctx context.Context, resource, ns, name string) (*apiObject, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.base+"/api/v1/namespaces/"+ns+"/"+resource+"/"+name, nil)
	if err != nil {
		return nil, false, err
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var obj apiObject
		if err := json.NewDecoder(resp.Body).Decode(&obj); err != nil {
			return nil, false, err
		}
		return &obj, true, nil
	case http.StatusNotFound:
		return nil, false, nil
	}
	return nil, false, fmt.Errorf("GET %s: %s", resource, resp.Status)
}

func (l apiLookup) UID(ctx context.Context, kind Kind, ns, name string) (string, bool, error) {
	if kind != KindServiceAccount {
		return "", false, fmt.Errorf("kind %s not served", kind)
	}
	obj, found, err := l.get(ctx, "serviceaccounts", ns, name)
	if !found {
		return "", false, err
	}
	return obj.Metadata.UID, true, nil
}

func (l apiLookup) Secret(ctx context.Context, ns, name string) (Secret, bool, error) {
	obj, found, err := l.get(ctx, "secrets", ns, name)
	if !found {
		return Secret{}, false, err
	}
	return Secret{Token: obj.Data["token"], Labels: obj.Metadata.Labels, Deleting: obj.Metadata.DeletionTimestamp != nil}, true, nil
}

// TestLegacyLookupOverHTTP serves the objects from a TLS server standing
// in for the API server and sends requests through authn's middleware: a
// token whose Secret changed or is labelled invalid gets 401, and one that
// cannot be checked because the server is gone gets 503 with Retry-After.
func TestLegacyLookupOverHTTP(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	iss := newIssuer(t, key)
	token := mintLegacy(t, iss, LegacyToken{Namespace: "ns", Name: "sa", UID: "sa-uid", SecretName: "sa-token"})

	var mu sync.Mutex
	secret := map[string]any{"metadata": map[string]any{"uid": "sec-uid"}, "data": map[string][]byte{"token": []byte(token)}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/namespaces/ns/serviceaccounts/sa", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"metadata": map[string]any{"uid": "sa-uid"}})
	})
	mux.HandleFunc("GET /api/v1/namespaces/ns/secrets/sa-token", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(secret)
	})
	api := httptest.NewTLSServer(mux)
	t.Cleanup(api.Close)
	client := api.Client()
	t.Cleanup(client.CloseIdleConnections)

	a := newAuth(t, Options{Keys: []crypto.PublicKey{key.Public()}, Legacy: true, Lookup: apiLookup{client: client, base: api.URL}})
	h := authn.Middleware(authn.BearerToken(a), authn.MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authn.UserFrom(r.Context())
		_, _ = fmt.Fprint(w, u.Name)
	}))
	serve := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, authntest.NewBearerRequest(token))
		return rec
	}

	rec := serve()
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "system:serviceaccount:ns:sa", rec.Body.String())

	mu.Lock()
	secret["data"] = map[string][]byte{"token": []byte("a-new-token")}
	mu.Unlock()
	rec = serve()
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "the Secret holds another token")
	assert.NotContains(t, rec.Body.String(), token)

	mu.Lock()
	secret["data"] = map[string][]byte{"token": []byte(token)}
	secret["metadata"] = map[string]any{"uid": "sec-uid", "labels": map[string]string{InvalidSinceLabel: "2026-04-01"}}
	mu.Unlock()
	assert.Equal(t, http.StatusUnauthorized, serve().Code, "the Secret is labelled invalid-since")

	api.Close()
	client.CloseIdleConnections()
	rec = serve()
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "the API server is gone")
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))
}

// assertNoToken fails if err's text contains the token or its signature.
func assertNoToken(t *testing.T, err error, token string) {
	t.Helper()
	msg := err.Error()
	assert.NotContains(t, msg, token)
	assert.NotContains(t, msg, token[strings.LastIndexByte(token, '.')+1:])
}

func errorAs[E error](t *testing.T, err error) E {
	t.Helper()
	e, ok := errors.AsType[E](err)
	require.True(t, ok, "want %T, got %v", e, err)
	return e
}
