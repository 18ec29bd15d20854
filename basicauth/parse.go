package basicauth

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/csvhint"
)

// maxLoggedLines bounds the per-row warnings logged for one load.
const maxLoggedLines = 10

// row is one user of the password file. Immutable once built.
type row struct {
	cred *credential
	resp *authn.Response // shared by every request of this user: read-only
}

// table is one parsed password file: the snapshot requests read. Immutable
// once built, except for its cache, which is internally synchronized and
// dies with the table, so a reload empties it.
type table struct {
	users map[string]*row
	dummy *credential // what unknown users are checked against
	cache *cache      // nil when caching is disabled
}

// Entries is the number of users in t, as a reload.Counter: for health
// and reload events.
func (t *table) Entries() int { return len(t.users) }

// parse reads a password file in kube-apiserver's --basic-auth-file format
// (see the package documentation). name is the file's path, or a
// placeholder for in-memory data; errors name it and the line, and never
// contain a column's value. Warnings (plaintext passwords, duplicate user
// names, a file without users) and the "loaded" line go to a.logger.
func (a *Authenticator) parse(name string, data []byte) (*table, error) {
	ctx := context.Background()
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // a UTF-8 byte order mark
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // as Kubernetes: 3 or more columns, extra ones ignored

	t := &table{users: make(map[string]*row), cache: newCache(a.cacheTTL, a.maxCacheEntries)}
	seenAt := make(map[string]int) // user name → line of its row
	var plainLines, dupLines, commentLines []int
	var dupPrev []int
	kinds := make(map[kind]int)
	specs := make(map[spec]int)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if pe, ok := errors.AsType[*csv.ParseError](err); ok {
				return nil, fmt.Errorf("basicauth: %s:%d: %w", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("basicauth: %s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) < 3 {
			return nil, fmt.Errorf("basicauth: %s:%d: need at least 3 columns (password,user,uid), got %d%s", name, line, len(rec), csvhint.ShortRow(rec))
		}
		if strings.HasPrefix(strings.TrimLeft(rec[0], " \t"), "#") {
			commentLines = append(commentLines, line)
		}
		user := rec[1]
		switch {
		case user == "":
			return nil, fmt.Errorf("basicauth: %s:%d: empty user name", name, line)
		case strings.Contains(user, ":"):
			return nil, fmt.Errorf("basicauth: %s:%d: user name contains a colon, which Basic credentials cannot carry (RFC 7617)", name, line)
		}
		if err := checkText(user); err != nil {
			return nil, fmt.Errorf("basicauth: %s:%d: user name %w", name, line, err)
		}
		cred, err := parseCredential(rec[0])
		if err != nil {
			return nil, fmt.Errorf("basicauth: %s:%d: %w", name, line, err)
		}
		u := authn.UserInfo{Name: user, UID: rec[2]}
		if len(rec) >= 4 {
			for g := range strings.SplitSeq(rec[3], ",") {
				if g != "" {
					u.Groups = append(u.Groups, g)
				}
			}
		}
		if prev, dup := seenAt[user]; dup {
			dupLines, dupPrev = append(dupLines, line), append(dupPrev, prev)
			old := t.users[user].cred
			kinds[old.kind]--
			specs[old.spec]--
		}
		seenAt[user] = line
		if cred.kind == kindPlain {
			plainLines = append(plainLines, line)
		}
		kinds[cred.kind]++
		specs[cred.spec]++
		t.users[user] = &row{cred: cred, resp: &authn.Response{User: u}}
	}
	t.dummy = dummyCredential(typicalSpec(kinds, specs))

	for i, line := range plainLines {
		if i == maxLoggedLines {
			a.logger.WarnContext(ctx, "more rows with plaintext passwords", "path", name, "count", len(plainLines)-i)
			break
		}
		a.logger.WarnContext(ctx, "plaintext password in basic-auth file; store a bcrypt or argon2id hash instead", "path", name, "line", line)
	}
	for i, line := range commentLines {
		if i == maxLoggedLines {
			a.logger.WarnContext(ctx, "more rows starting with \"#\"", "path", name, "count", len(commentLines)-i)
			break
		}
		a.logger.WarnContext(ctx, "row starts with \"#\": there are no comments, it is read as a user", "path", name, "line", line)
	}
	for i, line := range dupLines {
		if i == maxLoggedLines {
			a.logger.WarnContext(ctx, "more duplicate user names", "path", name, "count", len(dupLines)-i)
			break
		}
		a.logger.WarnContext(ctx, "duplicate user name in basic-auth file; the later row wins", "path", name, "line", line, "previous_line", dupPrev[i])
	}
	// A table that parses is stored: it replaces the one serving.
	args := []any{"path", name, "users", len(t.users),
		"plaintext", kinds[kindPlain], "bcrypt", kinds[kindBcrypt], "argon2id", kinds[kindArgon2id]}
	if previous := a.serving.Swap(int64(len(t.users))); previous >= 0 {
		args = append(args, "previous_users", previous)
	}
	if len(t.users) == 0 {
		a.logger.WarnContext(ctx, "basic-auth file has no users: every Basic credential is refused", args...)
	} else {
		a.logger.InfoContext(ctx, "loaded basic-auth file", args...)
	}
	return t, nil
}

// typicalSpec picks what unknown user names are checked against: the most
// common kind among the rows, and within it the most common parameters
// (ties go to the costlier). A file with no rows gets a plaintext dummy:
// there is nothing to hide and no reason to spend a hash.
func typicalSpec(kinds map[kind]int, specs map[spec]int) spec {
	best := spec{kind: kindPlain}
	bestKind := kindPlain
	for _, k := range []kind{kindPlain, kindBcrypt, kindArgon2id} {
		if kinds[k] > kinds[bestKind] || (kinds[k] == kinds[bestKind] && kinds[k] > 0 && k > bestKind) {
			bestKind = k
		}
	}
	n := 0
	for s, c := range specs {
		if s.kind != bestKind || c <= 0 {
			continue
		}
		if c > n || (c == n && s.costlier(best)) {
			best, n = s, c
		}
	}
	return best
}

// costlier reports whether s takes more work to verify than o, for specs
// of the same kind; it orders all specs totally so that the choice in
// typicalSpec does not depend on map order.
func (s spec) costlier(o spec) bool {
	a, b := s.argon2, o.argon2
	switch {
	case s.bcryptCost != o.bcryptCost:
		return s.bcryptCost > o.bcryptCost
	case uint64(a.Memory)*uint64(a.Time) != uint64(b.Memory)*uint64(b.Time):
		return uint64(a.Memory)*uint64(a.Time) > uint64(b.Memory)*uint64(b.Time)
	case a.Memory != b.Memory:
		return a.Memory > b.Memory
	case a.Threads != b.Threads:
		return a.Threads < b.Threads
	case a.KeyLength != b.KeyLength:
		return a.KeyLength > b.KeyLength
	default:
		return a.SaltLength > b.SaltLength
	}
}
