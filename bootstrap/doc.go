// Package bootstrap authenticates Kubernetes bootstrap tokens, the
// "<id>.<secret>" bearer tokens that kubeadm creates for joining nodes, as
// kube-apiserver does with --enable-bootstrap-token-auth.
//
// A token is 6 characters of [a-z0-9] (the ID, public), a dot, and 16
// characters of [a-z0-9] (the secret). Kubernetes stores each one as a
// Secret named bootstrap-token-<id> in kube-system, of type
// bootstrap.kubernetes.io/token. The [Authenticator] looks the ID up in a
// [Store]: one the embedding program implements (over a Secret informer, a
// database), a [FileStore] reading such Secrets from a file and reloading
// it, or a [StaticStore].
//
//	store, err := bootstrap.NewFileStore(bootstrap.FileStoreOptions{
//		FileOptions: authn.FileOptions{Path: "/etc/kubernetes/bootstrap-tokens.yaml"},
//	})
//	if err != nil { … }
//	defer store.Close()
//	tokens, err := bootstrap.New(store, bootstrap.Options{})
//	mw := authn.Middleware(authn.BearerToken(tokens), authn.MiddlewareOptions{})
//
// An accepted token yields the user "system:bootstrap:<id>" in the group
// "system:bootstrappers" plus the Secret's extra groups, with
// [authn.Response.Expiry] set to the Secret's expiration, if any. A token
// that is not a bootstrap token, or whose ID has no Secret, gets no
// opinion; a token whose Secret rejects it gets an error saying why.
//
// # Format
//
// A Secret holds these keys (the [Secret] type carries them decoded):
//
//	apiVersion: v1
//	kind: Secret
//	metadata:
//	  name: bootstrap-token-abcdef          # bootstrap-token-<token-id>
//	  namespace: kube-system
//	type: bootstrap.kubernetes.io/token
//	stringData:
//	  token-id: abcdef                       # required, equal to the name's ID
//	  token-secret: 0123456789abcdef         # required, 16 of [a-z0-9]
//	  usage-bootstrap-authentication: "true" # required for authentication, exactly "true"
//	  expiration: "2030-01-02T03:04:05Z"     # optional, RFC 3339; the token is valid before it
//	  auth-extra-groups: "system:bootstrappers:kubeadm:default-node-token"  # optional, comma-separated
//	  description: "…"                       # optional, ignored
//	  usage-bootstrap-signing: "true"        # optional, ignored here
//
// Each extra group must match \Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z.
//
// A [FileStore] file is YAML or JSON holding Secrets in the shape of the
// Kubernetes API (the same shape as kubectl get secret -o yaml prints and
// kubectl apply takes):
//
//   - one Secret, or a "kind: List" or "kind: SecretList" (apiVersion v1)
//     with "items", or a JSON (or YAML) array of Secrets; and any number
//     of YAML documents separated by "---", each of those shapes. Empty
//     documents are skipped. Items of a list or array may leave out
//     apiVersion and kind; when present they must be v1 and Secret.
//   - Of each Secret, metadata.name, metadata.namespace,
//     metadata.deletionTimestamp, type, data and stringData are read; other
//     fields (labels, annotations, managedFields, …) are ignored. "data"
//     values are standard base64 (with padding; line breaks ignored), as
//     the API takes them; "stringData" values are plain, and win over
//     "data" for the same key, as the API merges them.
//   - Every value must be a YAML string: an unquoted true, 123 or null is
//     an error (quote it), as kubectl apply would say. A key given twice,
//     a key without a value, and a data or stringData key that is not 1 to
//     253 of [-._a-zA-Z0-9] (the API's rule) are errors.
//   - Secrets that are not bootstrap token Secrets (another type, and not
//     named bootstrap-token-… in kube-system) are skipped and counted in
//     the "loaded" log line, so that the output of
//     kubectl get secrets -n kube-system -o yaml can serve as the file.
//   - A Secret of type bootstrap.kubernetes.io/token, or named
//     bootstrap-token-… in kube-system, must be valid: namespace
//     kube-system, name bootstrap-token-<6 of [a-z0-9]>, that type, a
//     token-id equal to the name's ID, a token-secret of 16 of [a-z0-9],
//     an expiration (if any) in RFC 3339, and valid extra groups. Otherwise
//     the whole file is an error, as are two Secrets of the same name.
//     Expired Secrets, Secrets being deleted and Secrets without
//     usage-bootstrap-authentication=true are kept: they are rejected at
//     request time, with their own errors.
//
// Errors name the file, the item (its index among all Secrets of the file,
// from 0, its line and its namespace/name) and the key, as in
//
//	bootstrap: /etc/kubernetes/bootstrap-tokens.yaml: item 2 (line 31, kube-system/bootstrap-token-abcdef): data key "token-secret": not valid base64
//
// and never contain a value of data or stringData other than expiration
// and auth-extra-groups (which are not secret).
//
// # Reloading
//
// The file is configured by an [authn.FileOptions] embedded in
// [FileStoreOptions] (Path, Interval, MaxSize, OnError, OnReload), as
// every file-backed authnkit component's is, and [NewFileStore] watches it
// as they do: fsnotify on the file's directory plus a periodic check. A
// changed file is parsed into a new set of Secrets that replaces the old
// one at once; a file that cannot be read or parsed keeps the previous set
// serving, and the failure is logged and passed to OnError.
// [FileStore.Reload] does the same at once and returns the failure. Write
// the file atomically (a temporary file renamed over it).
//
// A file with no bootstrap token Secret (empty, only empty documents, or
// only Secrets of other kinds) is valid, as a kube-system namespace without
// bootstrap token Secrets is, and on reload it replaces the Secrets like any
// other: emptying the file is how every token is revoked at once, and a
// reload must not refuse that. Because a truncated file looks the same,
// such a load is logged at Warn rather than Info, at start and on every
// reload, with the number of tokens it replaces ("previous_tokens").
//
// # Observing
//
// [FileStoreOptions.Observer] receives an [authn.ReloadEvent] after every
// attempt to load the file, the first included: Component "bootstrap",
// whether it loaded, the SHA-256 of the content in use and its number of
// bootstrap tokens. [FileStore.Health] reports the same at any time
// ([authn.FileHealth]), with the next periodic check. Token checks report
// nothing of their own: the token cache and the middleware count them.
//
// # Concurrency
//
// [Authenticator.AuthenticateToken] is safe for concurrent use; with a
// [FileStore] or [StaticStore] it takes no lock. Each accepted token gets a
// new [authn.Response].
//
// # Security
//
// The token secret is compared with [crypto/subtle.ConstantTimeCompare].
// The store lookup is by token ID, which is public. No error or log line
// contains a token secret: errors name the Secret by its token ID, file
// errors name the item and the key. The store file holds live credentials
// (unless data is hashed elsewhere, which this format does not support)
// and should be readable by the server only. Bootstrap tokens carry only
// 16 characters of [a-z0-9] (about 82 bits); give them a short expiration,
// as kubeadm does (24 hours by default).
//
// # Beyond Kubernetes
//
// The reference is kube-apiserver's bootstrap token authenticator
// (kubernetes/kubernetes plugin/pkg/auth/authenticator/token/bootstrap,
// with k8s.io/cluster-bootstrap's token/api, util/secrets and util/tokens).
// Whatever this list does not name behaves as there, and every token is
// accepted or rejected as there, with the same user and groups: a token
// not matching \A([a-z0-9]{6})\.([a-z0-9]{16})\z, or whose ID has no
// Secret, gets no opinion; a Secret being deleted, of the wrong type or
// without data, with a token-secret or token-id that differs (the secret
// compared in constant time), expired (an expiration not after now, or
// one that does not parse), without usage-bootstrap-authentication
// "true", or with an invalid extra group, rejects its token; an accepted
// token's user is "system:bootstrap:<id>", without UID or extra, in
// "system:bootstrappers" and the extra groups, deduplicated and sorted as
// Kubernetes' GetGroups returns them. Like kube-apiserver's, this
// authenticator is not audience-aware: responses carry no Audiences. The
// deliberate differences, each with its reason:
//
//   - A rejected token is an error, not "no opinion": Kubernetes returns
//     (nil, false, nil) for each rejection above and logs a line at
//     verbosity 3; here it is a [*TokenError] whose reason matches a
//     sentinel ([ErrWrongSecret], [authn.ErrRevoked], [ErrInvalidSecret],
//     [authn.ErrExpired], [ErrNotForAuthentication]; see
//     [Authenticator.AuthenticateToken]). Why: in the authn contract "no
//     opinion" means "not a credential of my kind", and a token whose ID
//     names a bootstrap token Secret is one; the error tells the caller,
//     its logs and its metrics why the token failed (an expired join token
//     needs a new token, a wrong secret may be an attack), where
//     Kubernetes' answer is silent at the default log level. What a client
//     sees does not change: a union goes on to its next member in both
//     cases, and behind [authn.BearerToken] the answer is 401 with
//     error="invalid_token" either way, as kube-apiserver's bearer token
//     layer turns "no opinion" into "invalid bearer token".
//   - The token-secret is compared before anything else about the Secret:
//     a token with the wrong secret gets [ErrWrongSecret] whatever else is
//     wrong, where Kubernetes checks deletion and type first. The outcome
//     (rejected) is the same. Why: with rejections now reported, someone
//     who knows only a token ID must learn nothing about its Secret beyond
//     that it exists.
//   - A store failure matches [authn.ErrUnavailable], so the middleware
//     answers 503 with Retry-After (when nothing else rejected the
//     request); in Kubernetes a lister error is a plain error, hence 401.
//     Why: a store that cannot answer has not judged the token, and the
//     client should retry rather than discard it.
//   - [authn.Response.Expiry] is the Secret's expiration. Why: a token
//     cache never keeps an accepted token past it, where kube-apiserver's
//     cache may, for its success TTL.
//   - The authenticator checks that the Secret's namespace and name are
//     the ones asked for. Why: in Kubernetes a kube-system Secret lister
//     guarantees it; a [Store] is the embedding program's code, and a
//     mistake there must not accept a token.
//   - The file store: kube-apiserver reads bootstrap token Secrets from
//     the API server (etcd), and has no bootstrap token file; [FileStore]
//     reads them from a file of Secret manifests (--bootstrap-token-file
//     in package options), and [StaticStore] from memory. Why: a server
//     without a Kubernetes API behind it can still accept the tokens that
//     kubeadm and its users already know how to make. Because a file is
//     checked when it loads, not object by object when written, its rules
//     are stricter than the API's: a bootstrap token Secret that
//     kube-apiserver would store but never accept a token for (a bad
//     token-id or token-secret, an unparseable expiration, an invalid extra
//     group, a type or namespace that does not fit its name) and two
//     Secrets of one name fail the whole file, naming the item, while
//     Secrets of other kinds are skipped. Why: a typo shows at load, not
//     as a token that never works; expired, deleted and signing-only
//     Secrets still load and are rejected at request time, as there.
//   - Reloading, a size limit ([authn.FileOptions.MaxSize],
//     [DefaultMaxSize] by default) and a Warn when a file holds no bootstrap token (see
//     Reloading) apply to the file store, which reports each attempt and
//     its health (see Observing). Why: the Secrets can change without a
//     restart, every read is bounded, an empty file is as likely to be a
//     truncated one as a deliberate revocation, and an operator must see
//     a reload that failed.
package bootstrap
