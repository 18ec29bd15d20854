// Package tokenfile authenticates static bearer tokens listed in a CSV
// file, the format of kube-apiserver's --token-auth-file.
//
//	tokens, err := tokenfile.New(tokenfile.Options{
//		FileOptions: authn.FileOptions{Path: "/etc/kubernetes/tokens.csv"},
//	})
//	if err != nil { … }
//	defer tokens.Close()
//	mw := authn.Middleware(authn.BearerToken(tokens), authn.MiddlewareOptions{})
//
// A known token yields its row's user; any other token yields no opinion
// (nil, false, nil), so that a union tries its next authenticator. The
// Authenticator never returns an error.
//
// # Format
//
// Each row is token,user,uid followed by an optional groups column:
//
//	31ada4fd-adec-460c-809a-9e56ceb75269,alice,1001,"system:masters,dev"
//	sha256:5b1e…(64 hex digits),bob,1002
//	ci-token,ci,1003
//
// The rules, which are Kubernetes' (the few differences are listed under
// Beyond Kubernetes, at the end):
//
//   - The file is RFC 4180 CSV as Go's [encoding/csv] reads it, with its
//     defaults: comma separated; fields may be double-quoted, and a quoted
//     field may contain commas, doubled quotes ("") and line breaks; a bare
//     quote in an unquoted field or an unterminated quote is an error;
//     CRLF line ends are accepted.
//   - Empty lines are skipped. There are no comments: a line "# note" is a
//     one-column row, which is an error, and "#tok,user,uid" is the token
//     "#tok" (authnkit warns). Other separators are not recognized either:
//     "tok;user;uid" or a tab-separated row is one column, an error. The
//     error says which of these the row looks like.
//   - Rows may have different lengths. A row with fewer than 3 columns is an
//     error. Columns after the fourth are ignored.
//   - Nothing is trimmed: "tok, alice" makes the user " alice" (with the
//     space). authnkit logs a warning for white space around a value.
//   - Column 1 is the token, compared byte for byte (case-sensitive). A row
//     with an empty token is skipped with a warning. A token column
//     "sha256:" followed by 64 hexadecimal digits holds the token's SHA-256
//     instead ([HashPrefix]), and a token longer than
//     [authn.MaxTokenBytes] (64 KiB) is an error; both are authnkit's own.
//   - Column 2 is the user name, column 3 the UID; either may be empty
//     (authnkit warns about an empty user name).
//   - Column 4, when present, is split on every comma into groups, with no
//     trimming and no dropping: "a, b" gives "a" and " b"; an empty fourth
//     column gives one empty group name (authnkit warns about both). Without
//     a fourth column the user has no groups. To put several groups in one
//     column, quote it. Responses carry no Extra and no Audiences.
//   - If a token appears on several rows, the last row wins, with a warning
//     naming both lines.
//   - Bytes that are not valid UTF-8 are accepted as they are (authnkit
//     warns, naming the line and column): names are Go strings of bytes.
//   - A UTF-8 byte order mark at the start of the file is not removed: it
//     becomes part of the first token (authnkit warns).
//
// Errors name the file and line, as in
//
//	tokenfile: /etc/tokens.csv:3: need at least 3 columns (token,user,uid), got 2
//	tokenfile: /etc/tokens.csv:5: need at least 3 columns (token,user,uid), got 1: the separator is ",", not ";"
//	tokenfile: /etc/tokens.csv:7: column 12: bare " in non-quoted-field
//
// and never contain a token or any other column's value.
//
// # Reloading
//
// The file is configured by an [authn.FileOptions] embedded in [Options]:
// its Path, the periodic check's Interval, MaxSize and the OnError and
// OnReload callbacks, documented there once for every file-backed
// authenticator. [New] watches the file: fsnotify on its directory (so
// editors that rename a new file over the old one, deleting and
// re-creating the file, and Kubernetes ConfigMap and Secret volume updates
// are all noticed), and a periodic check (one minute by default) as a
// fallback. A changed file is parsed into a new table which replaces the
// old one at once; requests never wait for a reload. A file that cannot be
// read (deleted, unreadable, too large) or parsed keeps the previous table
// serving; the failure is logged at Warn and passed to OnError.
// [Authenticator.Reload] does the same at once (on SIGHUP, say) and
// returns the failure.
// Write the file atomically (write a temporary file, then rename it over
// the old one): a reader may otherwise see a half-written file, which
// parses as a shorter table or fails. [NewFromCSV] builds a table that
// never changes.
//
// A file with no tokens (empty, or only blank lines and rows with an empty
// token) is valid, as it is for Kubernetes, and on reload it replaces the
// table like any other: emptying the file is how every token is revoked at
// once, and a reload must not refuse that. Because a truncated file looks
// the same, such a load is logged at Warn rather than Info, at start and
// on every reload, with the number of tokens of the table it replaces
// ("previous_tokens").
//
// # Observing
//
// [Options.Observer] receives an [authn.ReloadEvent] after every attempt
// to load the file, the first included: Component "tokenfile", whether
// it loaded, the SHA-256 of the content in use and its number of tokens.
// [Authenticator.Health] reports the same at any time ([authn.FileHealth]),
// with the next periodic check, for readiness checks. Lookups report
// nothing: the token cache and the middleware count requests.
//
// # Concurrency
//
// AuthenticateToken is safe for concurrent use and lock-free: the table is
// an immutable snapshot behind an atomic pointer. One *authn.Response is
// built per row when the file is loaded and shared by all requests: a
// lookup does not allocate (plaintext, or hashed for tokens up to 512
// bytes), and callers must treat the response as read-only.
//
// # Security
//
// Plaintext tokens are looked up in a Go map, as kube-apiserver does. A map
// lookup is not constant-time: it ends with an ordinary comparison of the
// presented token with a stored key that stops at the first differing
// byte, so response timing could in principle tell something about stored
// tokens. The map's per-process random hash seed makes such a measurement
// very hard in practice; where it matters, use hashed rows, whose lookup key
// is the SHA-256 of the presented token: timing can then reveal something
// about hashes only, which does not help guess a token. Hashed rows also
// keep tokens out of the file, its backups and its version history. Tokens
// should be long and random (at least 128 bits, for example 32 hexadecimal
// digits from a CSPRNG); a fast hash such as SHA-256 does not protect short
// or guessable tokens.
//
// No error or log line contains a token; warnings name the file and line.
// The token file itself should be readable only by the server.
//
// # Beyond Kubernetes
//
// The reference is kube-apiserver's token file
// (k8s.io/apiserver/pkg/authentication/token/tokenfile, NewCSV and
// AuthenticateToken). Whatever this list does not name behaves as there: a
// file kube-apiserver accepts gives the same users, UIDs and groups here,
// and one it refuses is refused. Like kube-apiserver's static token
// authenticator, this one is not audience-aware: a response's Audiences
// are nil (kube-apiserver wraps it so that its responses carry the
// server's API audiences; whoever wires this one in does the same, as
// package options does). The deliberate differences, each with its
// reason:
//
//   - Hashed rows: a token column "sha256:" followed by 64 hexadecimal
//     digits ([HashPrefix], either case of digits, lower-case prefix)
//     holds the SHA-256 of the token rather than the token (create one
//     with: printf %s "$TOKEN" | sha256sum), and a malformed one (wrong
//     length, not hexadecimal) fails the file. Why: the file, its backups
//     and its version history then hold no secret, and the lookup key is a
//     hash, so timing tells nothing useful about stored tokens. The cost:
//     a plain token that itself starts with "sha256:" cannot be expressed,
//     and a file that has one is read differently from kube-apiserver (as
//     a hash, or an error); no real token looks like that.
//   - A token over [authn.MaxTokenBytes] bytes (64 KiB) fails the file.
//     Why: [authn.BearerToken] never passes on a longer token, so the row
//     could never match; a row that long is almost always a broken file
//     (an unterminated quote that swallowed the lines after it, a binary
//     file), which should stop the load rather than leave a dead row.
//   - The file is read up to [authn.FileOptions.MaxSize] bytes
//     ([DefaultMaxSize], 16 MiB, by default; [NewFromCSV] reads at most
//     that); a larger one fails. Why: every read is bounded. Kubernetes has no limit.
//   - Reloading: kube-apiserver reads the file once, at start-up; [New]
//     watches it and swaps in each changed version, keeping the previous
//     table when a new version fails (see Reloading), and reports each
//     attempt and its health (see Observing). Why: tokens can be added
//     and revoked without a restart, and an operator must see a reload
//     that failed.
//   - A file with no tokens is logged at Warn, at start and on every
//     reload, where Kubernetes says nothing. It is still valid, as there,
//     and replaces the table (see Reloading). Why: an empty file is as
//     likely to be a truncated one as a deliberate revocation of all
//     tokens, and nobody should find out from failing requests.
//   - Warnings: rows that Kubernetes accepts silently but that are most
//     likely mistakes are logged with their line: a token with spaces or
//     control characters (no bearer token can match it), a row starting
//     with "#" (it is a token, not a comment), white space around values,
//     an empty user or group name, invalid UTF-8, a byte order mark (part
//     of the first token, as in Kubernetes). Duplicate tokens are logged
//     with both lines, where Kubernetes gives a record number. Nothing
//     about how rows are read changes. Why: these rows do not do what
//     their author meant, and a log line is the only place to say so.
//   - Errors name the file and the line, and a row of too few columns
//     says what it looks like (a comment, ";" or tab separators, a line of
//     white space; see the examples under Format), where Kubernetes'
//     column-count error names only the file and its CSV syntax errors
//     only the line. Which files are refused does not
//     change. Why: whoever must fix the file needs to find the row.
//   - One [authn.Response] is built per row at load and shared by every
//     request with that token, where Kubernetes builds one per request
//     (around a shared user). Why: a lookup allocates nothing; callers
//     must treat the response as read-only, as [authn.Response] requires.
package tokenfile
