package options_test

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/options"
)

// Kube-apiserver's flags on a standard FlagSet, turned into one
// authenticator.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	tokens := filepath.Join(dir, "tokens.csv")
	_ = os.WriteFile(tokens, []byte("s3cret,alice,1001,\"dev,ops\"\n"), 0o600)

	o := options.NewOptions()
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	o.AddFlags(fs)
	_ = fs.Parse([]string{"--token-auth-file=" + tokens, "--anonymous-auth=false"})
	o.Logger = slog.New(slog.DiscardHandler)

	a, err := o.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	resp, ok, _ := a.AuthenticateRequest(authntest.NewBearerRequest("s3cret"))
	fmt.Println(resp.User.Name, resp.User.Groups, ok)
	// Output: alice [dev ops system:authenticated] true
}
