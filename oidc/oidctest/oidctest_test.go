package oidctest_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/oidc/oidctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newProvider starts a Provider closed at the end of the test.
func newProvider(t *testing.T, opts oidctest.Options) *oidctest.Provider {
	t.Helper()
	p := oidctest.NewProvider(opts)
	t.Cleanup(p.Close)
	return p
}

// get fetches url with c and returns the response, whose body it has read
// and closed, and the body.
func get(t *testing.T, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func discovery(t *testing.T, p *oidctest.Provider) map[string]any {
	t.Helper()
	resp, body := get(t, p.Client(), p.DiscoveryURL())
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(body, &doc))
	return doc
}

func jwks(t *testing.T, p *oidctest.Provider) jose.JSONWebKeySet {
	t.Helper()
	resp, body := get(t, p.Client(), p.JWKSURL())
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var set jose.JSONWebKeySet
	require.NoError(t, json.Unmarshal(body, &set))
	return set
}

func kids(set jose.JSONWebKeySet) []string {
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

// decodeSegment decodes one base64url part of a compact JWS.
func decodeSegment(t *testing.T, token string, i int) []byte {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	require.NoError(t, err)
	return b
}

func header(t *testing.T, token string) map[string]any {
	t.Helper()
	var h map[string]any
	require.NoError(t, json.Unmarshal(decodeSegment(t, token, 0), &h))
	return h
}

// verify checks token's signature with the JWKS key named by its kid,
// allowing only alg, and returns the payload.
func verify(t *testing.T, set jose.JSONWebKeySet, token, alg string) []byte {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	require.NoError(t, err)
	require.Len(t, jws.Signatures, 1)
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	require.Len(t, keys, 1, "kid %q in JWKS", jws.Signatures[0].Header.KeyID)
	payload, err := jws.Verify(keys[0])
	require.NoError(t, err)
	return payload
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, issuerPath, wantPath string
	}{
		{name: "server url", issuerPath: "", wantPath: ""},
		{name: "issuer path", issuerPath: "/tenant-a", wantPath: "/tenant-a"},
		{name: "trailing slash", issuerPath: "/tenant-b/", wantPath: "/tenant-b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, oidctest.Options{Algorithm: "ES256", IssuerPath: tt.issuerPath})
			require.True(t, strings.HasPrefix(p.Issuer(), "https://127.0.0.1:"), p.Issuer())
			assert.Equal(t, p.URL()+tt.issuerPath, p.Issuer())
			assert.Equal(t, p.URL()+tt.wantPath+"/.well-known/openid-configuration", p.DiscoveryURL())
			assert.Equal(t, p.URL()+tt.wantPath+"/keys", p.JWKSURL())

			doc := discovery(t, p)
			assert.Equal(t, p.Issuer(), doc["issuer"])
			assert.Equal(t, p.JWKSURL(), doc["jwks_uri"])
			assert.Equal(t, p.URL()+tt.wantPath+"/authorize", doc["authorization_endpoint"])
			assert.Equal(t, p.URL()+tt.wantPath+"/token", doc["token_endpoint"])
			assert.Equal(t, []any{"code", "id_token"}, doc["response_types_supported"])
			assert.Equal(t, []any{"public"}, doc["subject_types_supported"])
			assert.Equal(t, []any{"ES256"}, doc["id_token_signing_alg_values_supported"])
		})
	}
}

func TestSetDiscoveryFields(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{Algorithm: "ES256"})
	p.SetDiscoveryFields(map[string]any{"issuer": "https://elsewhere", "jwks_uri": nil, "claims_supported": []string{"sub"}})
	doc := discovery(t, p)
	assert.Equal(t, "https://elsewhere", doc["issuer"])
	assert.NotContains(t, doc, "jwks_uri")
	assert.Equal(t, []any{"sub"}, doc["claims_supported"])

	p.SetDiscoveryFields(nil)
	doc = discovery(t, p)
	assert.Equal(t, p.Issuer(), doc["issuer"])
	assert.Equal(t, p.JWKSURL(), doc["jwks_uri"])
	assert.NotContains(t, doc, "claims_supported")

	assert.Panics(t, func() { p.SetDiscoveryFields(map[string]any{"bad": func() {}}) })
}

