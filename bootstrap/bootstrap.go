package bootstrap

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authnkit/authnkit/authn"
)

// Names and keys of bootstrap token Secrets, as Kubernetes defines them in
// k8s.io/cluster-bootstrap/token/api.
const (
	// Namespace is the only namespace whose Secrets hold bootstrap tokens.
	Namespace = "kube-system"
	// SecretPrefix starts the name of every bootstrap token Secret:
	// "bootstrap-token-" followed by the token ID.
	SecretPrefix = "bootstrap-token-"
	// SecretType is the type of a bootstrap token Secret.
	SecretType = "bootstrap.kubernetes.io/token"
	// TokenIDKey holds the token ID: 6 characters of [a-z0-9], the public
	// half of the token. Required.
	TokenIDKey = "token-id"
	// TokenSecretKey holds the token secret: 16 characters of [a-z0-9].
	// Required.
	TokenSecretKey = "token-secret"
	// ExpirationKey holds when the token stops being valid, in RFC 3339.
	// Optional.
	ExpirationKey = "expiration"
	// DescriptionKey holds a human-readable description. Optional, unused
	// here.
	DescriptionKey = "description"
	// UsageAuthenticationKey must hold "true" for the token to authenticate.
	UsageAuthenticationKey = "usage-bootstrap-authentication"
	// UsageSigningKey marks a token for signing the cluster-info ConfigMap.
	// Not used for authentication.
	UsageSigningKey = "usage-bootstrap-signing"
	// ExtraGroupsKey holds a comma-separated list of groups, each starting
	// with "system:bootstrappers:", that the token's user is in besides
	// [DefaultGroup]. Optional.
	ExtraGroupsKey = "auth-extra-groups"
	// UserPrefix starts the name of every bootstrap token user:
	// "system:bootstrap:" followed by the token ID.
	UserPrefix = "system:bootstrap:"
	// DefaultGroup is the group of every bootstrap token user.
	DefaultGroup = "system:bootstrappers"
)

// Secret is the part of a Kubernetes Secret that bootstrap token
// authentication reads. Data holds the decoded values (what the Secret
// API's base64 "data" encodes, with "stringData" merged over it).
type Secret struct {
	// Namespace must be [Namespace] ("kube-system").
	Namespace string
	// Name must be [SecretPrefix] followed by the token ID.
	Name string
	// Type must be [SecretType].
	Type string
	// Data maps keys such as [TokenIDKey] to their decoded values. A nil
	// map is rejected, as Kubernetes rejects a Secret without data.
	Data map[string]string
	// DeletionTimestamp, when not zero, says the Secret is being deleted:
	// its token is rejected.
	DeletionTimestamp time.Time
}

// Store finds bootstrap token Secrets. The embedding program implements it
// over whatever holds them (a Kubernetes informer's Secret lister for
// kube-system, a database); [FileStore] and [StaticStore] are ready-made.
//
// Get returns the Secret named [SecretPrefix]+tokenID in [Namespace], or
// (nil, nil) when there is none. An error means the Secret could not be
// looked up (the store is down, not yet synced); the authenticator reports
// it as [authn.ErrUnavailable], so the error must not say that a token is
// wrong, and must not contain a token secret. The returned Secret is
// read-only for the caller. Get must be safe for concurrent use.
type Store interface {
	Get(ctx context.Context, tokenID string) (*Secret, error)
}

// StoreFunc adapts a function to [Store].
type StoreFunc func(ctx context.Context, tokenID string) (*Secret, error)

// Get calls f(ctx, tokenID).
func (f StoreFunc) Get(ctx context.Context, tokenID string) (*Secret, error) {
	return f(ctx, tokenID)
}

// Options configures an [Authenticator]. The zero value is usable.
type Options struct {
	// Now returns the current time, to check expiration. Nil means
	// [time.Now].
	Now func() time.Time
}

// Authenticator authenticates bootstrap tokens ("<id>.<secret>") against the
// Secrets of a [Store]. Create it with [New]; the zero value is not usable.
// It is safe for concurrent use, and holds no goroutine (the Store may).
type Authenticator struct {
	store Store
	now   func() time.Time
}

var _ authn.TokenAuthenticator = (*Authenticator)(nil)

