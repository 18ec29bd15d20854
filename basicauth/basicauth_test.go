package basicauth_test

import (
	"encoding/base64"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/basicauth"
)

// fastArgon2 keeps argon2id cheap in tests (64 KiB, one pass).
var fastArgon2 = basicauth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

func bcryptHash(t testing.TB, password, prefix string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	return prefix + string(h[len("$2a$"):])
}

func argon2Hash(t testing.TB, password string) string {
	t.Helper()
	h, err := basicauth.HashArgon2id([]byte(password), fastArgon2)
	require.NoError(t, err)
	return h
}

// csvLines renders rows as a password file, quoting as encoding/csv does.
func csvLines(t testing.TB, rows ...[]string) []byte {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	require.NoError(t, w.WriteAll(rows))
	return []byte(b.String())
}

func basicHeader(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

func requestWith(authorization string) *http.Request {
	r := authntest.NewRequest()
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}

// long72 is a password of exactly bcrypt's 72-byte limit.
var long72 = strings.Repeat("x", 72)

func newTestAuthenticator(t *testing.T) *basicauth.Authenticator {
	t.Helper()
	data := csvLines(t,
		[]string{"plain-secret", "plain", "1001", "admins,dev"},
		[]string{bcryptHash(t, "bcrypt-a", "$2a$"), "bcrypt2a", "1002", "dev"},
		[]string{bcryptHash(t, "bcrypt-b", "$2b$"), "bcrypt2b", "1003"},
		[]string{bcryptHash(t, "bcrypt-y", "$2y$"), "bcrypt2y", "1004", "g1,g2"},
		[]string{argon2Hash(t, "argon-pass"), "argon", "1005", "ops"},
		[]string{"with:colon", "colon", "1006", ""},
		[]string{bcryptHash(t, long72, "$2b$"), "long", "1007"},
		[]string{"pässwörd", "ünïcode", "1008", "a,,b"},
	)
	a, err := basicauth.NewFromCSV(data, basicauth.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	return a
}

func TestAuthenticateRequest(t *testing.T) {
	a := newTestAuthenticator(t)
	tests := []struct {
		name          string
		authorization string
		wantUser      authn.UserInfo
		wantErr       []error // nil and wantUser empty: no opinion
	}{
		{name: "plaintext", authorization: basicHeader("plain:plain-secret"),
			wantUser: authn.UserInfo{Name: "plain", UID: "1001", Groups: []string{"admins", "dev"}}},
		{name: "bcrypt $2a$", authorization: basicHeader("bcrypt2a:bcrypt-a"),
			wantUser: authn.UserInfo{Name: "bcrypt2a", UID: "1002", Groups: []string{"dev"}}},
		{name: "bcrypt $2b$ without groups column", authorization: basicHeader("bcrypt2b:bcrypt-b"),
			wantUser: authn.UserInfo{Name: "bcrypt2b", UID: "1003"}},
		{name: "bcrypt $2y$", authorization: basicHeader("bcrypt2y:bcrypt-y"),
			wantUser: authn.UserInfo{Name: "bcrypt2y", UID: "1004", Groups: []string{"g1", "g2"}}},
		{name: "argon2id", authorization: basicHeader("argon:argon-pass"),
			wantUser: authn.UserInfo{Name: "argon", UID: "1005", Groups: []string{"ops"}}},
		{name: "password with colon, empty groups column", authorization: basicHeader("colon:with:colon"),
			wantUser: authn.UserInfo{Name: "colon", UID: "1006"}},
		{name: "bcrypt at the 72-byte limit", authorization: basicHeader("long:" + long72),
			wantUser: authn.UserInfo{Name: "long", UID: "1007"}},
		{name: "unicode, empty group dropped", authorization: basicHeader("ünïcode:pässwörd"),
			wantUser: authn.UserInfo{Name: "ünïcode", UID: "1008", Groups: []string{"a", "b"}}},
		{name: "scheme in lower case", authorization: "basic " + base64.StdEncoding.EncodeToString([]byte("plain:plain-secret")),
			wantUser: authn.UserInfo{Name: "plain", UID: "1001", Groups: []string{"admins", "dev"}}},
		{name: "scheme in upper case, extra white space", authorization: " BASIC \t " + base64.StdEncoding.EncodeToString([]byte("argon:argon-pass")) + "  ",
			wantUser: authn.UserInfo{Name: "argon", UID: "1005", Groups: []string{"ops"}}},

		{name: "no header"},
		{name: "bearer", authorization: "Bearer abc"},
		{name: "other scheme starting with basic", authorization: "Basically " + base64.StdEncoding.EncodeToString([]byte("plain:plain-secret"))},
		{name: "digest", authorization: `Digest username="plain"`},

		{name: "wrong plaintext password", authorization: basicHeader("plain:plain-secreT"), wantErr: []error{authn.ErrInvalidCredentials}},
		{name: "plaintext password prefix", authorization: basicHeader("plain:plain"), wantErr: []error{authn.ErrInvalidCredentials}},
		{name: "wrong bcrypt password", authorization: basicHeader("bcrypt2a:bcrypt-b"), wantErr: []error{authn.ErrInvalidCredentials}},
		{name: "wrong argon2id password", authorization: basicHeader("argon:argon-pas"), wantErr: []error{authn.ErrInvalidCredentials}},
		{name: "empty password", authorization: basicHeader("plain:"), wantErr: []error{authn.ErrInvalidCredentials}},
		{name: "unknown user", authorization: basicHeader("nobody:plain-secret"), wantErr: []error{authn.ErrInvalidCredentials}},
		{name: "user names are case sensitive", authorization: basicHeader("Plain:plain-secret"), wantErr: []error{authn.ErrInvalidCredentials}},
		{name: "bcrypt ignores bytes after 72, we do not", authorization: basicHeader("long:" + long72 + "y"), wantErr: []error{authn.ErrInvalidCredentials}},
		{name: "password of another user", authorization: basicHeader("bcrypt2b:bcrypt-a"), wantErr: []error{authn.ErrInvalidCredentials}},

		{name: "scheme only", authorization: "Basic", wantErr: []error{authn.ErrMalformed, authn.ErrInvalidCredentials}},
		{name: "scheme and spaces", authorization: "Basic   ", wantErr: []error{authn.ErrMalformed}},
		{name: "bad base64", authorization: "Basic !!!!", wantErr: []error{authn.ErrMalformed, authn.ErrInvalidCredentials}},
		{name: "unpadded base64", authorization: "Basic " + base64.RawStdEncoding.EncodeToString([]byte("plain:plain-secre")), wantErr: []error{authn.ErrMalformed}},
		{name: "url base64", authorization: "Basic " + base64.URLEncoding.EncodeToString([]byte("plain:??>>")), wantErr: []error{authn.ErrMalformed}},
		{name: "space inside credentials", authorization: "Basic cGxh aW4=", wantErr: []error{authn.ErrMalformed}},
		{name: "no colon", authorization: basicHeader("plainplain-secret"), wantErr: []error{authn.ErrMalformed}},
		{name: "empty user", authorization: basicHeader(":plain-secret"), wantErr: []error{authn.ErrMalformed}},
		{name: "not UTF-8", authorization: basicHeader("pl\xffain:plain-secret"), wantErr: []error{authn.ErrMalformed}},
		{name: "control character", authorization: basicHeader("plain:plain-secret\x00"), wantErr: []error{authn.ErrMalformed}},
		{name: "oversized", authorization: basicHeader("plain:" + strings.Repeat("p", basicauth.MaxCredentialsLength)), wantErr: []error{authn.ErrMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, ok, err := a.AuthenticateRequest(requestWith(tt.authorization))
			authntest.CheckOutcome(t, resp, ok, err)
			switch {
			case tt.wantUser.Name != "":
				authntest.AssertUser(t, tt.wantUser, resp, ok, err)
			case tt.wantErr == nil:
				assert.False(t, ok)
				assert.NoError(t, err, "want no opinion")
			default:
				require.False(t, ok)
				for _, want := range tt.wantErr {
					require.ErrorIs(t, err, want)
				}
				assert.NotErrorIs(t, err, authn.ErrUnavailable)
			}
		})
	}
}

func TestUnknownUserAndWrongPasswordLookAlike(t *testing.T) {
	a := newTestAuthenticator(t)
	var texts []string
	for _, userPass := range []string{"nobody:x", "plain:x", "bcrypt2a:x", "argon:x", "long:x"} {
		resp, ok, err := a.AuthenticateRequest(requestWith(basicHeader(userPass)))
		authntest.CheckOutcome(t, resp, ok, err)
		require.ErrorIs(t, err, authn.ErrInvalidCredentials)
		require.NotErrorIs(t, err, authn.ErrMalformed)
		texts = append(texts, err.Error())
	}
	for _, text := range texts[1:] {
		assert.Equal(t, texts[0], text)
	}
	assert.NotContains(t, texts[0], "nobody")
}

func TestResponsesAreShared(t *testing.T) {
	a := newTestAuthenticator(t)
	r1, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("plain", "plain-secret"))
	require.NoError(t, err)
	require.True(t, ok)
	r2, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("plain", "plain-secret"))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Same(t, r1, r2, "one pre-built response per row")
}

