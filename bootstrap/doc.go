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
//	store, err := bootstrap.NewFileStore("/etc/kubernetes/bootstrap-tokens.yaml", bootstrap.FileStoreOptions{})
//	if err != nil { … }
//	defer store.Close()
//	tokens, err := bootstrap.New(store, bootstrap.Options{})
//	mw := authn.Middleware(authn.BearerToken(tokens), authn.MiddlewareOptions{})
//
// An accepted token yields the user "system:bootstrap:<id>" in the group
// "system:bootstrappers" plus the Secret's extra groups, with
// [authn.Response.Expiry] set to the Secret's expiration, if any.
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
// # Kubernetes compatibility
//
// The request-time rules are those of kube-apiserver's bootstrap token
// authenticator (kubernetes/kubernetes
// plugin/pkg/auth/authenticator/token/bootstrap/bootstrap.go, with
// k8s.io/cluster-bootstrap's token/api, util/secrets and util/tokens), and
// every token gets the same outcome, accepted or not, with the same user
// and groups:
//
//   - The token must match \A([a-z0-9]{6})\.([a-z0-9]{16})\z; otherwise no
//     opinion.
//   - No Secret bootstrap-token-<id>: no opinion, as in Kubernetes.
//   - A store failure: an error in both; here it matches
//     [authn.ErrUnavailable].
//   - Being deleted, a wrong type or no data, a token-secret that differs
//     (constant-time comparison), a token-id that differs, expired (an
//     expiration not after now, or one that does not parse), usage not
//     "true", an invalid extra group: all rejected. Kubernetes returns no
//     opinion (nil, false, nil) for each and logs a line at verbosity 3;
//     authnkit returns an error instead (a [*TokenError], see
//     [Authenticator.AuthenticateToken] for each rule's sentinel). The
//     token is rejected either way (a union goes on to its next member in
//     both cases), but the error says why. Behind authn.BearerToken, as
//     bearer tokens are read, the 401 carries error="invalid_token" either
//     way.
//   - The token-secret is compared first: a token with the wrong secret
//     gets [ErrWrongSecret] whatever else is wrong with the Secret, so a
//     caller who knows only the ID learns nothing about its Secret beyond
//     that it exists. Kubernetes checks deletion and type first; the
//     outcome (rejected) is the same.
//   - Groups: "system:bootstrappers" and the extra groups, deduplicated
//     and sorted, as Kubernetes' GetGroups returns them (a string set's
//     sorted list; "system:bootstrappers" always sorts first). The user
//     has no UID and no extra.
//   - Beyond Kubernetes: [authn.Response.Expiry] is the expiration, so a
//     token cache never keeps an accepted token past it (kube-apiserver's
//     cache may, for its success TTL); the authenticator checks that the
//     Secret's namespace and name are the ones asked for, which a
//     kube-system Secret lister guarantees in Kubernetes.
//   - Kubernetes reads the Secrets from the API server; there is no
//     bootstrap token file in kube-apiserver. [FileStore] is authnkit's
//     own (--bootstrap-token-file in package options).
//
// Like kube-apiserver's, this authenticator is not audience-aware:
// responses carry no Audiences.
//
// # Reloading
//
// [NewFileStore] watches its file as every file-backed authnkit component
// does (internal/reload): fsnotify on the file's directory plus a periodic
// check. A changed file is parsed into a new set of Secrets that replaces
// the old one at once; a file that cannot be read or parsed keeps the
// previous set serving, and the failure is logged and passed to
// [FileStoreOptions.OnError]. Write the file atomically (a temporary file
// renamed over it).
//
// A file with no bootstrap token Secret (empty, only empty documents, or
// only Secrets of other kinds) is valid, as a kube-system namespace without
// bootstrap token Secrets is, and on reload it replaces the Secrets like any
// other: emptying the file is how every token is revoked at once, and a
// reload must not refuse that. Because a truncated file looks the same,
// such a load is logged at Warn rather than Info, at start and on every
// reload, with the number of tokens it replaces ("previous_tokens").
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
package bootstrap
