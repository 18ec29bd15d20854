package basicauth_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/basicauth"
)

func TestDefaultArgon2Params(t *testing.T) {
	// RFC 9106 section 4, second recommended option.
	assert.Equal(t, basicauth.Argon2Params{Memory: 65536, Time: 3, Threads: 4, SaltLength: 16, KeyLength: 32}, basicauth.DefaultArgon2Params())
}

func TestHashArgon2id(t *testing.T) {
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)
	tests := []struct {
		name   string
		params basicauth.Argon2Params
		prefix string
		salt   int // base64 characters
		key    int
	}{
		{"small", basicauth.Argon2Params{Memory: 64, Time: 1, Threads: 1}, "$argon2id$v=19$m=64,t=1,p=1$", 22, 43},
		{"lengths", basicauth.Argon2Params{Memory: 32, Time: 2, Threads: 2, SaltLength: 8, KeyLength: 64}, "$argon2id$v=19$m=32,t=2,p=2$", 11, 86},
		{"zero time and threads take defaults", basicauth.Argon2Params{Memory: 256}, "$argon2id$v=19$m=256,t=3,p=4$", 22, 43},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := basicauth.HashArgon2id([]byte("pässword"), tt.params)
			require.NoError(t, err)
			m := phc.FindStringSubmatch(h)
			require.NotNil(t, m, h)
			assert.Equal(t, tt.prefix, h[:len(tt.prefix)])
			assert.Len(t, m[4], tt.salt)
			assert.Len(t, m[5], tt.key)

			h2, err := basicauth.HashArgon2id([]byte("pässword"), tt.params)
			require.NoError(t, err)
			assert.NotEqual(t, h, h2, "fresh salt each time")

			a, err := basicauth.NewFromCSV(csvLines(t, []string{h, "u", "1"}), basicauth.Options{})
			require.NoError(t, err)
			resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "pässword"))
			authntest.AssertUser(t, authn.UserInfo{Name: "u", UID: "1"}, resp, ok, err)
			_, _, err = a.AuthenticateRequest(authntest.NewBasicRequest("u", "password"))
			require.ErrorIs(t, err, authn.ErrInvalidCredentials)
		})
	}
}

func TestHashArgon2idRejectsBadParams(t *testing.T) {
	for _, p := range []basicauth.Argon2Params{
		{Memory: 7, Threads: 1, Time: 1},
		{Memory: 31, Threads: 4, Time: 1},
		{Memory: basicauth.MaxArgon2Memory + 1, Time: 1, Threads: 1},
		{Memory: 64, Time: basicauth.MaxArgon2Time + 1, Threads: 1},
		{Memory: 64, Time: 1, Threads: 1, SaltLength: 7},
		{Memory: 64, Time: 1, Threads: 1, SaltLength: 65},
		{Memory: 64, Time: 1, Threads: 1, KeyLength: 15},
		{Memory: 64, Time: 1, Threads: 1, KeyLength: 65},
	} {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			_, err := basicauth.HashArgon2id([]byte("secret-pw"), p)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "secret-pw")
		})
	}
}

// BenchmarkCheck measures one uncached check at the default costs (bcrypt
// cost 10, argon2id DefaultArgon2Params), a cache hit, and a plaintext row.
func BenchmarkCheck(b *testing.B) {
	bc, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.DefaultCost)
	require.NoError(b, err)
	ar, err := basicauth.HashArgon2id([]byte("pw"), basicauth.Argon2Params{})
	require.NoError(b, err)
	data := csvLines(b, []string{string(bc), "bcrypt", "1"}, []string{ar, "argon2id", "2"}, []string{"pw", "plain", "3"})
	uncached, err := basicauth.NewFromCSV(data, basicauth.Options{CacheTTL: -1})
	require.NoError(b, err)
	cached, err := basicauth.NewFromCSV(data, basicauth.Options{})
	require.NoError(b, err)
	for _, bc := range []struct {
		name, user string
		a          *basicauth.Authenticator
	}{
		{"bcrypt10", "bcrypt", uncached},
		{"argon2id-default", "argon2id", uncached},
		{"cache-hit", "bcrypt", cached},
		{"plaintext", "plain", uncached},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := authntest.NewBasicRequest(bc.user, "pw")
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := bc.a.AuthenticateRequest(r); !ok || err != nil {
					b.Fatal("not authenticated", err)
				}
			}
		})
	}
}
