package oidctest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authnkit/authnkit/oidc/oidctest"
)

// A test signs an ID token and verifies it as a relying party would: it
// finds the JWKS through discovery and checks the signature with the key
// the token's kid names.
func ExampleProvider() {
	p := oidctest.NewProvider(oidctest.Options{Algorithm: "ES256", IssuerPath: "/tenant-a"})
	defer p.Close()

	token := p.Sign(p.Claims("alice", "my-api"))

	// Discovery, then the JWKS.
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(p, p.DiscoveryURL(), &doc)
	var keys jose.JSONWebKeySet
	getJSON(p, doc.JWKSURI, &keys)

	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		panic(err)
	}
	h := jws.Signatures[0].Header
	payload, err := jws.Verify(keys.Key(h.KeyID)[0])
	if err != nil {
		panic(err)
	}
	var claims struct {
		Issuer  string `json:"iss"`
		Subject string `json:"sub"`
		Aud     string `json:"aud"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		panic(err)
	}
	fmt.Println(strings.TrimPrefix(doc.Issuer, p.URL()), claims.Issuer == p.Issuer())
	fmt.Println(h.Algorithm, h.KeyID == p.KeyID(), claims.Subject, claims.Aud)
	// Output:
	// /tenant-a true
	// ES256 true alice my-api
}

// A key rotation: the new key signs, the old one stays published until
// removed, so tokens it signed verify until then.
func ExampleProvider_Rotate() {
	p := oidctest.NewProvider(oidctest.Options{Algorithm: "EdDSA"})
	defer p.Close()

	old := p.KeyID()
	next := p.Rotate()
	fmt.Println(len(p.Keys()), p.KeyID() == next)
	p.RemoveKey(old)
	fmt.Println(p.Keys()[0] == next)
	// Output:
	// 2 true
	// true
}

func getJSON(p *oidctest.Provider, url string, v any) {
	resp, err := p.Client().Get(url)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		panic(err)
	}
}