// New returns an Authenticator that looks tokens up in store. It fails only
// when store is nil. New does no I/O.
func New(store Store, opts Options) (*Authenticator, error) {
	if store == nil {
		return nil, errors.New("bootstrap: nil Store")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Authenticator{store: store, now: now}, nil
}

// AuthenticateToken checks a bootstrap token. The outcomes, in the order
// they are decided (see the package documentation for how they compare
// with Kubernetes'):
//
//   - a token not of the form <6 of [a-z0-9]>.<16 of [a-z0-9]>, or whose
//     ID has no Secret in the store: (nil, false, nil), no opinion;
//   - the store failed: an error matching [authn.ErrUnavailable];
//   - the token secret differs from the Secret's (compared in constant
//     time; a Secret without one never matches): [ErrWrongSecret];
//   - the Secret is being deleted: [authn.ErrRevoked];
//   - the Secret is not a valid bootstrap token Secret for this ID (wrong
//     namespace, name or type, no data, token-id differs): [ErrInvalidSecret];
//   - the expiration has passed: an [*authn.ExpiredError] (matching
//     [authn.ErrExpired]); an expiration that does not parse as RFC 3339 is
//     treated as passed and matches [authn.ErrExpired] too;
//   - usage-bootstrap-authentication is not "true": [ErrNotForAuthentication];
//   - an extra group is invalid: [ErrInvalidSecret];
//   - otherwise (resp, true, nil) with user "system:bootstrap:<id>", groups
//     "system:bootstrappers" and the extra groups, sorted and without
//     duplicates, and Expiry set to the expiration when there is one.
//
// Every error is a [*TokenError] naming the Secret (never the token
// secret). resp is the caller's to keep but should be treated as read-only.
func (a *Authenticator) AuthenticateToken(ctx context.Context, token string) (*authn.Response, bool, error) {
	id, tokenSecret, ok := ParseToken(token)
	if !ok {
		return nil, false, nil
	}
	s, err := a.store.Get(ctx, id)
	if err != nil {
		return nil, false, fmt.Errorf("bootstrap: look up secret %s/%s%s: %w", Namespace, SecretPrefix, id, &authn.UnavailableError{Err: err})
	}
	if s == nil {
		return nil, false, nil
	}
	fail := func(err error) (*authn.Response, bool, error) {
		return nil, false, &TokenError{TokenID: id, Err: err}
	}
	// The secret first: whoever does not hold it learns nothing more about
	// the Secret than that it exists.
	if subtle.ConstantTimeCompare([]byte(s.Data[TokenSecretKey]), []byte(tokenSecret)) != 1 {
		return fail(ErrWrongSecret)
	}
	if !s.DeletionTimestamp.IsZero() {
		return fail(fmt.Errorf("secret is being deleted: %w", authn.ErrRevoked))
	}
	switch {
	case s.Namespace != Namespace:
		return fail(fmt.Errorf("%w: namespace is not %s", ErrInvalidSecret, Namespace))
	case s.Name != SecretPrefix+id:
		return fail(fmt.Errorf("%w: name is not %s%s", ErrInvalidSecret, SecretPrefix, id))
	case s.Type != SecretType || s.Data == nil:
		return fail(fmt.Errorf("%w: type is not %s", ErrInvalidSecret, SecretType))
	case s.Data[TokenIDKey] != id:
		return fail(fmt.Errorf("%w: %s does not match the name", ErrInvalidSecret, TokenIDKey))
	}
	var expiry time.Time
	if exp := s.Data[ExpirationKey]; exp != "" {
		expiry, err = time.Parse(time.RFC3339, exp)
		if err != nil {
			return fail(fmt.Errorf("%s is not RFC 3339, treated as expired: %w", ExpirationKey, authn.ErrExpired))
		}
		if !a.now().Before(expiry) {
			return fail(&authn.ExpiredError{Expiry: expiry})
		}
	}
	if s.Data[UsageAuthenticationKey] != "true" {
		return fail(ErrNotForAuthentication)
	}
	groups, err := Groups(s.Data[ExtraGroupsKey])
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalidSecret, err))
	}
	return &authn.Response{
		User:   authn.UserInfo{Name: UserPrefix + id, Groups: groups},
		Expiry: expiry,
	}, true, nil
}

// TokenLength is the length of a bootstrap token: 6 + 1 + 16 bytes.
const TokenLength = 23

// ParseToken splits a bootstrap token into its ID and secret. It reports
// false unless token matches Kubernetes' pattern
// \A([a-z0-9]{6})\.([a-z0-9]{16})\z exactly.
func ParseToken(token string) (id, secret string, ok bool) {
	if len(token) != TokenLength || token[6] != '.' || !lowerAlnum(token[:6]) || !lowerAlnum(token[7:]) {
		return "", "", false
	}
	return token[:6], token[7:], true
}

// ValidTokenID reports whether id is a valid token ID: 6 of [a-z0-9].
func ValidTokenID(id string) bool { return len(id) == 6 && lowerAlnum(id) }

// validTokenSecret reports whether s is a valid token secret: 16 of [a-z0-9].
func validTokenSecret(s string) bool { return len(s) == 16 && lowerAlnum(s) }

func lowerAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// extraGroupPrefix starts every extra group.
const extraGroupPrefix = DefaultGroup + ":"

// ValidGroup reports whether group is a valid extra group, matching
// Kubernetes' pattern \Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z.
func ValidGroup(group string) bool {
	rest, ok := strings.CutPrefix(group, extraGroupPrefix)
	if !ok || len(rest) == 0 || len(rest) > 256 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			continue
		}
		if (c == ':' || c == '-') && i < len(rest)-1 {
			continue
		}
		return false
	}
	return true
}

// Groups returns the groups of a bootstrap token user whose
// auth-extra-groups value is extra: [DefaultGroup] and the extra groups,
// sorted and without duplicates, as Kubernetes returns them. extra is split
// on every comma with no trimming; an empty extra means no extra groups.
// The error, for an invalid group, names the group (group names are not
// secret).
func Groups(extra string) ([]string, error) {
	if extra == "" {
		return []string{DefaultGroup}, nil
	}
	groups := []string{DefaultGroup}
	for g := range strings.SplitSeq(extra, ",") {
		if !ValidGroup(g) {
			return nil, fmt.Errorf("%s: group %q does not match %s", ExtraGroupsKey, truncate(g), `\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z`)
		}
		groups = append(groups, g)
	}
	slices.Sort(groups)
	return slices.Compact(groups), nil
}
