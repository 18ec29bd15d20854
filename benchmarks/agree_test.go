package benchmarks

import (
	"crypto"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	k8sauthenticator "k8s.io/apiserver/pkg/authentication/authenticator"
	k8sheaderrequest "k8s.io/apiserver/pkg/authentication/request/headerrequest"
	k8sx509 "k8s.io/apiserver/pkg/authentication/request/x509"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/requestheader"
	"github.com/authnkit/authnkit/x509auth"
)

// TestTokenFilesAgree checks that the two sides of BenchmarkTokenFile
// answer alike for every token of the table, so that they do the same work:
// the same user from the plaintext file (k8s, authnkit) and from the hashed
// one (authnkit), and no opinion for a stranger.
func TestTokenFilesAgree(t *testing.T) {
	tokens, absent := staticTokens(100, 16)
	f := newTokenFiles(t, len(tokens), 16)
	ctx := t.Context()
	for _, tok := range append(tokens, absent) {
		k, kOK, kErr := f.k8s.AuthenticateToken(ctx, tok)
		p, pOK, pErr := f.plain.AuthenticateToken(ctx, tok)
		h, hOK, hErr := f.hashed.AuthenticateToken(ctx, tok)
		if kErr != nil || pErr != nil || hErr != nil {
			t.Fatalf("errors: %v, %v, %v", kErr, pErr, hErr)
		}
		want := tok != absent
		if kOK != want || pOK != want || hOK != want {
			t.Fatalf("ok = %v, %v, %v, want %v", kOK, pOK, hOK, want)
		}
		if !want {
			continue
		}
		for _, u := range []struct {
			name, uid string
			groups    []string
		}{
			{p.User.Name, p.User.UID, p.User.Groups},
			{h.User.Name, h.User.UID, h.User.Groups},
		} {
			if u.name != k.User.GetName() || u.uid != k.User.GetUID() || !slices.Equal(u.groups, k.User.GetGroups()) {
				t.Fatalf("authnkit %q %q %q, k8s %q %q %q", u.name, u.uid, u.groups,
					k.User.GetName(), k.User.GetUID(), k.User.GetGroups())
			}
		}
	}
	if f.hit == f.miss || len(f.hit) != len(f.miss) {
		t.Errorf("hit %q and miss %q must differ and have the same length", f.hit, f.miss)
	}
}

// TestClientCertsAgree checks that both sides of the client-certificate
// benchmarks give the same user for every certificate they use (name,
// groups, credential ID), so that they do the same work, and
// TestFrontProxyAgree the same for the front proxy.
func TestClientCertsAgree(t *testing.T) {
	f := clientCerts("p256", authntest.ECDSAP256, "intermediate")
	k8s := k8sx509.New(k8sClientVerifyOptions(f.roots), k8sx509.CommonNameUserConversion)
	ours, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{ClientCA: f.roots, Logger: slog.New(slog.DiscardHandler)}})
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	for _, c := range f.certs {
		k, kOK, kErr := k8s.AuthenticateRequest(certRequest(c))
		p, pOK, pErr := ours.AuthenticateRequest(certRequest(c))
		if !kOK || !pOK || kErr != nil || pErr != nil {
			t.Fatalf("k8s %v %v, authnkit %v %v", kOK, kErr, pOK, pErr)
		}
		assertSameUser(t, k.User, p.User)
	}
}

// TestClientCertFirstSightMisses checks that BenchmarkClientCertFirstSight
// measures cache misses: with a cache of one entry and the certificates
// taken in turn, every call builds a new response (a hit returns the
// cached chain's shared one), and a repeated request does hit.
func TestClientCertFirstSightMisses(t *testing.T) {
	f := clientCerts("p256", authntest.ECDSAP256, "leaf")
	ours, err := x509auth.New(x509auth.Options{VerifyOptions: x509auth.VerifyOptions{ClientCA: f.roots, CacheSize: 1, Logger: slog.New(slog.DiscardHandler)}})
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	reqs := make([]*http.Request, len(f.certs))
	for i, c := range f.certs {
		reqs[i] = certRequest(c)
	}
	last := make([]*authn.Response, len(reqs))
	for round := range 3 {
		for i, r := range reqs {
			resp, ok, err := ours.AuthenticateRequest(r)
			if !ok || err != nil {
				t.Fatal(ok, err)
			}
			if resp == last[i] {
				t.Fatalf("round %d, certificate %d: cache hit, want a miss", round, i)
			}
			last[i] = resp
		}
	}
	again, _, _ := ours.AuthenticateRequest(reqs[len(reqs)-1])
	if again != last[len(reqs)-1] {
		t.Fatal("a repeated request missed the cache: the test cannot tell hits from misses")
	}
}

