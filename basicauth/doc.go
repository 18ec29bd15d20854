// Package basicauth authenticates HTTP Basic credentials (RFC 7617)
// against a password file in the format of kube-apiserver's
// --basic-auth-file, with bcrypt and argon2id hashes in place of plaintext
// passwords.
//
// An [Authenticator] reads "Authorization: Basic base64(user:password)",
// looks the user name up in the file and checks the password. It implements
// [authn.Authenticator]: no Authorization header, or another scheme, is no
// opinion; credentials that are wrong or cannot be parsed are an error.
//
// # Format
//
// The file is CSV (RFC 4180, as encoding/csv reads it), one user a row:
//
//	password,user,uid
//	password,user,uid,"group1,group2"
//
// Columns are, in order: the password (plaintext or a hash, below), the
// user name, the user's UID, and optionally the groups, comma-separated
// inside one quoted field. Rules, as Kubernetes had them:
//
//   - every row has at least 3 columns; rows may differ in length, and
//     columns after the fourth are ignored;
//   - fields are taken as they are: white space is not trimmed; blank
//     lines are skipped, CRLF line ends work;
//   - there are no comments and no other separators: a line "# note" or
//     "password;user;uid" is a row of one column, an error that says
//     which of these it looks like; "#pw,user,uid" is a user whose
//     password is "#pw" (authnkit warns);
//   - the table is keyed by user name: when a name appears twice, the later
//     row wins and a warning is logged.
//
// A row is an error (naming file and line) when its user name is empty,
// contains a colon or a control character, or is not UTF-8; when its
// password is empty, or plaintext with a control character or not UTF-8;
// or when its hash does not parse. One error rejects the whole file. Empty
// group names are dropped ("a,,b" is a and b), and a leading UTF-8 byte
// order mark is ignored. These rules are stricter than Kubernetes' (see
// Beyond Kubernetes, at the end).
//
// # Hashes
//
// The password column holds one of:
//
//   - bcrypt, in modular crypt form "$2a$", "$2b$" or "$2y$" followed by a
//     two-digit cost (4 to 31), 22 characters of salt and 31 of hash, as
//     htpasswd -B or bcrypt.GenerateFromPassword produce it;
//   - argon2id, in PHC string form
//     "$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>", salt and hash in
//     unpadded standard base64, parameters in that order, as [HashArgon2id]
//     or the reference argon2 tool produce it. Since it contains commas, the
//     field must be quoted in the CSV file;
//   - a plaintext password: anything that does not start with "$<id>$".
//     It is accepted, for compatibility, and a warning naming the file and
//     line (never the password) is logged at every load.
//
// A value shaped "$<id>$…" with any other id (MD5-crypt, SHA-crypt,
// scrypt, argon2i …) is an error: it is never mistaken for a plaintext
// password. Hashes are fully validated when the file loads, so that a bad
// cost or a truncated hash fails at load rather than at every login.
// Argon2id parameters must lie within [MaxArgon2Memory], [MaxArgon2Time],
// 8–64 bytes of salt and 16–64 bytes of hash. bcrypt uses only the first 72
// bytes of a password; a longer password never matches a bcrypt row.
//
// The program examples/hashpassword prints ready rows.
//
// # Credentials
//
// Header parsing follows RFC 7617: the scheme name in any case, then white
// space, then canonical padded standard base64 of "user-id:password", the
// user name up to the first colon. Credentials that do not decode, have no
// colon or an empty user name, are not UTF-8 or contain control characters
// (RFC 7617 section 2), or exceed [MaxCredentialsLength], are refused with
// an error matching [authn.ErrMalformed]. Names and passwords are compared
// byte for byte, without Unicode normalization.
//
// # Caching and concurrency
//
// bcrypt at cost 10 takes about 50–70 ms of CPU, and argon2id at
// [DefaultArgon2Params] about as much, which is the point of them. Two
// mechanisms keep that affordable:
//
//   - successful checks of hashed rows are cached for [Options.CacheTTL]
//     (default one minute), at most [Options.MaxCacheEntries] of them. The
//     cache key is HMAC-SHA256, under a random per-Authenticator key, of
//     user name and password: the cache never holds a password. Failures
//     are not cached, so a correct password right after a typo works. A
//     reload empties the cache;
//   - at most [Options.MaxConcurrentChecks] hashes run at once (default:
//     half the CPUs), so a flood of wrong passwords cannot take every core.
//     A request that finds every slot busy waits in a queue, in order of
//     arrival, of at most [Options.MaxQueuedChecks] requests (default 8 per
//     slot) for at most [Options.MaxQueueWait] (default one second). A
//     request that finds the queue full is refused at once; one that waited
//     its time, or whose context ended, gives up. Either way no hash is
//     computed and the error matches [authn.ErrUnavailable]: the password
//     was not judged, and [authn.Middleware] answers 503 Service
//     Unavailable with Retry-After (unless another authenticator rejected
//     the request outright). So a flood costs a bounded amount of work and
//     memory, and a real user waits a bounded time rather than behind
//     every bad guess sent before theirs.
//
// Plaintext rows need neither: they are compared at once. The cache is
// consulted before a request queues, so a user whose correct password was
// checked within the TTL gets in at once during a flood, as does every
// plaintext row. A user without a cached success competes for a place in
// the queue like everyone else; a refused client should retry after the
// Retry-After delay.
//
// Why 503 and not 429 Too Many Requests: 429 says that this client sent
// too many requests (RFC 6585 section 4), and invites per-client
// throttling; here the server is short of hashing capacity because of
// everyone's requests, and the refused client may have done nothing wrong.
// 503 with Retry-After (RFC 9110 section 15.6.4) says exactly that: the
// credential could not be checked now, try again later. It is what the
// authn contract already gives [authn.ErrUnavailable], so no layer above
// needs to know about queues, and a union goes on to its next member as
// for any other failure. A 401 would be wrong: it tells a client with the
// right password that its password is wrong.
//
// # Reloading
//
// The file is configured by an [authn.FileOptions] embedded in [Options]:
// its Path, the periodic check's Interval, MaxSize and the OnError and
// OnReload callbacks, documented there once for every file-backed
// authenticator. An Authenticator from [New] watches its file (file-system
// notifications, plus the periodic check) and loads it again when it
// changes. A file that fails to load leaves the previous table in use; the
// failure is logged and passed to OnError. [Authenticator.Reload] loads
// the file at once (on SIGHUP, say) and returns the failure. Requests read
// the current table through an atomic pointer, never waiting for a lock on
// it. [Authenticator.Close] stops the watcher. [NewFromCSV] builds a fixed
// Authenticator from bytes.
//
// A file with no users (empty, or only blank lines) is valid, as an empty
// Kubernetes token file is, and on reload it replaces the table like any
// other: emptying the file is how every login is revoked at once, and a
// reload must not refuse that. Because a truncated file looks the same,
// such a load is logged at Warn rather than Info, at start and on every
// reload, with the number of users of the table it replaces
// ("previous_users"). Write the file atomically (a temporary file renamed
// over it), so that a reload never sees it half-written.
//
// # Observing
//
// [Options.Observer] receives an [authn.ReloadEvent] after every attempt
// to load the file, the first included: Component "basicauth", whether
// it loaded, the SHA-256 of the content in use and its number of users.
// [Authenticator.Health] reports the same at any time ([authn.FileHealth]),
// with the next periodic check. Password checks report nothing of their
// own: the middleware counts requests and their outcomes.
//
// # Security
//
// An unknown user name and a wrong password give the same error after the
// same work: an unknown name is checked against a dummy hash of the kind
// and cost most rows of the file use (or, for a file of plaintext rows, a
// dummy plaintext comparison). With rows of mixed kinds, timing can still
// tell which kind a user's row has. Plaintext passwords are compared as
// SHA-256 digests with crypto/subtle, so neither their content nor their
// length leaks through timing; hashes use their own constant-time
// comparison. Hashing starts only after the request's context has been
// checked. Errors and log lines name the file and line, never a password,
// and never any column's value. Basic credentials travel in clear text:
// serve them over TLS only.
//
// # Beyond Kubernetes
//
// kube-apiserver read this file with --basic-auth-file until Kubernetes
// 1.19 removed the flag (deprecated in 1.16); the reference is its last
// code, k8s.io/apiserver's plugin/pkg/authenticator/password/passwordfile
// and plugin/pkg/authenticator/request/basicauth. Whatever this list does
// not name behaves as there: a file Kubernetes accepted, without the rows
// named below, loads here and yields the same users, UIDs and groups; the
// later of two rows for one user wins; a wrong password or an unknown
// user is an error (Kubernetes' "invalid username/password combination",
// here matching [authn.ErrInvalidCredentials]). The deliberate
// differences, each with its reason:
//
//   - bcrypt and argon2id hashes in the password column (see Hashes);
//     Kubernetes knew only plaintext. Why: the file then holds no
//     password. The cost: a plaintext password shaped like a hash
//     ("$<id>$…") is read as one, or is an error for an unknown id, and
//     cannot be expressed; plaintext rows still work, with a warning.
//   - A bounded number of hashes at once ([Options.MaxConcurrentChecks]),
//     a bounded queue for the rest ([Options.MaxQueuedChecks]) and a
//     bounded wait in it ([Options.MaxQueueWait]); a request past any of
//     them gets an error matching [authn.ErrUnavailable] (503 with
//     Retry-After) without hashing. Kubernetes compared plaintext and
//     needed no limit. Why: a slow hash is the point of bcrypt and
//     argon2id, so a flood of wrong passwords must neither take every CPU
//     nor delay a real login without bound (see Caching and concurrency,
//     also for why 503 and not 429).
//   - Successful hashed checks are cached ([Options.CacheTTL]), under a
//     keyed hash of user name and password. Why: one hash per client per
//     TTL rather than per request; a reload empties the cache.
//   - Stricter rows, each an error naming file and line: an empty user
//     name or an empty password (Kubernetes let those log in with an empty
//     name or password); a user name that no Basic header can carry (a
//     colon, a control character, not UTF-8); a plaintext password that no
//     Basic header can carry (a control character, not UTF-8); a hash that
//     does not parse. Why: such a row either can never log in or lets in
//     an empty password, and is certainly not what its author meant.
//   - Empty group names are dropped ("a,,b" gives a and b; Kubernetes kept
//     ""). Why: an empty group name is never meant and only confuses
//     authorizers.
//   - A leading UTF-8 byte order mark is ignored, where Kubernetes made it
//     part of the first password. Why: editors add it unseen, and it would
//     silently break the first row's password or hash.
//   - Stricter Basic headers (see Credentials). Kubernetes used Go's
//     [net/http.Request.BasicAuth]: exactly one space after the scheme,
//     any base64 that Go's decoder takes (non-canonical padding bits, line
//     breaks), any bytes, any length; and it answered "no opinion" to a
//     header it could not decode, or one without a colon. Here white space
//     after the scheme may be longer, the rest is refused, and a Basic
//     header that cannot be parsed is an error matching
//     [authn.ErrMalformed] and [authn.ErrInvalidCredentials]. Why: the
//     authn contract keeps "no opinion" for credentials of another kind;
//     one credential has one spelling; a client sending a broken header
//     should learn that it is broken; and every read is bounded.
//   - Unknown user names cost the same work as wrong passwords (a dummy
//     hash; see Security), where Kubernetes answered an unknown name at
//     once; plaintext passwords are compared as SHA-256 digests in
//     constant time. Why: timing must not tell which user names exist, nor
//     anything about a password's length.
//   - Reloading: Kubernetes read the file once, at start-up; [New] watches
//     it and swaps in each changed version, keeping the previous table when
//     a new one fails (see Reloading), and reports each attempt and its
//     health (see Observing). Why: users and passwords can change without
//     a restart, and an operator must see a reload that failed.
//   - The file is read up to [authn.FileOptions.MaxSize] bytes
//     ([DefaultMaxSize], 16 MiB, by default); a larger one fails. Why: every read is bounded. Kubernetes had no limit.
//   - A file with no users is logged at Warn, at start and on every reload.
//     It is still valid and replaces the table (see Reloading). Why: an
//     empty file is as likely to be a truncated one as a deliberate
//     revocation, and nobody should find out from failing logins.
//   - Logging and errors: rows with plaintext passwords and rows starting
//     with "#" (a user, not a comment) are logged with their line;
//     duplicate users are logged with both lines but not the name (where
//     Kubernetes logged the name and a record number). Errors name the file
//     and the line, and a row of too few columns says what it looks like (a
//     comment, ";" or tab separators, a line of white space), where
//     Kubernetes' error named only the file. Which files are refused does
//     not change beyond the rows listed above. Why: whoever must fix the
//     file needs to find the row, and user names stay out of logs.
package basicauth
