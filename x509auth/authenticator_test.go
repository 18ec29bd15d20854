package x509auth

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func credentialID(c *x509.Certificate) map[string][]string {
	sum := sha256.Sum256(c.Raw)
	return map[string][]string{authn.CredentialIDKey: {"X509SHA256=" + hex.EncodeToString(sum[:])}}
}

func uidAttr(v any) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: UIDOID(), Value: v}
}

func orgAttr(o string) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: o}
}

func TestAuthenticateRequest(t *testing.T) {
	ca := authntest.NewCA()
	inter := ca.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "intermediate"}})
	a, err := New(Options{VerifyOptions: VerifyOptions{ClientCA: ca.Pool()}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })

	issue := func(s pkix.Name) *authntest.Cert { return ca.Issue(authntest.CertOptions{Subject: s}) }
	admin := ca.IssueClient("admin", "system:masters")
	// Go's encoder puts Organization values in one SET, which DER sorts;
	// ExtraNames gives each O its own RDN, in order, as openssl's
	// -subj "/CN=jane/O=ops/O=dev/O=ops" does.
	multi := issue(pkix.Name{CommonName: "jane", ExtraNames: []pkix.AttributeTypeAndValue{orgAttr("ops"), orgAttr("dev"), orgAttr("ops")}})
	noGroups := ca.IssueClient("bob")
	viaInter := inter.IssueClient("carol", "qa")
	ed := ca.Issue(authntest.CertOptions{Subject: pkix.Name{CommonName: "ed", Organization: []string{"g"}}, KeyType: authntest.Ed25519})
	withUID := issue(pkix.Name{CommonName: "dave", Organization: []string{"dev"}, ExtraNames: []pkix.AttributeTypeAndValue{uidAttr("1001")}})
	twoUIDs := issue(pkix.Name{CommonName: "eve", ExtraNames: []pkix.AttributeTypeAndValue{uidAttr("1"), uidAttr("2")}})
	emptyUID := issue(pkix.Name{CommonName: "frank", ExtraNames: []pkix.AttributeTypeAndValue{uidAttr("")}})
	emptyCN := issue(pkix.Name{Organization: []string{"system:masters"}})
	otherAttrs := issue(pkix.Name{CommonName: "grace", OrganizationalUnit: []string{"not-a-group"}, Country: []string{"NL"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: "ldap-uid"}}})

	tests := []struct {
		name     string
		cert     *authntest.Cert
		wantUser authn.UserInfo
		wantErr  error
	}{
		{name: "CN and O", cert: admin, wantUser: authn.UserInfo{Name: "admin", Groups: []string{"system:masters"}, Extra: credentialID(admin.Certificate)}},
		{name: "several O in order, duplicates kept", cert: multi,
			wantUser: authn.UserInfo{Name: "jane", Groups: []string{"ops", "dev", "ops"}, Extra: credentialID(multi.Certificate)}},
		{name: "no O", cert: noGroups, wantUser: authn.UserInfo{Name: "bob", Extra: credentialID(noGroups.Certificate)}},
		{name: "through an intermediate", cert: viaInter,
			wantUser: authn.UserInfo{Name: "carol", Groups: []string{"qa"}, Extra: credentialID(viaInter.Certificate)}},
		{name: "ed25519", cert: ed, wantUser: authn.UserInfo{Name: "ed", Groups: []string{"g"}, Extra: credentialID(ed.Certificate)}},
		{name: "UID attribute", cert: withUID,
			wantUser: authn.UserInfo{Name: "dave", UID: "1001", Groups: []string{"dev"}, Extra: credentialID(withUID.Certificate)}},
		{name: "OU, C and LDAP uid ignored", cert: otherAttrs, wantUser: authn.UserInfo{Name: "grace", Extra: credentialID(otherAttrs.Certificate)}},
		{name: "two UID attributes", cert: twoUIDs, wantErr: ErrInvalidUID},
		{name: "empty UID attribute", cert: emptyUID, wantErr: ErrInvalidUID},
		{name: "empty CN", cert: emptyCN, wantErr: ErrNoCommonName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 2 { // first sight, then from the cache
				resp, ok, err := a.AuthenticateRequest(tt.cert.NewRequest())
				if tt.wantErr != nil {
					authntest.CheckOutcome(t, resp, ok, err)
					require.ErrorIs(t, err, tt.wantErr)
					ce, isCE := errors.AsType[*CertificateError](err)
					require.True(t, isCE)
					assert.Equal(t, serialHex(tt.cert.Certificate.SerialNumber), ce.Serial())
					continue
				}
				authntest.AssertUser(t, tt.wantUser, resp, ok, err)
				assert.Equal(t, tt.wantUser, resp.User)
				assert.Equal(t, earliest(append(peersOf(tt.cert), ca.Certificate)), resp.Expiry)
				assert.Nil(t, resp.Audiences)
			}
		})
	}
}

func TestAuthenticateRequestNoOpinion(t *testing.T) {
	ca := authntest.NewCA()
	a, err := New(Options{VerifyOptions: VerifyOptions{ClientCA: ca.Pool()}})
	require.NoError(t, err)
	defer a.Close()

	noTLS := authntest.NewRequest()
	noTLS.TLS = nil
	noPeers := authntest.NewRequest()
	noPeers.TLS = &tls.ConnectionState{HandshakeComplete: true}
	bearer := authntest.NewBearerRequest("token")
	for name, r := range map[string]*tls.ConnectionState{"no TLS": noTLS.TLS, "no peer certificates": noPeers.TLS, "bearer only": bearer.TLS} {
		t.Run(name, func(t *testing.T) {
			req := authntest.NewRequest()
			req.TLS = r
			resp, ok, err := a.AuthenticateRequest(req)
			authntest.CheckOutcome(t, resp, ok, err)
			assert.False(t, ok)
			assert.NoError(t, err)
		})
	}
}

