package authn

import (
	"context"
	"net/http"
	"slices"
	"time"
)

// UserInfo describes an authenticated user, in the shape Kubernetes uses
// (k8s.io/apiserver's user.Info as a plain struct).
//
// A UserInfo reached through a [Response] returned by an authenticator is
// read-only: its slices and map may be shared with other responses. Use
// [UserInfo.Clone] before changing it.
type UserInfo struct {
	// Name uniquely identifies the user among all users, for example
	// "alice", "system:serviceaccount:ns:name" or "system:anonymous".
	Name string
	// UID is a stable identifier that changes when a user of the same name
	// is deleted and created again. Empty when the source has none.
	UID string
	// Groups the user belongs to, in the order the source gave them.
	Groups []string
	// Extra holds additional attributes (scopes, pod name, credential ID)
	// keyed by a Kubernetes-style name; nil when there are none.
	Extra map[string][]string
}

// CredentialIDKey is the [UserInfo.Extra] key under which an
// authenticator records which credential authenticated the user, as
// Kubernetes does (user.CredentialIDKey in k8s.io/apiserver). The value
// names the kind of credential and identifies it without revealing it:
// "X509SHA256=" and the hexadecimal SHA-256 of a client certificate
// (package x509auth), "JTI=" and a service-account token's ID (package
// serviceaccount).
const CredentialIDKey = "authentication.kubernetes.io/credential-id"

// Clone returns a deep copy of u that the caller may change freely.
func (u UserInfo) Clone() UserInfo {
	c := UserInfo{Name: u.Name, UID: u.UID, Groups: slices.Clone(u.Groups)}
	if u.Extra != nil {
		c.Extra = make(map[string][]string, len(u.Extra))
		for k, v := range u.Extra {
			c.Extra[k] = slices.Clone(v)
		}
	}
	return c
}

// Response is what an authenticator returns for an accepted credential.
//
// A *Response returned by an authenticator is read-only for the caller:
// authenticators may hand out one shared, pre-built value to avoid
// allocating. Anything that changes a response copies it first
// ([Response.Clone]).
type Response struct {
	// User is the authenticated identity.
	User UserInfo
	// Audiences the credential was accepted for, when the authenticator is
	// audience-aware (see [WithAudiences]); nil otherwise.
	Audiences []string
	// Expiry is when the credential stops being valid; zero if unknown.
	// Caches never keep a response past it.
	Expiry time.Time
	// Confirmation is the key the credential is bound to (a JWT's "cnf"
	// claim), when it is sender-constrained; nil for a bearer credential.
	// A request presenting it must prove possession of that key (see
	// [BearerOptions.Binding]). Caches keep it with the response, so a
	// cached token is checked on every request as a fresh one is.
	Confirmation *Confirmation
}

// Clone returns a deep copy of r. It returns nil for a nil r.
func (r *Response) Clone() *Response {
	if r == nil {
		return nil
	}
	c := &Response{User: r.User.Clone(), Audiences: slices.Clone(r.Audiences), Expiry: r.Expiry}
	if r.Confirmation != nil {
		cnf := *r.Confirmation
		c.Confirmation = &cnf
	}
	return c
}

// Authenticator authenticates an HTTP request.
//
// AuthenticateRequest has exactly three outcomes:
//
//   - (resp, true, nil): the request carries a credential of this
//     authenticator's kind and it is valid; resp is non-nil and read-only.
//   - (nil, false, nil): no credential of this kind is present: no opinion,
//     so a union tries its next member.
//   - (nil, false, err): a credential of this kind is present but invalid,
//     expired, or could not be checked; err matches one of this package's
//     sentinels where a kind applies ([ErrUnavailable] when it could not be
//     checked).
//
// Implementations must be safe for concurrent use. They do not modify the
// request, except where documented (see [BearerToken]).
type Authenticator interface {
	AuthenticateRequest(r *http.Request) (*Response, bool, error)
}

// TokenAuthenticator authenticates a bearer token. It has the same three
// outcomes as [Authenticator]: (resp, true, nil) for a valid token,
// (nil, false, nil) for a token it does not know (no opinion), and
// (nil, false, err) for a token of its kind that is wrong or could not be
// checked. Accepted audiences, when any, come from [AudiencesFrom](ctx).
// Implementations must be safe for concurrent use and must never put the
// token in an error or a log line.
type TokenAuthenticator interface {
	AuthenticateToken(ctx context.Context, token string) (*Response, bool, error)
}

// AuthenticatorFunc adapts a function to [Authenticator], as
// [http.HandlerFunc] does for handlers.
type AuthenticatorFunc func(r *http.Request) (*Response, bool, error)

// AuthenticateRequest calls f(r).
func (f AuthenticatorFunc) AuthenticateRequest(r *http.Request) (*Response, bool, error) {
	return f(r)
}

// TokenAuthenticatorFunc adapts a function to [TokenAuthenticator].
type TokenAuthenticatorFunc func(ctx context.Context, token string) (*Response, bool, error)

// AuthenticateToken calls f(ctx, token).
func (f TokenAuthenticatorFunc) AuthenticateToken(ctx context.Context, token string) (*Response, bool, error) {
	return f(ctx, token)
}

// Well-known user and group names, as Kubernetes defines them.
const (
	// AnonymousUser is the name given to requests with no credential when
	// anonymous access is enabled.
	AnonymousUser = "system:anonymous"
	// UnauthenticatedGroup is the group of [AnonymousUser].
	UnauthenticatedGroup = "system:unauthenticated"
	// AuthenticatedGroup is the group [AddAuthenticatedGroup] gives every
	// authenticated, non-anonymous user.
	AuthenticatedGroup = "system:authenticated"
	// MastersGroup is the group Kubernetes grants unrestricted access.
	MastersGroup = "system:masters"
)
