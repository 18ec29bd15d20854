package options_test

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/options"
)

func TestCertificateFlags(t *testing.T) {
	t.Parallel()
	o := options.NewOptions()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.AddFlags(fs)
	require.NoError(t, fs.Parse([]string{
		"--client-ca-file=/ca.crt", "--client-crl-file=/ca.crl", "--client-cert-deny-file=/deny",
		"--requestheader-client-ca-file=/proxy-ca.crt", "--requestheader-allowed-names=front-proxy-client,aggregator",
		"--requestheader-username-headers=X-Remote-User", "--requestheader-uid-headers=X-Remote-Uid",
		"--requestheader-group-headers=X-Remote-Group", "--requestheader-extra-headers-prefix=X-Remote-Extra-",
	}))
	assert.Equal(t, "/ca.crt", o.ClientCAFile)
	assert.Equal(t, "/ca.crl", o.ClientCRLFile)
	assert.Equal(t, "/deny", o.ClientCertDenyFile)
	assert.Equal(t, options.RequestHeaderOptions{
		ClientCAFile:        "/proxy-ca.crt",
		AllowedNames:        []string{"front-proxy-client", "aggregator"},
		UsernameHeaders:     []string{"X-Remote-User"},
		UIDHeaders:          []string{"X-Remote-Uid"},
		GroupHeaders:        []string{"X-Remote-Group"},
		ExtraHeaderPrefixes: []string{"X-Remote-Extra-"},
	}, o.RequestHeader)
}

func TestCertificateValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    options.Options
		wantErr string
	}{
		{"proxy CA without username headers", options.Options{RequestHeader: options.RequestHeaderOptions{ClientCAFile: "/p"}}, "--requestheader-username-headers is required"},
		{"proxy headers without proxy CA", options.Options{RequestHeader: options.RequestHeaderOptions{UsernameHeaders: []string{"X-Remote-User"}}}, "need --requestheader-client-ca-file"},
		{"proxy CA is the client CA", options.Options{ClientCAFile: "/ca", RequestHeader: options.RequestHeaderOptions{ClientCAFile: "/ca", UsernameHeaders: []string{"X"}}}, "must not be --client-ca-file"},
		{"CRL without client CA", options.Options{ClientCRLFile: "/crl"}, "need --client-ca-file"},
		{"deny list without client CA", options.Options{ClientCertDenyFile: "/deny"}, "need --client-ca-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.opts.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// kube-apiserver's order: front proxy, then client certificates, then
// tokens; each success gets system:authenticated.
func TestCertificateComposition(t *testing.T) {
	t.Parallel()
	clientCA := authntest.NewCA()
	proxyCA := authntest.NewCA()
	tokens := writeFile(t, "tokens.csv", "tok-alice,alice,1001\n")
	a := newAuth(t, &options.Options{
		ClientCAFile:  writeFile(t, "ca.crt", string(clientCA.CertPEM)),
		TokenAuthFile: tokens,
		AnonymousAuth: true,
		RequestHeader: options.RequestHeaderOptions{
			ClientCAFile:    writeFile(t, "proxy-ca.crt", string(proxyCA.CertPEM)),
			AllowedNames:    []string{"front-proxy-client"},
			UsernameHeaders: []string{"X-Remote-User"},
			GroupHeaders:    []string{"X-Remote-Group"},
		},
	})

	viaProxy := proxyCA.IssueClient("front-proxy-client").AddToRequest(authntest.NewProxyRequest("dave", []string{"devs"}, nil))
	viaProxy.Header.Set("Authorization", "Bearer tok-alice")
	resp, ok, err := a.AuthenticateRequest(viaProxy)
	authntest.AssertUser(t, authn.UserInfo{Name: "dave", Groups: []string{"devs", "system:authenticated"}}, resp, ok, err)

	admin := clientCA.IssueClient("admin", "system:masters")
	resp, ok, err = a.AuthenticateRequest(admin.NewRequest())
	fingerprint := sha256.Sum256(admin.Certificate.Raw)
	authntest.AssertUser(t, authn.UserInfo{Name: "admin", Groups: []string{"system:masters", "system:authenticated"},
		Extra: map[string][]string{authn.CredentialIDKey: {"X509SHA256=" + hex.EncodeToString(fingerprint[:])}}}, resp, ok, err)

	spoofed := authntest.NewProxyRequest("mallory", []string{"system:masters"}, nil)
	resp, ok, err = a.AuthenticateRequest(spoofed)
	authntest.AssertUser(t, authn.UserInfo{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, resp, ok, err)
	assert.Empty(t, spoofed.Header.Get("X-Remote-User"), "spoofed identity headers are stripped")

	_, ok, err = a.AuthenticateRequest(authntest.NewCA().IssueClient("eve").NewRequest())
	assert.False(t, ok, "a certificate from an unknown CA is rejected, not anonymous")
	require.Error(t, err)
}

// One CA behind both roles is refused whatever the paths say: through
// "./ca.pem" against "ca.pem", through a copy, or as one CA among others
// in a bundle.
func TestFrontProxyCAMustNotBeAClientCA(t *testing.T) {
	t.Parallel()
	shared, other := authntest.NewCA(), authntest.NewCA()
	dir := t.TempDir()
	clientCA := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(clientCA, shared.CertPEM, 0o600))
	copied := writeFile(t, "copy.pem", string(shared.CertPEM))
	bundle := writeFile(t, "bundle.pem", string(other.CertPEM)+string(shared.CertPEM))
	for name, proxyCA := range map[string]string{
		"the same file by another path": dir + "/./ca.pem",
		"a copy":                        copied,
		"one CA of a bundle":            bundle,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := &options.Options{ClientCAFile: clientCA, Logger: slog.New(slog.DiscardHandler), RequestHeader: options.RequestHeaderOptions{
				ClientCAFile: proxyCA, UsernameHeaders: []string{"X-Remote-User"}}}
			a, err := o.New()
			require.Error(t, err)
			require.Nil(t, a)
			assert.Contains(t, err.Error(), "share the CA")
			assert.Contains(t, err.Error(), shared.Certificate.Subject.String())
		})
	}
	a := newAuth(t, &options.Options{ClientCAFile: clientCA, RequestHeader: options.RequestHeaderOptions{
		ClientCAFile: writeFile(t, "proxy.pem", string(other.CertPEM)), UsernameHeaders: []string{"X-Remote-User"}}})
	require.NotNil(t, a)
}
