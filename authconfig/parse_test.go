package authconfig_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authconfig"
)

func strPtr(s string) *string { return &s }

// readCA returns the PEM block of the documentation examples.
func readCA(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "config", "full-v1.json"))
	require.NoError(t, err)
	var doc struct {
		JWT []struct {
			Issuer struct {
				CertificateAuthority string `json:"certificateAuthority"`
			} `json:"issuer"`
		} `json:"jwt"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.Len(t, doc.JWT, 1)
	require.Contains(t, doc.JWT[0].Issuer.CertificateAuthority, "-----BEGIN CERTIFICATE-----")
	return doc.JWT[0].Issuer.CertificateAuthority
}

// fullExample is the documentation's complete example as a value.
func fullExample(apiVersion, ca string) *authconfig.AuthenticationConfiguration {
	return &authconfig.AuthenticationConfiguration{
		TypeMeta: authconfig.TypeMeta{APIVersion: apiVersion, Kind: authconfig.Kind},
		JWT: []authconfig.JWT{{
			Issuer: authconfig.Issuer{
				URL:                  "https://example.com",
				DiscoveryURL:         "https://discovery.example.com/.well-known/openid-configuration",
				CertificateAuthority: ca,
				Audiences:            []string{"my-app", "my-other-app"},
				AudienceMatchPolicy:  authconfig.MatchAny,
			},
			ClaimValidationRules: []authconfig.ClaimValidationRule{
				{Claim: "hd", RequiredValue: "example.com"},
				{Expression: `claims.hd == "example.com"`, Message: "the hd claim must be set to example.com"},
				{Expression: "claims.exp - claims.nbf <= 86400", Message: "total token lifetime must not exceed 24 hours"},
			},
			ClaimMappings: authconfig.ClaimMappings{
				Username: authconfig.PrefixedClaimOrExpression{Expression: `claims.username + ":external-user"`},
				Groups:   authconfig.PrefixedClaimOrExpression{Expression: `claims.roles.split(",")`},
				UID:      authconfig.ClaimOrExpression{Expression: "claims.sub"},
				Extra:    []authconfig.ExtraMapping{{Key: "example.com/tenant", ValueExpression: "claims.tenant"}},
			},
			UserValidationRules: []authconfig.UserValidationRule{
				{Expression: "!user.username.startsWith('system:')", Message: "username cannot use the reserved system: prefix"},
				{Expression: "user.groups.all(group, !group.startsWith('system:'))", Message: "groups cannot use the reserved system: prefix"},
			},
		}},
	}
}

func anonymousExample(apiVersion string) *authconfig.AuthenticationConfiguration {
	return &authconfig.AuthenticationConfiguration{
		TypeMeta: authconfig.TypeMeta{APIVersion: apiVersion, Kind: authconfig.Kind},
		Anonymous: &authconfig.AnonymousConfig{
			Enabled:    true,
			Conditions: []authconfig.AnonymousCondition{{Path: "/livez"}, {Path: "/readyz"}, {Path: "/healthz"}},
		},
	}
}

func TestParseDocumentedExamples(t *testing.T) {
	ca := readCA(t)
	tests := []struct {
		file string
		want *authconfig.AuthenticationConfiguration
	}{
		{file: "full-v1.yaml", want: fullExample(authconfig.GroupV1, ca)},
		{file: "full-v1.json", want: fullExample(authconfig.GroupV1, ca)},
		{file: "full-v1beta1.yaml", want: fullExample(authconfig.GroupV1beta1, ca)},
		{file: "full-v1alpha1.json", want: fullExample(authconfig.GroupV1alpha1, ca)},
		{file: "anonymous.yaml", want: anonymousExample(authconfig.GroupV1)},
		{file: "anonymous.json", want: anonymousExample(authconfig.GroupV1beta1)},
		{file: "prefixes.yaml", want: &authconfig.AuthenticationConfiguration{
			TypeMeta: authconfig.TypeMeta{APIVersion: authconfig.GroupV1, Kind: authconfig.Kind},
			JWT: []authconfig.JWT{
				{
					Issuer: authconfig.Issuer{URL: "https://example.com", Audiences: []string{"my-app"}},
					ClaimMappings: authconfig.ClaimMappings{
						Username: authconfig.PrefixedClaimOrExpression{Claim: "sub", Prefix: strPtr("oidc:")},
						Groups:   authconfig.PrefixedClaimOrExpression{Claim: "groups", Prefix: strPtr("oidc:")},
						UID:      authconfig.ClaimOrExpression{Claim: "sub"},
					},
				},
				{
					Issuer:               authconfig.Issuer{URL: "https://login.example.org/tenant-a", Audiences: []string{"kubernetes"}},
					ClaimValidationRules: []authconfig.ClaimValidationRule{{Claim: "hd", RequiredValue: "example.org"}},
					ClaimMappings: authconfig.ClaimMappings{
						Username: authconfig.PrefixedClaimOrExpression{Claim: "email", Prefix: strPtr("")},
						Groups:   authconfig.PrefixedClaimOrExpression{Claim: "roles", Prefix: strPtr("https://login.example.org/tenant-a#")},
					},
				},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "config", tt.file)
			got, err := authconfig.Load(path)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)

			data, err := os.ReadFile(path)
			require.NoError(t, err)
			got, err = authconfig.Parse(data)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			require.NoError(t, got.ValidateStatic())
		})
	}
}

// The documented errors: what a user sees for common mistakes, in full.
func TestParseInvalidFiles(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{file: "http-issuer.yaml",
			want: `jwt[0].issuer.url: Invalid value: "http://example.com": URL scheme must be https`},
		{file: "no-audiences.yaml",
			want: `jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required`},
		{file: "audiences-without-policy.yaml",
			want: `jwt[0].issuer.audienceMatchPolicy: Invalid value: "": audienceMatchPolicy must be MatchAny for multiple audiences`},
		{file: "username-prefix-missing.yaml",
			want: `jwt[0].claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing`},
		{file: "duplicate-issuer.yaml",
			want: `jwt[1].issuer.url: Duplicate value: "https://example.com"`},
		{file: "reserved-extra-key.yaml",
			want: `jwt[0].claimMappings.extra[0].key: Invalid value: "kubernetes.io/team": k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use`},
		{file: "anonymous-conditions-disabled.yaml",
			want: `anonymous.conditions: Invalid value: [{"Path":"/livez"}]: enabled should be set to true when conditions are defined`},
		{file: "docs-alternatives-together.yaml",
			want: `[jwt[0].issuer.egressSelectorType: Forbidden: egress selection is not available outside kube-apiserver: leave egressSelectorType unset, ` +
				`jwt[0].claimMappings.username: Invalid value: "": claim and expression can't both be set, ` +
				`jwt[0].claimMappings.groups: Invalid value: "": claim and expression can't both be set, ` +
				`jwt[0].claimMappings.uid: Invalid value: "": claim and expression can't both be set]`},
		{file: "unknown-field.yaml",
			want: `authconfig: invalid configuration: line 6: unknown field "jwt[0].issuer.audience"`},
		{file: "unknown-field.json",
			want: `authconfig: invalid configuration: line 5: unknown field "jwt[0].issuer.URL"`},
		{file: "duplicate-field.yaml",
			want: `authconfig: invalid configuration: line 7: duplicate field "jwt[0].issuer.url" (first set on line 5)`},
		{file: "wrong-api-group.yaml",
			want: `authconfig: invalid configuration: line 1: apiVersion "apiserver.k8s.io/v1beta1" is not supported: want apiserver.config.k8s.io/v1, apiserver.config.k8s.io/v1beta1 or apiserver.config.k8s.io/v1alpha1`},
		{file: "yes-is-a-boolean.yaml",
			want: `authconfig: invalid configuration: line 9: jwt[0].claimValidationRules[0].requiredValue: expected a string, got the boolean yes (Kubernetes reads YAML 1.1, where it is a boolean: quote it)`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "config", "invalid", tt.file)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			got, err := authconfig.Parse(data)
			require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
			assert.Nil(t, got)
			assert.Equal(t, tt.want, err.Error())

			got, err = authconfig.Load(path)
			require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), path)
			assert.True(t, strings.HasPrefix(err.Error(), "authconfig: invalid configuration: "+path+": "), err.Error())
			if _, isConfig := errors.AsType[*authconfig.ConfigError](err); isConfig {
				assert.Equal(t, "authconfig: invalid configuration: "+path+": "+tt.want, err.Error())
			}
		})
	}
}

