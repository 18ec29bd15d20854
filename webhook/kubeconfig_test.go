package webhook

import (
	"encoding/base64"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "ca.pem", "CA")
	writeFile(t, dir, "tok", " file-token \n")
	abs := filepath.Join(dir, "ca.pem")
	tests := []struct {
		name, yaml string
		want       *Config
		wantErr    bool
	}{
		{name: "first cluster and user without context", yaml: `
clusters:
- {name: a, cluster: {server: "https://a", certificate-authority: ca.pem}}
- {name: b, cluster: {server: "https://b"}}
users:
- {name: u, user: {token: t1}}
`, want: &Config{Server: "https://a", CAData: []byte("CA"), Token: "t1"}},
		{name: "current context", yaml: `
clusters:
- {name: a, cluster: {server: "https://a"}}
- {name: b, cluster: {server: "https://b", certificate-authority-data: ` + b64([]byte("CA2")) + `, tls-server-name: authn.local}}
users:
- {name: u1, user: {token: t1}}
- {name: u2, user: {tokenFile: tok, client-certificate-data: ` + b64([]byte("C")) + `, client-key-data: ` + b64([]byte("K")) + `}}
contexts:
- {name: c, context: {cluster: b, user: u2}}
current-context: c
`, want: &Config{Server: "https://b", TLSServerName: "authn.local", CAData: []byte("CA2"), ClientCertData: []byte("C"), ClientKeyData: []byte("K"), Token: "file-token"}},
		{name: "absolute path and insecure", yaml: `
clusters:
- {name: a, cluster: {server: "https://a", certificate-authority: ` + abs + `, insecure-skip-tls-verify: true}}
`, want: &Config{Server: "https://a", CAData: []byte("CA"), InsecureSkipTLSVerify: true}},
		{name: "tokenFile wins over token", yaml: `
clusters: [{name: a, cluster: {server: "https://a"}}]
users: [{name: u, user: {token: t1, tokenFile: tok}}]
`, want: &Config{Server: "https://a", Token: "file-token"}},
		{name: "token when tokenFile cannot be read", yaml: `
clusters: [{name: a, cluster: {server: "https://a"}}]
users: [{name: u, user: {token: t1, tokenFile: nope}}]
`, want: &Config{Server: "https://a", Token: "t1"}},
		{name: "unreadable tokenFile without token", yaml: `
clusters: [{name: a, cluster: {server: "https://a"}}]
users: [{name: u, user: {tokenFile: nope}}]
`, wantErr: true},
		{name: "json", yaml: `{"clusters":[{"name":"a","cluster":{"server":"https://a"}}]}`, want: &Config{Server: "https://a"}},
		{name: "no clusters", yaml: `users: []`, wantErr: true},
		{name: "no server", yaml: `clusters: [{name: a, cluster: {}}]`, wantErr: true},
		{name: "missing context", yaml: `{clusters: [{name: a, cluster: {server: "https://a"}}], current-context: x}`, wantErr: true},
		{name: "missing cluster", yaml: `{clusters: [{name: a, cluster: {server: "https://a"}}], contexts: [{name: x, context: {cluster: b}}], current-context: x}`, wantErr: true},
		{name: "missing user", yaml: `{clusters: [{name: a, cluster: {server: "https://a"}}], contexts: [{name: x, context: {cluster: a, user: u}}], current-context: x}`, wantErr: true},
		{name: "missing file", yaml: `clusters: [{name: a, cluster: {server: "https://a", certificate-authority: nope.pem}}]`, wantErr: true},
		{name: "bad base64", yaml: `clusters: [{name: a, cluster: {server: "https://a", certificate-authority-data: "!!"}}]`, wantErr: true},
		{name: "not yaml", yaml: "clusters: [\n\t{", wantErr: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := "kubeconfig" + string(rune('a'+i))
			writeFile(t, dir, name, tt.yaml)
			got, err := LoadConfig(filepath.Join(dir, name))
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), name, "errors name the file")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
