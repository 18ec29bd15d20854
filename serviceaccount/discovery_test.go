package serviceaccount

import (
	"crypto"
	"crypto/elliptic"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiscoveryHandler(t *testing.T) {
	rk, ek := rsaKey(t), ecKey(t, elliptic.P384())
	h, err := DiscoveryHandler(testIssuer, []crypto.PublicKey{&rk.PublicKey, ek}, DiscoveryOptions{})
	require.NoError(t, err)
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, body
	}

	resp, body := get(OpenIDConfigPath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "public, max-age=3600", resp.Header.Get("Cache-Control"))
	assert.JSONEq(t, `{"issuer":"`+testIssuer+`","jwks_uri":"https://kubernetes.default.svc.cluster.local/openid/v1/jwks",
		"response_types_supported":["id_token"],"subject_types_supported":["public"],
		"id_token_signing_alg_values_supported":["ES384","RS256"]}`, string(body))

	resp, body = get(JWKSPath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/jwk-set+json", resp.Header.Get("Content-Type"))
	var set jose.JSONWebKeySet
	require.NoError(t, json.Unmarshal(body, &set))
	require.Len(t, set.Keys, 2)
	rkid, _ := KeyID(&rk.PublicKey)
	ekid, _ := KeyID(&ek.PublicKey)
	assert.Equal(t, []string{rkid, ekid}, []string{set.Keys[0].KeyID, set.Keys[1].KeyID})
	assert.Equal(t, []string{"RS256", "ES384"}, []string{set.Keys[0].Algorithm, set.Keys[1].Algorithm})
	for _, k := range set.Keys {
		assert.True(t, k.IsPublic())
		assert.Equal(t, "sig", k.Use)
	}

	// A relying party verifies a minted token with the published keys.
	tok := mint(t, newIssuer(t, ek), BoundToken{Namespace: "ns", Name: "sa", UID: "u"})
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES384})
	require.NoError(t, err)
	keys := set.Key(parsed.Headers[0].KeyID)
	require.Len(t, keys, 1)
	var c jwt.Claims
	require.NoError(t, parsed.Claims(keys[0].Key, &c))
	assert.Equal(t, testIssuer, c.Issuer)

	resp, _ = get("/other")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	r, err := srv.Client().Post(srv.URL+JWKSPath, "text/plain", nil)
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, r.StatusCode)

	for name, args := range map[string]struct {
		iss  string
		keys []crypto.PublicKey
	}{
		"http issuer": {"http://x", []crypto.PublicKey{ek}},
		"query":       {"https://x?a=b", []crypto.PublicKey{ek}},
		"no keys":     {"https://x", nil},
	} {
		_, err := DiscoveryHandler(args.iss, args.keys, DiscoveryOptions{})
		assert.Error(t, err, name)
	}
}
