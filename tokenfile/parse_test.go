package tokenfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// hashed returns the token column for a hashed row of token.
func hashed(token string) string {
	sum := sha256.Sum256([]byte(token))
	return HashPrefix + hex.EncodeToString(sum[:])
}

// lookup is one token presented to a parsed table, and the user it must
// give (nil: no opinion).
type lookup struct {
	token string
	want  *authn.UserInfo
}

func user(name, uid string, groups ...string) *authn.UserInfo {
	return &authn.UserInfo{Name: name, UID: uid, Groups: groups}
}

// userNoGroups is a user without a groups column: Groups is nil, not empty.
func userNoGroups(name, uid string) *authn.UserInfo {
	return &authn.UserInfo{Name: name, UID: uid}
}

// parseCases are the table tests of the format; FuzzParse is seeded from
// them.
var parseCases = []struct {
	name    string
	csv     string
	lookups []lookup
}{
	{
		name: "four columns with quoted groups",
		csv:  "s3cret,alice,1001,\"admins,dev\"\n",
		lookups: []lookup{
			{"s3cret", user("alice", "1001", "admins", "dev")},
			{"S3CRET", nil}, {"s3cre", nil}, {"s3cret ", nil}, {"", nil}, {"alice", nil},
		},
	},
	{
		name:    "three columns: no groups",
		csv:     "tok1,bob,1002\n",
		lookups: []lookup{{"tok1", userNoGroups("bob", "1002")}},
	},
	{
		name:    "unquoted fourth column is one group",
		csv:     "tok1,bob,1002,dev\n",
		lookups: []lookup{{"tok1", user("bob", "1002", "dev")}},
	},
	{
		name:    "empty fourth column is one empty group, as in Kubernetes",
		csv:     "tok1,bob,1002,\n",
		lookups: []lookup{{"tok1", user("bob", "1002", "")}},
	},
	{
		name:    "groups are not trimmed and empty ones are kept",
		csv:     "tok1,bob,1002,\"a, b,,c \"\n",
		lookups: []lookup{{"tok1", user("bob", "1002", "a", " b", "", "c ")}},
	},
	{
		name:    "no column is trimmed",
		csv:     "tok1, bob , 1002\n",
		lookups: []lookup{{"tok1", userNoGroups(" bob ", " 1002")}},
	},
	{
		name:    "white space around the token is part of it",
		csv:     " tok1 ,bob,1002\n",
		lookups: []lookup{{" tok1 ", userNoGroups("bob", "1002")}, {"tok1", nil}},
	},
	{
		name:    "columns after the fourth are ignored",
		csv:     "tok1,bob,1002,dev,extra,\"more,stuff\"\n",
		lookups: []lookup{{"tok1", user("bob", "1002", "dev")}},
	},
	{
		name:    "rows of different lengths",
		csv:     "tok1,bob,1002\ntok2,carol,1003,ops,x\n",
		lookups: []lookup{{"tok1", userNoGroups("bob", "1002")}, {"tok2", user("carol", "1003", "ops")}},
	},
	{
		name:    "blank lines are skipped",
		csv:     "\n\ntok1,bob,1002\n\n\ntok2,carol,1003\n\n",
		lookups: []lookup{{"tok1", userNoGroups("bob", "1002")}, {"tok2", userNoGroups("carol", "1003")}},
	},
	{
		name:    "CRLF line ends",
		csv:     "tok1,bob,1002,\"a,b\"\r\ntok2,carol,1003\r\n",
		lookups: []lookup{{"tok1", user("bob", "1002", "a", "b")}, {"tok2", userNoGroups("carol", "1003")}},
	},
	{
		name:    "no final newline",
		csv:     "tok1,bob,1002",
		lookups: []lookup{{"tok1", userNoGroups("bob", "1002")}},
	},
	{
		name:    "empty file",
		csv:     "",
		lookups: []lookup{{"tok1", nil}, {"", nil}},
	},
	{
		name:    "later duplicate wins",
		csv:     "tok1,bob,1002\ntok1,mallory,666,evil\n",
		lookups: []lookup{{"tok1", user("mallory", "666", "evil")}},
	},
	{
		name:    "row with empty token is skipped",
		csv:     ",nobody,0\n\"\",nobody,0,admins\ntok1,bob,1002\n",
		lookups: []lookup{{"", nil}, {"tok1", userNoGroups("bob", "1002")}},
	},
	{
		name:    "a row starting with # of three columns is a token, as in Kubernetes",
		csv:     "#tok1,bob,1002\n# tok2,carol,1003\n",
		lookups: []lookup{{"#tok1", userNoGroups("bob", "1002")}, {"tok1", nil}, {"# tok2", userNoGroups("carol", "1003")}},
	},
	{
		name:    "empty user name and uid are accepted",
		csv:     "tok1,,\n",
		lookups: []lookup{{"tok1", userNoGroups("", "")}},
	},
	{
		name:    "quoted token with comma, quote and newline",
		csv:     "\"to,k\"\"1\n\",bob,1002\n",
		lookups: []lookup{{"to,k\"1\n", userNoGroups("bob", "1002")}, {"to", nil}},
	},
	{
		name:    "quoted groups over several lines",
		csv:     "tok1,bob,1002,\"a,\nb\"\ntok2,carol,1003\n",
		lookups: []lookup{{"tok1", user("bob", "1002", "a", "\nb")}, {"tok2", userNoGroups("carol", "1003")}},
	},
	{
		name:    "non-UTF-8 bytes are kept",
		csv:     "tok\xff,b\xe9b,1002,gr\xfcp\n",
		lookups: []lookup{{"tok\xff", user("b\xe9b", "1002", "gr\xfcp")}},
	},
	{
		name:    "byte order mark is part of the first token",
		csv:     "\uFEFFtok1,bob,1002\ntok2,carol,1003\n",
		lookups: []lookup{{"\uFEFFtok1", userNoGroups("bob", "1002")}, {"tok1", nil}, {"tok2", userNoGroups("carol", "1003")}},
	},
	{
		name: "hashed row",
		csv:  hashed("s3cret") + ",alice,1001,\"admins,dev\"\n",
		lookups: []lookup{
			{"s3cret", user("alice", "1001", "admins", "dev")},
			{hashed("s3cret"), nil},
			{strings.TrimPrefix(hashed("s3cret"), HashPrefix), nil},
			{"s3cret2", nil}, {"", nil},
		},
	},
	{
		name:    "hashed row in upper-case hex",
		csv:     HashPrefix + strings.ToUpper(strings.TrimPrefix(hashed("s3cret"), HashPrefix)) + ",alice,1001\n",
		lookups: []lookup{{"s3cret", userNoGroups("alice", "1001")}},
	},
	{
		name: "plain and hashed rows together",
		csv:  "plain1,bob,1002\n" + hashed("hidden1") + ",alice,1001\n",
		lookups: []lookup{
			{"plain1", userNoGroups("bob", "1002")}, {"hidden1", userNoGroups("alice", "1001")},
			{hashed("plain1"), nil}, {"nope", nil},
		},
	},
	{
		name:    "later hashed duplicate wins",
		csv:     hashed("t") + ",bob,1\n" + hashed("t") + ",carol,2\n",
		lookups: []lookup{{"t", userNoGroups("carol", "2")}},
	},
	{
		name:    "hashed row after the same plain token wins",
		csv:     "t,bob,1\n" + hashed("t") + ",carol,2\n",
		lookups: []lookup{{"t", userNoGroups("carol", "2")}},
	},
	{
		name:    "plain row after the same hashed token wins",
		csv:     hashed("t") + ",carol,2\nt,bob,1\n",
		lookups: []lookup{{"t", userNoGroups("bob", "1")}},
	},
	{
		name:    "token at the length limit",
		csv:     strings.Repeat("x", authn.MaxTokenBytes) + ",bob,1\n",
		lookups: []lookup{{strings.Repeat("x", authn.MaxTokenBytes), userNoGroups("bob", "1")}},
	},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := NewFromCSV(strings.NewReader(tc.csv))
			require.NoError(t, err)
			for _, l := range tc.lookups {
				resp, ok, err := a.AuthenticateToken(t.Context(), l.token)
				authntest.CheckOutcome(t, resp, ok, err)
				if l.want == nil {
					assert.False(t, ok, "token %q", l.token)
					continue
				}
				if authntest.AssertUser(t, *l.want, resp, ok, err) {
					// Exactly: nil groups stay nil; no extra, no audiences.
					assert.Equal(t, authn.Response{User: *l.want}, *resp, "token %q", l.token)
				}
			}
		})
	}
}

