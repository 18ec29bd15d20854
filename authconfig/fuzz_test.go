package authconfig_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
)

// FuzzParse checks that Parse never panics, that every error
// matches ErrInvalidConfig, and that a configuration it accepts validates
// again and survives a round trip through JSON unchanged. Seeds: every
// file under testdata/config plus a few shapes the files lack.
func FuzzParse(f *testing.F) {
	err := filepath.WalkDir(filepath.Join("testdata", "config"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(data)
		return nil
	})
	require.NoError(f, err)
	for _, s := range []string{
		header + minimalJWT,
		header + "jwt: &x [*x]\n",
		header + "a: &a [x, x]\nb: &b [*a, *a]\njwt: [*b]\n",
		header + "anonymous: {enabled: yes, conditions: [{path: /livez}]}\n",
		header + "anonymous:\n  <<: {enabled: true}\n",
		`{"apiVersion":"apiserver.config.k8s.io/v1","kind":"AuthenticationConfiguration","jwt":[{"issuer":{"url":"https://a","audiences":["a"]},"claimMappings":{"username":{"expression":"claims.sub"}}}]}`,
		`{"apiVersion":"apiserver.config.k8s.io/v1","kind":"AuthenticationConfiguration","kind":"x"}`,
		"{\"a\":\n[1, 2.5e3, true, null, \"\\u00e9\"]}",
		`{"apiVersion":"apiserver.config.k8s.io/v1","kind":"AuthenticationConfiguration","jwt":[{"issuer":{"url":1,"audiences":"a"}}],"anonymous":{"enabled":"yes"}}`,
		header + "jwt:\n- issuer: &i {url: 1, audiences: on}\n- issuer: *i\n",
		header + "anonymous: {enabled: on, conditions: [{path: 010}, {path: !!str off}]}\n",
		"~\n",
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := authconfig.Parse(data)
		if err != nil {
			require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
			require.Nil(t, c)
			return
		}
		require.NotNil(t, c)
		require.NoError(t, c.ValidateStatic())

		first := marshalConfig(t, c)
		if len(first) > authconfig.MaxConfigSize {
			return
		}
		again, err := authconfig.Parse(first)
		require.NoError(t, err, "re-reading %s", first)
		require.Equal(t, string(first), string(marshalConfig(t, again)))
	})
}

func marshalConfig(t *testing.T, c *authconfig.AuthenticationConfiguration) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(c))
	return b.Bytes()
}
