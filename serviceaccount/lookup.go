package serviceaccount

import (
	"context"

	"github.com/authnkit/authnkit/authn"
)

// Kind names the kind of object a token refers to.
type Kind string

// The kinds of object a [Lookup] is asked about.
const (
	KindServiceAccount Kind = "ServiceAccount"
	KindSecret         Kind = "Secret"
	KindPod            Kind = "Pod"
	KindNode           Kind = "Node"
)

// InvalidSinceLabel is the label that marks a legacy token's Secret as no
// longer usable, as Kubernetes' legacy token cleaner writes it (its value
// is the date, YYYY-MM-DD, the token was invalidated). With a
// [SecretLookup], a legacy token whose Secret carries this label with any
// non-empty value is rejected, whatever the date, as kube-apiserver does
// (InvalidSinceLabelKey in k8s.io/kubernetes/pkg/serviceaccount/legacy.go).
const InvalidSinceLabel = "kubernetes.io/legacy-token-invalid-since"

// Lookup tells whether the objects a token names still exist, for
// revocation, as kube-apiserver's --service-account-lookup does with its
// informers. The embedding program implements it, typically over a
// Kubernetes client's listers. An [Authenticator] that accepts legacy
// tokens needs a [SecretLookup] instead: see there.
//
// UID returns the UID of the live object of the given kind, namespace
// (empty for nodes) and name, with found true; found false when there is
// no such object, or when it is being deleted and its deletion timestamp
// is more than the leeway (one minute in Kubernetes) in the past. An error
// means the answer is unknown (a cache not synced, an API server
// unreachable): the token is then rejected with [authn.ErrUnavailable].
// Not found, or a UID other than the token's, rejects it with a
// [*RevokedError] (matching [authn.ErrRevoked]).
//
// UID is called on the request path, with the request's context; it must
// be safe for concurrent use and should answer from memory.
type Lookup interface {
	UID(ctx context.Context, kind Kind, namespace, name string) (uid string, found bool, err error)
}

// LookupFunc adapts a function to [Lookup]. It cannot read Secrets, so an
// [Authenticator] with [Options.Legacy] refuses it: implement
// [SecretLookup] for that.
type LookupFunc func(ctx context.Context, kind Kind, namespace, name string) (uid string, found bool, err error)

// UID calls f.
func (f LookupFunc) UID(ctx context.Context, kind Kind, namespace, name string) (string, bool, error) {
	return f(ctx, kind, namespace, name)
}

// Secret is what a [SecretLookup] reports about a live Secret: the parts
// of it kube-apiserver reads to validate a legacy token.
type Secret struct {
	// Token is the Secret's data["token"], the legacy token it holds.
	// A legacy token is accepted only if it is exactly this (compared in
	// constant time); nil or empty matches no token.
	Token []byte
	// Labels are the Secret's labels; [InvalidSinceLabel] with a non-empty
	// value rejects the token. Nil means none. Only read.
	Labels map[string]string
	// Deleting is true when the Secret has a deletion timestamp. Unlike
	// [Lookup.UID], no leeway applies: kube-apiserver rejects a legacy
	// token as soon as its Secret is being deleted.
	Deleting bool
}

// SecretLookup is a [Lookup] that can also read a Secret, which legacy
// (secret-based) tokens need: kube-apiserver's --service-account-lookup
// accepts a legacy token only while the Secret named in it exists, is not
// being deleted, still holds that very token, and is not labelled
// [InvalidSinceLabel]. [New] refuses a Lookup that is not a SecretLookup
// when [Options.Legacy] is set, rather than accept legacy tokens on a
// weaker check; bound tokens need only [Lookup].
//
// Secret returns the Secret namespace/name with found true, or found
// false when there is no such Secret. An error means the answer is
// unknown, and the token is then rejected with [authn.ErrUnavailable].
// The same rules as for UID apply: called on the request path, safe for
// concurrent use, answering from memory. The returned Token and Labels
// are only read, never kept or changed.
type SecretLookup interface {
	Lookup
	Secret(ctx context.Context, namespace, name string) (secret Secret, found bool, err error)
}

// RevokedReason says why a [RevokedError] rejected a token.
type RevokedReason string

// The reasons a [Lookup] revokes a token.
const (
	// RevokedNotFound: the object does not exist, or its deletion began
	// more than the leeway ago (which [Lookup.UID] reports as not found).
	RevokedNotFound RevokedReason = "not found"
	// RevokedUIDChanged: the object exists with another UID (it was
	// deleted and created again).
	RevokedUIDChanged RevokedReason = "has another UID"
	// RevokedDeleting: a legacy token's Secret is being deleted.
	RevokedDeleting RevokedReason = "is being deleted"
	// RevokedTokenChanged: a legacy token's Secret holds another token.
	RevokedTokenChanged RevokedReason = "holds another token"
	// RevokedInvalidated: a legacy token's Secret is labelled
	// [InvalidSinceLabel]; removing the label makes the token usable
	// again, as in Kubernetes.
	RevokedInvalidated RevokedReason = "is labelled " + InvalidSinceLabel
)

// RevokedError reports a token rejected because an object it names, as
// the [Lookup] sees it, no longer backs it. It matches [authn.ErrRevoked].
// It names the object, never the token.
type RevokedError struct {
	Kind      Kind
	Namespace string // empty for nodes
	Name      string
	Reason    RevokedReason
}

func (e *RevokedError) Error() string {
	obj := e.Name
	if e.Namespace != "" {
		obj = e.Namespace + "/" + e.Name
	}
	return authn.ErrRevoked.Error() + ": " + string(e.Kind) + " " + obj + " " + string(e.Reason)
}

// Is reports whether target is [authn.ErrRevoked].
func (e *RevokedError) Is(target error) bool { return target == authn.ErrRevoked }
