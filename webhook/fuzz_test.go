package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

func FuzzDecodeResponse(f *testing.F) {
	for _, name := range []string{"v1_response.json", "v1beta1_response.json", "v1_response_error.json", "v1_response_unknown.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Add([]byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"extra":{"a":null}}}}`), false)
	f.Add([]byte(`{"status":{"authenticated":true,"user":{"username":"alice"},"audiences":["x"]}}`), true)
	f.Add([]byte(`{"apiVersion":"authentication.k8s.io/","Status":{"Authenticated":true},"status":{"user":{"Username":"a","username":"b"}},"status":{"authenticated":true}}`), false)
	f.Add([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure"}`), false)
	f.Add([]byte(`{"kind":"TokenReview"} {}`), false)
	f.Add([]byte(`null`), false)
	f.Fuzz(func(t *testing.T, b []byte, beta bool) {
		version := groupName + "/" + V1
		if beta {
			version = groupName + "/" + V1beta1
		}
		tr, err := decodeResponse(b, version)
		if (tr == nil) == (err == nil) {
			t.Fatalf("decodeResponse: tr=%v err=%v: exactly one must be set", tr, err)
		}
		if err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("error %v does not match ErrBadResponse", err)
			}
			return
		}
		if tr.Kind != "" && tr.Kind != kindTokenReview {
			t.Fatalf("accepted kind %q", tr.Kind)
		}
		if v := tr.APIVersion; v != "" && v != "/" && v != groupName+"/" && v != version {
			t.Fatalf("accepted apiVersion %q where %q is expected", v, version)
		}
		// What decodes re-encodes to JSON that decodes to the same thing:
		// the decoder and the struct tags agree.
		once, err := json.Marshal(tr)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeTokenReview(once)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", once, err)
		}
		twice, err := json.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("round trip changed %s into %s", once, twice)
		}
	})
}

func FuzzLoadKubeconfig(f *testing.F) {
	f.Add([]byte("clusters:\n- name: a\n  cluster:\n    server: https://a\n    certificate-authority-data: Q0E=\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context: {cluster: a, user: u}\ncurrent-context: c\n"))
	f.Add([]byte(`{"clusters":[{"name":"a","cluster":{"server":"https://a"}}]}`))
	f.Add([]byte("clusters: &a [*a]"))
	f.Add([]byte("clusters: [{cluster: {server: x, certificate-authority: ../../etc/passwd}}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// An empty dir keeps relative names relative to the test's
		// folder; reading them is allowed, panicking is not.
		c, err := parseKubeconfig(b, "testdata/nonexistent")
		if (c == nil) == (err == nil) {
			t.Fatalf("parseKubeconfig: c=%v err=%v: exactly one must be set", c, err)
		}
		if err == nil && c.Server == "" {
			t.Fatal("accepted a config without a server")
		}
	})
}
