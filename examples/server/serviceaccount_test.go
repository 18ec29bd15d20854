package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func startDemoWithSA(t *testing.T) *testServer {
	t.Helper()
	ts := startDemo(t)
	require.NoError(t, ts.demo.mintServiceAccountToken(ts.auth.ServiceAccountIssuer))
	return ts
}

func TestDemoServiceAccountToken(t *testing.T) {
	ts := startDemoWithSA(t)
	res := ts.do(t, http.MethodPost, ssrPath, nil, bearer(ts.demo.saToken))
	got := decodeWhoami(t, res)
	assert.Equal(t, "system:serviceaccount:default:demo", got.Status.UserInfo.Username)
	assert.Equal(t, "5d2a3c0e-6a1f-4c55-9f3e-1b7a5c9d0e21", got.Status.UserInfo.UID)
	assert.Equal(t, []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}, got.Status.UserInfo.Groups)
	require.Len(t, got.Status.UserInfo.Extra["authentication.kubernetes.io/credential-id"], 1)
	assert.NotContains(t, ts.logs.String(), ts.demo.saToken)
}

func TestDemoIssuerDiscovery(t *testing.T) {
	ts := startDemoWithSA(t)
	res := ts.do(t, http.MethodGet, "/.well-known/openid-configuration", nil, bearer(ts.demo.saToken))
	require.Equal(t, http.StatusOK, res.StatusCode)
	var doc map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&doc))
	assert.Equal(t, demoIssuer, doc["issuer"])

	res = ts.do(t, http.MethodGet, "/openid/v1/jwks", nil, bearer(ts.demo.saToken))
	require.Equal(t, http.StatusOK, res.StatusCode)
	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&jwks))
	require.Len(t, jwks.Keys, 1)
	assert.Equal(t, "EC", jwks.Keys[0]["kty"])
}

func TestKubectlServiceAccountToken(t *testing.T) {
	ts := startDemoWithSA(t)
	out, errOut, err := kubectl(t, ts, "auth", "whoami", "-o", "json", "--token", ts.demo.saToken)
	require.NoError(t, err, "kubectl stderr: %s", errOut)
	var got whoamiResult
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, "system:serviceaccount:default:demo", got.Status.UserInfo.Username)
	assert.Equal(t, []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}, got.Status.UserInfo.Groups)
}
