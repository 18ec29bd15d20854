package bootstrap

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
)

// A file with one token in each accepted shape; the same Secret throughout.
const (
	yamlSecret = `apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-abcdef
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  token-id: abcdef
  token-secret: 0123456789abcdef
  usage-bootstrap-authentication: "true"
  auth-extra-groups: system:bootstrappers:worker
`
	// The same, base64 in data (as kubectl get -o yaml prints it).
	yamlSecretData = `apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-abcdef
  namespace: kube-system
type: bootstrap.kubernetes.io/token
data:
  token-id: YWJjZGVm
  token-secret: MDEyMzQ1Njc4OWFiY2RlZg==
  usage-bootstrap-authentication: dHJ1ZQ==
  auth-extra-groups: c3lzdGVtOmJvb3RzdHJhcHBlcnM6d29ya2Vy
`
	yamlList = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: default-token-xyz, namespace: kube-system}
  type: kubernetes.io/service-account-token
  data: {token: bm90IGEgYm9vdHN0cmFwIHRva2Vu}
- apiVersion: v1
  kind: Secret
  metadata: {name: bootstrap-token-abcdef, namespace: kube-system}
  type: bootstrap.kubernetes.io/token
  data: {token-id: YWJjZGVm, usage-bootstrap-authentication: dHJ1ZQ==}
  stringData: {token-secret: "0123456789abcdef", auth-extra-groups: "system:bootstrappers:worker"}
`
	jsonArray = `[{"metadata":{"name":"bootstrap-token-abcdef","namespace":"kube-system"},
 "type":"bootstrap.kubernetes.io/token",
 "stringData":{"token-id":"abcdef","token-secret":"0123456789abcdef",
   "usage-bootstrap-authentication":"true","auth-extra-groups":"system:bootstrappers:worker"}}]`
	jsonSecretList = `{"apiVersion":"v1","kind":"SecretList","items":[
 {"metadata":{"name":"bootstrap-token-abcdef","namespace":"kube-system"},
 "type":"bootstrap.kubernetes.io/token",
 "data":{"token-id":"YWJjZGVm","token-secret":"MDEyMzQ1Njc4OWFiY2RlZg==",
   "usage-bootstrap-authentication":"dHJ1ZQ==","auth-extra-groups":"c3lzdGVtOmJvb3RzdHJhcHBlcnM6d29ya2Vy"}}]}`
	multiDoc = "---\n# a comment\n---\n" + yamlSecret + "---\n" + `apiVersion: v1
