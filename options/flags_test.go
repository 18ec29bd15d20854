package options_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/options"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestPrintDefaults checks what -h prints: every flag, its placeholder
// type and its default, and no panic from a zero flag.Value.
func TestPrintDefaults(t *testing.T) {
	o := options.NewOptions()
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	o.AddFlags(fs)
	fs.PrintDefaults()
	got := out.String()

	golden := filepath.Join("testdata", "printdefaults.golden")
	if *updateGolden {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "run go test ./options -run TestPrintDefaults -update to accept a change")

	assert.NotContains(t, got, "panic")
	fs.VisitAll(func(f *flag.Flag) {
		assert.Contains(t, got, "  -"+f.Name, "every flag is listed")
		name, _ := flag.UnquoteUsage(f)
		assert.NotEqual(t, "value", name, "--%s: the placeholder names a type", f.Name)
	})
	for _, want := range []string{
		"  -anonymous-auth\n", "(default true)",
		"  -api-audiences strings\n",
		"  -authentication-token-webhook-cache-ttl duration\n", "(default 2m0s)",
		"  -oidc-issuer-url string\n",
		"  -oidc-username-claim string\n", "(default sub)",
		"  -oidc-signing-algs strings\n", "(default RS256)",
		"  -oidc-required-claim key=value\n",
		"(default \"v1beta1\")",
	} {
		assert.Contains(t, got, want)
	}
	assert.Equal(t, 5, strings.Count(got, "(default "), "only the flags with a non-zero default say so")
}
