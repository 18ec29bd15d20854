package options_test

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/bootstrap"
	"github.com/authnkit/authnkit/options"
)

const bootstrapSecrets = `apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-abcdef
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  token-id: abcdef
  token-secret: 0123456789abcdef
  usage-bootstrap-authentication: "true"
  auth-extra-groups: system:bootstrappers:kubeadm:default-node-token
`

func TestBootstrapFlags(t *testing.T) {
	t.Parallel()
	o := options.NewOptions()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.AddFlags(fs)
	require.NoError(t, fs.Parse([]string{"--enable-bootstrap-token-auth", "--bootstrap-token-file=/b.yaml"}))
	assert.True(t, o.EnableBootstrapTokenAuth)
	assert.Equal(t, "/b.yaml", o.BootstrapTokenFile)

	for _, bad := range []options.Options{
		{EnableBootstrapTokenAuth: true},
		{BootstrapTokenFile: "/b.yaml"},
		{EnableBootstrapTokenAuth: true, BootstrapTokenFile: "/b.yaml", BootstrapTokenStore: bootstrap.StoreFunc(nil)},
	} {
		assert.Error(t, bad.Validate())
	}
}

func TestBootstrapTokens(t *testing.T) {
	t.Parallel()
	a := newAuth(t, &options.Options{EnableBootstrapTokenAuth: true, BootstrapTokenFile: writeFile(t, "bootstrap.yaml", bootstrapSecrets)})
	resp, ok, err := a.AuthenticateRequest(authntest.NewBearerRequest("abcdef.0123456789abcdef"))
	authntest.AssertUser(t, authn.UserInfo{Name: "system:bootstrap:abcdef",
		Groups: []string{"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"}}, resp, ok, err)

	_, ok, err = a.AuthenticateRequest(authntest.NewBearerRequest("abcdef.0000000000000000"))
	assert.False(t, ok)
	require.ErrorIs(t, err, authn.ErrInvalidToken)
	assert.NotContains(t, err.Error(), "0000000000000000")
}