// parseErrorCases are inputs that must be rejected, with the line the
// error must name.
var parseErrorCases = []struct {
	name     string
	csv      string
	wantLine int
	wantIs   error
	wantText string
}{
	{name: "two columns", csv: "tok1,bob,1\n\ntok2,carol\n", wantLine: 3, wantText: "need at least 3 columns (token,user,uid), got 2"},
	{name: "one column", csv: "tok1\n", wantLine: 1, wantText: "got 1"},
	{name: "comment line is a row", csv: "# tokens\ntok1,bob,1\n", wantLine: 1,
		wantText: `got 1: comments are not allowed (a line starting with "#" is a row)`},
	{name: "indented comment with a comma", csv: "tok1,bob,1\n  # SECRETcomment, note\n", wantLine: 2,
		wantText: `got 2: comments are not allowed (a line starting with "#" is a row)`},
	{name: "comment with semicolons", csv: "#SECRETx;bob;1\n", wantLine: 1,
		wantText: `got 1: comments are not allowed (a line starting with "#" is a row); the separator is ",", not ";"`},
	{name: "semicolon separated", csv: "tok1,bob,1\nSECRETsemi;carol;2\n", wantLine: 2, wantText: `got 1: the separator is ",", not ";"`},
	{name: "tab separated", csv: "SECRETtab\tcarol\t2\n", wantLine: 1, wantText: `got 1: the separator is ",", not a tab`},
	{name: "tab and semicolon", csv: "SECRETtab\tcarol;2\n", wantLine: 1, wantText: `got 1: the separator is ",", not ";" or a tab`},
	{name: "white space line is a row", csv: "tok1,bob,1\n \t \n", wantLine: 2, wantText: "got 1: a line of white space is a row, not a blank line"},
	{name: "two columns, no hint", csv: "SECRETtwo,bob\n", wantLine: 1, wantText: "got 2"},
	{name: "bare quote", csv: "tok1,bob,1\nto\"k2,carol,2\n", wantLine: 2, wantIs: csv.ErrBareQuote},
	{name: "unterminated quote", csv: "tok1,bob,1\n\"tok2,carol,2\ntok3,dave,3\n", wantLine: 2, wantIs: csv.ErrQuote},
	{name: "text after closing quote", csv: "\"tok1\"x,bob,1\n", wantLine: 1, wantIs: csv.ErrQuote},
	{name: "hash too short", csv: "tok1,bob,1\n" + hashed("t")[:70] + ",carol,2\n", wantLine: 2, wantText: "sha256: token needs 64 hexadecimal digits, got 63 characters"},
	{name: "hash too long", csv: hashed("t") + "0,carol,2\n", wantLine: 1, wantText: "got 65 characters"},
	{name: "hash empty", csv: "sha256:,carol,2\n", wantLine: 1, wantText: "got 0 characters"},
	{name: "hash not hex", csv: HashPrefix + strings.Repeat("g", 64) + ",carol,2\n", wantLine: 1, wantText: "not hexadecimal"},
	{name: "token too long", csv: strings.Repeat("x", authn.MaxTokenBytes+1) + ",bob,1\n", wantLine: 1, wantText: "token longer than 65536 bytes"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := NewFromCSV(strings.NewReader(tc.csv))
			require.Error(t, err)
			assert.Nil(t, a)
			assert.True(t, strings.HasPrefix(err.Error(), "tokenfile: line "+itoa(tc.wantLine)+":"), "error %q names line %d", err, tc.wantLine)
			if tc.wantIs != nil {
				assert.ErrorIs(t, err, tc.wantIs)
			}
			assert.Contains(t, err.Error(), tc.wantText)
			assertNoSecrets(t, err.Error(), tc.csv)

			// From a file, the error names the file and the line.
			path := writeTokenFile(t, tc.csv)
			_, err = New(Options{FileOptions: authn.FileOptions{Path: path, Interval: -1}, Logger: slog.New(slog.DiscardHandler)})
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "tokenfile: "+path+":"+itoa(tc.wantLine)+":"), "error %q names file and line %d", err, tc.wantLine)
			if tc.wantIs != nil {
				assert.ErrorIs(t, err, tc.wantIs)
			}
		})
	}
}