func TestSetJWKSBody(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{MaxAge: time.Minute})
	body := []byte(`{"keys":[{"kty":"XYZ","kid":"odd"}]}`)
	p.SetJWKSBody(body)
	body[0] = 'x' // the Provider keeps its own copy
	resp, got := get(t, p.Client(), p.JWKSURL())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `{"keys":[{"kty":"XYZ","kid":"odd"}]}`, string(got))
	assert.Equal(t, "max-age=60", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	p.SetJWKSBody([]byte{})
	_, got = get(t, p.Client(), p.JWKSURL())
	assert.Empty(t, got, "an empty body is served as such")

	p.SetJWKSBody(nil)
	assert.Equal(t, []string{p.KeyID()}, kids(jwks(t, p)), "the published keys again")
	_, n := p.Fetches()
	assert.Equal(t, 3, n)
}

func TestKeyLifecycle(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{Algorithm: "ES256"})
	first := p.KeyID()
	assert.Equal(t, []string{first}, kids(jwks(t, p)))

	added := p.AddKey("EdDSA")
	assert.Equal(t, first, p.KeyID(), "AddKey keeps the current key")
	assert.Equal(t, []string{first, added}, kids(jwks(t, p)))
	assert.Equal(t, []string{first, added}, p.Keys())

	rotated := p.Rotate()
	assert.Equal(t, rotated, p.KeyID())
	assert.Equal(t, "ES256", p.Algorithm(rotated), "Rotate keeps the current alg")
	assert.Equal(t, []string{first, added, rotated}, kids(jwks(t, p)))
	assert.Equal(t, []any{"ES256", "EdDSA"}, discovery(t, p)["id_token_signing_alg_values_supported"])

	p.RemoveKey(first)
	p.RemoveKey(first) // idempotent
	assert.Equal(t, []string{added, rotated}, kids(jwks(t, p)))
	p.RemoveKey(rotated)
	assert.Equal(t, []any{"EdDSA"}, discovery(t, p)["id_token_signing_alg_values_supported"])
	assert.Equal(t, rotated, p.KeyID(), "removing the current key keeps it current")

	p.PublishKey(first)
	p.PublishKey(first)
	assert.Equal(t, []string{added, first}, kids(jwks(t, p)))

	p.SetCurrent(added)
	assert.Equal(t, added, p.KeyID())
	assert.Equal(t, added, header(t, p.Sign(p.Claims("alice")))["kid"])

	set := jwks(t, p)
	for _, k := range set.Keys {
		assert.Equal(t, "sig", k.Use)
		assert.Equal(t, p.Algorithm(k.KeyID), k.Algorithm)
		assert.True(t, k.IsPublic(), "no private key material in the JWKS")
		assert.Equal(t, p.PublicKey(k.KeyID), k.Key)
	}

	for name, f := range map[string]func(){
		"RemoveKey":  func() { p.RemoveKey("nope") },
		"PublishKey": func() { p.PublishKey("nope") },
		"SetCurrent": func() { p.SetCurrent("nope") },
		"PublicKey":  func() { p.PublicKey("nope") },
		"SignWith":   func() { p.SignWith("nope", nil, nil) },
		"SignRaw":    func() { p.SignRaw([]byte("{}"), []byte("{}"), "nope") },
		"AddKey":     func() { p.AddKey("HS256") },
	} {
		assert.Panics(t, f, name)
	}
	assert.PanicsWithValue(t, `oidctest: unknown kid "nope"`, func() { p.SetCurrent("nope") })
}

