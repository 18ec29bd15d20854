package tokenfile

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
	"github.com/authnkit/authnkit/internal/reload/reloadtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newTestAuthenticator(t testing.TB, content string) *Authenticator {
	t.Helper()
	a, err := NewFromCSV(strings.NewReader(content))
	require.NoError(t, err)
	return a
}

func TestAuthenticateToken(t *testing.T) {
	a := newTestAuthenticator(t, "s3cret,alice,1001,\"admins,dev\"\n"+hashed("h1dden")+",bob,1002\n")
	tests := []struct {
		name, token string
		wantUser    *authn.UserInfo
	}{
		{name: "known", token: "s3cret", wantUser: user("alice", "1001", "admins", "dev")},
		{name: "known hashed", token: "h1dden", wantUser: userNoGroups("bob", "1002")},
		{name: "unknown is no opinion", token: "nope"},
		{name: "empty is no opinion", token: ""},
		{name: "hash itself is no opinion", token: hashed("h1dden")},
		{name: "too long is no opinion", token: strings.Repeat("s", authn.MaxTokenBytes+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, ok, err := a.AuthenticateToken(t.Context(), tt.token)
			if tt.wantUser == nil {
				authntest.CheckOutcome(t, resp, ok, err)
				require.NoError(t, err)
				require.False(t, ok)
				return
			}
			authntest.AssertUser(t, *tt.wantUser, resp, ok, err)
			assert.Equal(t, authn.Response{User: *tt.wantUser}, *resp)
		})
	}
}

func TestSharedResponse(t *testing.T) {
	a := newTestAuthenticator(t, "s3cret,alice,1001\n")
	r1, _, _ := a.AuthenticateToken(t.Context(), "s3cret")
	r2, _, _ := a.AuthenticateToken(t.Context(), "s3cret")
	assert.Same(t, r1, r2, "one pre-built response per row")
}

func TestStaticCloseAndReload(t *testing.T) {
	a := newTestAuthenticator(t, "s3cret,alice,1001\n")
	require.NoError(t, a.Reload())
	require.NoError(t, a.Close())
	require.NoError(t, a.Close())
	_, ok, _ := a.AuthenticateToken(t.Context(), "s3cret")
	assert.True(t, ok)
}

// reloadEvents collects the callbacks of an Authenticator made by New.
type reloadEvents struct{ *reloadtest.Events }

func newReloadEvents() *reloadEvents { return &reloadEvents{reloadtest.NewEvents()} }

// watchTokens starts a reloading Authenticator on path; the caller closes
// it.
func watchTokens(t *testing.T, path string) (*Authenticator, *reloadEvents) {
	t.Helper()
	ev := newReloadEvents()
	a, err := New(ev.options(path))
	require.NoError(t, err)
	return a, ev
}

func (e *reloadEvents) options(path string) Options {
	return Options{
		FileOptions: authn.FileOptions{
			Path:     path,
			Interval: -1, // fsnotify only: the periodic path is tested in internal/reload
			OnReload: e.OnReload,
			OnError:  e.OnError,
		},
		Logger: slog.New(slog.DiscardHandler),
	}
}

func assertToken(t *testing.T, a *Authenticator, token string, want *authn.UserInfo) {
	t.Helper()
	resp, ok, err := a.AuthenticateToken(t.Context(), token)
	if want == nil {
		authntest.CheckOutcome(t, resp, ok, err)
		assert.False(t, ok, "token must not authenticate")
		return
	}
	authntest.AssertUser(t, *want, resp, ok, err)
}

func TestReloadOnChange(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := writeTokenFile(t, "old-token,alice,1001,dev\n")
	a, ev := watchTokens(t, path)
	defer a.Close()
	assertToken(t, a, "old-token", user("alice", "1001", "dev"))

	reloadtest.Replace(t, path, "new-token,bob,1002,ops\n"+hashed("new-hashed")+",carol,1003\n")
	ev.WaitReload(t)
	assertToken(t, a, "new-token", user("bob", "1002", "ops"))
	assertToken(t, a, "new-hashed", userNoGroups("carol", "1003"))
	assertToken(t, a, "old-token", nil)

	// Written in place (not atomically) works too.
	require.NoError(t, os.WriteFile(path, []byte("third,dave,1004\n"), 0o600))
	ev.WaitReload(t)
	assertToken(t, a, "third", userNoGroups("dave", "1004"))
	assertToken(t, a, "new-token", nil)
}