func TestParseErrorExactText(t *testing.T) {
	path := writeTokenFile(t, "tok1,bob,1\n\ntok2,carol\n")
	_, err := New(Options{FileOptions: authn.FileOptions{Path: path, Interval: -1}, Logger: slog.New(slog.DiscardHandler)})
	require.EqualError(t, err, "tokenfile: "+path+":3: need at least 3 columns (token,user,uid), got 2")

	path = writeTokenFile(t, "tok1,bob,1\n\n# tokens for CI\n")
	_, err = New(Options{FileOptions: authn.FileOptions{Path: path, Interval: -1}, Logger: slog.New(slog.DiscardHandler)})
	require.EqualError(t, err, "tokenfile: "+path+`:3: need at least 3 columns (token,user,uid), got 1: comments are not allowed (a line starting with "#" is a row)`)

	_, err = NewFromCSV(strings.NewReader("tok1,bob,1\nto\"k2,carol,2\n"))
	require.EqualError(t, err, `tokenfile: line 2: column 3: bare " in non-quoted-field`)
}

func TestNewFromCSVTooLarge(t *testing.T) {
	t.Parallel()
	_, err := NewFromCSV(bytes.NewReader(make([]byte, DefaultMaxSize+1)))
	require.ErrorContains(t, err, "more than the limit")
}

