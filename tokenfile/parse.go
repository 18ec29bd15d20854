package tokenfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/csvhint"
)

// HashPrefix marks a token column that holds the SHA-256 of the token, as
// 64 hexadecimal digits (either case), instead of the token itself:
//
//	sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08,alice,1001
const HashPrefix = "sha256:"

// table is one parsed token file. It is immutable once parse returns it.
type table struct {
	byToken map[string]*authn.Response
	// byHash holds the rows whose token column is a SHA-256; nil when
	// there are none, so that files without hashed rows never hash a
	// presented token.
	byHash map[[sha256.Size]byte]*authn.Response
}

// size reports how many distinct tokens t accepts.
// Entries is the number of tokens in t, for the "loaded" line and, as a
// reload.Counter, for health and reload events.
func (t *table) Entries() int { return len(t.byToken) + len(t.byHash) }

// row is where a token was defined, to report duplicates.
type row struct {
	line int
	resp *authn.Response
}

// parse reads a token file in the --token-auth-file format (see the
// package documentation). where names the input in errors and logs: a path,
// or "" for in-memory input. Errors name the line and never contain a
// column's value. It logs warnings about rows, never a token; the caller
// logs the outcome (logLoaded).
func parse(ctx context.Context, where string, data []byte, logger *slog.Logger) (*table, error) {
	loc := func(line int) string {
		if where == "" {
			return fmt.Sprintf("line %d", line)
		}
		return fmt.Sprintf("%s:%d", where, line)
	}
	warn := func(msg string, line int, args ...any) {
		logger.WarnContext(ctx, msg, append([]any{"path", where, "line", line}, args...)...)
	}

	if bytes.HasPrefix(data, []byte("\uFEFF")) {
		// Kubernetes makes the mark part of the first token; so do we, but say so.
		warn("file starts with a UTF-8 byte order mark, which is read as part of the first token", 1)
	}

	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // as Kubernetes: rows may differ in length
	r.ReuseRecord = true   // fields are copied into strings anyway

	plain := make(map[string]row)
	var hashed map[[sha256.Size]byte]row
	for {
		record, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if pe, ok := errors.AsType[*csv.ParseError](err); ok {
				if pe.StartLine != pe.Line {
					return nil, fmt.Errorf("tokenfile: %s: row continues to line %d, column %d: %w",
						loc(pe.StartLine), pe.Line, pe.Column, pe.Err)
				}
				return nil, fmt.Errorf("tokenfile: %s: column %d: %w", loc(pe.Line), pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("tokenfile: %s: %w", loc(0), err)
		}
		line, _ := r.FieldPos(0)
		if len(record) < 3 {
			return nil, fmt.Errorf("tokenfile: %s: need at least 3 columns (token,user,uid), got %d%s", loc(line), len(record), csvhint.ShortRow(record))
		}
		token, name, uid := record[0], record[1], record[2]
		if strings.HasPrefix(strings.TrimLeft(token, " \t"), "#") {
			// Kubernetes reads it as a token too; say so.
			warn("row starts with \"#\": there are no comments, it is read as a token", line)
		}
		if token == "" {
			// Kubernetes skips such rows with a warning.
			warn("empty token, row skipped", line)
			continue
		}
		if len(token) > authn.MaxTokenBytes {
			return nil, fmt.Errorf("tokenfile: %s: token longer than %d bytes", loc(line), authn.MaxTokenBytes)
		}

		resp := &authn.Response{User: authn.UserInfo{Name: name, UID: uid}}
		if len(record) >= 4 {
			// Exactly Kubernetes' rule: split on commas, nothing trimmed,
			// nothing dropped ("" gives one empty group).
			resp.User.Groups = strings.Split(record[3], ",")
		}
		checkRow(record, resp, line, warn)

		if hexSum, ok := strings.CutPrefix(token, HashPrefix); ok {
			var sum [sha256.Size]byte
			if len(hexSum) != hex.EncodedLen(sha256.Size) {
				return nil, fmt.Errorf("tokenfile: %s: %s token needs %d hexadecimal digits, got %d characters",
					loc(line), HashPrefix, hex.EncodedLen(sha256.Size), len(hexSum))
			}
			if _, err := hex.Decode(sum[:], []byte(hexSum)); err != nil {
				return nil, fmt.Errorf("tokenfile: %s: %s token is not hexadecimal", loc(line), HashPrefix)
			}
			if hashed == nil {
				hashed = make(map[[sha256.Size]byte]row)
			}
			if prev, dup := hashed[sum]; dup {
				warn("duplicate token, the later row wins", line, "previous_line", prev.line)
			}
			hashed[sum] = row{line: line, resp: resp}
			continue
		}
		if prev, dup := plain[token]; dup {
			warn("duplicate token, the later row wins", line, "previous_line", prev.line)
		}
		plain[token] = row{line: line, resp: resp}
	}

	t := &table{byToken: make(map[string]*authn.Response, len(plain))}
	if len(hashed) > 0 {
		// The same token may appear once in plain text and once hashed:
		// as for any duplicate, the later row wins.
		for tok, p := range plain {
			sum := sha256.Sum256([]byte(tok))
			if h, dup := hashed[sum]; dup {
				later, earlier := p.line, h.line
				if h.line > p.line {
					later, earlier = h.line, p.line
					delete(plain, tok)
				} else {
					delete(hashed, sum)
				}
				warn("duplicate token (plain and hashed), the later row wins", later, "previous_line", earlier)
			}
		}
		t.byHash = make(map[[sha256.Size]byte]*authn.Response, len(hashed))
		for sum, h := range hashed {
			t.byHash[sum] = h.resp
		}
	}
	for tok, p := range plain {
		t.byToken[tok] = p.resp
	}
	return t, nil
}

// logLoaded logs a table that is about to serve: at Info, or at Warn when
// it has no tokens, since every token then gets no opinion from it.
// previous is how many tokens the table it replaces had, or negative for
// the first load.
func logLoaded(ctx context.Context, logger *slog.Logger, where string, t *table, previous int64) {
	args := []any{"path", where, "tokens", t.Entries(), "hashed", len(t.byHash)}
	if previous >= 0 {
		args = append(args, "previous_tokens", previous)
	}
	if t.Entries() == 0 {
		logger.WarnContext(ctx, "token file has no tokens: no bearer token is accepted from it", args...)
		return
	}
	logger.InfoContext(ctx, "loaded", args...)
}

// checkRow warns about values that Kubernetes accepts but that are most
// likely mistakes. It never changes the row and never logs a value.
func checkRow(record []string, resp *authn.Response, line int, warn func(string, int, ...any)) {
	if !bearerSafe(record[0]) {
		warn("token contains white space or control characters; no bearer token can match it", line)
	}
	if resp.User.Name == "" {
		warn("empty user name", line)
	}
	for i, v := range record[1:min(len(record), 4)] {
		col := [...]string{"user", "uid", "groups"}[i]
		if !utf8.ValidString(v) {
			warn("value is not valid UTF-8, kept as bytes", line, "column", col)
		}
		if col != "groups" && strings.TrimSpace(v) != v {
			warn("white space around value is kept (as Kubernetes does)", line, "column", col)
		}
	}
	for _, g := range resp.User.Groups {
		if g == "" {
			warn("empty group name", line)
			break
		}
	}
	for _, g := range resp.User.Groups {
		if strings.TrimSpace(g) != g {
			warn("white space around a group name is kept (as Kubernetes does)", line)
			break
		}
	}
}

// bearerSafe reports whether [authn.ParseBearer] can return token: no
// space, tab or ASCII control character.
func bearerSafe(token string) bool {
	for i := 0; i < len(token); i++ {
		if c := token[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
