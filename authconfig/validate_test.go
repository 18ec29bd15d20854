package authconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFieldErrorError(t *testing.T) {
	type named string
	tests := []struct {
		name string
		err  FieldError
		want string
	}{
		{name: "required without detail",
			err:  FieldError{Field: "issuer.url", Type: FieldValueRequired, BadValue: ""},
			want: "issuer.url: Required value"},
		{name: "required ignores the value",
			err:  FieldError{Field: "a", Type: FieldValueRequired, BadValue: "x", Detail: "claim or expression is required"},
			want: "a: Required value: claim or expression is required"},
		{name: "forbidden ignores the value",
			err:  FieldError{Field: "a", Type: FieldValueForbidden, BadValue: 3, Detail: "no"},
			want: "a: Forbidden: no"},
		{name: "invalid string is Go-quoted",
			err:  FieldError{Field: "a", Type: FieldValueInvalid, BadValue: "x\"y\n", Detail: "bad"},
			want: `a: Invalid value: "x\"y\n": bad`},
		{name: "named string is JSON",
			err:  FieldError{Field: "a", Type: FieldValueInvalid, BadValue: named("<x>"), Detail: "bad"},
			want: `a: Invalid value: "\u003cx\u003e": bad`},
		{name: "duplicate without detail",
			err:  FieldError{Field: "jwt[1].issuer.url", Type: FieldValueDuplicate, BadValue: "https://x"},
			want: `jwt[1].issuer.url: Duplicate value: "https://x"`},
		{name: "numbers and booleans bare",
			err:  FieldError{Field: "a", Type: FieldValueInvalid, BadValue: true},
			want: "a: Invalid value: true"},
		{name: "too many",
			err:  *errTooMany("jwt", 65, 64),
			want: "jwt: Too many: 65: must have at most 64 items"},
		{name: "too many, one",
			err:  *errTooMany("x", 2, 1),
			want: "x: Too many: 2: must have at most 1 item"},
		{name: "not supported",
			err:  *errNotSupported("kind", "Foo", "A", "B"),
			want: `kind: Unsupported value: "Foo": supported values: "A", "B"`},
		{name: "struct as JSON",
			err:  FieldError{Field: "c", Type: FieldValueInvalid, BadValue: []struct{ Path string }{{"/a"}}, Detail: "d"},
			want: `c: Invalid value: [{"Path":"/a"}]: d`},
		{name: "nil",
			err:  FieldError{Field: "c", Type: FieldValueInvalid},
			want: `c: Invalid value: null`},
		{name: "value JSON cannot hold falls back to Go syntax",
			err:  FieldError{Field: "c", Type: FieldValueInvalid, BadValue: complex(1, 2)},
			want: `c: Invalid value: (1+2i)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.err
			assert.Equal(t, tt.want, err.Error())
			assert.ErrorIs(t, &err, ErrInvalidConfig)
		})
	}
}

func TestConfigError(t *testing.T) {
	a := errRequired("a", "")
	b := errInvalid("b", "x", "bad")
	tests := []struct {
		name string
		errs []*FieldError
		want string
	}{
		{name: "one is itself", errs: []*FieldError{a}, want: "a: Required value"},
		{name: "several in brackets", errs: []*FieldError{a, b}, want: `[a: Required value, b: Invalid value: "x": bad]`},
		{name: "repeats once", errs: []*FieldError{a, b, errRequired("a", "")}, want: `[a: Required value, b: Invalid value: "x": bad]`},
		{name: "repeats of one", errs: []*FieldError{a, errRequired("a", "")}, want: "a: Required value"},
		{name: "empty", errs: nil, want: "authconfig: invalid configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := &ConfigError{Errors: tt.errs}
			assert.Equal(t, tt.want, err.Error())
			require.ErrorIs(t, err, ErrInvalidConfig)
			if len(tt.errs) > 0 {
				fe, ok := errors.AsType[*FieldError](err)
				require.True(t, ok)
				assert.Same(t, tt.errs[0], fe)
			}
		})
	}
	t.Run("newConfigError drops repeats", func(t *testing.T) {
		t.Parallel()
		assert.NoError(t, newConfigError(nil))
		err := newConfigError([]*FieldError{a, errRequired("a", ""), b})
		ce, ok := errors.AsType[*ConfigError](err)
		require.True(t, ok)
		assert.Equal(t, []*FieldError{a, b}, ce.Errors)
	})
}

// testCA returns a freshly made self-signed CA certificate in PEM.
func testCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func validJWT() JWT {
	return JWT{
		Issuer: Issuer{URL: "https://issuer-url", Audiences: []string{"audience"}},
		ClaimMappings: ClaimMappings{
			Username: PrefixedClaimOrExpression{Claim: "sub", Prefix: new("")},
		},
	}
}

// withExtraKey sets a single extra mapping with the given key.
func withExtraKey(key string) func(*JWT) {
	return func(j *JWT) {
		j.ClaimMappings.Extra = []ExtraMapping{{Key: key, ValueExpression: "claims.x"}}
	}
}

// TestValidateJWT follows Kubernetes' validation tests: with an empty path
// the fields read as in its tests ("issuer.url"), and the messages are
// Kubernetes' own.
func TestValidateJWT(t *testing.T) {
	ca := testCA(t)
	tests := []struct {
		name   string
		change func(j *JWT)
		want   string // "" for valid
	}{
		{name: "valid", change: func(*JWT) {}},
		{name: "valid with everything", change: func(j *JWT) {
			j.Issuer.DiscoveryURL = "https://oidc.oidc-namespace.svc/.well-known/openid-configuration"
			j.Issuer.CertificateAuthority = ca
			j.Issuer.Audiences = []string{"a", "b"}
			j.Issuer.AudienceMatchPolicy = MatchAny
			j.ClaimValidationRules = []ClaimValidationRule{{Claim: "hd", RequiredValue: "x"}, {Expression: "true", Message: "m"}}
			j.ClaimMappings.Groups = PrefixedClaimOrExpression{Expression: "claims.groups"}
			j.ClaimMappings.UID = ClaimOrExpression{Claim: "sub"}
			j.ClaimMappings.Extra = []ExtraMapping{{Key: "example.org/foo", ValueExpression: "claims.foo"}}
			j.UserValidationRules = []UserValidationRule{{Expression: "true", Message: "m"}}
		}},

		// issuer.url
		{name: "url required", change: func(j *JWT) { j.Issuer.URL = "" },
			want: "issuer.url: Required value"},
		{name: "url does not parse", change: func(j *JWT) { j.Issuer.URL = "https://issuer-url:invalid-port" },
			want: `issuer.url: Invalid value: "https://issuer-url:invalid-port": parse "https://issuer-url:invalid-port": invalid port ":invalid-port" after host`},
		{name: "url not https", change: func(j *JWT) { j.Issuer.URL = "http://issuer-url" },
			want: `issuer.url: Invalid value: "http://issuer-url": URL scheme must be https`},
		{name: "url with user info", change: func(j *JWT) { j.Issuer.URL = "https://user@issuer-url" },
			want: `issuer.url: Invalid value: "https://user@issuer-url": URL must not contain a username or password`},
		{name: "url password is masked", change: func(j *JWT) { j.Issuer.URL = "https://user:s3cret@issuer-url" },
			want: `issuer.url: Invalid value: "https://user:xxxxx@issuer-url": URL must not contain a username or password`},
		{name: "password of an unparsable url is masked", change: func(j *JWT) { j.Issuer.URL = "https://user:s3cret@issuer-url:port/p" },
			want: `issuer.url: Invalid value: "https://user:xxxxx@issuer-url:port/p": parse "https://user:xxxxx@issuer-url:port/p": invalid port ":port" after host`},
		{name: "discovery password is masked", change: func(j *JWT) { j.Issuer.DiscoveryURL = "https://user:s3cret@issuer-url" },
			want: `issuer.discoveryURL: Invalid value: "https://user:xxxxx@issuer-url": URL must not contain a username or password`},
		{name: "url with query", change: func(j *JWT) { j.Issuer.URL = "https://issuer-url?query" },
			want: `issuer.url: Invalid value: "https://issuer-url?query": URL must not contain a query`},
		{name: "url with an empty query", change: func(j *JWT) { j.Issuer.URL = "https://issuer-url?" },
			want: `issuer.url: Invalid value: "https://issuer-url?": URL must not contain a query`},
		{name: "url without host", change: func(j *JWT) { j.Issuer.URL = "https:///path" },
			want: `issuer.url: Invalid value: "https:///path": URL must contain a host`},
		{name: "url of a scheme alone", change: func(j *JWT) { j.Issuer.URL = "https:" },
			want: `issuer.url: Invalid value: "https:": URL must contain a host`},
		{name: "url with fragment", change: func(j *JWT) { j.Issuer.URL = "https://issuer-url#fragment" },
			want: `issuer.url: Invalid value: "https://issuer-url#fragment": URL must not contain a fragment`},
		{name: "url with every fault", change: func(j *JWT) { j.Issuer.URL = "http://u@issuer-url?q#f" },
			want: `[issuer.url: Invalid value: "http://u@issuer-url?q#f": URL scheme must be https, ` +
				`issuer.url: Invalid value: "http://u@issuer-url?q#f": URL must not contain a username or password, ` +
				`issuer.url: Invalid value: "http://u@issuer-url?q#f": URL must not contain a query, ` +
				`issuer.url: Invalid value: "http://u@issuer-url?q#f": URL must not contain a fragment]`},

		// issuer.discoveryURL
		{name: "discovery not https", change: func(j *JWT) { j.Issuer.DiscoveryURL = "http://oidc.oidc-namespace.svc" },
			want: `issuer.discoveryURL: Invalid value: "http://oidc.oidc-namespace.svc": URL scheme must be https`},
		{name: "discovery with query", change: func(j *JWT) { j.Issuer.DiscoveryURL = "https://oidc.oidc-namespace.svc?query" },
			want: `issuer.discoveryURL: Invalid value: "https://oidc.oidc-namespace.svc?query": URL must not contain a query`},
		{name: "discovery without host", change: func(j *JWT) { j.Issuer.DiscoveryURL = "https:/.well-known/openid-configuration" },
			want: `issuer.discoveryURL: Invalid value: "https:/.well-known/openid-configuration": URL must contain a host`},
		{name: "discovery with an empty query", change: func(j *JWT) { j.Issuer.DiscoveryURL = "https://oidc.oidc-namespace.svc?" },
			want: `issuer.discoveryURL: Invalid value: "https://oidc.oidc-namespace.svc?": URL must not contain a query`},
		{name: "discovery same as url", change: func(j *JWT) { j.Issuer.DiscoveryURL = "https://issuer-url" },
			want: `issuer.discoveryURL: Invalid value: "https://issuer-url": discoveryURL must be different from URL`},
		{name: "discovery same as url but for slashes", change: func(j *JWT) {
			j.Issuer.URL = "https://issuer-url/"
			j.Issuer.DiscoveryURL = "https://issuer-url///"
		}, want: `issuer.discoveryURL: Invalid value: "https://issuer-url///": discoveryURL must be different from URL`},
		{name: "discovery without url", change: func(j *JWT) {
			j.Issuer.URL = ""
			j.Issuer.DiscoveryURL = "https://issuer-url"
		}, want: "issuer.url: Required value"},

		// issuer.audiences and audienceMatchPolicy
		{name: "audiences required", change: func(j *JWT) { j.Issuer.Audiences = nil },
			want: "issuer.audiences: Required value: at least one issuer.audiences is required"},
		{name: "audience empty", change: func(j *JWT) { j.Issuer.Audiences = []string{""} },
			want: "issuer.audiences[0]: Required value"},
		{name: "audience repeated", change: func(j *JWT) {
			j.Issuer.Audiences = []string{"audience", "audience"}
			j.Issuer.AudienceMatchPolicy = MatchAny
		}, want: `issuer.audiences[1]: Duplicate value: "audience"`},
		{name: "several audiences need MatchAny", change: func(j *JWT) { j.Issuer.Audiences = []string{"a", "b"} },
			want: `issuer.audienceMatchPolicy: Invalid value: "": audienceMatchPolicy must be MatchAny for multiple audiences`},
		{name: "single audience with MatchAny", change: func(j *JWT) { j.Issuer.AudienceMatchPolicy = MatchAny }},
		{name: "single audience with unknown policy", change: func(j *JWT) { j.Issuer.AudienceMatchPolicy = "MatchExact" },
			want: `issuer.audienceMatchPolicy: Invalid value: "MatchExact": audienceMatchPolicy must be empty or MatchAny for single audience`},

		// issuer.certificateAuthority
		{name: "CA without certificates", change: func(j *JWT) { j.Issuer.CertificateAuthority = "not a PEM" },
			want: `issuer.certificateAuthority: Invalid value: "<omitted>": data does not contain any valid RSA or ECDSA certificates`},
		{name: "CA with a broken certificate", change: func(j *JWT) {
			j.Issuer.CertificateAuthority = ca + string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}))
		}, want: `issuer.certificateAuthority: Invalid value: "<omitted>": x509: malformed certificate`},
		{name: "CA blocks of other types are skipped", change: func(j *JWT) {
			j.Issuer.CertificateAuthority = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("x")})) + ca
		}},

		// issuer.egressSelectorType
		{name: "egress selector of Kubernetes", change: func(j *JWT) { j.Issuer.EgressSelectorType = "controlplane" },
			want: "issuer.egressSelectorType: Forbidden: egress selection is not available outside kube-apiserver: leave egressSelectorType unset"},
		{name: "unknown egress selector", change: func(j *JWT) { j.Issuer.EgressSelectorType = "panda" },
			want: `[issuer.egressSelectorType: Forbidden: egress selection is not available outside kube-apiserver: leave egressSelectorType unset, ` +
				`issuer.egressSelectorType: Unsupported value: "panda": supported values: "controlplane", "cluster"]`},

		// claimValidationRules
		{name: "rule empty", change: func(j *JWT) { j.ClaimValidationRules = []ClaimValidationRule{{}} },
			want: "claimValidationRules[0]: Required value: claim or expression is required"},
		{name: "rule with claim and expression", change: func(j *JWT) {
			j.ClaimValidationRules = []ClaimValidationRule{{Claim: "claim", Expression: "expression"}}
		}, want: `claimValidationRules[0]: Invalid value: "claim": claim and expression can't both be set`},
		{name: "claim rule with message", change: func(j *JWT) {
			j.ClaimValidationRules = []ClaimValidationRule{{Claim: "claim", Message: "message"}}
		}, want: `claimValidationRules[0].message: Invalid value: "message": may not be specified when claim is set`},
		{name: "expression rule with requiredValue", change: func(j *JWT) {
			j.ClaimValidationRules = []ClaimValidationRule{{Expression: "claims.foo == 'bar'", RequiredValue: "value"}}
		}, want: `claimValidationRules[0].requiredValue: Invalid value: "value": may not be specified when expression is set`},
		{name: "claim rule repeated", change: func(j *JWT) {
			j.ClaimValidationRules = []ClaimValidationRule{{Claim: "claim"}, {Claim: "claim", RequiredValue: "other"}}
		}, want: `claimValidationRules[1].claim: Duplicate value: "claim"`},
		{name: "expression rule repeated", change: func(j *JWT) {
			j.ClaimValidationRules = []ClaimValidationRule{{Expression: "claims.foo == 'bar'"}, {Expression: "claims.foo == 'bar'", Message: "m"}}
		}, want: `claimValidationRules[1].expression: Duplicate value: "claims.foo == 'bar'"`},
		{name: "claim rule without requiredValue", change: func(j *JWT) {
			j.ClaimValidationRules = []ClaimValidationRule{{Claim: "claim"}}
		}},

		// claimMappings.username
		{name: "username required", change: func(j *JWT) { j.ClaimMappings.Username = PrefixedClaimOrExpression{} },
			want: "claimMappings.username: Required value: claim or expression is required"},
		{name: "username prefix alone", change: func(j *JWT) { j.ClaimMappings.Username = PrefixedClaimOrExpression{Prefix: new("p")} },
			want: "claimMappings.username: Required value: claim or expression is required"},
		{name: "username claim and expression", change: func(j *JWT) { j.ClaimMappings.Username.Expression = "claims.sub" },
			want: `claimMappings.username: Invalid value: "": claim and expression can't both be set`},
		{name: "username expression with prefix", change: func(j *JWT) {
			j.ClaimMappings.Username = PrefixedClaimOrExpression{Expression: "claims.sub", Prefix: new("prefix")}
		}, want: `claimMappings.username.prefix: Invalid value: "prefix": may not be specified when expression is set`},
		{name: "username expression with empty prefix", change: func(j *JWT) {
			j.ClaimMappings.Username = PrefixedClaimOrExpression{Expression: "claims.sub", Prefix: new("")}
		}, want: `claimMappings.username.prefix: Invalid value: "": may not be specified when expression is set`},
		{name: "username claim without prefix", change: func(j *JWT) { j.ClaimMappings.Username.Prefix = nil },
			want: "claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing"},

		// claimMappings.groups
		{name: "groups claim and expression", change: func(j *JWT) {
			j.ClaimMappings.Groups = PrefixedClaimOrExpression{Claim: "groups", Prefix: new(""), Expression: "claims.groups"}
		}, want: `claimMappings.groups: Invalid value: "": claim and expression can't both be set`},
		{name: "groups expression with prefix", change: func(j *JWT) {
			j.ClaimMappings.Groups = PrefixedClaimOrExpression{Expression: "claims.groups", Prefix: new("prefix")}
		}, want: `claimMappings.groups.prefix: Invalid value: "prefix": may not be specified when expression is set`},
		{name: "groups claim without prefix", change: func(j *JWT) { j.ClaimMappings.Groups = PrefixedClaimOrExpression{Claim: "groups"} },
			want: "claimMappings.groups.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing"},

		// claimMappings.uid
		{name: "uid claim and expression", change: func(j *JWT) { j.ClaimMappings.UID = ClaimOrExpression{Claim: "sub", Expression: "claims.sub"} },
			want: `claimMappings.uid: Invalid value: "": claim and expression can't both be set`},

		// claimMappings.extra
		{name: "extra key required", change: func(j *JWT) { j.ClaimMappings.Extra = []ExtraMapping{{ValueExpression: "claims.x"}} },
			want: "claimMappings.extra[0].key: Required value"},
		{name: "extra key without domain", change: withExtraKey("foo"),
			want: `claimMappings.extra[0].key: Invalid value: "foo": must be a domain-prefixed path (such as "acme.io/foo")`},
		{name: "extra key with empty path", change: withExtraKey("example.org/"),
			want: `claimMappings.extra[0].key: Invalid value: "example.org/": must be a domain-prefixed path (such as "acme.io/foo")`},
		{name: "extra key with bad domain", change: withExtraKey("-x.org/foo"),
			want: `claimMappings.extra[0].key: Invalid value: "-x.org": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		{name: "extra key with bad path", change: withExtraKey("example.org/a b"),
			want: `claimMappings.extra[0].key: Invalid value: "a b": Invalid path (regex used for validation is '[A-Za-z0-9/\-._~%!$&'()*+,;=:]+')`},
		{name: "extra key with a long domain", change: func(j *JWT) {
			j.ClaimMappings.Extra = []ExtraMapping{{Key: strings.Repeat("a.", 127) + "a/foo", ValueExpression: "claims.x"}}
		}, want: `claimMappings.extra[0].key: Invalid value: "` + strings.Repeat("a.", 127) + `a": must be no more than 253 characters`},
		{name: "extra key upper case", change: withExtraKey("example.org/Foo"),
			want: `claimMappings.extra[0].key: Invalid value: "example.org/Foo": must be lowercase`},
		{name: "extra key upper case domain", change: withExtraKey("Example.org/foo"),
			want: `[claimMappings.extra[0].key: Invalid value: "Example.org": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), ` +
				`claimMappings.extra[0].key: Invalid value: "Example.org/foo": must be lowercase]`},
		{name: "extra key in k8s.io", change: withExtraKey("k8s.io/foo"),
			want: `claimMappings.extra[0].key: Invalid value: "k8s.io/foo": k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use`},
		{name: "extra key in a kubernetes.io subdomain", change: withExtraKey("authentication.kubernetes.io/foo"),
			want: `claimMappings.extra[0].key: Invalid value: "authentication.kubernetes.io/foo": k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use`},
		{name: "extra key in a look-alike domain", change: func(j *JWT) {
			j.ClaimMappings.Extra = []ExtraMapping{{Key: "notk8s.io/foo", ValueExpression: "claims.x"}}
		}},
		{name: "extra key repeated", change: func(j *JWT) {
			j.ClaimMappings.Extra = []ExtraMapping{{Key: "example.org/foo", ValueExpression: "claims.x"}, {Key: "example.org/foo"}}
		}, want: `claimMappings.extra[1].key: Duplicate value: "example.org/foo"`},
		{name: "extra value required", change: func(j *JWT) { j.ClaimMappings.Extra = []ExtraMapping{{Key: "example.org/foo"}} },
			want: "claimMappings.extra[0].valueExpression: Required value"},

		// userValidationRules
		{name: "user rule empty", change: func(j *JWT) { j.UserValidationRules = []UserValidationRule{{Message: "m"}} },
			want: "userValidationRules[0].expression: Required value"},
		{name: "user rule repeated", change: func(j *JWT) {
			j.UserValidationRules = []UserValidationRule{{Expression: "user.username == 'foo'"}, {Expression: "user.username == 'foo'"}}
		}, want: `userValidationRules[1].expression: Duplicate value: "user.username == 'foo'"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j := validJWT()
			tt.change(&j)
			err := newConfigError(validateJWT("", &j))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.Equal(t, tt.want, err.Error())

			// Under a path, every field is prefixed by it.
			errs := validateJWT("jwt[3]", &j)
			require.NotEmpty(t, errs)
			for _, fe := range errs {
				assert.True(t, strings.HasPrefix(fe.Field, "jwt[3]."), fe.Field)
			}
		})
	}
	t.Run("nil", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, "jwt[0]: Required value", newConfigError(validateJWT("jwt[0]", nil)).Error())
	})
}

func TestValidateJWTs(t *testing.T) {
	withURLs := func(urls ...string) []JWT {
		js := make([]JWT, len(urls))
		for i, u := range urls {
			js[i] = validJWT()
			js[i].Issuer.URL = u
		}
		return js
	}
	tests := []struct {
		name string
		js   []JWT
		want string
	}{
		{name: "none", js: nil},
		{name: "distinct", js: withURLs("https://a", "https://b")},
		{name: "issuer repeated", js: withURLs("https://a", "https://b", "https://a"),
			want: `jwt[2].issuer.url: Duplicate value: "https://a"`},
		{name: "discovery repeated", js: func() []JWT {
			js := withURLs("https://a", "https://b")
			js[0].Issuer.DiscoveryURL = "https://d/.well-known/openid-configuration"
			js[1].Issuer.DiscoveryURL = "https://d/.well-known/openid-configuration"
			return js
		}(), want: `jwt[1].issuer.discoveryURL: Duplicate value: "https://d/.well-known/openid-configuration"`},
		{name: "errors of each in order", js: func() []JWT {
			js := withURLs("", "")
			js[1].Issuer.Audiences = nil
			return js
		}(), want: `[jwt[0].issuer.url: Required value, jwt[1].issuer.url: Required value, ` +
			`jwt[1].issuer.audiences: Required value: at least one jwt[1].issuer.audiences is required, ` +
			`jwt[1].issuer.url: Duplicate value: ""]`},
		{name: "64 is the limit", js: func() []JWT {
			js := make([]JWT, 64)
			for i := range js {
				js[i] = validJWT()
				js[i].Issuer.URL = fmt.Sprintf("https://issuer-%d", i)
			}
			return js
		}()},
		{name: "65 is too many", js: make([]JWT, 65),
			want: "jwt: Too many: 65: must have at most 64 items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := newConfigError(validateJWTs(tt.js))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestValidateStatic(t *testing.T) {
	tests := []struct {
		name string
		c    *AuthenticationConfiguration
		want string
	}{
		{name: "nil", c: nil},
		{name: "zero", c: &AuthenticationConfiguration{}},
		{name: "anonymous only", c: &AuthenticationConfiguration{TypeMeta: TypeMeta{APIVersion: GroupV1, Kind: Kind},
			Anonymous: &AnonymousConfig{Enabled: true, Conditions: []AnonymousCondition{{Path: "/livez"}}}}},
		{name: "anonymous disabled", c: &AuthenticationConfiguration{Anonymous: &AnonymousConfig{}}},
		{name: "conditions need enabled", c: &AuthenticationConfiguration{
			Anonymous: &AnonymousConfig{Conditions: []AnonymousCondition{{Path: "/livez"}, {Path: "/readyz"}}}},
			want: `anonymous.conditions: Invalid value: [{"Path":"/livez"},{"Path":"/readyz"}]: enabled should be set to true when conditions are defined`},
		{name: "condition path required", c: &AuthenticationConfiguration{
			Anonymous: &AnonymousConfig{Enabled: true, Conditions: []AnonymousCondition{{Path: "/livez"}, {}}}},
			want: `anonymous.conditions[1].path: Required value`},
		{name: "condition path repeated", c: &AuthenticationConfiguration{
			Anonymous: &AnonymousConfig{Enabled: true, Conditions: []AnonymousCondition{{Path: "/livez"}, {Path: "/readyz"}, {Path: "/livez"}}}},
			want: `anonymous.conditions[2].path: Duplicate value: "/livez"`},
		{name: "unknown apiVersion and kind", c: &AuthenticationConfiguration{TypeMeta: TypeMeta{APIVersion: "v1", Kind: "Config"}},
			want: `[apiVersion: Unsupported value: "v1": supported values: "apiserver.config.k8s.io/v1", "apiserver.config.k8s.io/v1beta1", "apiserver.config.k8s.io/v1alpha1", ` +
				`kind: Unsupported value: "Config": supported values: "AuthenticationConfiguration"]`},
		{name: "too many authenticators hides the rest", c: &AuthenticationConfiguration{JWT: make([]JWT, 65),
			Anonymous: &AnonymousConfig{Conditions: []AnonymousCondition{{Path: "/livez"}}}},
			want: "jwt: Too many: 65: must have at most 64 items"},
		{name: "jwt and anonymous together", c: &AuthenticationConfiguration{JWT: []JWT{{}},
			Anonymous: &AnonymousConfig{Conditions: []AnonymousCondition{{Path: "/livez"}}}},
			want: `[jwt[0].issuer.url: Required value, ` +
				`jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required, ` +
				`jwt[0].claimMappings.username: Required value: claim or expression is required, ` +
				`anonymous.conditions: Invalid value: [{"Path":"/livez"}]: enabled should be set to true when conditions are defined]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.c.ValidateStatic()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidConfig)
			_, ok := errors.AsType[*ConfigError](err)
			require.True(t, ok)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}