const minimalJWT = `
jwt:
- issuer: {url: "https://example.com", audiences: [a]}
  claimMappings: {username: {claim: sub, prefix: ""}}
`

const header = "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\n"

func TestParseDecoding(t *testing.T) {
	minimal := func(apiVersion string) *authconfig.AuthenticationConfiguration {
		return &authconfig.AuthenticationConfiguration{TypeMeta: authconfig.TypeMeta{APIVersion: apiVersion, Kind: authconfig.Kind}, JWT: []authconfig.JWT{{
			Issuer:        authconfig.Issuer{URL: "https://example.com", Audiences: []string{"a"}},
			ClaimMappings: authconfig.ClaimMappings{Username: authconfig.PrefixedClaimOrExpression{Claim: "sub", Prefix: strPtr("")}},
		}}}
	}
	tests := []struct {
		name string
		in   string
		want *authconfig.AuthenticationConfiguration
	}{
		{name: "minimal", in: header + minimalJWT, want: minimal(authconfig.GroupV1)},
		{name: "no jwt", in: header,
			want: &authconfig.AuthenticationConfiguration{TypeMeta: authconfig.TypeMeta{APIVersion: authconfig.GroupV1, Kind: authconfig.Kind}}},
		{name: "empty jwt list", in: header + "jwt: []\n",
			want: &authconfig.AuthenticationConfiguration{TypeMeta: authconfig.TypeMeta{APIVersion: authconfig.GroupV1, Kind: authconfig.Kind}, JWT: []authconfig.JWT{}}},
		{name: "null values are zero values", in: header + "jwt: null\nanonymous: ~\n",
			want: &authconfig.AuthenticationConfiguration{TypeMeta: authconfig.TypeMeta{APIVersion: authconfig.GroupV1, Kind: authconfig.Kind}}},
		{name: "anonymous disabled", in: header + "anonymous: {enabled: false}\n",
			want: &authconfig.AuthenticationConfiguration{TypeMeta: authconfig.TypeMeta{APIVersion: authconfig.GroupV1, Kind: authconfig.Kind}, Anonymous: &authconfig.AnonymousConfig{}}},
		{name: "YAML 1.1 boolean", in: header + "anonymous: {enabled: yes}\n",
			want: &authconfig.AuthenticationConfiguration{TypeMeta: authconfig.TypeMeta{APIVersion: authconfig.GroupV1, Kind: authconfig.Kind}, Anonymous: &authconfig.AnonymousConfig{Enabled: true}}},
		{name: "quoted yes is a string", in: header + `jwt:
- issuer: {url: "https://example.com", audiences: ["yes"]}
  claimMappings: {username: {claim: sub, prefix: !!str on}}
`, want: &authconfig.AuthenticationConfiguration{TypeMeta: authconfig.TypeMeta{APIVersion: authconfig.GroupV1, Kind: authconfig.Kind}, JWT: []authconfig.JWT{{
			Issuer:        authconfig.Issuer{URL: "https://example.com", Audiences: []string{"yes"}},
			ClaimMappings: authconfig.ClaimMappings{Username: authconfig.PrefixedClaimOrExpression{Claim: "sub", Prefix: strPtr("on")}},
		}}}},
		{name: "anchors and aliases", in: header + `jwt:
- issuer: {url: "https://example.com", audiences: &auds [a]}
  claimMappings: &mappings {username: {claim: sub, prefix: ""}}
- issuer: {url: "https://example.org", audiences: *auds}
  claimMappings: *mappings
`, want: &authconfig.AuthenticationConfiguration{TypeMeta: authconfig.TypeMeta{APIVersion: authconfig.GroupV1, Kind: authconfig.Kind}, JWT: []authconfig.JWT{
			minimal("").JWT[0],
			{
				Issuer:        authconfig.Issuer{URL: "https://example.org", Audiences: []string{"a"}},
				ClaimMappings: authconfig.ClaimMappings{Username: authconfig.PrefixedClaimOrExpression{Claim: "sub", Prefix: strPtr("")}},
			},
		}}},
		{name: "JSON", in: `{"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration",
			"jwt": [{"issuer": {"url": "https://example.com", "audiences": ["a"]},
			         "claimMappings": {"username": {"claim": "sub", "prefix": ""}}}]}`,
			want: minimal(authconfig.GroupV1)},
		{name: "JSON with leading white space", in: "\n\t {\"apiVersion\": \"apiserver.config.k8s.io/v1beta1\", \"kind\": \"AuthenticationConfiguration\"}",
			want: &authconfig.AuthenticationConfiguration{TypeMeta: authconfig.TypeMeta{APIVersion: authconfig.GroupV1beta1, Kind: authconfig.Kind}}},
		{name: "YAML flow style that is not JSON", in: "[apiVersion: x]\n"},
		{name: "only the first YAML document is read", in: header + minimalJWT + "---\nkind: Other\n",
			want: minimal(authconfig.GroupV1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := authconfig.Parse([]byte(tt.in))
			if tt.want == nil {
				require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseStrictErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty", in: "",
			want: "authconfig: invalid configuration: empty config data"},
		{name: "only comments", in: "# nothing\n\n",
			want: "authconfig: invalid configuration: empty config data"},
		{name: "not an object", in: "- a\n",
			want: "authconfig: invalid configuration: line 1: expected an AuthenticationConfiguration object, got a list"},
		{name: "missing apiVersion and kind", in: "jwt: []\n",
			want: "authconfig: invalid configuration: line 1: apiVersion is required: want apiserver.config.k8s.io/v1, apiserver.config.k8s.io/v1beta1 or apiserver.config.k8s.io/v1alpha1; " +
				"line 1: kind is required: want AuthenticationConfiguration"},
		{name: "wrong kind", in: "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\n",
			want: `authconfig: invalid configuration: line 2: kind "AuthorizationConfiguration" is not supported: want AuthenticationConfiguration`},
		{name: "field names are case-sensitive", in: header + "JWT: []\n",
			want: `authconfig: invalid configuration: line 3: unknown field "JWT"`},
		{name: "metadata is not a field", in: header + "metadata: {name: x}\n",
			want: `authconfig: invalid configuration: line 3: unknown field "metadata"`},
		{name: "several problems", in: header + "jwt:\n- issuer: {url: 1, urll: x, audiences: a}\n  claimMappings: {username: {prefix: [x]}}\n",
			want: `authconfig: invalid configuration: line 4: jwt[0].issuer.url: expected a string, got the number 1; ` +
				`line 4: unknown field "jwt[0].issuer.urll"; ` +
				`line 4: jwt[0].issuer.audiences: expected a list, got a string; ` +
				`line 5: jwt[0].claimMappings.username.prefix: expected a string, got a list`},
		{name: "boolean in a string field", in: header + "anonymous: {enabled: true, conditions: [{path: true}]}\n",
			want: `authconfig: invalid configuration: line 3: anonymous.conditions[0].path: expected a string, got the boolean true`},
		{name: "string in a boolean field", in: header + `anonymous: {enabled: "true"}` + "\n",
			want: `authconfig: invalid configuration: line 3: anonymous.enabled: expected a boolean, got a string`},
		{name: "duplicate field in JSON", in: `{"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration",` + "\n" + `"kind": "AuthenticationConfiguration"}`,
			want: `authconfig: invalid configuration: line 2: duplicate field "kind" (first set on line 1)`},
		{name: "JSON syntax error", in: "{\n\"apiVersion\": \"apiserver.config.k8s.io/v1\",\n}",
			want: `authconfig: invalid configuration: line 3: invalid character '}' looking for beginning of object key string`},
		{name: "JSON truncated", in: "{\n\"apiVersion\": ",
			want: `authconfig: invalid configuration: line 2: unexpected end of JSON input`},
		{name: "JSON trailing data", in: `{"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration"} {}`,
			want: `authconfig: invalid configuration: line 1: invalid character '{' after top-level value`},
		{name: "YAML syntax error", in: header + "jwt: [\n",
			want: `authconfig: invalid configuration: line 3: did not find expected node content`},
		{name: "merge keys", in: header + "base: &b {enabled: true}\nanonymous:\n  <<: *b\n",
			want: `authconfig: invalid configuration: line 5: merge keys (<<) are not supported`},
		{name: "recursive alias", in: header + "jwt: &x [*x]\n",
			want: `authconfig: invalid configuration: line 3: alias "x" refers to a value that contains it`},
		{name: "YAML binary tag", in: header + "kind2: !!binary aGk=\n",
			want: `authconfig: invalid configuration: line 3: unsupported YAML tag "!!binary"`},
		{name: "too deep", in: header + "x: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n",
			want: `authconfig: invalid configuration: line 3: nested more than 64 levels deep`},
		{name: "too deep through aliases", in: header + "a: &a " + strings.Repeat("[", 40) + "x" + strings.Repeat("]", 40) + "\nb: [*a, " + strings.Repeat("[", 30) + "*a" + strings.Repeat("]", 30) + "]\n",
			want: `authconfig: invalid configuration: line 4: nested more than 64 levels deep`},
		{name: "several problems in JSON", in: `{"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration",` + "\n" +
			`"jwt": [{"issuer": {"url": 1,` + "\n" + `"audiences": "x", "bad": 2}}],` + "\n" + `"anonymous": {"enabled": "yes"}}`,
			want: `authconfig: invalid configuration: line 2: jwt[0].issuer.url: expected a string, got the number 1; ` +
				`line 3: jwt[0].issuer.audiences: expected a list, got a string; ` +
				`line 3: unknown field "jwt[0].issuer.bad"; ` +
				`line 4: anonymous.enabled: expected a boolean, got a string`},
		{name: "wrong types in apiVersion and kind", in: "apiVersion: 1\nkind: [x]\n",
			want: `authconfig: invalid configuration: line 1: apiVersion: expected a string, got the number 1; line 2: kind: expected a string, got a list`},
		{name: "a wrong value behind an alias is where the anchor is", in: header + "jwt:\n- issuer: &i {url: 1}\n- issuer: *i\n",
			want: `authconfig: invalid configuration: line 4: jwt[0].issuer.url: expected a string, got the number 1; line 4: jwt[1].issuer.url: expected a string, got the number 1`},
		{name: "YAML 1.1 octal is a number", in: header + "anonymous: {conditions: [{path: 010}]}\n",
			want: `authconfig: invalid configuration: line 3: anonymous.conditions[0].path: expected a string, got the number 010`},
		{name: "null key", in: header + "~: x\n",
			want: `authconfig: invalid configuration: line 3: a key must be a string`},
		{name: "unknown tag on a list", in: header + "jwt: !foo [x]\n",
			want: `authconfig: invalid configuration: line 3: unsupported YAML tag "!foo"`},
		{name: "null document", in: "~\n",
			want: `authconfig: invalid configuration: line 1: expected an AuthenticationConfiguration object, got null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := authconfig.Parse([]byte(tt.in))
			require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
			assert.Nil(t, got)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestParseBounds(t *testing.T) {
	t.Run("over 1 MiB", func(t *testing.T) {
		t.Parallel()
		data := []byte(header + "# " + strings.Repeat("x", authconfig.MaxConfigSize) + "\n")
		_, err := authconfig.Parse(data)
		require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
		assert.Equal(t, "authconfig: invalid configuration: larger than 1048576 bytes", err.Error())
	})
	t.Run("alias expansion", func(t *testing.T) {
		t.Parallel()
		// Each level names the previous one ten times: 10^9 values once
		// expanded, from a few hundred bytes.
		var b strings.Builder
		b.WriteString(header + "x0: &a0 [" + strings.Repeat(`"xxxxxxxx",`, 9) + "x]\n")
		for i := 1; i < 9; i++ {
			fmt.Fprintf(&b, "x%d: &a%d [%s*a%d]\n", i, i, strings.Repeat(fmt.Sprintf("*a%d,", i-1), 9), i-1)
		}
		b.WriteString("jwt: *a8\n")
		_, err := authconfig.Parse([]byte(b.String()))
		require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
		assert.Contains(t, err.Error(), "document too large: over 262144 values")
	})
	t.Run("many problems are summarised", func(t *testing.T) {
		t.Parallel()
		var b strings.Builder
		b.WriteString(header)
		for i := range 25 {
			fmt.Fprintf(&b, "unknown%d: x\n", i)
		}
		_, err := authconfig.Parse([]byte(b.String()))
		require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
		assert.Equal(t, 10, strings.Count(err.Error(), "unknown field"))
		assert.True(t, strings.HasSuffix(err.Error(), "; and 15 more"), err.Error())
	})
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(dir, "absent.yaml")
		_, err := authconfig.Load(path)
		require.ErrorIs(t, err, fs.ErrNotExist)
		assert.NotErrorIs(t, err, authconfig.ErrInvalidConfig)
		assert.Contains(t, err.Error(), path)
	})
	t.Run("too large", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(dir, "big.yaml")
		require.NoError(t, os.WriteFile(path, make([]byte, authconfig.MaxConfigSize+1), 0o600))
		_, err := authconfig.Load(path)
		require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
		assert.Equal(t, "authconfig: invalid configuration: "+path+": larger than 1048576 bytes", err.Error())
	})
	t.Run("validation error is reachable", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(dir, "bad.yaml")
		require.NoError(t, os.WriteFile(path, []byte(header+"jwt: [{}]\n"), 0o600))
		_, err := authconfig.Load(path)
		require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
		ce, ok := errors.AsType[*authconfig.ConfigError](err)
		require.True(t, ok)
		fe, ok := errors.AsType[*authconfig.FieldError](err)
		require.True(t, ok)
		assert.Equal(t, ce.Errors[0], fe)
		assert.Equal(t, "jwt[0].issuer.url", fe.Field)
		assert.Equal(t, authconfig.FieldValueRequired, fe.Type)
	})
}

// TestEveryFieldRoundTrips fills every field of the configuration types,
// writes the value as JSON and reads it back unchanged.
func TestEveryFieldRoundTrips(t *testing.T) {
	ca := readCA(t)
	full := fullExample(authconfig.GroupV1, ca)
	j := &full.JWT[0]
	j.ClaimMappings.Username = authconfig.PrefixedClaimOrExpression{Claim: "sub", Prefix: strPtr("p:")}
	j.ClaimMappings.Groups = authconfig.PrefixedClaimOrExpression{Claim: "groups", Prefix: strPtr("g:")}
	j.ClaimMappings.UID = authconfig.ClaimOrExpression{Claim: "sub"}
	full.Anonymous = &authconfig.AnonymousConfig{Enabled: true, Conditions: []authconfig.AnonymousCondition{{Path: "/livez"}}}

	// Every field is set in one authenticator or the other, except
	// EgressSelectorType, which must stay empty to validate; it is decoded
	// on its own below.
	second := fullExample(authconfig.GroupV1, ca).JWT[0]
	second.Issuer.URL = "https://example.org"
	second.Issuer.DiscoveryURL = "https://discovery.example.org/"
	full.JWT = append(full.JWT, second)
	set := make(map[string]bool)
	collectSetFields(reflect.ValueOf(full), "config", set)
	for path, ok := range set {
		if path == "config.JWT[].Issuer.EgressSelectorType" {
			continue
		}
		assert.True(t, ok, "%s is never set", path)
	}
	require.Contains(t, set, "config.JWT[].Issuer.EgressSelectorType")

	data, err := json.Marshal(full)
	require.NoError(t, err)
	got, err := authconfig.Parse(data)
	require.NoError(t, err)
	assert.Equal(t, full, got)

	// egressSelectorType is decoded, then refused by validation.
	_, err = authconfig.Parse([]byte(header + "jwt: [{issuer: {egressSelectorType: cluster}}]\n"))
	require.ErrorIs(t, err, authconfig.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "jwt[0].issuer.egressSelectorType: Forbidden")
}

// collectSetFields records, for each field path of v's type (list indices
// left out), whether any instance in v holds a non-zero value.
func collectSetFields(v reflect.Value, path string, set map[string]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		set[path] = set[path] || !v.IsNil()
		if !v.IsNil() {
			collectSetFields(v.Elem(), path, set)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			collectSetFields(v.Field(i), path+"."+v.Type().Field(i).Name, set)
		}
	case reflect.Slice:
		set[path] = set[path] || v.Len() > 0
		for i := range v.Len() {
			collectSetFields(v.Index(i), path+"[]", set)
		}
	default:
		set[path] = set[path] || !v.IsZero()
	}
}
