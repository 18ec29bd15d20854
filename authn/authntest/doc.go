// Package authntest helps test code that authenticates, as
// net/http/httptest helps test HTTP code.
//
// It offers:
//
//   - [CA]: a throwaway certificate authority issuing client and server
//     certificates (RSA or ECDSA, any subject, validity and key usage), and
//     *http.Request values that carry them as verified TLS peer
//     certificates, the way net/http fills r.TLS after a handshake;
//   - request builders for bearer tokens ([NewBearerRequest]), HTTP Basic
//     ([NewBasicRequest]) and authenticating-proxy headers
//     ([NewProxyRequest]);
//   - [Client]: an *http.Client that presents a test client certificate to
//     an httptest TLS server, for tests over real TLS;
//   - fakes: [Fake] (a fixed outcome that counts calls, for both
//     authenticator interfaces) and [Tokens] (a static token table);
//   - checks: [CheckOutcome], which fails a test when an authenticator
//     answers outside the three outcomes the authn package allows, and
//     [AssertUser], which compares an answer to an expected user;
//   - [Recorder]: an [authn.Observer] that keeps every event, for tests
//     of what a component reports.
//
// Everything here is for tests and demos: keys are generated on the fly
// and never meant to protect anything. Functions that generate keys panic
// on failure, as httptest.NewServer does, since a test cannot go on without
// them.
package authntest
