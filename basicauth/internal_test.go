package basicauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testArgon2 keeps argon2id cheap in tests.
var testArgon2 = Argon2Params{Memory: 64, Time: 1, Threads: 1}

func hashBcrypt(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	return string(h)
}

func hashArgon2(t testing.TB, password string) string {
	t.Helper()
	h, err := HashArgon2id([]byte(password), testArgon2)
	require.NoError(t, err)
	return h
}

// logBuffer returns a logger writing text lines into the returned buffer.
func logBuffer() (*slog.Logger, *syncBuffer) {
	var b syncBuffer
	return slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func quietOptions() Options {
	return Options{Logger: slog.New(slog.DiscardHandler)}
}

// countHashes installs a beforeHash hook counting hashes; it must run
// before a is used concurrently.
func countHashes(a *Authenticator) *atomic.Int64 {
	var n atomic.Int64
	a.beforeHash = func() { n.Add(1) }
	return &n
}

func TestParseErrors(t *testing.T) {
	const secret = "S3CRET-must-not-leak"
	goodBcrypt := hashBcrypt(t, secret)
	tests := []struct {
		name, data, want string
	}{
		{"too few columns", "p,u,1\n" + secret + ",u2\n", "<csv data>:2: need at least 3 columns (password,user,uid), got 2"},
		{"one column", secret + "\n", "<csv data>:1: need at least 3 columns (password,user,uid), got 1"},
		{"comment", "# " + secret + "\np,u,1\n", `<csv data>:1: need at least 3 columns (password,user,uid), got 1: comments are not allowed (a line starting with "#" is a row)`},
		{"comment with a comma", "p,u,1\n  #" + secret + ", u\n", `<csv data>:2: need at least 3 columns (password,user,uid), got 2: comments are not allowed (a line starting with "#" is a row)`},
		{"semicolons", secret + ";u;1\n", `<csv data>:1: need at least 3 columns (password,user,uid), got 1: the separator is ",", not ";"`},
		{"tabs", secret + "\tu\t1\n", `<csv data>:1: need at least 3 columns (password,user,uid), got 1: the separator is ",", not a tab`},
		{"tabs and semicolons", secret + "\tu;1\n", `got 1: the separator is ",", not ";" or a tab`},
		{"commented semicolons", "#" + secret + ";u;1\n", `got 1: comments are not allowed (a line starting with "#" is a row); the separator is ",", not ";"`},
		{"white space line", "p,u,1\n \t\n", `<csv data>:2: need at least 3 columns (password,user,uid), got 1: a line of white space is a row, not a blank line`},
		{"empty user", secret + ",,1\n", "<csv data>:1: empty user name"},
		{"colon in user", secret + ",a:b,1\n", "<csv data>:1: user name contains a colon"},
		{"control in user", secret + ",\"a\tb\",1\n", "<csv data>:1: user name contains a control character"},
		{"user not UTF-8", secret + ",a\xffb,1\n", "<csv data>:1: user name is not valid UTF-8"},
		{"empty password", "p,u,1\n\n,u2,2\n", "<csv data>:3: empty password"},
		{"plaintext control", "\"" + secret + "\x01\",u,1\n", "<csv data>:1: plaintext password contains a control character"},
		{"plaintext not UTF-8", secret + "\xfe,u,1\n", "<csv data>:1: plaintext password is not valid UTF-8"},
		{"bad quote", "p,u,1\n" + secret + "\"x,u2,2\n", "<csv data>:2:"},
		{"unterminated quote", "p,u,1\n\"" + secret + ",u2,2\n", "<csv data>:"},
		{"unsupported $1$ hash", "$1$" + secret + "$abc,u,1\n", "<csv data>:1: unsupported password hash"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" + secret + ",u,1\n", "unsupported password hash"},
		{"bcrypt $2x$", "$2x$04$" + goodBcrypt[7:] + ",u,1\n", "unsupported password hash"},
		{"bcrypt truncated", goodBcrypt[:59] + ",u,1\n", "bcrypt hash is 59 bytes long, want 60"},
		{"bcrypt too long", goodBcrypt + "x,u,1\n", "bcrypt hash is 61 bytes long"},
		{"bcrypt cost 3", "$2b$03$" + goodBcrypt[7:] + ",u,1\n", "<csv data>:1: bcrypt cost 3 out of range 4..31"},
		{"bcrypt cost 32", "$2b$32$" + goodBcrypt[7:] + ",u,1\n", "<csv data>:1: bcrypt cost 32 out of range 4..31"},
		{"bcrypt cost not digits", "$2b$1x$" + goodBcrypt[7:] + ",u,1\n", "no two-digit cost"},
		{"bcrypt bad alphabet", goodBcrypt[:40] + "+" + goodBcrypt[41:] + ",u,1\n", "outside its alphabet"},
		{"argon2 version 16", "\"$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHQ$" + secret + "\",u,1\n", "version is not v=19"},
		{"argon2 no version", "\"$argon2id$m=64,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "argon2id hash is not"},
		{"argon2 param order", "\"$argon2id$v=19$t=1,m=64,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "parameters are not"},
		{"argon2 extra param", "\"$argon2id$v=19$m=64,t=1,p=1,keyid=x$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "parameters are not"},
		{"argon2 t=0", "\"$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "time cost 0 out of range"},
		{"argon2 p=0", "\"$argon2id$v=19$m=64,t=1,p=0$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "parallelism must be at least 1"},
		{"argon2 p=256", "\"$argon2id$v=19$m=4096,t=1,p=256$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "parameter p is not a number in range"},
		{"argon2 m too small", "\"$argon2id$v=19$m=31,t=1,p=4$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "memory cost 31 KiB out of range"},
		{"argon2 m too large", "\"$argon2id$v=19$m=4194304,t=1,p=4$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "memory cost 4194304 KiB out of range"},
		{"argon2 m overflow", "\"$argon2id$v=19$m=99999999999,t=1,p=4$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "parameter m is not a number"},
		{"argon2 leading zero", "\"$argon2id$v=19$m=064,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "parameter m is not a number"},
		{"argon2 padded salt", "\"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ=$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "salt is not unpadded"},
		{"argon2 short salt", "\"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$c29tZXNhbHRzb21lc2FsdA\",u,1\n", "salt length 4 out of range"},
		{"argon2 short hash", "\"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$c2hvcnQ\",u,1\n", "hash length 5 out of range"},
		{"argon2 bad hash base64", "\"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" + secret + "!\",u,1\n", "hash is not unpadded"},
		{"argon2 unquoted", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA,u,1\n", "argon2id hash is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := logBuffer()
			_, err := NewFromCSV([]byte(tt.data), Options{Logger: logger})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "basicauth: "), err.Error())
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, err.Error(), "c29tZXNhbHQ")
			assert.NotContains(t, logs.String(), secret)
		})
	}
}

// TestErrorTextSaidOnce: no error says its package, a sentinel or a
// library's prefix twice.
func TestErrorTextSaidOnce(t *testing.T) {
	a, err := NewFromCSV([]byte(hashBcrypt(t, "pw")+",u,1\n"), Options{MaxConcurrentChecks: 1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	authenticate := func(header string) error {
		r := authntest.NewRequest()
		r.Header.Set("Authorization", header)
		_, _, err := a.AuthenticateRequest(r)
		return err
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, cancelledErr := a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw").WithContext(cancelled))
	_, badCost := NewFromCSV([]byte("$2b$03$"+hashBcrypt(t, "pw")[7:]+",u,1\n"), quietOptions())
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"wrong password", authenticate("Basic " + base64.StdEncoding.EncodeToString([]byte("u:nope"))),
			"basicauth: authn: invalid username or password"},
		{"bad base64", authenticate("Basic !!!!"), "basicauth: malformed Basic credentials: not canonical base64"},
		{"empty", authenticate("Basic"), "basicauth: malformed Basic credentials: empty"},
		{"no colon", authenticate("Basic " + base64.StdEncoding.EncodeToString([]byte("u"))),
			"basicauth: malformed Basic credentials: no colon between user name and password"},
		{"cancelled", cancelledErr, "basicauth: password not checked: authn: cannot check credential now: context canceled"},
		{"queue full", a.errQueueFull,
			"basicauth: password not checked: authn: cannot check credential now: too many password checks at once: 1 running, 8 waiting (the most allowed)"},
		{"waited too long", a.errWaitedLong,
			"basicauth: password not checked: authn: cannot check credential now: too many password checks at once: waited 1s for a check slot"},
		{"bcrypt cost", badCost, "basicauth: <csv data>:1: bcrypt cost 3 out of range 4..31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.EqualError(t, tt.err, tt.want)
			for _, word := range []string{"basicauth:", "authn:", "bcrypt:", "malformed", "invalid"} {
				assert.LessOrEqual(t, strings.Count(tt.err.Error(), word), 1, word)
			}
		})
	}
	// The malformed errors still match both sentinels.
	err = authenticate("Basic !!!!")
	require.ErrorIs(t, err, authn.ErrMalformed)
	require.ErrorIs(t, err, authn.ErrInvalidCredentials)
	assert.NotErrorIs(t, err, authn.ErrUnavailable)
}

func TestParseFileErrorsNameThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "basic.csv")
	require.NoError(t, os.WriteFile(path, []byte("p,u,1\nsecret-x,,1\n"), 0o600))
	opts := quietOptions()
	opts.Path = path
	_, err := New(opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+":2: empty user name")
	assert.NotContains(t, err.Error(), "secret-x")
}

func TestParseAcceptedShapes(t *testing.T) {
	tests := []struct {
		name, data string
		users      map[string]authn.UserInfo
	}{
		{"empty file", "", map[string]authn.UserInfo{}},
		{"blank lines and CRLF", "\r\n\np1,u1,1\r\n\r\np2,u2,2,\"a,b\"\r\n", map[string]authn.UserInfo{
			"u1": {Name: "u1", UID: "1"}, "u2": {Name: "u2", UID: "2", Groups: []string{"a", "b"}}}},
		{"no trailing newline", "p,u,1", map[string]authn.UserInfo{"u": {Name: "u", UID: "1"}}},
		{"byte order mark", "\uFEFFp,u,1\n", map[string]authn.UserInfo{"u": {Name: "u", UID: "1"}}},
		{"spaces are kept, as in Kubernetes", " p, u, 1,\" a, b\"\n", map[string]authn.UserInfo{
			" u": {Name: " u", UID: " 1", Groups: []string{" a", " b"}}}},
		{"empty uid and groups", "p,u,,\n", map[string]authn.UserInfo{"u": {Name: "u"}}},
		{"only commas in groups", "p,u,1,\",,\"\n", map[string]authn.UserInfo{"u": {Name: "u", UID: "1"}}},
		{"extra columns ignored", "p,u,1,g,extra,more\n", map[string]authn.UserInfo{"u": {Name: "u", UID: "1", Groups: []string{"g"}}}},
		{"dollar without id is plaintext", "$ecret,u,1\n$,v,2\n$$,w,3\n$A$b,x,4\n", map[string]authn.UserInfo{
			"u": {Name: "u", UID: "1"}, "v": {Name: "v", UID: "2"}, "w": {Name: "w", UID: "3"}, "x": {Name: "x", UID: "4"}}},
		{"quoted newline in uid", "p,u,\"a\nb\"\n", map[string]authn.UserInfo{"u": {Name: "u", UID: "a\nb"}}},
		{"a row starting with # is a user, as in Kubernetes", "#p,u,1\n# p, v, 2\n", map[string]authn.UserInfo{
			"u": {Name: "u", UID: "1"}, " v": {Name: " v", UID: " 2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := NewFromCSV([]byte(tt.data), quietOptions())
			require.NoError(t, err)
			got := map[string]authn.UserInfo{}
			for name, r := range a.current().users {
				got[name] = r.resp.User
			}
			assert.Equal(t, tt.users, got)
		})
	}
}

func TestDuplicatesLaterRowWins(t *testing.T) {
	logger, logs := logBuffer()
	a, err := NewFromCSV([]byte("first-secret,u,1,a\nother,v,2\nsecond-secret,u,3,b\n"), Options{Logger: logger})
	require.NoError(t, err)
	resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "second-secret"))
	authntest.AssertUser(t, authn.UserInfo{Name: "u", UID: "3", Groups: []string{"b"}}, resp, ok, err)
	_, _, err = a.AuthenticateRequest(authntest.NewBasicRequest("u", "first-secret"))
	require.ErrorIs(t, err, authn.ErrInvalidCredentials)

	out := logs.String()
	assert.Contains(t, out, "duplicate user name")
	assert.Contains(t, out, "line=3 previous_line=1")
	assert.NotContains(t, out, "secret")
}

func TestPlaintextWarning(t *testing.T) {
	logger, logs := logBuffer()
	var rows strings.Builder
	rows.WriteString(hashBcrypt(t, "hashed-secret") + ",h,0\n")
	for i := range 12 {
		rows.WriteString("plain-secret-" + string(rune('a'+i)) + ",u" + string(rune('a'+i)) + ",1\n")
	}
	_, err := NewFromCSV([]byte(rows.String()), Options{Logger: logger})
	require.NoError(t, err)
	out := logs.String()
	assert.Equal(t, 10, strings.Count(out, "plaintext password in basic-auth file"), out)
	assert.Contains(t, out, "path=\"<csv data>\" line=2")
	assert.Contains(t, out, "more rows with plaintext passwords")
	assert.Contains(t, out, "count=2")
	assert.Contains(t, out, "authenticator=basicauth")
	assert.Contains(t, out, "users=13 plaintext=12 bcrypt=1 argon2id=0")
	assert.NotContains(t, out, "secret")
}

func TestCommentRowWarning(t *testing.T) {
	logger, logs := logBuffer()
	a, err := NewFromCSV([]byte("p,u,1\n#secret-pw,v,2\n"), Options{Logger: logger})
	require.NoError(t, err)
	resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("v", "#secret-pw"))
	authntest.AssertUser(t, authn.UserInfo{Name: "v", UID: "2"}, resp, ok, err)
	out := logs.String()
	assert.Contains(t, out, `level=WARN msg="row starts with \"#\": there are no comments, it is read as a user" authenticator=basicauth path="<csv data>" line=2`)
	assert.NotContains(t, out, "secret-pw")
}

func TestTypicalSpec(t *testing.T) {
	b4 := hashBcrypt(t, "x")
	b5, err := bcrypt.GenerateFromPassword([]byte("x"), 5)
	require.NoError(t, err)
	ar := hashArgon2(t, "x")
	tests := []struct {
		name string
		rows []string
		want spec
	}{
		{"empty", nil, spec{kind: kindPlain}},
		{"plaintext", []string{"p"}, spec{kind: kindPlain}},
		{"bcrypt majority", []string{"p", b4, b4}, spec{kind: kindBcrypt, bcryptCost: 4}},
		{"most common cost", []string{b4, string(b5), b4}, spec{kind: kindBcrypt, bcryptCost: 4}},
		{"tie goes to costlier", []string{b4, string(b5)}, spec{kind: kindBcrypt, bcryptCost: 5}},
		{"argon2id majority", []string{ar, ar, b4}, spec{kind: kindArgon2id, argon2: Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLength: 16, KeyLength: 32}}},
		{"kind tie goes to argon2id", []string{ar, b4}, spec{kind: kindArgon2id, argon2: Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLength: 16, KeyLength: 32}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data strings.Builder
			for i, pw := range tt.rows {
				data.WriteString("\"" + pw + "\",u" + string(rune('a'+i)) + ",1\n")
			}
			a, err := NewFromCSV([]byte(data.String()), quietOptions())
			require.NoError(t, err)
			d := a.current().dummy
			assert.Equal(t, tt.want, d.spec)
			if d.kind == kindBcrypt {
				c, err := bcrypt.Cost(d.bcrypt)
				require.NoError(t, err)
				assert.Equal(t, tt.want.bcryptCost, c)
				_, err = parseBcrypt(string(d.bcrypt))
				require.NoError(t, err, "the dummy is a well-formed hash, so it costs a full check")
			}
			assert.False(t, d.verify([]byte("x")))
		})
	}
}

func TestUnknownUserIsHashedToo(t *testing.T) {
	a, err := NewFromCSV([]byte(hashBcrypt(t, "pw")+",u,1\n"), quietOptions())
	require.NoError(t, err)
	n := countHashes(a)
	_, _, err = a.AuthenticateRequest(authntest.NewBasicRequest("nobody", "pw"))
	require.ErrorIs(t, err, authn.ErrInvalidCredentials)
	assert.Equal(t, int64(1), n.Load(), "an unknown user costs one dummy hash")
	_, _, err = a.AuthenticateRequest(authntest.NewBasicRequest("u", "wrong"))
	require.ErrorIs(t, err, authn.ErrInvalidCredentials)
	assert.Equal(t, int64(2), n.Load())
}

func TestCacheHitSkipsHash(t *testing.T) {
	for _, kind := range []string{"bcrypt", "argon2id"} {
		t.Run(kind, func(t *testing.T) {
			h := hashBcrypt(t, "pw")
			if kind == "argon2id" {
				h = hashArgon2(t, "pw")
			}
			a, err := NewFromCSV([]byte("\""+h+"\",u,1,g\n"), quietOptions())
			require.NoError(t, err)
			n := countHashes(a)
			want := authn.UserInfo{Name: "u", UID: "1", Groups: []string{"g"}}
			for range 3 {
				resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw"))
				authntest.AssertUser(t, want, resp, ok, err)
			}
			assert.Equal(t, int64(1), n.Load(), "hits skip the hash")

			// Failures are not cached: a typo costs a hash each time, and the
			// right password afterwards still works from the cache.
			for range 2 {
				_, _, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "pW"))
				require.ErrorIs(t, err, authn.ErrInvalidCredentials)
			}
			assert.Equal(t, int64(3), n.Load())
			resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw"))
			authntest.AssertUser(t, want, resp, ok, err)
			assert.Equal(t, int64(3), n.Load())
			assert.Equal(t, 1, a.current().cache.len())
		})
	}
}

func TestCacheNeverHoldsPassword(t *testing.T) {
	a, err := NewFromCSV([]byte(hashBcrypt(t, "the-password")+",u,1\n"), quietOptions())
	require.NoError(t, err)
	_, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "the-password"))
	require.NoError(t, err)
	require.True(t, ok)
	c := a.current().cache
	for k := range c.entries {
		assert.NotContains(t, string(k[:]), "the-password")
		assert.Equal(t, a.cacheKey("u", "the-password"), k)
	}
	assert.NotEqual(t, a.cacheKey("u", "the-password"), a.cacheKey("u\x00the", "-password"))
	b, err := NewFromCSV([]byte("p,u,1\n"), quietOptions())
	require.NoError(t, err)
	assert.NotEqual(t, a.cacheKey("u", "the-password"), b.cacheKey("u", "the-password"), "keys are per authenticator")
}

func TestCacheTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := NewFromCSV([]byte(hashBcrypt(t, "pw")+",u,1\n"), Options{CacheTTL: 30 * time.Second, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		n := countHashes(a)
		check := func() {
			t.Helper()
			resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw"))
			authntest.AssertUser(t, authn.UserInfo{Name: "u", UID: "1"}, resp, ok, err)
		}
		check()
		time.Sleep(29 * time.Second)
		check()
		assert.Equal(t, int64(1), n.Load(), "still cached")
		time.Sleep(time.Second)
		check()
		assert.Equal(t, int64(2), n.Load(), "expired after the TTL")
		time.Sleep(10 * time.Second)
		check()
		assert.Equal(t, int64(2), n.Load(), "cached again by the last check")
	})
}

func TestCacheIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var data strings.Builder
		for i := range 10 {
			data.WriteString(hashBcrypt(t, "pw") + ",u" + string(rune('0'+i)) + ",1\n")
		}
		a, err := NewFromCSV([]byte(data.String()), Options{MaxCacheEntries: 3, CacheTTL: time.Minute, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		for i := range 10 {
			_, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u"+string(rune('0'+i)), "pw"))
			require.NoError(t, err)
			require.True(t, ok)
			assert.LessOrEqual(t, a.current().cache.len(), 3)
			if i == 5 {
				time.Sleep(2 * time.Minute) // everything expires: the next put sweeps it all
			}
		}
		assert.Equal(t, 3, a.current().cache.len())
		a.current().cache.put(cacheKey{1}, nil, time.Now())
		assert.Equal(t, 3, a.current().cache.len())
	})
}