// TestLogs checks what New logs: "loaded" with path and count, warnings
// with lines, and never a token.
func TestLogs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	content := "SECRETaaa,alice,1,\"a, b\"\n" + // white space around a group
		"SECRETbbb,bob,2\n" +
		"SECRETaaa,alice2,3\n" + // duplicate of line 1
		",nobody,4\n" + // empty token
		"SECRET ccc,carol,5\n" + // unusable token
		"SECRETddd,,6,\n" + // empty user, empty group
		hashed("SECRETeee") + ",eve,7\n" +
		"SECRETeee,eve2,8\n" + // plain duplicate of the hashed row
		"#SECRETfff,frank,9\n" // a would-be comment
	path := writeTokenFile(t, content)
	a, err := New(Options{FileOptions: authn.FileOptions{Path: path, Interval: -1}, Logger: logger})
	require.NoError(t, err)
	require.NoError(t, a.Close())

	type entry struct {
		Level         string
		Msg           string
		Authenticator string
		Path          string
		Line          int
		PreviousLine  int `json:"previous_line"`
		Tokens        int
		Hashed        int
	}
	var entries []entry
	for l := range strings.Lines(buf.String()) {
		var e entry
		require.NoError(t, json.Unmarshal([]byte(l), &e))
		assert.Equal(t, "tokenfile", e.Authenticator)
		assert.Equal(t, path, e.Path)
		entries = append(entries, e)
	}
	byLine := map[int][]string{}
	var loaded *entry
	for i, e := range entries {
		if e.Msg == "loaded" {
			loaded = &entries[i]
			continue
		}
		assert.Equal(t, "WARN", e.Level, e.Msg)
		byLine[e.Line] = append(byLine[e.Line], e.Msg)
	}
	require.NotNil(t, loaded)
	assert.Equal(t, "INFO", loaded.Level)
	assert.Equal(t, 6, loaded.Tokens) // aaa, bbb, "SECRET ccc", ddd, eee, #fff
	assert.Equal(t, 0, loaded.Hashed, "the later plain row replaced the hashed one")
	assert.Contains(t, byLine[1], "white space around a group name is kept (as Kubernetes does)")
	assert.Contains(t, byLine[3], "duplicate token, the later row wins")
	assert.Contains(t, byLine[4], "empty token, row skipped")
	assert.Contains(t, byLine[5], "token contains white space or control characters; no bearer token can match it")
	assert.Contains(t, byLine[6], "empty user name")
	assert.Contains(t, byLine[6], "empty group name")
	assert.Contains(t, byLine[8], "duplicate token (plain and hashed), the later row wins")
	assert.Equal(t, []string{`row starts with "#": there are no comments, it is read as a token`}, byLine[9])
	for _, e := range entries {
		if e.Line == 3 || e.Line == 8 {
			assert.NotZero(t, e.PreviousLine)
		}
	}
	assertNoSecrets(t, buf.String(), content)
}

// assertNoSecrets fails if text contains any token column of csvText.
func assertNoSecrets(t *testing.T, text, csvText string) {
	t.Helper()
	for l := range strings.Lines(csvText) {
		tok, _, _ := strings.Cut(l, ",")
		tok = strings.Trim(tok, "\"\r\n")
		if len(tok) >= 4 && !strings.HasPrefix(tok, HashPrefix) {
			assert.NotContains(t, text, tok, "a token leaked")
		}
	}
	assert.NotContains(t, text, "SECRET")
}

func writeTokenFile(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.csv")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func itoa(i int) string { return strconv.Itoa(i) }
