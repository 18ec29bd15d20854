package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A second server delegates bearer tokens to the demo through
// --authentication-token-webhook-config-file; kubectl talks to the second.
func TestKubectlThroughWebhookDelegation(t *testing.T) {
	upstream := startDemo(t)
	dir := t.TempDir()
	// The webhook kubeconfig: the demo's TokenReview endpoint, its CA, and
	// bob's token so the delegating server may ask.
	webhookConfig := filepath.Join(dir, "webhook.yaml")
	require.NoError(t, os.WriteFile(webhookConfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: upstream
  cluster:
    server: https://%s/apis/authentication.k8s.io/v1/tokenreviews
    certificate-authority: %s
users:
- name: delegator
  user:
    token: %s
contexts:
- name: webhook
  context: {cluster: upstream, user: delegator}
current-context: webhook
`, upstream.addr, upstream.demo.path("ca.crt"), upstream.demo.bobToken)), 0o600))

	s, err := start([]string{"--secure-port=0", "--anonymous-auth=false",
		"--authentication-token-webhook-config-file=" + webhookConfig,
		"--authentication-token-webhook-version=v1"}, io.Discard, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.shutdown()) })

	path, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed: the kubectl round trip is not tested")
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: delegating
  cluster: {server: "https://%s", certificate-authority: %q}
users:
- name: nobody
  user: {}
contexts:
- name: c
  context: {cluster: delegating, user: nobody}
current-context: c
`, s.addr, s.caFile)), 0o600))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--kubeconfig", kubeconfig, "auth", "whoami", "-o", "json", "--token", upstream.demo.aliceToken)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECACHEDIR="+t.TempDir())
	out, err := cmd.Output()
	require.NoError(t, err, "kubectl: %s", out)
	var got whoamiResult
	require.NoError(t, json.Unmarshal(out, &got), string(out))
	assert.Equal(t, "alice", got.Status.UserInfo.Username)
	assert.Equal(t, "1001", got.Status.UserInfo.UID)
	assert.Equal(t, []string{"dev", "ops", "system:authenticated"}, got.Status.UserInfo.Groups)
	assert.Contains(t, upstream.logs.String(), "path=/apis/authentication.k8s.io/v1/tokenreviews status=201 user=bob")
}
