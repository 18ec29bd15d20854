package x509auth

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
)

// opensslDir runs openssl commands in a temporary folder, the way the
// Kubernetes documentation makes certificates
// (https://kubernetes.io/docs/tasks/administer-cluster/certificates/#openssl).
type opensslDir struct {
	t   *testing.T
	dir string
}

func newOpenSSL(t *testing.T) *opensslDir {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed: skipping the tests with certificates made by the openssl commands of the Kubernetes docs")
	}
	return &opensslDir{t: t, dir: t.TempDir()}
}

// run runs openssl with args in the folder.
func (o *opensslDir) run(args ...string) string {
	o.t.Helper()
	cmd := exec.CommandContext(o.t.Context(), "openssl", args...)
	cmd.Dir = o.dir
	out, err := cmd.CombinedOutput()
	require.NoError(o.t, err, "openssl %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

func (o *opensslDir) path(name string) string { return filepath.Join(o.dir, name) }

func (o *opensslDir) write(name, content string) {
	o.t.Helper()
	require.NoError(o.t, os.WriteFile(o.path(name), []byte(content), 0o600))
}

// cert parses a PEM certificate file of the folder.
func (o *opensslDir) cert(name string) *x509.Certificate {
	o.t.Helper()
	data, err := os.ReadFile(o.path(name))
	require.NoError(o.t, err)
	block, _ := pem.Decode(data)
	require.NotNil(o.t, block)
	c, err := x509.ParseCertificate(block.Bytes)
	require.NoError(o.t, err)
	return c
}

// newCA runs the docs' CA commands: an RSA-2048 key and a self-signed
// certificate for /CN=${MASTER_IP}.
func (o *opensslDir) newCA(name string) {
	o.run("genrsa", "-out", name+".key", "2048")
	o.run("req", "-x509", "-new", "-nodes", "-key", name+".key", "-subj", "/CN=127.0.0.1", "-days", "10000", "-out", name+".crt")
}

// newClient runs the docs' client commands with subject subj, signed by
// CA ca; extra arguments go to "openssl req".
func (o *opensslDir) newClient(name, ca, subj string, reqArgs ...string) {
	o.run("genrsa", "-out", name+".key", "2048")
	o.run(append([]string{"req", "-new", "-key", name + ".key", "-subj", subj, "-out", name + ".csr"}, reqArgs...)...)
	o.run("x509", "-req", "-in", name+".csr", "-CA", ca+".crt", "-CAkey", ca+".key", "-CAcreateserial", "-out", name+".crt", "-days", "365")
}

// uidConfig lets "openssl req -subj" name Kubernetes' UID attribute
// (openssl skips attributes it has no name for).
const uidConfig = `oid_section = new_oids
[ new_oids ]
kubernetesUID = 1.3.6.1.4.1.57683.2
[ req ]
distinguished_name = dn
[ dn ]
`

func TestOpenSSLKubernetesDocs(t *testing.T) {
	o := newOpenSSL(t)
	o.newCA("ca")
	o.newClient("admin", "ca", "/CN=admin/O=system:masters")
	o.newClient("jane", "ca", "/CN=jane/O=dev/O=ops")
	o.newClient("joe", "ca", "/CN=joe/O=ops/O=dev/O=ops")
	o.newClient("nocn", "ca", "/O=system:masters")
	o.write("uid.cnf", uidConfig)
	o.newClient("dave", "ca", "/CN=dave/O=dev/kubernetesUID=1001", "-config", "uid.cnf")
	o.newClient("twouids", "ca", "/CN=eve/kubernetesUID=1/kubernetesUID=2", "-config", "uid.cnf")
	o.newCA("other")
	o.newClient("mallory", "other", "/CN=mallory/O=system:masters")

	admin := o.cert("admin.crt")
	// What "openssl x509 -req" without -extfile makes: a version 1
	// certificate with no extensions, so no extended key usage, which
	// crypto/x509 (like Kubernetes, which uses it) accepts for client auth.
	assert.Equal(t, 1, admin.Version)
	assert.Empty(t, admin.ExtKeyUsage)
	assert.Empty(t, admin.UnknownExtKeyUsage)
	ca := o.cert("ca.crt")
	assert.True(t, ca.IsCA, "req -x509 uses openssl.cnf's v3_ca: basicConstraints CA:TRUE")

	a, err := New(Options{VerifyOptions: VerifyOptions{ClientCAFile: authn.FileOptions{Path: o.path("ca.crt")}}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })

	tests := []struct {
		cert     string
		wantUser authn.UserInfo
		wantErr  error
	}{
		{cert: "admin", wantUser: authn.UserInfo{Name: "admin", Groups: []string{"system:masters"}}},
		{cert: "jane", wantUser: authn.UserInfo{Name: "jane", Groups: []string{"dev", "ops"}}},
		{cert: "joe", wantUser: authn.UserInfo{Name: "joe", Groups: []string{"ops", "dev", "ops"}}},
		{cert: "dave", wantUser: authn.UserInfo{Name: "dave", UID: "1001", Groups: []string{"dev"}}},
		{cert: "twouids", wantErr: ErrInvalidUID},
		{cert: "nocn", wantErr: ErrNoCommonName},
		{cert: "mallory", wantErr: ErrUnknownAuthority},
	}
	for _, tt := range tests {
		t.Run(tt.cert, func(t *testing.T) {
			leaf := o.cert(tt.cert + ".crt")
			resp, ok, err := a.AuthenticateRequest(requestWith(leaf))
			if tt.wantErr != nil {
				authntest.CheckOutcome(t, resp, ok, err)
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			tt.wantUser.Extra = credentialID(leaf)
			authntest.AssertUser(t, tt.wantUser, resp, ok, err)
			assert.Equal(t, tt.wantUser, resp.User)
			assert.Equal(t, leaf.NotAfter, resp.Expiry)
		})
	}

	t.Run("TLS round trip", func(t *testing.T) {
		srv := newTLSServer(t, a)
		pair, err := tls.LoadX509KeyPair(o.path("admin.crt"), o.path("admin.key"))
		require.NoError(t, err)
		newTLSClient(t, srv, pair).wantUser(t, "admin")
		other, err := tls.LoadX509KeyPair(o.path("mallory.crt"), o.path("mallory.key"))
		require.NoError(t, err)
		newTLSClient(t, srv, other).wantStatus(t, http.StatusUnauthorized)
	})
}

// TestOpenSSLRevocation revokes openssl-made certificates with an
// openssl-made CRL ("openssl ca -revoke", "openssl ca -gencrl", PEM and
// DER) and with a deny list written from what "openssl x509 -serial" and
// "-fingerprint -sha256" print.
func TestOpenSSLRevocation(t *testing.T) {
	o := newOpenSSL(t)
	o.newCA("ca")
	o.newClient("admin", "ca", "/CN=admin/O=system:masters")
	o.newClient("jane", "ca", "/CN=jane/O=dev")
	o.newClient("bob", "ca", "/CN=bob")
	o.write("ca.cnf", "[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n")
	o.write("index.txt", "")
	o.write("crlnumber", "01\n")
	o.run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.crt", "-revoke", "admin.crt")
	o.run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.crt", "-gencrl", "-out", "ca.crl")
	o.run("crl", "-in", "ca.crl", "-outform", "DER", "-out", "ca.crl.der")

	serial := strings.TrimPrefix(strings.TrimSpace(o.run("x509", "-in", "jane.crt", "-noout", "-serial")), "serial=")
	fp := o.run("x509", "-in", "bob.crt", "-noout", "-fingerprint", "-sha256")
	_, fp, _ = strings.Cut(strings.TrimSpace(fp), "=")
	o.write("deny", "# revoked by hand\n"+serial+"\nsha256:"+fp+"  # bob's laptop\n")

	admin, jane, bob := o.cert("admin.crt"), o.cert("jane.crt"), o.cert("bob.crt")
	for _, crl := range []string{"ca.crl", "ca.crl.der"} {
		t.Run(crl, func(t *testing.T) {
			v, err := NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: o.path("ca.crt")}, CRLFile: authn.FileOptions{Path: o.path(crl)}, DenyFile: authn.FileOptions{Path: o.path("deny")}})
			require.NoError(t, err)
			defer v.Close()
			for _, tc := range []struct {
				leaf   *x509.Certificate
				source string
			}{{admin, "crl"}, {jane, "deny serial"}, {bob, "deny sha256"}} {
				_, _, err := v.Verify([]*x509.Certificate{tc.leaf})
				require.ErrorIs(t, err, authn.ErrRevoked, tc.leaf.Subject.CommonName)
				re, ok := errors.AsType[*RevokedError](err)
				require.True(t, ok)
				assert.Equal(t, tc.source, re.Source)
				assert.Equal(t, serialHex(tc.leaf.SerialNumber), re.Serial())
				assert.Equal(t, sha256.Sum256(tc.leaf.Raw), re.Fingerprint)
				assert.True(t, re.Leaf)
			}
			assert.Equal(t, serial, serialHex(jane.SerialNumber), "errors print serials as openssl does")
		})
	}

	t.Run("reload", func(t *testing.T) {
		ev := reloadtest.NewEvents()
		require.NoError(t, os.Rename(o.path("ca.crl"), o.path("live.crl")))
		v, err := NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: o.path("ca.crt"), OnReload: ev.OnReload, OnError: ev.OnError}, CRLFile: authn.FileOptions{Path: o.path("live.crl"), OnReload: ev.OnReload, OnError: ev.OnError}})
		require.NoError(t, err)
		defer v.Close()
		// openssl ca -gencrl again after revoking jane too.
		o.run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.crt", "-revoke", "jane.crt")
		o.run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.crt", "-gencrl", "-out", "next.crl")
		_, _, err = v.Verify([]*x509.Certificate{jane})
		require.NoError(t, err)
		require.NoError(t, os.Rename(o.path("next.crl"), o.path("live.crl")))
		ev.WaitReload(t)
		_, _, err = v.Verify([]*x509.Certificate{jane})
		require.ErrorIs(t, err, authn.ErrRevoked)
	})
}

