package serviceaccount

import "context"

// Kind names the kind of object a token refers to.
type Kind string

// The kinds of object a [Lookup] is asked about.
const (
	KindServiceAccount Kind = "ServiceAccount"
	KindSecret         Kind = "Secret"
	KindPod            Kind = "Pod"
	KindNode           Kind = "Node"
)

// Lookup tells whether the objects a token names still exist, for
// revocation, as kube-apiserver's --service-account-lookup does with its
// informers. The embedding program implements it, typically over a
// Kubernetes client's listers.
//
// UID returns the UID of the live object of the given kind, namespace
// (empty for nodes) and name, with found true; found false when there is
// no such object, or when it is being deleted and its deletion timestamp
// is more than the leeway (one minute in Kubernetes) in the past. An error
// means the answer is unknown (a cache not synced, an API server
// unreachable): the token is then rejected with [authn.ErrUnavailable].
// Not found, or a UID other than the token's, rejects it with
// [authn.ErrRevoked].
//
// UID is called on the request path, with the request's context; it must
// be safe for concurrent use and should answer from memory.
type Lookup interface {
	UID(ctx context.Context, kind Kind, namespace, name string) (uid string, found bool, err error)
}

// LookupFunc adapts a function to [Lookup].
type LookupFunc func(ctx context.Context, kind Kind, namespace, name string) (uid string, found bool, err error)

// UID calls f.
func (f LookupFunc) UID(ctx context.Context, kind Kind, namespace, name string) (string, bool, error) {
	return f(ctx, kind, namespace, name)
}
