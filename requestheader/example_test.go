package requestheader_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/requestheader"
)

// A request forwarded by a front proxy that holds a certificate from the
// front-proxy CA is authenticated as the user in its headers; the same
// headers without that certificate are ignored. Either way they are
// removed from the request.
func Example() {
	proxyCA := authntest.NewCA() // --requestheader-client-ca-file
	opts := requestheader.DefaultHeaders()
	opts.ClientCA = proxyCA.Pool()
	opts.AllowedNames = []string{"front-proxy-client"} // --requestheader-allowed-names
	a, err := requestheader.New(opts)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()

	// X-Remote-User: jane, X-Remote-Group: dev, X-Remote-Extra-Scopes%2Fview: ns1
	r := authntest.NewProxyRequest("jane", []string{"dev"}, map[string][]string{"scopes/view": {"ns1"}})
	proxyCA.IssueClient("front-proxy-client").AddToRequest(r)
	resp, ok, err := a.AuthenticateRequest(r)
	fmt.Println(resp.User.Name, resp.User.Groups, resp.User.Extra, ok, err)
	fmt.Printf("headers left: %q\n", r.Header.Get("X-Remote-User"))

	spoofed := authntest.NewProxyRequest("mallory", []string{"system:masters"}, nil) // no proxy certificate
	resp, ok, err = a.AuthenticateRequest(spoofed)
	fmt.Println(resp, ok, err, len(spoofed.Header))
	// Output:
	// jane [dev] map[scopes/view:[ns1]] true <nil>
	// headers left: ""
	// <nil> false <nil> 0
}

func ExampleDefaultHeaders() {
	o := requestheader.DefaultHeaders()
	fmt.Println(o.UsernameHeaders, o.UIDHeaders, o.GroupHeaders, o.ExtraHeaderPrefixes)
	// Output: [X-Remote-User] [X-Remote-Uid] [X-Remote-Group] [X-Remote-Extra-]
}

// A proxy certificate from the right CA but with a name that is not
// allowed is an error that names it.
func ExampleNotAllowedError() {
	proxyCA := authntest.NewCA()
	opts := requestheader.DefaultHeaders()
	opts.ClientCA = proxyCA.Pool()
	opts.AllowedNames = []string{"front-proxy-client"}
	a, err := requestheader.New(opts)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	r := proxyCA.IssueClient("some-other-service").AddToRequest(authntest.NewProxyRequest("jane", nil, nil))
	_, _, err = a.AuthenticateRequest(r)
	if e, ok := errors.AsType[*requestheader.NotAllowedError](err); ok {
		fmt.Println(e.CommonName)
	}
	fmt.Println(err)
	// Output:
	// some-other-service
	// requestheader: front-proxy certificate common name "some-other-service" is not in the allowed names
}
