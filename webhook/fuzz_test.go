package webhook

import (
	"os"
	"testing"
)

func FuzzDecodeResponse(f *testing.F) {
	for _, name := range []string{"v1_response.json", "v1beta1_response.json", "v1_response_error.json", "v1_response_unknown.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"extra":{"a":null}}}}`))
	f.Add([]byte(`{"kind":"TokenReview"} {}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := decodeResponse(b)
		if (tr == nil) == (err == nil) {
			t.Fatalf("decodeResponse: tr=%v err=%v: exactly one must be set", tr, err)
		}
		if err == nil && tr.Kind != kindTokenReview {
			t.Fatalf("accepted kind %q", tr.Kind)
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