func TestSignVerifiesForEveryAlgorithm(t *testing.T) {
	t.Parallel()
	for _, alg := range oidctest.Algorithms() {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, oidctest.Options{Algorithm: alg})
			set := jwks(t, p)
			require.Len(t, set.Keys, 1)
			assert.Equal(t, alg, set.Keys[0].Algorithm)
			assert.Equal(t, []any{alg}, discovery(t, p)["id_token_signing_alg_values_supported"])

			token := p.Sign(p.Claims("alice", "api"))
			assert.Equal(t, map[string]any{"alg": alg, "kid": p.KeyID(), "typ": "JWT"}, header(t, token))
			var claims map[string]any
			require.NoError(t, json.Unmarshal(verify(t, set, token, alg), &claims))
			assert.Equal(t, p.Issuer(), claims["iss"])
			assert.Equal(t, "alice", claims["sub"])
			assert.Equal(t, "api", claims["aud"])

			// A second key of every other algorithm on the same provider.
			for _, other := range oidctest.Algorithms() {
				if other == alg || other[0] != alg[0] { // one family per subtest keeps key generation cheap
					continue
				}
				kid := p.AddKey(other)
				verify(t, jwks(t, p), p.SignWith(kid, nil, p.Claims("bob")), other)
			}
		})
	}
}

func TestNewProviderRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for _, opts := range []oidctest.Options{
		{Algorithm: "HS256"},
		{Algorithm: "none"},
		{IssuerPath: "tenant"},
		{IssuerPath: "/tenant?x=1"},
		{IssuerPath: "/tenant#x"},
	} {
		assert.Panics(t, func() { oidctest.NewProvider(opts) }, "%+v", opts)
	}
}

func TestClaims(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{Algorithm: "ES256"})
	synctest.Test(t, func(t *testing.T) {
		now := time.Now().Unix() // the bubble's fake clock
		base := map[string]any{"iss": p.Issuer(), "sub": "alice", "iat": now, "exp": now + 3600}
		with := func(aud any) map[string]any {
			m := map[string]any{"aud": aud}
			for k, v := range base {
				m[k] = v
			}
			return m
		}
		assert.Equal(t, base, p.Claims("alice"))
		assert.Equal(t, with("a"), p.Claims("alice", "a"))
		assert.Equal(t, with([]string{"a", "b"}), p.Claims("alice", "a", "b"))

		time.Sleep(time.Minute)
		assert.Equal(t, now+60, p.Claims("alice")["iat"], "no cached time")

		var got map[string]any
		require.NoError(t, json.Unmarshal(decodeSegment(t, p.Sign(p.Claims("alice", "a", "b")), 1), &got))
		assert.Equal(t, map[string]any{"iss": p.Issuer(), "sub": "alice", "aud": []any{"a", "b"}, "iat": float64(now + 60), "exp": float64(now + 3660)}, got)
	})
}

func TestSignWithHeader(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{}) // RS256
	kid := p.KeyID()
	claims := p.Claims("alice", "api")
	tests := []struct {
		name   string
		header map[string]any
		want   map[string]any
	}{
		{name: "nil", want: map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"}},
		{name: "drop kid", header: map[string]any{"kid": nil},
			want: map[string]any{"alg": "RS256", "typ": "JWT"}},
		{name: "wrong alg label", header: map[string]any{"alg": "HS256"},
			want: map[string]any{"alg": "HS256", "kid": kid, "typ": "JWT"}},
		{name: "crit and typ", header: map[string]any{"crit": []string{"exp"}, "exp": 1, "typ": "at+jwt"},
			want: map[string]any{"alg": "RS256", "kid": kid, "typ": "at+jwt", "crit": []any{"exp"}, "exp": float64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := p.SignWith(kid, tt.header, claims)
			assert.Equal(t, tt.want, header(t, token))
			// Whatever the label, the signature is RS256 with kid's key.
			i := strings.LastIndexByte(token, '.')
			digest := sha256.Sum256([]byte(token[:i]))
			require.NoError(t, rsa.VerifyPKCS1v15(p.PublicKey(kid).(*rsa.PublicKey), crypto.SHA256, digest[:], decodeSegment(t, token, 2)))
		})
	}
}

func TestSignWithRemovedKey(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{Algorithm: "ES384"})
	kid := p.AddKey("ES256")
	p.RemoveKey(kid)
	token := p.SignWith(kid, nil, p.Claims("mallory"))
	assert.Equal(t, kid, header(t, token)["kid"])
	set := jwks(t, p)
	assert.Empty(t, set.Key(kid), "unpublished")
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.ES256})
	require.NoError(t, err)
	_, err = jws.Verify(p.PublicKey(kid))
	require.NoError(t, err)
}