kind: Secret
metadata: {name: bootstrap-token-zzzzzz, namespace: kube-system}
type: bootstrap.kubernetes.io/token
stringData: {token-id: zzzzzz, token-secret: zzzzzzzzzzzzzzzz, expiration: "2030-01-01T00:00:00Z"}
`
)

func TestParseShapes(t *testing.T) {
	want := &Secret{Namespace: Namespace, Name: "bootstrap-token-abcdef", Type: SecretType, Data: map[string]string{
		TokenIDKey: "abcdef", TokenSecretKey: "0123456789abcdef", UsageAuthenticationKey: "true",
		ExtraGroupsKey: "system:bootstrappers:worker"}}
	for name, in := range map[string]string{
		"yaml stringData": yamlSecret, "yaml data": yamlSecretData, "yaml List": yamlList,
		"json array": jsonArray, "json SecretList": jsonSecretList, "multi-document": multiDoc,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			set, err := parseSecrets("f.yaml", []byte(in))
			require.NoError(t, err)
			assert.Equal(t, want, set.byID["abcdef"])
		})
	}
	set, err := parseSecrets("", []byte(multiDoc))
	require.NoError(t, err)
	assert.Len(t, set.byID, 2)
	set, err = parseSecrets("", []byte(yamlList))
	require.NoError(t, err)
	assert.Equal(t, 1, set.skipped)
	for _, empty := range []string{"", "---\n", "[]", "apiVersion: v1\nkind: List\nitems: []\n", "apiVersion: v1\nkind: List\n"} {
		set, err := parseSecrets("", []byte(empty))
		require.NoError(t, err, "%q", empty)
		assert.Empty(t, set.byID)
	}
}

func TestParseStringDataWins(t *testing.T) {
	in := `[{"metadata":{"name":"bootstrap-token-abcdef","namespace":"kube-system"},"type":"bootstrap.kubernetes.io/token",
"data":{"token-id":"YWJjZGVm","token-secret":"enp6enp6enp6enp6enp6eg=="},
"stringData":{"token-secret":"0123456789abcdef"}}]`
	set, err := parseSecrets("", []byte(in))
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcdef", set.byID["abcdef"].Data[TokenSecretKey])
}

func TestParseDeletionTimestamp(t *testing.T) {
	in := `[{"metadata":{"name":"bootstrap-token-abcdef","namespace":"kube-system","deletionTimestamp":"2026-01-01T00:00:00Z"},
"type":"bootstrap.kubernetes.io/token","stringData":{"token-id":"abcdef","token-secret":"0123456789abcdef"}}]`
	set, err := parseSecrets("", []byte(in))
	require.NoError(t, err)
	assert.False(t, set.byID["abcdef"].DeletionTimestamp.IsZero())
}

// secretValue is a token secret that every broken file below holds; no
// error may contain it.
const secretValue = "s3cr3ts3cr3ts3cr"

func TestParseErrors(t *testing.T) {
	item := func(meta, typ, body string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata: " + meta + "\ntype: " + typ + "\n" + body + "\n"
	}
	const meta = "{name: bootstrap-token-abcdef, namespace: kube-system}"
	const typ = "bootstrap.kubernetes.io/token"
	tests := []struct{ name, in, wantSub string }{
		{"syntax", "a: [\n", "f.yaml"},
		{"scalar document", "hello " + secretValue + "\n", "document 1"},
		{"unknown kind", "apiVersion: v1\nkind: ConfigMap\n", "kind \"ConfigMap\""},
		{"wrong apiVersion", "apiVersion: v2\nkind: Secret\n", "apiVersion"},
		{"items not a list", "apiVersion: v1\nkind: List\nitems: " + secretValue + "\n", "items"},
		{"item not a mapping", "[\"" + secretValue + "\"]", "item 0"},
		{"item kind", "[{kind: Pod, metadata: {name: x}}]", "kind \"Pod\""},
		{"no name", "[{type: Opaque}]", "metadata.name"},
		{"data not a mapping", item(meta, typ, "data: "+secretValue), "data: want a mapping"},
		{"bad base64", item(meta, typ, "data: {token-secret: \""+secretValue+"!\"}"), "not valid base64"},
		{"unquoted bool", item(meta, typ, "stringData: {token-secret: "+secretValue+", usage-bootstrap-authentication: true}"), "quote"},
		{"null value", item(meta, typ, "stringData: {token-secret: "+secretValue+", x: null}"), "quote"},
		{"keyless value", item(meta, typ, "stringData: {"+secretValue+"}"), "without a value"},
		{"missing colon", item(meta, typ, "stringData:\n  token-secret "+secretValue+": x"), "not 1 to 253"},
		{"duplicate key", item(meta, typ, "stringData: {token-secret: "+secretValue+", token-secret: "+secretValue+"}"), "twice"},
		{"duplicate field", item(meta, typ, "type: Opaque"), "twice"},
		{"wrong namespace", item("{name: bootstrap-token-abcdef, namespace: default}", typ, "stringData: {token-secret: "+secretValue+"}"), "namespace \"default\""},
		{"no namespace", item("{name: bootstrap-token-abcdef}", typ, "stringData: {token-secret: "+secretValue+"}"), "namespace"},
		{"bad name", item("{name: bootstrap-token-ABCDEF, namespace: kube-system}", typ, "stringData: {token-secret: "+secretValue+"}"), "name"},
		{"named but wrong type", item(meta, "Opaque", "stringData: {token-secret: "+secretValue+"}"), "type \"Opaque\""},
		{"no data", item(meta, typ, ""), "no data"},
		{"token-id differs", item(meta, typ, "stringData: {token-id: zzzzzz, token-secret: "+secretValue+"}"), "token-id"},
		{"bad token-secret", item(meta, typ, "stringData: {token-id: abcdef, token-secret: "+secretValue+"X}"), "token-secret: want 16"},
		{"bad expiration", item(meta, typ, "stringData: {token-id: abcdef, token-secret: "+secretValue+", expiration: tomorrow}"), "expiration"},
		{"bad group", item(meta, typ, "stringData: {token-id: abcdef, token-secret: "+secretValue+", auth-extra-groups: system:masters}"), "system:masters"},
		{"duplicate secret", item(meta, typ, "stringData: {token-id: abcdef, token-secret: "+secretValue+"}") + "---\n" +
			item(meta, typ, "stringData: {token-id: abcdef, token-secret: "+secretValue+"}"), "item 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseSecrets("f.yaml", []byte(tt.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantSub)
			assert.Contains(t, err.Error(), "bootstrap: f.yaml: ")
			assert.NotContains(t, err.Error(), secretValue)
		})
	}
}

func TestStaticStore(t *testing.T) {
	st, err := NewStaticStore(*testSecretFor(testID, testSecret, nil))
	require.NoError(t, err)
	a := newTestAuthenticator(t, st)
	resp, ok, err := a.AuthenticateToken(t.Context(), testToken)
	authntest.AssertUser(t, authn.UserInfo{Name: "system:bootstrap:abcdef", Groups: []string{"system:bootstrappers"}}, resp, ok, err)

	_, err = NewStaticStore(*testSecretFor(testID, testSecret, nil), *testSecretFor(testID, testSecret, nil))
	require.ErrorContains(t, err, "duplicate")
	_, err = NewStaticStore(*testSecretFor(testID, secretValue+"!", nil))
	require.ErrorContains(t, err, "secret 0")
	assert.NotContains(t, err.Error(), secretValue)
	_, err = NewStaticStore(*testSecretFor(testID, testSecret, func(s *Secret) { s.Type = "Opaque"; s.Name = "x" }))
	require.Error(t, err)
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bootstrap-tokens.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestFileStoreReload(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := writeFile(t, yamlSecret)
	ev := reloadtest.NewEvents()
	st, err := NewFileStore(FileStoreOptions{FileOptions: authn.FileOptions{Path: path, OnReload: ev.OnReload, OnError: ev.OnError}})
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	a := newTestAuthenticator(t, st)
	worker := authn.UserInfo{Name: "system:bootstrap:abcdef", Groups: []string{"system:bootstrappers", "system:bootstrappers:worker"}}

	resp, ok, err := a.AuthenticateToken(t.Context(), testToken)
	authntest.AssertUser(t, worker, resp, ok, err)

	// A new file: the old token goes, a new one comes.
	reloadtest.Replace(t, path, multiDoc[len("---\n# a comment\n---\n")+len(yamlSecret)+len("---\n"):])
	ev.WaitReload(t)
	resp, ok, err = a.AuthenticateToken(t.Context(), testToken)
	authntest.CheckOutcome(t, resp, ok, err)
	require.False(t, ok)
	require.NoError(t, err, "a token whose Secret is gone is no opinion")

	// A broken file keeps the previous Secrets, and says why without the secret.
	reloadtest.Replace(t, path, "[{metadata: {name: bootstrap-token-zzzzzz, namespace: kube-system}, type: bootstrap.kubernetes.io/token, stringData: {token-id: zzzzzz, token-secret: "+secretValue+"x}}]")
	rerr := ev.WaitError(t)
	assert.Contains(t, rerr.Error(), path)
	assert.Contains(t, rerr.Error(), "item 0")
	assert.NotContains(t, rerr.Error(), secretValue)
	_, ok, err = a.AuthenticateToken(t.Context(), "zzzzzz.zzzzzzzzzzzzzzzz")
	require.ErrorIs(t, err, ErrNotForAuthentication, "the previous Secret still serves")
	require.False(t, ok)

	// Back to the first file.
	reloadtest.Replace(t, path, yamlSecret)
	ev.WaitReload(t)
	resp, ok, err = a.AuthenticateToken(t.Context(), testToken)
	authntest.AssertUser(t, worker, resp, ok, err)
	require.NoError(t, st.Reload())
}

func TestNewFileStoreErrors(t *testing.T) {
	_, err := NewFileStore(FileStoreOptions{FileOptions: authn.FileOptions{Path: filepath.Join(t.TempDir(), "missing.yaml")}})
	require.ErrorIs(t, err, os.ErrNotExist)
	path := writeFile(t, "[{metadata: {name: bootstrap-token-abcdef, namespace: kube-system}, type: bootstrap.kubernetes.io/token, stringData: {token-secret: "+secretValue+"}}]")
	_, err = NewFileStore(FileStoreOptions{FileOptions: authn.FileOptions{Path: path}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.NotContains(t, err.Error(), secretValue)
	_, err = NewFileStore(FileStoreOptions{FileOptions: authn.FileOptions{Path: path, MaxSize: -1}})
	require.Error(t, err)
}

func TestCleanYAMLError(t *testing.T) {
	for in, want := range map[string]string{
		"yaml: unknown anchor 's3cr3t' referenced":           "unknown anchor '…' referenced",
		"yaml: line 2: could not find expected ':'":          "line 2: could not find expected ':'",
		"yaml: line 1: found `abcdefgh` and \"x\" and 'abcd": "line 1: found `…` and \"x\" and '…",
		"yaml: line 1: did not find expected node content":   "line 1: did not find expected node content",
	} {
		assert.Equal(t, want, cleanYAMLError(errors.New(in)), in)
	}
}

func TestFileStoreLogsNoSecret(t *testing.T) {
	defer goleak.VerifyNone(t)
	var buf lockedBuffer // the watcher may log too
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	good := strings.ReplaceAll(yamlSecret, testSecret, secretValue[:16])
	path := writeFile(t, good)
	st, err := NewFileStore(FileStoreOptions{FileOptions: authn.FileOptions{Path: path, Interval: -1}, Logger: logger})
	require.NoError(t, err)
	defer st.Close()
	reloadtest.Replace(t, path, strings.ReplaceAll(good, "token-id: abcdef", "token-id: "+secretValue))
	require.Error(t, st.Reload())
	assert.Contains(t, buf.String(), "msg=loaded")
	assert.Contains(t, buf.String(), "tokens=1")
	assert.Contains(t, buf.String(), "reload failed")
	assert.NotContains(t, buf.String(), secretValue[:16])
}

// TestFileStoreEmptyWarns: a file without bootstrap tokens (empty, or only
// other Secrets) is valid and replaces the Secrets on reload (emptying the
// file revokes every token), but is logged at Warn, at start and on
// reload.
func TestFileStoreEmptyWarns(t *testing.T) {
	defer goleak.VerifyNone(t)
	var buf lockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	path := writeFile(t, "")
	ev := reloadtest.NewEvents()
	st, err := NewFileStore(FileStoreOptions{FileOptions: authn.FileOptions{Path: path, Interval: -1, OnReload: ev.OnReload, OnError: ev.OnError}, Logger: logger})
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	const empty = `level=WARN msg="bootstrap token file has no bootstrap tokens: every bootstrap token gets no opinion" store=bootstrap path=`
	out := buf.take()
	assert.Contains(t, out, empty+path+" tokens=0 skipped=0\n", "at start")
	assert.NotContains(t, out, "level=INFO")

	reloadtest.Replace(t, path, yamlSecret)
	ev.WaitReload(t)
	out = buf.take()
	assert.Contains(t, out, "level=INFO msg=loaded store=bootstrap path="+path+" tokens=1 skipped=0 previous_tokens=0\n")
	assert.NotContains(t, out, "level=WARN")

	// Truncated to empty: valid, replaces the token, loudly.
	require.NoError(t, os.Truncate(path, 0))
	ev.WaitReload(t)
	out = buf.take()
	assert.Contains(t, out, empty+path+" tokens=0 skipped=0 previous_tokens=1\n", "on reload")
	assert.NotContains(t, out, "level=INFO")
	a := newTestAuthenticator(t, st)
	resp, ok, err := a.AuthenticateToken(t.Context(), testToken)
	authntest.CheckOutcome(t, resp, ok, err)
	assert.False(t, ok, "the empty file replaced the Secrets")

	// Only Secrets of other kinds: no bootstrap token either.
	reloadtest.Replace(t, path, yamlList[:strings.Index(yamlList, "- apiVersion: v1\n  kind: Secret\n  metadata: {name: bootstrap")])
	ev.WaitReload(t)
	assert.Contains(t, buf.take(), empty+path+" tokens=0 skipped=1 previous_tokens=0\n")
}

// lockedBuffer is a log destination that the watcher goroutine and the
// test may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// take returns what was written and empties the buffer.
func (b *lockedBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}