// TestConcurrentChecksBounded runs many wrong-password requests at once and
// checks that no more than MaxConcurrentChecks hashes run together, and
// that this many do.
func TestConcurrentChecksBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit, requests = 3, 20
		a, err := NewFromCSV([]byte(hashBcrypt(t, "pw")+",u,1\n"), Options{MaxConcurrentChecks: limit, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		var inFlight, peak, total atomic.Int64
		gate := make(chan struct{})
		a.beforeHash = func() {
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			<-gate
			total.Add(1)
			inFlight.Add(-1)
		}
		var wg sync.WaitGroup
		for i := range requests {
			wg.Go(func() {
				pw := "wrong"
				if i%2 == 0 {
					pw = "pw" // successes too, before any is cached
				}
				_, _, _ = a.AuthenticateRequest(authntest.NewBasicRequest("u", pw))
			})
		}
		synctest.Wait() // every goroutine is in a check slot or waiting for one
		assert.Equal(t, int64(limit), inFlight.Load())
		for range requests {
			gate <- struct{}{}
			synctest.Wait()
			assert.LessOrEqual(t, inFlight.Load(), int64(limit))
			if total.Load() == requests {
				break
			}
		}
		wg.Wait()
		assert.Equal(t, int64(limit), peak.Load())
	})
}