func TestRequestNotModified(t *testing.T) {
	a := newTestAuthenticator(t)
	r := authntest.NewBasicRequest("plain", "plain-secret")
	before := r.Header.Get("Authorization")
	_, ok, err := a.AuthenticateRequest(r)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, before, r.Header.Get("Authorization"))
}

// TestKubernetesPasswordFile loads the rows of Kubernetes' own passwordfile
// test (k8s.io/apiserver, before 1.19) and expects the same users.
func TestKubernetesPasswordFile(t *testing.T) {
	a, err := basicauth.NewFromCSV([]byte(`
password1,user1,uid1
password2,user2,uid2
password3,user3,uid3,"group1,group2"
password4,user4,uid4,"group2"
password5,user5,uid5,group5
password6,user6,uid6,group5,otherdata
password7,user7,uid7,"group1,group2",otherdata
`), basicauth.Options{})
	require.NoError(t, err)
	tests := []struct {
		user, password string
		want           *authn.UserInfo
	}{
		{"user1", "password1", &authn.UserInfo{Name: "user1", UID: "uid1"}},
		{"user2", "password2", &authn.UserInfo{Name: "user2", UID: "uid2"}},
		{"user1", "password2", nil},
		{"user2", "password1", nil},
		{"user3", "password3", &authn.UserInfo{Name: "user3", UID: "uid3", Groups: []string{"group1", "group2"}}},
		{"user4", "password4", &authn.UserInfo{Name: "user4", UID: "uid4", Groups: []string{"group2"}}},
		{"user5", "password5", &authn.UserInfo{Name: "user5", UID: "uid5", Groups: []string{"group5"}}},
		{"user6", "password6", &authn.UserInfo{Name: "user6", UID: "uid6", Groups: []string{"group5"}}},
		{"user7", "password7", &authn.UserInfo{Name: "user7", UID: "uid7", Groups: []string{"group1", "group2"}}},
		{"user7", "passwordbad", nil},
		{"userbad", "password7", nil},
		{"user8", "password8", nil},
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.password, func(t *testing.T) {
			t.Parallel()
			resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest(tt.user, tt.password))
			if tt.want != nil {
				authntest.AssertUser(t, *tt.want, resp, ok, err)
				return
			}
			authntest.CheckOutcome(t, resp, ok, err)
			require.ErrorIs(t, err, authn.ErrInvalidCredentials)
		})
	}

	for _, bad := range []string{"password1,user1,uid1\npassword2,user2,uid2\npassword3,user3\npassword4\n", "password4\n"} {
		_, err := basicauth.NewFromCSV([]byte(bad), basicauth.Options{})
		require.Error(t, err, "Kubernetes rejects rows of fewer than 3 columns")
	}
}

