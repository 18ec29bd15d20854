// Package oidctest runs an in-process OpenID Connect provider for tests,
// so that code verifying ID tokens, such as a JWT authenticator and its
// claim mappings, can be tested end to end without a real identity
// provider.
//
// A [Provider] is an httptest TLS server that serves
//
//   - a discovery document (OpenID Connect Discovery 1.0) at
//     [Provider.DiscoveryURL], naming the issuer, the JWKS and the algorithms
//     of the published keys;
//   - a JWKS (RFC 7517) at [Provider.JWKSURL], with "kid", "alg" and
//     "use":"sig" on every key, and an optional Cache-Control max-age;
//   - any extra route a test adds with [Provider.HandleFunc], e.g. a
//     distributed claims endpoint.
//
// It signs ID tokens with RSA (RS256 to PS512), ECDSA (ES256 to ES512) or
// Ed25519 (EdDSA) keys: [Provider.Claims] and [Provider.Sign] make a valid
// token in two lines. Tests change it at will to reach the failure paths:
// add, rotate and unpublish keys, sign with unpublished keys, odd headers
// or raw bytes ([Provider.SignWith], [Provider.SignRaw]), take it down
// ([Provider.SetDown], [Provider.SetJWKSDown]: 503 answers) or off the
// network ([Provider.SetUnreachable]: connections closed), change the
// discovery document or serve any JWKS body ([Provider.SetJWKSBody]), and
// count fetches ([Provider.Fetches]).
//
// Trust the server with [Provider.Client], or with [Provider.CAPEM] where
// the code under test builds its own client from a CA file, as
// kube-apiserver does with --oidc-ca-file.
//
// # Concurrency and time
//
// A Provider is safe for concurrent use: tests may sign and reconfigure
// while the code under test fetches. It reads the clock with time.Now on
// every call and caches no time.
//
// # testing/synctest
//
// A bubble's clock advances only when every goroutine in it is durably
// blocked, and a goroutine waiting on a real socket is not. Two setups
// work:
//
//   - create the Provider with [Options.InMemory] inside the bubble: it
//     then serves over net.Pipe connections, reached only through
//     [Provider.Client] or [Provider.DialContext] from that bubble;
//   - or create a socket Provider outside the bubble (its server
//     goroutines then live outside) and, inside, fetch with a client that
//     keeps no idle connections, such as [Provider.Client].
//
// Either way the bubble can sleep and synctest.Wait as usual, and tokens
// signed inside it carry the bubble's fake time. A socket Provider created
// inside a bubble serves requests, but its listener keeps the bubble's
// clock from ever advancing.
//
// # Security
//
// Keys are generated on the fly and protect nothing. Functions panic, as
// httptest does, on failures a test cannot go on from (no key, no
// listener, an unknown kid); no panic message holds key material.
package oidctest