// TestWaitingRequestGivesUp: a request waiting for a check slot returns
// when its context ends, with an unavailable error, and never hashes.
func TestWaitingRequestGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := NewFromCSV([]byte(hashBcrypt(t, "pw")+",u,1\n"), Options{MaxConcurrentChecks: 1, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		gate := make(chan struct{})
		var hashes atomic.Int64
		a.beforeHash = func() { hashes.Add(1); <-gate }
		go func() { _, _, _ = a.AuthenticateRequest(authntest.NewBasicRequest("u", "wrong")) }()
		synctest.Wait()
		require.Equal(t, int64(1), hashes.Load())

		// A deadline before MaxQueueWait (default one second): the
		// request's own context ends the wait.
		ctx, cancel := context.WithTimeout(t.Context(), DefaultMaxQueueWait/2)
		defer cancel()
		r := authntest.NewBasicRequest("u", "pw").WithContext(ctx)
		resp, ok, err := a.AuthenticateRequest(r)
		authntest.CheckOutcome(t, resp, ok, err)
		require.ErrorIs(t, err, authn.ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, authn.ErrInvalidCredentials)
		assert.True(t, authn.IsUnavailable(err))
		assert.Equal(t, int64(1), hashes.Load(), "the waiting request never hashed")
		close(gate)
	})
}

