package tokenfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// modelRow is what the reference model expects for one token.
type modelRow struct {
	line int
	user authn.UserInfo
}

// model applies Kubernetes' rules to data with a plain encoding/csv reader,
// independently of parse, and returns for each plaintext token the user it
// must authenticate as (the last row wins). Hashed rows are skipped: a
// fuzzer cannot invert SHA-256. ok is false when Kubernetes would reject
// the file.
func model(data []byte) (plain map[string]modelRow, ok bool) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	plain = map[string]modelRow{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return plain, true
		}
		if err != nil || len(rec) < 3 {
			return nil, false
		}
		if rec[0] == "" || strings.HasPrefix(rec[0], HashPrefix) {
			continue
		}
		u := authn.UserInfo{Name: rec[1], UID: rec[2]}
		if len(rec) > 3 {
			u.Groups = strings.Split(rec[3], ",")
		}
		line, _ := r.FieldPos(0)
		plain[rec[0]] = modelRow{line: line, user: u}
	}
}

// FuzzParse feeds arbitrary bytes to the parser. Properties: it never
// panics; an error never contains a token of the input; if the input
// parses, every plaintext token authenticates as the last row that names
// it, in exactly the shape authn allows, and tokens not in the file (the
// empty one, variants of file tokens, the hash column itself) do not.
func FuzzParse(f *testing.F) {
	// Seeds of 64 KiB (the token length limit) would slow the fuzzer
	// down; short inputs reach the same code.
	for _, tc := range parseCases {
		if len(tc.csv) < 4096 {
			f.Add([]byte(tc.csv))
		}
	}
	for _, tc := range parseErrorCases {
		if len(tc.csv) < 4096 {
			f.Add([]byte(tc.csv))
		}
	}
	f.Add([]byte(strings.Repeat("x", 300) + ",bob,1\n"))
	f.Add([]byte("a,b,c,d\n\"x\",\"y\"\"\",z\n"))
	f.Add([]byte(hashed("x") + ",u,1\nx,v,2\n"))

	// errorTemplates are all the error messages parse may return for
	// in-memory input, with digit runs replaced by N: anything else could be
	// echoing the input.
	errorTemplates := map[string]bool{
		"tokenfile: line N: need at least N columns (token,user,uid), got N":                            true,
		"tokenfile: line N: shaN: token needs N hexadecimal digits, got N characters":                   true,
		"tokenfile: line N: shaN: token is not hexadecimal":                                             true,
		"tokenfile: line N: token longer than N bytes":                                                  true,
		`tokenfile: line N: column N: bare " in non-quoted-field`:                                       true,
		`tokenfile: line N: column N: extraneous or missing " in quoted-field`:                          true,
		`tokenfile: line N: row continues to line N, column N: extraneous or missing " in quoted-field`: true,
		`tokenfile: line N: row continues to line N, column N: bare " in non-quoted-field`:              true,
	}

	// shortRowHints are the hints that may follow the column-count error.
	shortRowHints := map[string]bool{
		`comments are not allowed (a line starting with "#" is a row)`: true,
		`the separator is ",", not ";"`:                                true,
		`the separator is ",", not a tab`:                              true,
		`the separator is ",", not ";" or a tab`:                       true,
		"a line of white space is a row, not a blank line":             true,
	}
	knownText := func(msg string) bool {
		if errorTemplates[msg] {
			return true
		}
		const short = "tokenfile: line N: need at least N columns (token,user,uid), got N: "
		rest, ok := strings.CutPrefix(msg, short)
		if !ok {
			return false
		}
		for h := range strings.SplitSeq(rest, "; ") {
			if !shortRowHints[h] {
				return false
			}
		}
		return true
	}

	digits := regexp.MustCompile(`[0-9]+`)

	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := NewFromCSV(bytes.NewReader(data))
		if err != nil {
			if a != nil {
				t.Fatal("authenticator returned with an error")
			}
			if msg := digits.ReplaceAllString(err.Error(), "N"); !knownText(msg) {
				t.Fatalf("unexpected error text (may echo input): %q", err)
			}
			return
		}
		plain, ok := model(data)
		if !ok {
			t.Fatalf("parse accepted a file Kubernetes rejects: %q", data)
		}
		ctx := t.Context()
		check := func(token string, want *authn.UserInfo) {
			t.Helper()
			resp, ok, err := a.AuthenticateToken(ctx, token)
			if !authntest.CheckOutcome(t, resp, ok, err) {
				return
			}
			switch {
			case want == nil && ok:
				t.Fatalf("token %q not in the file authenticated as %q", token, resp.User.Name)
			case want != nil && !ok:
				t.Fatalf("token %q from the file did not authenticate", token)
			case want != nil && (resp.User.Name != want.Name || resp.User.UID != want.UID ||
				!slices.Equal(resp.User.Groups, want.Groups) || (resp.User.Groups == nil) != (want.Groups == nil) ||
				resp.User.Extra != nil || resp.Audiences != nil || !resp.Expiry.IsZero()):
				t.Fatalf("token %q: got %+v, want %+v", token, resp.User, *want)
			}
		}
		// hashedIn reports whether data may hold a hashed row for token
		// (in any case), in which case token may authenticate.
		sums := hashColumns(data)
		hashedIn := func(token string) bool { return sums[hashed(token)[len(HashPrefix):]] }
		// absent reports whether token can be in neither the plaintext
		// nor (as far as a substring search can tell) the hashed rows.
		absent := func(token string) bool {
			_, inPlain := plain[token]
			return !inPlain && !hashedIn(token)
		}
		checked := 0
		for tok, row := range plain {
			if checked++; checked > 256 {
				break // keep each run linear in the input
			}
			if hashedIn(tok) {
				// A later hashed row for the same token may win.
				resp, ok, err := a.AuthenticateToken(ctx, tok)
				if authntest.CheckOutcome(t, resp, ok, err) && !ok {
					t.Fatalf("token %q from the file did not authenticate", tok)
				}
				continue
			}
			check(tok, &row.user)
			for _, v := range []string{tok + "x", "x" + tok, tok[:len(tok)-1], strings.ToUpper(tok), hashed(tok)} {
				if absent(v) {
					check(v, nil)
				}
			}
		}
		check("", nil)
		if absent("not-in-the-file") {
			check("not-in-the-file", nil)
		}
	})
}

// hashColumns returns, lower-cased, every run of 64 hexadecimal digits that
// follows "sha256:" (in any case) in data: a superset of the hashed rows.
func hashColumns(data []byte) map[string]bool {
	lower := bytes.ToLower(data)
	sums := map[string]bool{}
	for {
		i := bytes.Index(lower, []byte(HashPrefix))
		if i < 0 {
			return sums
		}
		lower = lower[i+len(HashPrefix):]
		if len(lower) >= 64 {
			sums[string(lower[:64])] = true
		}
	}
}