func TestReloadBrokenKeepsOld(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := writeTokenFile(t, "old-token,alice,1001\n")
	a, ev := watchTokens(t, path)
	defer a.Close()

	reloadtest.Replace(t, path, "new-token,bob,1002\nSECRET-broken,carol\n")
	err := ev.WaitError(t)
	require.EqualError(t, err, "tokenfile: "+path+":2: need at least 3 columns (token,user,uid), got 2")
	assert.NotContains(t, err.Error(), "SECRET")
	assertToken(t, a, "old-token", userNoGroups("alice", "1001"))
	assertToken(t, a, "new-token", nil)

	// Reload reports the same failure to its caller and to OnError.
	require.EqualError(t, a.Reload(), err.Error())
	require.EqualError(t, ev.WaitError(t), err.Error())
	assertToken(t, a, "old-token", userNoGroups("alice", "1001"))

	reloadtest.Replace(t, path, "new-token,bob,1002\n")
	ev.WaitReload(t)
	assertToken(t, a, "new-token", userNoGroups("bob", "1002"))
	assertToken(t, a, "old-token", nil)
}

func TestReloadDeletedAndRestored(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := writeTokenFile(t, "old-token,alice,1001\n")
	a, ev := watchTokens(t, path)
	defer a.Close()

	require.NoError(t, os.Remove(path))
	err := ev.WaitError(t)
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), path)
	assertToken(t, a, "old-token", userNoGroups("alice", "1001"))

	require.NoError(t, os.WriteFile(path, []byte("restored,bob,1002\n"), 0o600))
	ev.WaitReload(t)
	assertToken(t, a, "restored", userNoGroups("bob", "1002"))
	assertToken(t, a, "old-token", nil)
}

func TestNewErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	_, err := New(Options{FileOptions: authn.FileOptions{Path: filepath.Join(dir, "missing.csv")}, Logger: slog.New(slog.DiscardHandler)})
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "tokenfile: ")
	assert.Contains(t, err.Error(), filepath.Join(dir, "missing.csv"))

	path := writeTokenFile(t, strings.Repeat("t,u,1\n", 100))
	_, err = New(Options{FileOptions: authn.FileOptions{Path: path, MaxSize: 100}, Logger: slog.New(slog.DiscardHandler)})
	require.ErrorContains(t, err, path)
	require.ErrorContains(t, err, "limit of 100")

	_, err = New(Options{FileOptions: authn.FileOptions{Path: path, MaxSize: -1}})
	require.Error(t, err)

	_, err = New(Options{})
	require.ErrorContains(t, err, "tokenfile: empty file path", "Path is required")
}

func TestConcurrentAuthenticateDuringReload(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := writeTokenFile(t, "stable,alice,1001\nv0,bob,0\n")
	a, err := New(Options{FileOptions: authn.FileOptions{Path: path, Interval: -1}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer a.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, ok, err := a.AuthenticateToken(t.Context(), "stable")
				if !ok || err != nil || resp.User.Name != "alice" {
					t.Error("stable token failed during reload")
					return
				}
			}
		})
	}
	for i := range 50 {
		reloadtest.Replace(t, path, "stable,alice,1001\nv"+strconv.Itoa(i)+",bob,0\n")
		require.NoError(t, a.Reload())
	}
	close(stop)
	wg.Wait()
}

func TestAllocs(t *testing.T) {
	ctx := t.Context()
	plain := newTestAuthenticator(t, "s3cret,alice,1001,\"admins,dev\"\n")
	mixed := newTestAuthenticator(t, "s3cret,alice,1001\n"+hashed("h1dden-token-longer-than-32-bytes-0123456789")+",bob,1002\n")
	for _, tc := range []struct {
		name  string
		a     *Authenticator
		token string
	}{
		{"plaintext hit", plain, "s3cret"},
		{"miss without hashed rows", plain, "absent"},
		{"plaintext hit with hashed rows", mixed, "s3cret"},
		{"hashed hit", mixed, "h1dden-token-longer-than-32-bytes-0123456789"},
		{"miss with hashed rows", mixed, "absent-token-longer-than-32-bytes-0123456789"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() {
				_, _, _ = tc.a.AuthenticateToken(ctx, tc.token)
			})
			assert.Zero(t, allocs)
		})
	}
}

// newBenchAuthenticator builds a table of n plaintext tokens "tok-<i>" and,
// with hashedRows, n hashed tokens "hid-<i>".
func newBenchAuthenticator(b *testing.B, n int, hashedRows bool) *Authenticator {
	b.Helper()
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "tok-%d-0123456789abcdef0123456789abcdef,user%d,%d,\"system:authenticated,group%d\"\n", i, i, i, i%7)
		if hashedRows {
			fmt.Fprintf(&sb, "%s,huser%d,%d\n", hashed(fmt.Sprintf("hid-%d-0123456789abcdef0123456789abcdef", i)), i, i)
		}
	}
	return newTestAuthenticator(b, sb.String())
}