// blockHashes makes every hash wait until the returned release function is
// called, and counts hashes started.
func blockHashes(a *Authenticator) (started *atomic.Int64, release func()) {
	gate := make(chan struct{})
	started = new(atomic.Int64)
	a.beforeHash = func() { started.Add(1); <-gate }
	return started, sync.OnceFunc(func() { close(gate) })
}

// result is one request's outcome, from a goroutine.
type result struct {
	resp *authn.Response
	ok   bool
	err  error
}

// authenticateAsync runs one request on a goroutine; its outcome arrives
// on the returned channel.
func authenticateAsync(a *Authenticator, user, password string) <-chan result {
	done := make(chan result, 1)
	go func() {
		resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest(user, password))
		done <- result{resp, ok, err}
	}()
	return done
}

// TestFloodFillsQueue: a flood of wrong passwords fills every check slot
// and the queue; the next request is refused at once as unavailable (a 503
// through the middleware) without hashing, while a user whose login is
// cached still gets in without waiting.
func TestFloodFillsQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const slots, queue = 2, 3
		data := hashBcrypt(t, "u-pw") + ",u,1\n" + hashBcrypt(t, "v-pw") + ",v,2,ops\n"
		a, err := NewFromCSV([]byte(data), Options{MaxConcurrentChecks: slots, MaxQueuedChecks: queue, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		wantV := authn.UserInfo{Name: "v", UID: "2", Groups: []string{"ops"}}
		resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("v", "v-pw")) // now cached
		authntest.AssertUser(t, wantV, resp, ok, err)

		hashes, release := blockHashes(a)
		defer release()
		var flood []<-chan result
		for i := range slots + queue {
			flood = append(flood, authenticateAsync(a, "u", fmt.Sprintf("wrong-%d", i)))
		}
		synctest.Wait()
		require.Equal(t, int64(slots), hashes.Load(), "every slot hashing")
		require.Equal(t, int64(queue), a.queued.Load(), "the queue is full")

		start := time.Now() // the bubble's clock: it moves only when every goroutine waits on time
		for _, user := range []string{"u", "nobody"} {
			done := authenticateAsync(a, user, "u-pw")
			synctest.Wait()
			var r result
			select {
			case r = <-done:
			default:
				t.Fatalf("%s: the request past a full queue waits instead of being refused", user)
			}
			authntest.CheckOutcome(t, r.resp, r.ok, r.err)
			require.ErrorIs(t, r.err, authn.ErrUnavailable)
			require.ErrorIs(t, r.err, errBusy)
			assert.True(t, authn.IsUnavailable(r.err))
			assert.NotErrorIs(t, r.err, authn.ErrInvalidCredentials, "the password was never judged")
			assert.Equal(t, "basicauth: password not checked: authn: cannot check credential now: "+
				"too many password checks at once: 2 running, 3 waiting (the most allowed)", r.err.Error())
		}

		// Through the middleware: 503 with Retry-After, not 401.
		h := authn.Middleware(a, authn.MiddlewareOptions{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			t.Error("the handler ran")
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, authntest.NewBasicRequest("u", "u-pw"))
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.NotEmpty(t, rec.Header().Get("Retry-After"))

		// The cached login needs no slot: it gets in during the flood.
		resp, ok, err = a.AuthenticateRequest(authntest.NewBasicRequest("v", "v-pw"))
		authntest.AssertUser(t, wantV, resp, ok, err)
		assert.Equal(t, start, time.Now(), "nothing above waited")
		assert.Equal(t, int64(slots), hashes.Load(), "refused and cached requests never hash")

		release()
		for _, done := range flood {
			r := <-done
			authntest.CheckOutcome(t, r.resp, r.ok, r.err)
			require.ErrorIs(t, r.err, authn.ErrInvalidCredentials, "queued requests are served once slots free")
		}
		assert.Equal(t, int64(slots+queue), hashes.Load())
		assert.Zero(t, a.queued.Load())
	})
}