// TestKnownVectors checks hashes made by other implementations: OpenBSD's
// bcrypt test vector, and libargon2 (the reference implementation) output.
func TestKnownVectors(t *testing.T) {
	data := csvLines(t,
		[]string{"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "a", "1"},
		[]string{"$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "b", "2"},
		[]string{"$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "y", "3"},
		[]string{"$argon2id$v=19$m=19456,t=2,p=1$agNV6OfDL1OwE44WdrFCJw$ITrBwvCsW4b5GjgZuL67RCcvVMEWBWXtASc9TVyI3rY", "argon", "4"},
	)
	a, err := basicauth.NewFromCSV(data, basicauth.Options{})
	require.NoError(t, err)
	for _, c := range []struct{ user, uid, password string }{{"a", "1", "U*U"}, {"b", "2", "U*U"}, {"y", "3", "U*U"}, {"argon", "4", "password"}} {
		resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest(c.user, c.password))
		authntest.AssertUser(t, authn.UserInfo{Name: c.user, UID: c.uid}, resp, ok, err)
		_, ok, err = a.AuthenticateRequest(authntest.NewBasicRequest(c.user, c.password+"x"))
		require.False(t, ok)
		require.ErrorIs(t, err, authn.ErrInvalidCredentials)
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, opts := range []basicauth.Options{{MaxCacheEntries: -1}, {MaxConcurrentChecks: -1}, {MaxQueueWait: -time.Second},
		{FileOptions: authn.FileOptions{MaxSize: -1}}} {
		_, err := basicauth.NewFromCSV([]byte("p,u,1\n"), opts)
		require.Error(t, err)
		opts.Path = "/nonexistent"
		_, err = basicauth.New(opts)
		require.Error(t, err)
	}
}

// TestMaxSize: MaxSize bounds NewFromCSV's data as it bounds New's file.
func TestMaxSize(t *testing.T) {
	data := []byte("p,u,1\n")
	small := basicauth.Options{FileOptions: authn.FileOptions{MaxSize: int64(len(data)) - 1}}
	_, err := basicauth.NewFromCSV(data, small)
	require.ErrorContains(t, err, "more than the limit of 5")
	a, err := basicauth.NewFromCSV(data, basicauth.Options{FileOptions: authn.FileOptions{MaxSize: int64(len(data))}})
	require.NoError(t, err)
	assert.NoError(t, a.Reload(), "nothing to reload")

	small.Path = filepath.Join(t.TempDir(), "basic.csv")
	require.NoError(t, os.WriteFile(small.Path, data, 0o600))
	_, err = basicauth.New(small)
	require.ErrorContains(t, err, "more than the limit of 5")
}

func TestMissingFile(t *testing.T) {
	_, err := basicauth.New(basicauth.Options{FileOptions: authn.FileOptions{Path: t.TempDir() + "/absent.csv"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "absent.csv")
}

func TestCacheDisabled(t *testing.T) {
	data := csvLines(t, []string{bcryptHash(t, "pw", "$2b$"), "u", "1"})
	a, err := basicauth.NewFromCSV(data, basicauth.Options{CacheTTL: -1})
	require.NoError(t, err)
	for range 2 {
		resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw"))
		authntest.AssertUser(t, authn.UserInfo{Name: "u", UID: "1"}, resp, ok, err)
	}
}
