package bootstrap

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzParseFile feeds arbitrary bytes to the store file parser: it must not
// panic, every Secret it keeps must be a valid bootstrap token Secret, and
// its errors must not contain the token secret of the seeds.
func FuzzParseFile(f *testing.F) {
	for _, s := range []string{yamlSecret, yamlSecretData, yamlList, jsonArray, jsonSecretList, multiDoc,
		"", "---\n", "[]", "a: [\n", "&a [*a]", "x: &a {b: *a}\n",
		"apiVersion: v1\nkind: List\nitems: [{metadata: {name: bootstrap-token-abcdef, namespace: kube-system}, type: bootstrap.kubernetes.io/token, data: {token-secret: \"" + secretValue + "\"}}]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := parseSecrets("f", data)
		if err != nil {
			if set != nil {
				t.Fatal("a set with an error")
			}
			// A key is named in errors; a value never is.
			asKey := bytes.Contains(data, []byte(secretValue+":")) || bytes.Contains(data, []byte(secretValue+"\":")) ||
				bytes.Contains(data, []byte(secretValue+"\t:")) || bytes.Contains(data, []byte(secretValue+" :"))
			if !asKey && strings.Contains(err.Error(), secretValue) {
				t.Fatalf("error contains the secret: %v", err)
			}
			return
		}
		for id, s := range set.byID {
			if got, keep, err := checkSecret(s); err != nil || !keep || got != id {
				t.Fatalf("kept an invalid secret %q: %v", id, err)
			}
			if !validTokenSecret(s.Data[TokenSecretKey]) {
				t.Fatalf("kept a bad token-secret for %q", id)
			}
		}
	})
}

// FuzzToken authenticates arbitrary tokens against a store holding one
// Secret: nothing but that Secret's exact token may authenticate, the
// outcome has one of the three shapes, and errors never contain the token.
func FuzzToken(f *testing.F) {
	for _, s := range []string{testToken, "", "abcdef.", "abcdef.0123456789abcdeg", "abcdef.fedcba9876543210",
		"ABCDEF.0123456789ABCDEF", testToken + "\n", "zzzzzz.zzzzzzzzzzzzzzzz", "abcdef:0123456789abcdef"} {
		f.Add(s)
	}
	st, err := NewStaticStore(*testSecretFor(testID, testSecret, nil))
	if err != nil {
		f.Fatal(err)
	}
	a, err := New(st, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		resp, ok, err := a.AuthenticateToken(context.Background(), token)
		switch {
		case ok && (resp == nil || err != nil), !ok && resp != nil:
			t.Fatalf("bad outcome shape (%v, %v, %v)", resp, ok, err)
		case ok && token != testToken:
			t.Fatalf("%q authenticated", token)
		case !ok && token == testToken:
			t.Fatalf("the valid token failed: %v", err)
		case err != nil && len(token) > 7 && strings.Contains(err.Error(), token[7:]):
			t.Fatalf("error contains the token's secret: %v", err)
		}
		id, secret, parsed := ParseToken(token)
		if parsed != (len(token) == TokenLength && id+"."+secret == token) {
			t.Fatalf("ParseToken(%q) = %q, %q, %v", token, id, secret, parsed)
		}
		if parsed && (!ValidTokenID(id) || !validTokenSecret(secret)) {
			t.Fatalf("ParseToken(%q) accepted bad parts", token)
		}
	})
}