// TestQueueWaitBound: a request waiting for a check slot gives up after
// MaxQueueWait with an unavailable error, even if its own context has no
// deadline, and never hashes.
func TestQueueWaitBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const wait = 3 * time.Second
		a, err := NewFromCSV([]byte(hashBcrypt(t, "pw")+",u,1\n"), Options{MaxConcurrentChecks: 1, MaxQueueWait: wait, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		hashes, release := blockHashes(a)
		defer release()
		busy := authenticateAsync(a, "u", "wrong")
		synctest.Wait()
		waiting := authenticateAsync(a, "u", "pw")
		synctest.Wait()
		require.Equal(t, int64(1), a.queued.Load())

		time.Sleep(wait - time.Millisecond)
		synctest.Wait()
		select {
		case r := <-waiting:
			t.Fatalf("gave up before MaxQueueWait: %v", r.err)
		default:
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		var r result
		select {
		case r = <-waiting:
		default:
			t.Fatal("still waiting after MaxQueueWait")
		}
		authntest.CheckOutcome(t, r.resp, r.ok, r.err)
		require.ErrorIs(t, r.err, authn.ErrUnavailable)
		require.ErrorIs(t, r.err, errBusy)
		assert.NotErrorIs(t, r.err, context.DeadlineExceeded, "the request's own context did not end")
		assert.Contains(t, r.err.Error(), "waited 3s for a check slot")
		assert.Equal(t, int64(1), hashes.Load(), "the request that gave up never hashed")
		assert.Zero(t, a.queued.Load())

		release()
		r = <-busy
		require.ErrorIs(t, r.err, authn.ErrInvalidCredentials)
	})
}