// TestOpenSSLDenyListForms writes a deny list from the real output of the
// commands operators run, pasted as they print it, and checks that each
// line denies the certificate it was made from, and nothing else.
func TestOpenSSLDenyListForms(t *testing.T) {
	o := newOpenSSL(t)
	o.newCA("ca")
	names := []string{"sum", "sumhex", "fingerprint", "prefixed", "serial", "bareserial", "fine"}
	for _, n := range names {
		o.newClient(n, "ca", "/CN="+n)
	}
	fingerprint := func(name string) string {
		return strings.TrimSpace(o.run("x509", "-in", name+".crt", "-noout", "-fingerprint", "-sha256"))
	}
	serial := func(name string) string {
		return strings.TrimSpace(o.run("x509", "-in", name+".crt", "-noout", "-serial"))
	}

	sum := o.sha256sum(t, "sum")
	require.Regexp(t, `^[0-9a-f]{64}  -$`, sum, "sha256sum prints the digest and - for its standard input")
	sumHex, _, _ := strings.Cut(o.sha256sum(t, "sumhex"), " ")
	fp := fingerprint("fingerprint")
	require.Regexp(t, `^(sha256|SHA256) Fingerprint=([0-9A-F]{2}:){31}[0-9A-F]{2}$`, fp)
	_, prefixed, _ := strings.Cut(fingerprint("prefixed"), "=")
	ser := serial("serial")
	require.Regexp(t, `^serial=[0-9A-F]+$`, ser)
	bareSerial := strings.TrimPrefix(serial("bareserial"), "serial=")

	o.write("deny", strings.Join([]string{
		"# openssl x509 -in sum.crt -outform DER | sha256sum",
		sum,
		"# the same, without the -: the line that was once read as a serial number",
		sumHex,
		"# openssl x509 -in fingerprint.crt -noout -fingerprint -sha256",
		fp,
		"sha256:" + prefixed + " # the fingerprint after the =",
		"# openssl x509 -in serial.crt -noout -serial",
		ser,
		bareSerial,
	}, "\n")+"\n")
	v, err := NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: o.path("ca.crt")}, DenyFile: authn.FileOptions{Path: o.path("deny")}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, v.Close()) })

	for _, tc := range []struct{ name, source string }{
		{"sum", "deny sha256"}, {"sumhex", "deny sha256"}, {"fingerprint", "deny sha256"}, {"prefixed", "deny sha256"},
		{"serial", "deny serial"}, {"bareserial", "deny serial"}, {"fine", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaf := o.cert(tc.name + ".crt")
			_, _, err := v.Verify([]*x509.Certificate{leaf})
			if tc.source == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, authn.ErrRevoked)
			re, ok := errors.AsType[*RevokedError](err)
			require.True(t, ok)
			assert.Equal(t, tc.source, re.Source)
			assert.Same(t, leaf, re.Certificate)
		})
	}

	t.Run("sha256sum of the PEM file is refused", func(t *testing.T) {
		line := strings.TrimSpace(o.runTool(t, nil, "sha256sum", "fine.crt"))
		o.write("bad", "# ok\n"+sum+"\n"+line+"\n")
		_, err := NewVerifier(VerifyOptions{ClientCAFile: authn.FileOptions{Path: o.path("ca.crt")}, DenyFile: authn.FileOptions{Path: o.path("bad")}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), o.path("bad")+": line 3: fingerprint: a sha256sum of a file")
	})
}

// sha256sum returns what "openssl x509 -in name.crt -outform DER |
// sha256sum" prints, without the final newline.
func (o *opensslDir) sha256sum(t *testing.T, name string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "openssl", "x509", "-in", name+".crt", "-outform", "DER")
	cmd.Dir = o.dir
	der, err := cmd.Output()
	require.NoError(t, err)
	return strings.TrimSpace(o.runTool(t, der, "sha256sum"))
}

// runTool runs a command other than openssl in the folder, with stdin.
// It skips t when the command is not installed.
func (o *opensslDir) runTool(t *testing.T, stdin []byte, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed: skipping the deny-list lines it prints", name)
	}
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = o.dir
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	require.NoError(t, err)
	return string(out)
}