func BenchmarkAuthenticateToken(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		for _, hashedRows := range []bool{false, true} {
			a := newBenchAuthenticator(b, n, hashedRows)
			cases := []struct{ name, token string }{
				{"hit", fmt.Sprintf("tok-%d-0123456789abcdef0123456789abcdef", n/2)},
				{"miss", "absent-0123456789abcdef0123456789abcdef"},
			}
			if hashedRows {
				cases = append(cases, struct{ name, token string }{"hashed_hit", fmt.Sprintf("hid-%d-0123456789abcdef0123456789abcdef", n/2)})
			}
			for _, bc := range cases {
				name := fmt.Sprintf("n=%d/hashed_rows=%t/%s", n, hashedRows, bc.name)
				b.Run(name+"/serial", func(b *testing.B) {
					ctx := b.Context()
					b.ReportAllocs()
					for b.Loop() {
						_, _, _ = a.AuthenticateToken(ctx, bc.token)
					}
				})
				b.Run(name+"/parallel", func(b *testing.B) {
					ctx := b.Context()
					b.ReportAllocs()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							_, _, _ = a.AuthenticateToken(ctx, bc.token)
						}
					})
				})
			}
		}
	}
}

func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&sb, "tok-%d,user%d,%d,\"system:authenticated,group%d\"\n", i, i, i, i%7)
	}
	data := []byte(sb.String())
	logger := slog.New(slog.DiscardHandler)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := parse(b.Context(), "bench", data, logger); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEmptyFileWarns: a file without tokens is valid, as in Kubernetes (so
// emptying it revokes every token), and replaces the table on reload, but
// is logged at Warn, at start and on reload, never at Info.
func TestEmptyFileWarns(t *testing.T) {
	defer goleak.VerifyNone(t)
	logs := &lockedBuffer{}
	path := writeTokenFile(t, "")
	ev := newReloadEvents()
	opts := ev.options(path)
	opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	a, err := New(opts)
	require.NoError(t, err)
	defer a.Close()

	type entry struct {
		Level, Msg     string
		Tokens         int
		PreviousTokens *int `json:"previous_tokens"`
	}
	// last returns the last log line and forgets what was logged.
	last := func() entry {
		t.Helper()
		lines := strings.Split(strings.TrimSpace(logs.take()), "\n")
		var e entry
		require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &e))
		return e
	}
	const emptyMsg = "token file has no tokens: no bearer token is accepted from it"
	assert.Equal(t, entry{Level: "WARN", Msg: emptyMsg}, last(), "at start")

	reloadtest.Replace(t, path, "tok1,alice,1\ntok2,bob,2\n")
	ev.WaitReload(t)
	assertToken(t, a, "tok1", userNoGroups("alice", "1"))
	assert.Equal(t, entry{Level: "INFO", Msg: "loaded", Tokens: 2, PreviousTokens: new(0)}, last())

	// Truncated to empty: valid, replaces the two tokens, loudly.
	require.NoError(t, os.Truncate(path, 0))
	ev.WaitReload(t)
	assertToken(t, a, "tok1", nil)
	assert.Equal(t, entry{Level: "WARN", Msg: emptyMsg, PreviousTokens: new(2)}, last(), "on reload")

	// Rows that yield no token count as empty too.
	reloadtest.Replace(t, path, "\n,alice,1\n")
	ev.WaitReload(t)
	assert.Equal(t, entry{Level: "WARN", Msg: emptyMsg, PreviousTokens: new(0)}, last())
}

// lockedBuffer is a log destination that the watcher goroutine and the
// test may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// take returns what was written and empties the buffer.
func (b *lockedBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// TestErrorTextSaidOnce: errors from New, Reload and NewFromCSV say
// "tokenfile:" once, whichever layer made them.
func TestErrorTextSaidOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := writeTokenFile(t, "tok1,alice,1\n")
	ev := newReloadEvents()
	opts := ev.options(path)
	opts.MaxSize = 64
	a, err := New(opts)
	require.NoError(t, err)
	defer a.Close()

	var errs []error
	for _, content := range []string{"tok1;alice;1\n", strings.Repeat("x", 65), "a\"b,c,d\n"} {
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		errs = append(errs, a.Reload())
	}
	require.NoError(t, os.Remove(path))
	errs = append(errs, a.Reload())
	_, err = New(Options{FileOptions: authn.FileOptions{Path: path}})
	errs = append(errs, err)
	_, err = NewFromCSV(strings.NewReader("#x\n"))
	errs = append(errs, err)
	for _, err := range errs {
		require.Error(t, err)
		assert.Equal(t, 1, strings.Count(err.Error(), "tokenfile:"), err.Error())
		assert.True(t, strings.HasPrefix(err.Error(), "tokenfile: "), err.Error())
	}
}
