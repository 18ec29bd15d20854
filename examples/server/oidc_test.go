package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// erin is what the demo's authn-config.yaml makes of its ID token.
func assertErin(t *testing.T, got whoamiResult) {
	t.Helper()
	assert.Equal(t, "oidc:erin@example.com", got.Status.UserInfo.Username)
	assert.Equal(t, "erin-0001", got.Status.UserInfo.UID)
	assert.Equal(t, []string{"oidc:devs", "system:authenticated"}, got.Status.UserInfo.Groups)
	assert.Equal(t, []string{"acme"}, got.Status.UserInfo.Extra["demo.authnkit.io/tenant"])
}

func TestDemoOIDCToken(t *testing.T) {
	ts := startDemo(t)
	res := ts.do(t, http.MethodPost, ssrPath, nil, bearer(ts.demo.idToken))
	assertErin(t, decodeWhoami(t, res))
	assert.NotContains(t, ts.logs.String(), ts.demo.idToken)
}

func TestKubectlOIDCToken(t *testing.T) {
	ts := startDemo(t)
	out, errOut, err := kubectl(t, ts, "auth", "whoami", "-o", "json", "--token", ts.demo.idToken)
	require.NoError(t, err, "kubectl stderr: %s", errOut)
	var got whoamiResult
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assertErin(t, got)
}