func TestSignRaw(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{Algorithm: "EdDSA"})
	kid := p.KeyID()

	t.Run("duplicate claims", func(t *testing.T) {
		t.Parallel()
		hdr := []byte(`{"alg":"EdDSA","kid":"` + kid + `"}`)
		payload := []byte(`{"sub":"alice","sub":"root"}`)
		token := p.SignRaw(hdr, payload, kid)
		assert.Equal(t, hdr, decodeSegment(t, token, 0))
		assert.Equal(t, payload, verify(t, jwks(t, p), token, "EdDSA"), "payload signed byte for byte")
	})
	t.Run("malformed json", func(t *testing.T) {
		t.Parallel()
		token := p.SignRaw([]byte(`{"alg":`), []byte(`not json`), kid)
		assert.Equal(t, []byte(`{"alg":`), decodeSegment(t, token, 0))
		assert.Equal(t, []byte(`not json`), decodeSegment(t, token, 1))
		_, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
		require.Error(t, err)
	})
}

func TestAvailabilityAndFetches(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{Algorithm: "ES256", MaxAge: 90 * time.Second})
	p.HandleFunc("/claims", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"groups":["dev"]}`) })
	c := p.Client()
	status := func(url string) int {
		t.Helper()
		resp, _ := get(t, c, url)
		return resp.StatusCode
	}

	resp, _ := get(t, c, p.JWKSURL())
	assert.Equal(t, "max-age=90", resp.Header.Get("Cache-Control"))
	p.SetMaxAge(0)
	resp, _ = get(t, c, p.JWKSURL())
	assert.Empty(t, resp.Header.Get("Cache-Control"))
	p.SetMaxAge(time.Hour)
	resp, _ = get(t, c, p.JWKSURL())
	assert.Equal(t, "max-age=3600", resp.Header.Get("Cache-Control"))
	resp, _ = get(t, c, p.DiscoveryURL())
	assert.Empty(t, resp.Header.Get("Cache-Control"), "only on the JWKS")

	_, body := get(t, c, p.URL()+"/claims")
	assert.JSONEq(t, `{"groups":["dev"]}`, string(body))

	p.SetJWKSDown(true)
	assert.Equal(t, http.StatusServiceUnavailable, status(p.JWKSURL()))
	assert.Equal(t, http.StatusOK, status(p.DiscoveryURL()))
	assert.Equal(t, http.StatusOK, status(p.URL()+"/claims"))
	p.SetJWKSDown(false)

	p.SetDown(true)
	assert.Equal(t, http.StatusServiceUnavailable, status(p.JWKSURL()))
	assert.Equal(t, http.StatusServiceUnavailable, status(p.DiscoveryURL()))
	assert.Equal(t, http.StatusServiceUnavailable, status(p.URL()+"/claims"))
	p.SetDown(false)
	assert.Equal(t, http.StatusOK, status(p.JWKSURL()))
	assert.Equal(t, http.StatusNotFound, status(p.URL()+"/nothing"))

	d, j := p.Fetches()
	assert.Equal(t, 3, d, "discovery fetches, 503 included")
	assert.Equal(t, 6, j, "JWKS fetches, 503 included")
}

// TestUnreachable checks that an unreachable Provider fails every request
// in the transport, a kept-alive connection's included, counts none of
// them, and serves again once reachable, over a socket and in memory.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	for _, inMemory := range []bool{false, true} {
		name := "socket"
		if inMemory {
			name = "in memory"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, oidctest.Options{InMemory: inMemory})
			tr := p.Client().Transport.(*http.Transport).Clone()
			tr.DisableKeepAlives = false // a connection open across the change
			defer tr.CloseIdleConnections()
			keepAlive := &http.Client{Transport: tr}
			resp, _ := get(t, keepAlive, p.DiscoveryURL())
			require.Equal(t, http.StatusOK, resp.StatusCode)

			p.SetUnreachable(true)
			for _, c := range []*http.Client{keepAlive, p.Client()} {
				for _, url := range []string{p.DiscoveryURL(), p.JWKSURL()} {
					resp, err := c.Get(url)
					if err == nil {
						resp.Body.Close()
						t.Fatalf("GET %s answered %s while unreachable", url, resp.Status)
					}
				}
			}
			d, j := p.Fetches()
			assert.Equal(t, 1, d, "nothing reached the handler while unreachable")
			assert.Equal(t, 0, j)

			p.SetUnreachable(false)
			resp, _ = get(t, keepAlive, p.JWKSURL())
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			_, j = p.Fetches()
			assert.Equal(t, 1, j)
		})
	}
}

func TestCAPEM(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{Algorithm: "ES256", IssuerPath: "/t"})
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(p.CAPEM()))
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	resp, _ := get(t, &http.Client{Transport: tr}, p.DiscoveryURL())
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	_, err := http.DefaultClient.Get(p.DiscoveryURL())
	require.Error(t, err, "the server's certificate is not trusted by default")
}

func TestClose(t *testing.T) {
	t.Parallel()
	p := oidctest.NewProvider(oidctest.Options{Algorithm: "ES256"})
	get(t, p.Client(), p.DiscoveryURL())
	p.Close()
	p.Close() // idempotent
	_, err := p.Client().Get(p.DiscoveryURL())
	require.Error(t, err)
	assert.NotEmpty(t, p.Sign(p.Claims("alice")), "signing works after Close")
}

// A Provider created outside a bubble serves a test inside it, whose clock
// advances freely.
func TestSynctest(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{Algorithm: "ES256"})
	synctest.Test(t, func(t *testing.T) {
		c := p.Client()
		start := time.Now()
		get(t, c, p.JWKSURL())
		time.Sleep(time.Hour)
		synctest.Wait()
		token := p.Sign(p.Claims("alice"))
		var claims map[string]any
		require.NoError(t, json.Unmarshal(verify(t, jwks(t, p), token, "ES256"), &claims))
		assert.Equal(t, float64(start.Add(time.Hour).Unix()), claims["iat"])
	})
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	p := newProvider(t, oidctest.Options{Algorithm: "ES256"})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				p.Sign(p.Claims("alice"))
				get(t, p.Client(), p.JWKSURL())
				get(t, p.Client(), p.DiscoveryURL())
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			p.RemoveKey(p.KeyID())
			p.Rotate()
			p.SetMaxAge(time.Minute)
			p.Fetches()
		}
	})
	wg.Wait()
	d, j := p.Fetches()
	assert.Equal(t, 20, d)
	assert.Equal(t, 20, j)
	assert.Equal(t, []string{p.KeyID()}, p.Keys(), "each rotation removed the key before")
}

// An in-memory Provider created inside a bubble serves it without a
// socket, and the bubble's clock advances.
func TestInMemorySynctest(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newProvider(t, oidctest.Options{Algorithm: "ES256", IssuerPath: "/mem", InMemory: true})
		assert.True(t, strings.HasPrefix(p.Issuer(), "https://127.0.0.1:"), p.Issuer())
		c := p.Client()
		assert.Equal(t, p.Issuer(), discovery(t, p)["issuer"])
		time.Sleep(time.Hour)
		synctest.Wait()
		token := p.Sign(p.Claims("alice"))
		verify(t, jwks(t, p), token, "ES256")

		// A transport of one's own, from CAPEM and DialContext.
		pool := x509.NewCertPool()
		require.True(t, pool.AppendCertsFromPEM(p.CAPEM()))
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DialContext: p.DialContext}
		defer tr.CloseIdleConnections()
		resp, _ := get(t, &http.Client{Transport: tr}, p.JWKSURL())
		assert.Equal(t, http.StatusOK, resp.StatusCode)

		p.Close()
		_, err := c.Get(p.DiscoveryURL())
		require.ErrorIs(t, err, net.ErrClosed)
		d, j := p.Fetches()
		assert.Equal(t, 1, d)
		assert.Equal(t, 2, j)
	})
}