func TestFrontProxyAgree(t *testing.T) {
	roots, c := frontProxyFixture()
	k8s := k8sheaderrequest.NewDynamicVerifyOptionsSecure(
		k8sx509.StaticVerifierFn(k8sClientVerifyOptions(roots)),
		k8sheaderrequest.StaticStringSlice{frontProxyName},
		k8sheaderrequest.StaticStringSlice(frontProxyUserHeaders),
		k8sheaderrequest.StaticStringSlice(frontProxyUIDHeaders),
		k8sheaderrequest.StaticStringSlice(frontProxyGroupHeaders),
		k8sheaderrequest.StaticStringSlice(frontProxyExtraPrefix),
	)
	ours, err := requestheader.New(requestheader.Options{
		ClientCA: roots, AllowedNames: []string{frontProxyName},
		UsernameHeaders: frontProxyUserHeaders, UIDHeaders: frontProxyUIDHeaders,
		GroupHeaders: frontProxyGroupHeaders, ExtraHeaderPrefixes: frontProxyExtraPrefix,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	r, reset := frontProxyRequest(c)
	k, kOK, kErr := k8s.AuthenticateRequest(r)
	reset(r.Header)
	p, pOK, pErr := ours.AuthenticateRequest(r)
	if !kOK || !pOK || kErr != nil || pErr != nil {
		t.Fatalf("k8s %v %v, authnkit %v %v", kOK, kErr, pOK, pErr)
	}
	assertSameUser(t, k.User, p.User)
	if p.User.Name != "jane" || len(p.User.Groups) != 2 || len(p.User.Extra) != 2 {
		t.Errorf("authnkit user %+v, want jane in two groups with two extra keys", p.User)
	}
}

func assertSameUser(t *testing.T, k user.Info, p authn.UserInfo) {
	t.Helper()
	if k.GetName() != p.Name || k.GetUID() != p.UID || !slices.Equal(k.GetGroups(), p.Groups) ||
		!maps.EqualFunc(k.GetExtra(), p.Extra, slices.Equal) {
		t.Fatalf("k8s %q %q %q %q, authnkit %q %q %q %q", k.GetName(), k.GetUID(), k.GetGroups(), k.GetExtra(),
			p.Name, p.UID, p.Groups, p.Extra)
	}
}

// assertTamperedRejected checks that the bare verify of token with pub
// (ref-verify) accepts it, then changes six bits of its signature and
// checks that Kubernetes' side, authnkit's and the bare verify all reject
// the result.
func assertTamperedRejected(t *testing.T, token string, pub crypto.PublicKey, k8s k8sauthenticator.Token, ours authn.TokenAuthenticator) {
	t.Helper()
	ctx := t.Context()
	if err := rawJWTVerify(t, token, pub)(); err != nil {
		t.Errorf("ref-verify: %v", err)
	}
	i := strings.LastIndexByte(token, '.')
	sig := []byte(token[i+1:])
	if sig[5] == 'A' { // another base64url letter, six bits of the signature
		sig[5] = 'B'
	} else {
		sig[5] = 'A'
	}
	bad := token[:i+1] + string(sig)
	if _, ok, err := k8s.AuthenticateToken(ctx, bad); ok || err == nil {
		t.Errorf("k8s accepted a tampered signature: %v %v", ok, err)
	}
	if _, ok, err := ours.AuthenticateToken(ctx, bad); ok || err == nil {
		t.Errorf("authnkit accepted a tampered signature: %v %v", ok, err)
	}
	if rawJWTVerify(t, bad, pub)() == nil {
		t.Error("ref-verify accepted a tampered signature")
	}
}

// TestServiceAccountJWTsAgree checks that both sides of
// BenchmarkServiceAccountJWT accept its tokens with the same user (name,
// UID, groups, extra with the credential ID) and audiences, that the
// reference verifies them, and that both reject a token with a tampered
// signature: the work measured is a full validation on every side.
func TestServiceAccountJWTsAgree(t *testing.T) {
	ctx := t.Context()
	for _, alg := range saAlgs {
		t.Run(alg.name, func(t *testing.T) {
			key := alg.key()
			token := saToken(t, key)
			k8s := newK8sSAAuthenticator(t, key.Public())
			ours := newSAAuthenticator(t, key.Public())
			k, kOK, kErr := k8s.AuthenticateToken(ctx, token)
			p, pOK, pErr := ours.AuthenticateToken(ctx, token)
			if !kOK || !pOK || kErr != nil || pErr != nil {
				t.Fatalf("k8s %v %v, authnkit %v %v", kOK, kErr, pOK, pErr)
			}
			assertSameUser(t, k.User, p.User)
			if !slices.Equal(k.Audiences, p.Audiences) {
				t.Errorf("audiences: k8s %q, authnkit %q", k.Audiences, p.Audiences)
			}
			if len(p.User.Extra) == 0 {
				t.Errorf("no extra (credential-id) in %+v", p.User)
			}
			assertTamperedRejected(t, token, key.Public(), k8s, ours)
		})
	}
}

// TestWebhooksAgree checks that both sides of BenchmarkWebhook get the
// same user from the same TokenReview server, and that both answer no
// opinion for a token it does not know: the work measured is a full round
// trip on both sides.
func TestWebhooksAgree(t *testing.T) {
	ctx := t.Context()
	srv, ca := newTokenReviewServer(t)
	k8s := newK8sWebhookAuthenticator(t, srv.URL, ca)
	ours := newWebhookAuthenticator(t, srv.URL, ca)
	k, kOK, kErr := k8s.AuthenticateToken(ctx, webhookToken)
	p, pOK, pErr := ours.AuthenticateToken(ctx, webhookToken)
	if !kOK || !pOK || kErr != nil || pErr != nil {
		t.Fatalf("k8s %v %v, authnkit %v %v", kOK, kErr, pOK, pErr)
	}
	assertSameUser(t, k.User, p.User)
	assertSameUser(t, k.User, authn.UserInfo{Name: webhookUser.Name, UID: webhookUser.UID, Groups: webhookUser.Groups, Extra: webhookUser.Extra})
	if _, ok, err := k8s.AuthenticateToken(ctx, "not-"+webhookToken); ok || err != nil {
		t.Errorf("k8s, unknown token: ok %v, err %v", ok, err)
	}
	if _, ok, err := ours.AuthenticateToken(ctx, "not-"+webhookToken); ok || err != nil {
		t.Errorf("authnkit, unknown token: ok %v, err %v", ok, err)
	}
}

// TestOIDCAgree checks that both sides of BenchmarkOIDC and
// BenchmarkOIDCIssuers map the same ID token to the same user (name
// "oidc:alice", groups "oidc:dev" and "oidc:ops", no UID, no extra), that
// the reference verifies it, and that both reject a tampered signature;
// with several issuers, that a token of each is accepted alike and one
// from an issuer neither knows gets no opinion from either: the work
// measured is a full verification on every side.
func TestOIDCAgree(t *testing.T) {
	ctx := t.Context()
	wantName := oidcPrefix + oidcSubject
	wantGroups := []string{oidcPrefix + oidcGroups[0], oidcPrefix + oidcGroups[1]}
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			p := newOIDCProvider(t, alg, "")
			token := oidcToken(p)
			k8s := newK8sOIDCAuthenticators(t, alg, p)[0]
			ours := newOIDCAuthenticator(t, alg, p)
			k, kOK, kErr := k8s.AuthenticateToken(ctx, token)
			o, oOK, oErr := ours.AuthenticateToken(ctx, token)
			if !kOK || !oOK || kErr != nil || oErr != nil {
				t.Fatalf("k8s %v %v, authnkit %v %v", kOK, kErr, oOK, oErr)
			}
			assertSameUser(t, k.User, o.User)
			if o.User.Name != wantName || !slices.Equal(o.User.Groups, wantGroups) {
				t.Errorf("user %q %q, want %q %q", o.User.Name, o.User.Groups, wantName, wantGroups)
			}
			assertTamperedRejected(t, token, p.PublicKey(p.KeyID()), k8s, ours)
		})
	}
	t.Run("issuers", func(t *testing.T) {
		ps := newOIDCProviders(t, 4)
		configured, stranger := ps[:3], ps[3]
		k8s := newK8sOIDCUnion(t, "ES256", configured...)
		ours := newOIDCAuthenticator(t, "ES256", configured...)
		for _, p := range configured {
			token := oidcToken(p)
			k, kOK, kErr := k8s.AuthenticateToken(ctx, token)
			o, oOK, oErr := ours.AuthenticateToken(ctx, token)
			if !kOK || !oOK || kErr != nil || oErr != nil {
				t.Fatalf("%s: k8s %v %v, authnkit %v %v", p.Issuer(), kOK, kErr, oOK, oErr)
			}
			assertSameUser(t, k.User, o.User)
			if o.User.Name != wantName || !slices.Equal(o.User.Groups, wantGroups) {
				t.Errorf("user %q %q, want %q %q", o.User.Name, o.User.Groups, wantName, wantGroups)
			}
		}
		token := oidcToken(stranger)
		if _, ok, err := k8s.AuthenticateToken(ctx, token); ok || err != nil {
			t.Errorf("k8s, unknown issuer: ok %v, err %v", ok, err)
		}
		if _, ok, err := ours.AuthenticateToken(ctx, token); ok || err != nil {
			t.Errorf("authnkit, unknown issuer: ok %v, err %v", ok, err)
		}
	})
}