func TestSharedResponse(t *testing.T) {
	ca := authntest.NewCA()
	a, err := New(Options{VerifyOptions: VerifyOptions{ClientCA: ca.Pool()}})
	require.NoError(t, err)
	defer a.Close()
	c := ca.IssueClient("jane", "dev")
	r1, _, err := a.AuthenticateRequest(c.NewRequest())
	require.NoError(t, err)
	r2, _, err := a.AuthenticateRequest(c.NewRequest())
	require.NoError(t, err)
	assert.Same(t, r1, r2, "one response per verified chain")
	allocs := testing.AllocsPerRun(100, func() { _, _, _ = a.AuthenticateRequest(c.NewRequest()) })
	reqAllocs := testing.AllocsPerRun(100, func() { _ = c.NewRequest() })
	assert.Zero(t, allocs-reqAllocs, "a cache hit does not allocate")
}

func TestUserMapping(t *testing.T) {
	ca := authntest.NewCA()
	errBanned := errors.New("banned")
	mapping := func(leaf *x509.Certificate) (authn.UserInfo, error) {
		if leaf.Subject.CommonName == "banned" {
			return authn.UserInfo{}, errBanned
		}
		return authn.UserInfo{Name: "cert:" + leaf.Subject.CommonName, UID: serialHex(leaf.SerialNumber)}, nil
	}
	a, err := New(Options{VerifyOptions: VerifyOptions{ClientCA: ca.Pool()}, UserMapping: mapping})
	require.NoError(t, err)
	defer a.Close()

	c := ca.IssueClient("jane", "dev")
	resp, ok, err := a.AuthenticateRequest(c.NewRequest())
	authntest.AssertUser(t, authn.UserInfo{Name: "cert:jane", UID: serialHex(c.Certificate.SerialNumber)}, resp, ok, err)

	b := ca.IssueClient("banned")
	resp, ok, err = a.AuthenticateRequest(b.NewRequest())
	authntest.CheckOutcome(t, resp, ok, err)
	require.ErrorIs(t, err, errBanned)
	_, isCE := errors.AsType[*CertificateError](err)
	assert.True(t, isCE)
}

func TestNewWithVerifierShares(t *testing.T) {
	ca := authntest.NewCA()
	v := newStatic(t, ca, VerifyOptions{})
	a1 := NewWithVerifier(v, nil)
	a2 := NewWithVerifier(v, func(leaf *x509.Certificate) (authn.UserInfo, error) {
		return authn.UserInfo{Name: "node:" + leaf.Subject.CommonName}, nil
	})
	c := ca.IssueClient("jane")
	resp, ok, err := a1.AuthenticateRequest(c.NewRequest())
	authntest.AssertUser(t, authn.UserInfo{Name: "jane", Extra: credentialID(c.Certificate)}, resp, ok, err)
	resp, ok, err = a2.AuthenticateRequest(c.NewRequest())
	authntest.AssertUser(t, authn.UserInfo{Name: "node:jane"}, resp, ok, err)
	assert.Equal(t, uint64(1), v.verifications.Load(), "the second authenticator hit the shared cache")
	require.NoError(t, a1.Close())
	require.NoError(t, a2.Close())
	_, _, err = v.Verify(peersOf(c))
	assert.NoError(t, err, "closing an authenticator leaves a shared Verifier usable")
	assert.Panics(t, func() { NewWithVerifier(nil, nil) })
}

func TestCommonNameMapping(t *testing.T) {
	leaf := &x509.Certificate{Raw: []byte("der"), Subject: pkix.Name{CommonName: "jane", Organization: []string{"a", "b"}}}
	u, err := CommonNameMapping(leaf)
	require.NoError(t, err)
	assert.Equal(t, authn.UserInfo{Name: "jane", Groups: []string{"a", "b"}, Extra: credentialID(leaf)}, u)
	u.Groups[0] = "changed"
	assert.Equal(t, "a", leaf.Subject.Organization[0], "the caller owns the result")

	tests := []struct {
		name  string
		names []pkix.AttributeTypeAndValue
		cn    string
		uid   string
		err   error
	}{
		{name: "string UID", cn: "x", names: []pkix.AttributeTypeAndValue{uidAttr("u-1")}, uid: "u-1"},
		{name: "non-string UID", cn: "x", names: []pkix.AttributeTypeAndValue{uidAttr(42)}, err: ErrInvalidUID},
		{name: "empty UID", cn: "x", names: []pkix.AttributeTypeAndValue{uidAttr("")}, err: ErrInvalidUID},
		{name: "two UIDs", cn: "x", names: []pkix.AttributeTypeAndValue{uidAttr("a"), uidAttr("a")}, err: ErrInvalidUID},
		{name: "empty CN wins", names: []pkix.AttributeTypeAndValue{uidAttr(42)}, err: ErrNoCommonName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &x509.Certificate{Subject: pkix.Name{CommonName: tt.cn, Names: tt.names}}
			u, err := CommonNameMapping(c)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.Equal(t, authn.UserInfo{}, u)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.uid, u.UID)
		})
	}
}

func TestResponseExpiryIsEarliestNotAfter(t *testing.T) {
	ca := authntest.NewCA()
	soon := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	inter := ca.Intermediate(authntest.CertOptions{Subject: pkix.Name{CommonName: "short-lived intermediate"}, NotAfter: soon})
	c := inter.IssueClient("jane")
	a := NewWithVerifier(newStatic(t, ca, VerifyOptions{}), nil)
	resp, ok, err := a.AuthenticateRequest(c.NewRequest())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, soon.UTC(), resp.Expiry.UTC())
}