// TestNoQueue: with a negative MaxQueuedChecks, a request that finds every
// slot busy is refused at once.
func TestNoQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := NewFromCSV([]byte(hashBcrypt(t, "pw")+",u,1\n"), Options{MaxConcurrentChecks: 1, MaxQueuedChecks: -1, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		hashes, release := blockHashes(a)
		busy := authenticateAsync(a, "u", "wrong")
		synctest.Wait()
		resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw"))
		authntest.CheckOutcome(t, resp, ok, err)
		require.ErrorIs(t, err, errBusy)
		require.ErrorIs(t, err, authn.ErrUnavailable)
		assert.Contains(t, err.Error(), "1 running, 0 waiting")
		assert.Equal(t, int64(1), hashes.Load())
		release()
		require.ErrorIs(t, (<-busy).err, authn.ErrInvalidCredentials)

		// With the slot free again, the same request is checked.
		resp, ok, err = a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw"))
		authntest.AssertUser(t, authn.UserInfo{Name: "u", UID: "1"}, resp, ok, err)
	})
}

func TestQueueDefaults(t *testing.T) {
	a, err := NewFromCSV([]byte("p,u,1\n"), Options{MaxConcurrentChecks: 3})
	require.NoError(t, err)
	assert.Equal(t, int64(3*DefaultQueuedChecksPerSlot), a.maxQueued)
	assert.Equal(t, DefaultMaxQueueWait, a.maxWait)
	a, err = NewFromCSV([]byte("p,u,1\n"), Options{MaxConcurrentChecks: 3, MaxQueuedChecks: 5, MaxQueueWait: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, int64(5), a.maxQueued)
	assert.Equal(t, time.Minute, a.maxWait)
}

func TestCancelledRequestIsNotHashed(t *testing.T) {
	a, err := NewFromCSV([]byte(hashBcrypt(t, "pw")+",u,1\n"+"plain,p,2\n"), quietOptions())
	require.NoError(t, err)
	n := countHashes(a)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw").WithContext(ctx))
	require.False(t, ok)
	require.ErrorIs(t, err, authn.ErrUnavailable)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, n.Load())

	// A cached success needs no hashing, so it is served even then.
	_, ok, err = a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw"))
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = a.AuthenticateRequest(authntest.NewBasicRequest("u", "pw").WithContext(ctx))
	require.NoError(t, err)
	assert.True(t, ok)
	// So is a plaintext row, which takes no hash.
	_, ok, err = a.AuthenticateRequest(authntest.NewBasicRequest("p", "plain").WithContext(ctx))
	require.NoError(t, err)
	assert.True(t, ok)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(data), 0o600))
	require.NoError(t, os.Rename(tmp, path)) // atomic, as editors and kubelet do
}

func TestReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "basic.csv")
	writeFile(t, path, hashBcrypt(t, "old-pw")+",u,1,old\n")
	var errs []error
	var mu sync.Mutex
	a, err := New(Options{FileOptions: authn.FileOptions{Path: path, Interval: -1, OnError: func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer func() { require.NoError(t, a.Close()) }()

	authOK := func(password string, want authn.UserInfo) {
		t.Helper()
		resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", password))
		authntest.AssertUser(t, want, resp, ok, err)
	}
	authFail := func(password string) {
		t.Helper()
		resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", password))
		authntest.CheckOutcome(t, resp, ok, err)
		require.ErrorIs(t, err, authn.ErrInvalidCredentials)
	}
	authOK("old-pw", authn.UserInfo{Name: "u", UID: "1", Groups: []string{"old"}}) // and cached

	writeFile(t, path, "\""+hashArgon2(t, "new-pw")+"\",u,2,new\n")
	require.NoError(t, a.Reload())
	authOK("new-pw", authn.UserInfo{Name: "u", UID: "2", Groups: []string{"new"}})
	authFail("old-pw") // the cached success went with the old table

	writeFile(t, path, "new-pw,u,3\nbroken-secret,,4\n")
	err = a.Reload()
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+":2: empty user name")
	assert.NotContains(t, err.Error(), "broken-secret")
	authOK("new-pw", authn.UserInfo{Name: "u", UID: "2", Groups: []string{"new"}}) // old table still serves
	mu.Lock()
	require.Len(t, errs, 1)
	assert.Equal(t, err, errs[0])
	mu.Unlock()

	require.NoError(t, os.Remove(path))
	require.Error(t, a.Reload())
	authOK("new-pw", authn.UserInfo{Name: "u", UID: "2", Groups: []string{"new"}})
}

// TestEmptyFileWarns: a password file without users is valid, as the
// Kubernetes token file is (emptying it locks everyone out at once), and
// replaces the table on reload, but is logged at Warn, at start and on
// reload.
func TestEmptyFileWarns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "basic.csv")
	writeFile(t, path, "")
	logger, logs := logBuffer()
	reloaded := make(chan struct{}, 10)
	a, err := New(Options{
		FileOptions: authn.FileOptions{Path: path, Interval: -1, OnReload: func() { reloaded <- struct{}{} }},
		Logger:      logger,
	})
	require.NoError(t, err)
	defer func() { require.NoError(t, a.Close()) }()
	waitReload := func() {
		t.Helper()
		select {
		case <-reloaded:
		case <-time.After(10 * time.Second):
			t.Fatal("no reload after the file changed")
		}
	}
	seen := 0
	// next returns what was logged since the last call.
	next := func() string {
		out := logs.String()
		defer func() { seen = len(out) }()
		return out[seen:]
	}
	const empty = `level=WARN msg="basic-auth file has no users: every Basic credential is refused" authenticator=basicauth path=`
	out := next()
	assert.Contains(t, out, empty+path+" users=0 plaintext=0 bcrypt=0 argon2id=0\n", "at start")
	assert.NotContains(t, out, "level=INFO")

	writeFile(t, path, "pw-a,a,1\npw-b,b,2\n")
	waitReload()
	out = next()
	assert.Contains(t, out, `level=INFO msg="loaded basic-auth file" authenticator=basicauth path=`+path+" users=2 plaintext=2 bcrypt=0 argon2id=0 previous_users=0\n")
	assert.NotContains(t, out, empty)

	require.NoError(t, os.Truncate(path, 0))
	waitReload()
	out = next()
	assert.Contains(t, out, empty+path+" users=0 plaintext=0 bcrypt=0 argon2id=0 previous_users=2\n", "on reload")
	assert.NotContains(t, out, "level=INFO")
	_, _, err = a.AuthenticateRequest(authntest.NewBasicRequest("a", "pw-a"))
	require.ErrorIs(t, err, authn.ErrInvalidCredentials, "the empty table replaced the old one")
}

// TestWatcher changes the file on disk and waits for the watcher to load it.
func TestWatcher(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "basic.csv")
	writeFile(t, path, "one,u,1\n")
	reloaded := make(chan struct{}, 10)
	errs := make(chan error, 10)
	a, err := New(Options{
		FileOptions: authn.FileOptions{
			Path:     path,
			Interval: 50 * time.Millisecond,
			OnError:  func(err error) { errs <- err },
			OnReload: func() { reloaded <- struct{}{} },
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)

	writeFile(t, path, "two,u,2\n")
	select {
	case <-reloaded:
	case <-time.After(10 * time.Second):
		t.Fatal("no reload after the file changed")
	}
	resp, ok, err := a.AuthenticateRequest(authntest.NewBasicRequest("u", "two"))
	authntest.AssertUser(t, authn.UserInfo{Name: "u", UID: "2"}, resp, ok, err)
	_, _, err = a.AuthenticateRequest(authntest.NewBasicRequest("u", "one"))
	require.ErrorIs(t, err, authn.ErrInvalidCredentials)

	writeFile(t, path, "x\n")
	select {
	case err := <-errs:
		assert.Contains(t, err.Error(), path+":1: need at least 3 columns")
	case <-time.After(10 * time.Second):
		t.Fatal("no error after the file broke")
	}
	resp, ok, err = a.AuthenticateRequest(authntest.NewBasicRequest("u", "two"))
	authntest.AssertUser(t, authn.UserInfo{Name: "u", UID: "2"}, resp, ok, err)

	require.NoError(t, a.Close())
	require.NoError(t, a.Close(), "Close is idempotent")
	// goleak (TestMain) checks that the watcher goroutine is gone.
}

func TestParseBasicRoundTrip(t *testing.T) {
	for _, userPass := range []string{"u:p", "u:", "u::", "ü:p:q", "u:" + strings.Repeat("p", MaxCredentialsLength-2)} {
		enc := base64.StdEncoding.EncodeToString([]byte(userPass))
		user, password, found, err := parseBasic("Basic " + enc)
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, userPass, user+":"+password)
	}
}
