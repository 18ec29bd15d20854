package webhook_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http/httptest"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/webhook"
)

// A TokenReview server backed by a token table, protected by a bearer token
// of its own, and a client that delegates to it.
func Example() {
	users := authntest.Tokens(map[string]authn.UserInfo{
		"alice-token": {Name: "alice", Groups: []string{"dev"}},
	})
	callers := authntest.Tokens(map[string]authn.UserInfo{
		"apiserver-secret": {Name: "kube-apiserver"},
	})
	handler := authn.Middleware(authn.BearerToken(callers), authn.MiddlewareOptions{})(
		webhook.NewHandler(users, webhook.HandlerOptions{}))
	srv := httptest.NewTLSServer(handler)
	defer srv.Close()

	a, err := webhook.New(webhook.Options{Config: &webhook.Config{
		Server: srv.URL,
		CAData: certPEM(srv),
		Token:  "apiserver-secret",
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()

	resp, ok, err := a.AuthenticateToken(context.Background(), "alice-token")
	fmt.Println(resp.User.Name, resp.User.Groups, ok, err)
	_, ok, err = a.AuthenticateToken(context.Background(), "mallory-token")
	fmt.Println(ok, err)
	// Output:
	// alice [dev] true <nil>
	// false <nil>
}

// certPEM returns the test server's certificate, which it is its own CA for.
func certPEM(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

// The TokenReview endpoint protected by client certificates: only callers
// holding a certificate from clientCA reach the handler, as a real cluster
// would call it with the client certificate of its webhook kubeconfig.
func ExampleNewHandler_clientCertificates() {
	serverCA, clientCA := authntest.NewCA(), authntest.NewCA()
	users := authntest.Tokens(map[string]authn.UserInfo{
		"alice-token": {Name: "alice"},
	})
	srv := httptest.NewUnstartedServer(webhook.NewHandler(users, webhook.HandlerOptions{}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{serverCA.IssueServer("127.0.0.1").TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clientCA.Pool(),
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()

	apiserver := clientCA.IssueClient("kube-apiserver")
	a, err := webhook.New(webhook.Options{Config: &webhook.Config{
		Server:         srv.URL,
		CAData:         serverCA.CertPEM,
		ClientCertData: apiserver.CertPEM,
		ClientKeyData:  apiserver.KeyPEM,
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	resp, ok, err := a.AuthenticateToken(context.Background(), "alice-token")
	fmt.Println(resp.User.Name, ok, err)

	// Without a client certificate the handshake fails.
	anonymous, _ := webhook.New(webhook.Options{
		Config: &webhook.Config{Server: srv.URL, CAData: serverCA.CertPEM},
		Retry:  webhook.Backoff{Steps: 1},
	})
	defer anonymous.Close()
	_, ok, err = anonymous.AuthenticateToken(context.Background(), "alice-token")
	fmt.Println(ok, authn.IsUnavailable(err))
	// Output:
	// alice true <nil>
	// false true
}
