package serviceaccount

import (
	"cmp"
	"context"
	"crypto"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authnkit/authnkit/authn"
	aud "github.com/authnkit/authnkit/internal/audience"
	"github.com/authnkit/authnkit/internal/jwtpeek"
	"github.com/authnkit/authnkit/internal/jwtverify"
	"github.com/authnkit/authnkit/internal/reload"
)

// DefaultClockSkew is the clock skew allowed on "exp", "nbf" and "iat"
// when [Options.ClockSkew] is zero: Kubernetes validates service-account
// tokens with go-jose's Claims.Validate, which applies jwt.DefaultLeeway,
// one minute.
const DefaultClockSkew = time.Minute

// DefaultMaxSize bounds a key file when its [authn.FileOptions.MaxSize] is
// zero: 1 MiB, room for thousands of keys.
const DefaultMaxSize = 1 << 20

// DefaultMaxTokenBytes bounds the tokens an [Authenticator] looks at, in
// bytes, when [Options.MaxTokenBytes] is zero.
// Kubernetes' service-account tokens are one to two KiB; a longer token is
// no opinion, found before any decoding.
const DefaultMaxTokenBytes = 16 << 10

// Options configures an [Authenticator]. The zero value is not usable:
// set Issuers or Legacy, and KeyFiles or Keys.
type Options struct {
	// KeyFiles are --service-account-key-file: files of PEM RSA or ECDSA
	// public keys, certificates or private keys (only their public halves
	// are kept), or, beyond Kubernetes, a JWKS or JWK in JSON. Each file is
	// watched and reloaded as [authn.FileOptions] says (MaxSize zero:
	// [DefaultMaxSize]); a file that fails to read or parse keeps its
	// previous keys serving.
	KeyFiles []authn.FileOptions
	// Keys are static verification keys (RSA or ECDSA public keys, or
	// private keys whose public halves are used), in addition to KeyFiles.
	Keys []crypto.PublicKey
	// Issuers are --service-account-issuer: the "iss" values of bound
	// tokens accepted. The first is the one Kubernetes mints with.
	Issuers []string
	// APIAudiences are --api-audiences: the audiences accepted when the
	// request context carries none ([authn.WithAudiences] wins when set),
	// and the audiences legacy tokens (which have no "aud") are taken to
	// have. Empty means all of Issuers, as kube-apiserver defaults them
	// for its token authenticators (ToAuthenticationConfig in
	// pkg/kubeapiserver/options/authentication.go). With neither, New
	// fails: there is no "any audience".
	APIAudiences []string
	// Legacy accepts legacy, secret-based tokens ("iss"
	// "kubernetes/serviceaccount"). Off, such tokens get no opinion.
	Legacy bool
	// Lookup, when set, is asked whether the objects a token names still
	// exist (--service-account-lookup). With Legacy it must be a
	// [SecretLookup], which also checks that a legacy token's Secret
	// still holds it; New fails otherwise. Nil: no revocation check.
	Lookup Lookup
	// ClockSkew is the clock skew allowed on "exp", "nbf" and "iat". Zero
	// means [DefaultClockSkew]; negative is an error.
	ClockSkew time.Duration
	// MaxTokenBytes bounds the tokens looked at: a longer one gets no
	// opinion, found before any decoding. Zero means
	// [DefaultMaxTokenBytes]; negative is an error.
	MaxTokenBytes int
	// Logger receives key file lifecycle events (loaded, reload failed),
	// never a token. Nil means [slog.Default], resolved once in New; it
	// is tagged authenticator=serviceaccount.
	Logger *slog.Logger
	// Now is the clock for "exp", "nbf", "iat" and "warnafter". Nil means
	// time.Now.
	Now func() time.Time
	// Observer receives an [authn.JWTEvent] per validation of a token of
	// one of our issuers (Authenticator "serviceaccount"), an
	// [authn.ServiceAccountTokenEvent] for each token that Kubernetes'
	// service-account token counters count, and an [authn.ReloadEvent]
	// (Component "serviceaccount", Entries the number of keys) after
	// every attempt to load a key file, the first included. Nil: nothing
	// is recorded.
	Observer *authn.Observer
}

// Authenticator validates Kubernetes service-account tokens, bound and
// (if enabled) legacy, as kube-apiserver does. It implements
// [authn.TokenAuthenticator]; it is safe for concurrent use and takes no
// lock on the request path. Create it with [New] and stop its key file
// watchers with [Authenticator.Close].
type Authenticator struct {
	keys    atomic.Pointer[jwtverify.Static]
	static  []publicKey
	files   []*reload.File[keyFile]
	mu      sync.Mutex // serializes rebuilds of keys
	issuers []string
	legacy  bool
	auds    []string
	lookup  Lookup
	secrets SecretLookup // lookup, when legacy tokens are on
	leeway  time.Duration
	maxLen  int
	now     func() time.Time
	logger  *slog.Logger
	onJWT   func(authn.JWTEvent)                 // nil: not observed
	onToken func(authn.ServiceAccountTokenEvent) // nil: not observed
}

// keyFile is the snapshot of one key file: its keys.
type keyFile []publicKey

// Entries is the number of keys, as a reload.Counter: for health and
// reload events.
func (k *keyFile) Entries() int { return len(*k) }

var (
	_ authn.TokenAuthenticator = (*Authenticator)(nil)
	_ jwtverify.Member         = (*Authenticator)(nil)
)

// New validates opts, reads every key file and returns an Authenticator
// that keeps them current. It fails when a key file cannot be read or
// holds no usable key (the error names the file), when no key is given at
// all, when neither Issuers nor Legacy is set, when no API audience can
// be derived, or when Legacy is set with a Lookup that is not a
// [SecretLookup]. It does no network I/O. The Authenticator owns one
// goroutine per key file until [Authenticator.Close].
func New(opts Options) (*Authenticator, error) {
	switch {
	case len(opts.Issuers) == 0 && !opts.Legacy:
		return nil, errors.New("serviceaccount: no issuer, and legacy tokens are off")
	case len(opts.KeyFiles) == 0 && len(opts.Keys) == 0:
		return nil, errors.New("serviceaccount: no verification keys")
	case opts.ClockSkew < 0:
		return nil, fmt.Errorf("serviceaccount: negative ClockSkew %s", opts.ClockSkew)
	case opts.MaxTokenBytes < 0:
		return nil, fmt.Errorf("serviceaccount: negative MaxTokenBytes %d", opts.MaxTokenBytes)
	case slices.Contains(opts.Issuers, ""):
		return nil, errors.New("serviceaccount: empty issuer")
	case slices.Contains(opts.APIAudiences, ""):
		return nil, errors.New("serviceaccount: empty API audience")
	}
	a := &Authenticator{
		issuers: slices.Clone(opts.Issuers),
		legacy:  opts.Legacy,
		auds:    slices.Clone(opts.APIAudiences),
		lookup:  opts.Lookup,
		leeway:  cmp.Or(opts.ClockSkew, DefaultClockSkew),
		maxLen:  cmp.Or(opts.MaxTokenBytes, DefaultMaxTokenBytes),
		now:     opts.Now,
		logger:  opts.Logger,
	}
	if a.legacy && a.lookup != nil {
		sl, ok := a.lookup.(SecretLookup)
		if !ok {
			return nil, fmt.Errorf("serviceaccount: legacy tokens are on and Lookup %T cannot read Secrets: implement SecretLookup, or turn Legacy off", a.lookup)
		}
		a.secrets = sl
	}
	if len(a.auds) == 0 {
		if len(a.issuers) == 0 {
			return nil, errors.New("serviceaccount: no API audiences and no issuer to default them to")
		}
		a.auds = a.issuers
	}
	if a.now == nil {
		a.now = time.Now
	}
	if o := opts.Observer; o != nil {
		a.onJWT, a.onToken = o.JWT, o.ServiceAccountToken
	}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	a.logger = a.logger.With("authenticator", "serviceaccount")
	for i, k := range opts.Keys {
		pk, err := newPublicKey(k, "", "")
		if err != nil {
			return nil, fmt.Errorf("serviceaccount: Keys[%d]: %w", i, err)
		}
		a.static = append(a.static, pk)
	}
	for _, fo := range opts.KeyFiles {
		ro := reload.OptionsFor("serviceaccount", fo, DefaultMaxSize, a.logger, opts.Observer)
		ro.OnReload = func() {
			a.rebuild() // the file's new keys in use before the caller hears of it
			if fo.OnReload != nil {
				fo.OnReload()
			}
		}
		f, err := reload.New(fo.Path, func(path string, data []byte) (*keyFile, error) {
			keys, err := parseKeys(data)
			if err != nil {
				return nil, fmt.Errorf("serviceaccount: %s: %w", path, err)
			}
			kf := keyFile(keys)
			return &kf, nil
		}, ro)
		if err != nil {
			_ = a.Close()
			return nil, err
		}
		a.mu.Lock() // an earlier file's watcher may be rebuilding
		a.files = append(a.files, f)
		a.mu.Unlock()
	}
	a.rebuild()
	a.logger.Info("loaded service-account keys", "keys", a.keys.Load().Len(), "files", len(a.files))
	return a, nil
}

// rebuild publishes a new key set from the static keys and every file's
// current keys.
func (a *Authenticator) rebuild() {
	a.mu.Lock()
	defer a.mu.Unlock()
	groups := [][]publicKey{a.static}
	for _, f := range a.files {
		groups = append(groups, *f.Load())
	}
	a.keys.Store(newKeySet(groups...))
}

// PublicKeys returns the verification keys now in use (static keys first,
// then each file's, in order), for publishing with [DiscoveryHandler]. The
// slice is the caller's.
func (a *Authenticator) PublicKeys() []crypto.PublicKey {
	all := a.keys.Load().All()
	out := make([]crypto.PublicKey, len(all))
	for i, k := range all {
		out[i] = k.Public
	}
	return out
}

// Reload re-reads every key file now. It returns the failures joined; the
// files that failed keep their previous keys.
func (a *Authenticator) Reload() error {
	var errs []error
	for _, f := range a.files {
		errs = append(errs, f.Reload())
	}
	return errors.Join(errs...)
}

// Health reports the state of each key file, in the order of
// [Options.KeyFiles] ([authn.FileHealth]: when the keys in use were
// loaded, the last failure, the number of keys, the content's hash, the
// next periodic check); nil without key files. It does no I/O.
func (a *Authenticator) Health() []authn.FileHealth {
	a.mu.Lock()
	files := a.files
	a.mu.Unlock()
	var out []authn.FileHealth
	for _, f := range files {
		out = append(out, f.Health())
	}
	return out
}

// Close stops watching the key files and waits for the watchers to
// return. The keys loaded last keep working. Close is idempotent.
func (a *Authenticator) Close() error {
	a.mu.Lock()
	files := a.files
	a.mu.Unlock()
	var errs []error
	for _, f := range files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// AuthenticateToken validates a service-account token.
//
// A token that is not a compact JWS of at most [Options.MaxTokenBytes] bytes, whose
// payload is not JSON, or whose "iss" is none of [Options.Issuers] (nor
// [LegacyIssuer] with [Options.Legacy]) gets no opinion: (nil, false, nil),
// so that an OIDC authenticator may try it. A token with one of our
// issuers is then checked in Kubernetes' order: header, key and signature,
// audiences, validity times, required claims, lookup. A failure returns
// (nil, false, err) with err matching one of [authn.ErrMalformed],
// [authn.ErrUnknownKey], [authn.ErrBadSignature], [authn.ErrWrongAudience],
// [authn.ErrExpired] (an [authn.ExpiredError]), [authn.ErrNotYetValid]
// (an [authn.NotYetValidError]), [authn.ErrRevoked] (a [*RevokedError])
// or [authn.ErrUnavailable] (the lookup failed). Errors name the issuer, kid
// and objects, never the token.
//
// On success resp.User is "system:serviceaccount:<namespace>:<name>" with
// the service account's UID, groups "system:serviceaccounts" and
// "system:serviceaccounts:<namespace>", and Extra as Kubernetes fills it;
// resp.Audiences are the accepted audiences the token has, in the order
// they were requested (the context's, else the API audiences), as
// Kubernetes reports them; resp.Expiry is "exp" (zero for legacy tokens).
// resp is the caller's.
func (a *Authenticator) AuthenticateToken(ctx context.Context, token string) (*authn.Response, bool, error) {
	jws, err := jwtpeek.Split(token, a.maxLen)
	if err != nil {
		return nil, false, nil
	}
	return a.authenticate(ctx, token, &jws, "")
}

// Owns reports whether iss is one of the issuers this authenticator
// validates, for the JWT dispatch that options sets up.
func (a *Authenticator) Owns(iss string) bool {
	return iss != "" && ((a.legacy && iss == LegacyIssuer) || slices.Contains(a.issuers, iss))
}

// AuthenticateJWS is [Authenticator.AuthenticateToken] for a token that
// the JWT dispatch has split already and attributed to iss, one of ours.
func (a *Authenticator) AuthenticateJWS(ctx context.Context, token string, jws jwtpeek.JWS, iss string) (*authn.Response, bool, error) {
	if len(token) > a.maxLen {
		return nil, false, nil
	}
	return a.authenticate(ctx, token, &jws, iss)
}

// authenticate decodes the claims of a split token and validates it when
// its issuer is ours (and, when the dispatch read it first, is iss), and
// reports the validation to the observer.
func (a *Authenticator) authenticate(ctx context.Context, token string, jws *jwtpeek.JWS, iss string) (*authn.Response, bool, error) {
	var start time.Time
	if a.onJWT != nil {
		start = time.Now()
	}
	var c claims
	soft, hard := parseClaims(jws.Payload, &c)
	if hard != nil || !a.Owns(c.Issuer) || (iss != "" && c.Issuer != iss) {
		return nil, false, nil
	}
	var counted authn.ServiceAccountTokenEvent
	var resp *authn.Response
	var err error
	if soft != nil {
		err = jwtverify.Refuse(authenticatorName, c.Issuer, "", fmt.Errorf("%w: claims: %w", authn.ErrMalformed, soft))
	} else {
		var kid string
		if resp, kid, err = a.validate(ctx, token, jws, &c, &counted); err != nil {
			err = jwtverify.Refuse(authenticatorName, c.Issuer, kid, err)
		}
	}
	if a.onJWT != nil {
		result := authn.ResultSuccess
		if err != nil {
			result = authn.ResultFailure
		}
		a.onJWT(authn.JWTEvent{Authenticator: authenticatorName, Issuer: c.Issuer, Result: result, Duration: time.Since(start)})
	}
	if a.onToken != nil && counted != (authn.ServiceAccountTokenEvent{}) {
		a.onToken(counted)
	}
	if err != nil {
		return nil, false, err
	}
	return resp, true, nil
}

// authenticatorName names this package in a [TokenError].
const authenticatorName = "serviceaccount"

// TokenError is the type of every rejection of a token whose issuer is
// ours: it carries the issuer, the key ID of the token's header and the
// cause, and unwraps to the cause, so that [errors.Is] finds its authn
// sentinel. The oidc package's TokenError is the same type.
type TokenError = jwtverify.TokenError

// validate checks a token of one of our issuers and returns the kid of
// its header, for the error. It sets the fields of counted for the
// Kubernetes counters the token moves, where Kubernetes moves them.
func (a *Authenticator) validate(ctx context.Context, token string, jws *jwtpeek.JWS, c *claims, counted *authn.ServiceAccountTokenEvent) (*authn.Response, string, error) {
	iss := c.Issuer
	h, err := jwtpeek.ParseHeader(jws.Header)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", authn.ErrMalformed, err)
	}
	if err := a.verify(ctx, h, jws); err != nil {
		return nil, h.Kid, err
	}

	// Audiences, as jwtTokenAuthenticator.AuthenticateToken: those
	// requested that the token has, in the requested order. A token
	// without any is what Kubernetes counts as legacy, here.
	tokenAuds := []string(c.Audience)
	if len(tokenAuds) == 0 {
		tokenAuds = a.auds
		counted.Legacy = true
	}
	wanted := authn.AudiencesFrom(ctx)
	if wanted == nil {
		wanted = a.auds
	}
	auds := aud.Intersect(wanted, tokenAuds)
	if len(auds) == 0 {
		return nil, h.Kid, fmt.Errorf("%w: token audiences %q, accepted %q", authn.ErrWrongAudience, jwtverify.ClipList(tokenAuds), jwtverify.ClipList(wanted))
	}

	var resp *authn.Response
	if a.legacy && iss == LegacyIssuer {
		resp, err = a.validateLegacy(ctx, token, c, auds, counted)
	} else {
		resp, err = a.validateBound(ctx, c, auds, counted)
	}
	return resp, h.Kid, err
}

// verify checks the header's algorithm and the signature against the keys
// named by kid, or all keys when there is no kid. A key from a JWK that
// names an "alg" verifies that algorithm only.
func (a *Authenticator) verify(ctx context.Context, h jwtpeek.Header, jws *jwtpeek.JWS) error {
	alg, err := allowedAlg(h.Alg)
	if err != nil {
		return fmt.Errorf("%w: alg %q: %w", authn.ErrBadSignature, jwtverify.Clip(h.Alg), err)
	}
	return jwtverify.Verify(ctx, a.keys.Load(), alg, h, jws)
}

// checkTimes applies go-jose's Claims.ValidateWithLeeway as Kubernetes
// calls it: nbf and iat may be up to leeway in the future, exp up to
// leeway in the past.
func (a *Authenticator) checkTimes(c *claims) error {
	now := a.now()
	if c.NotBefore.set && now.Add(a.leeway).Before(c.NotBefore.time()) {
		return &authn.NotYetValidError{NotBefore: c.NotBefore.time()}
	}
	if c.Expiry.set && now.Add(-a.leeway).After(c.Expiry.time()) {
		return &authn.ExpiredError{Expiry: c.Expiry.time()}
	}
	if c.IssuedAt.set && now.Add(a.leeway).Before(c.IssuedAt.time()) {
		return fmt.Errorf("issued in the future: %w", &authn.NotYetValidError{NotBefore: c.IssuedAt.time()})
	}
	return nil
}

// validateBound applies Kubernetes' bound-token validator (claims.go),
// and counts a token with "warnafter" as stale or valid where it does.
func (a *Authenticator) validateBound(ctx context.Context, c *claims, auds []string, counted *authn.ServiceAccountTokenEvent) (*authn.Response, error) {
	if err := a.checkTimes(c); err != nil {
		return nil, err
	}
	k := &c.K8s
	ns, sa := k.Namespace, k.ServiceAccount
	if ns == "" || sa.Name == "" || sa.UID == "" {
		return nil, fmt.Errorf("%w: missing namespace, service account name or UID", authn.ErrMalformed)
	}
	if k.ValidatingWebhook != nil || k.MutatingWebhook != nil {
		// Kubernetes refuses these unless its alpha feature gate
		// APIServerWebhookAuthenticationToken is on; it is off by default.
		return nil, fmt.Errorf("%w: token bound to a webhook configuration", authn.ErrMalformed)
	}
	if err := a.check(ctx, KindServiceAccount, ns, sa); err != nil {
		return nil, err
	}
	if k.Secret != nil {
		if err := a.check(ctx, KindSecret, ns, *k.Secret); err != nil {
			return nil, err
		}
	}
	var extra map[string][]string
	var vals []string // one backing array for every Extra value
	add := func(key, v string) {
		if extra == nil {
			extra = make(map[string][]string, 5)
			vals = make([]string, 0, 5)
		}
		vals = append(vals, v)
		extra[key] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	if p := k.Pod; p != nil {
		if err := a.check(ctx, KindPod, ns, *p); err != nil {
			return nil, err
		}
	}
	if n := k.Node; n != nil && k.Pod == nil {
		// A token bound to a node alone: the node must still be there.
		if err := a.check(ctx, KindNode, "", *n); err != nil {
			return nil, err
		}
	}
	if w := k.WarnAfter; w.set && w.sec != 0 && a.onToken != nil {
		if a.now().After(w.time()) {
			counted.Stale = true
		} else {
			counted.Valid = true
		}
	}
	// The order of UserInfo() in k8s.io/apiserver's serviceaccount util.go.
	if p := k.Pod; p != nil && p.Name != "" && p.UID != "" {
		add(ExtraPodName, p.Name)
		add(ExtraPodUID, p.UID)
	}
	if c.ID != "" {
		add(authn.CredentialIDKey, "JTI="+c.ID)
	}
	if n := k.Node; n != nil && n.Name != "" {
		add(ExtraNodeName, n.Name)
		if n.UID != "" {
			add(ExtraNodeUID, n.UID)
		}
	}
	resp := newResponse(ns, sa.Name, sa.UID, auds, extra)
	if c.Expiry.set {
		resp.Expiry = c.Expiry.time()
	}
	return resp, nil
}

// validateLegacy applies Kubernetes' legacy validator (legacy.go): the
// four legacy claims and "sub" must be present and agree. Legacy tokens
// have no validity times; Kubernetes does not check them. With a lookup,
// the checks of legacyValidator.Validate follow, in its order.
func (a *Authenticator) validateLegacy(ctx context.Context, token string, c *claims, auds []string, counted *authn.ServiceAccountTokenEvent) (*authn.Response, error) {
	ns, name, uid, secret := c.LegacyNamespace, c.LegacySAName, c.LegacySAUID, c.LegacySecretName
	switch {
	case c.Subject == "":
		return nil, fmt.Errorf("legacy token: %w: sub claim is missing", authn.ErrMalformed)
	case ns == "" || name == "" || uid == "" || secret == "":
		return nil, fmt.Errorf("legacy token: %w: namespace, secret name, service account name or UID claim is missing", authn.ErrMalformed)
	case !matchesUsername(c.Subject, ns, name):
		return nil, fmt.Errorf("legacy token: %w: sub claim is invalid", authn.ErrMalformed)
	}
	if a.secrets != nil {
		if err := a.checkLegacy(ctx, token, ns, name, uid, secret, counted); err != nil {
			return nil, fmt.Errorf("legacy token: %w", err)
		}
	}
	return newResponse(ns, name, uid, auds, nil), nil
}

// checkLegacy asks the lookup whether the legacy token's Secret still
// holds it and its service account still exists, in the order of
// Kubernetes' legacyValidator: Secret found, not being deleted, holding
// this token; service account found with the token's UID; Secret not
// labelled InvalidSinceLabel, which counts the token as invalidated.
// Kubernetes' writes (the last-used label), audit annotations, warnings
// and its counters of auto-generated and manual tokens (which need the
// service account's list of Secrets) are not reproduced.
func (a *Authenticator) checkLegacy(ctx context.Context, token, ns, name, uid, secretName string, counted *authn.ServiceAccountTokenEvent) error {
	s, found, err := a.secrets.Secret(ctx, ns, secretName)
	revoked := func(reason RevokedReason) error {
		return &RevokedError{Kind: KindSecret, Namespace: ns, Name: secretName, Reason: reason}
	}
	switch {
	case err != nil:
		return &authn.UnavailableError{Err: fmt.Errorf("look up %s %s/%s: %w", KindSecret, ns, secretName, err)}
	case !found:
		return revoked(RevokedNotFound)
	case s.Deleting:
		return revoked(RevokedDeleting)
	case subtle.ConstantTimeCompare(s.Token, []byte(token)) != 1:
		return revoked(RevokedTokenChanged)
	}
	if err := a.check(ctx, KindServiceAccount, ns, ref{Name: name, UID: uid}); err != nil {
		return err
	}
	if since := s.Labels[InvalidSinceLabel]; since != "" {
		counted.Invalidated = true
		return fmt.Errorf("%w (since %q): remove the label to allow the token again", revoked(RevokedInvalidated), jwtverify.Clip(since))
	}
	return nil
}

// check asks the lookup whether r still exists with r's UID.
func (a *Authenticator) check(ctx context.Context, kind Kind, ns string, r ref) error {
	if a.lookup == nil {
		return nil
	}
	uid, found, err := a.lookup.UID(ctx, kind, ns, r.Name)
	switch {
	case err != nil:
		obj := r.Name
		if ns != "" {
			obj = ns + "/" + r.Name
		}
		return &authn.UnavailableError{Err: fmt.Errorf("look up %s %s: %w", kind, obj, err)}
	case !found:
		return &RevokedError{Kind: kind, Namespace: ns, Name: r.Name, Reason: RevokedNotFound}
	case uid != r.UID:
		return fmt.Errorf("%w (%q, the token names %q)", &RevokedError{Kind: kind, Namespace: ns, Name: r.Name, Reason: RevokedUIDChanged}, jwtverify.Clip(uid), jwtverify.Clip(r.UID))
	}
	return nil
}

func newResponse(ns, name, uid string, auds []string, extra map[string][]string) *authn.Response {
	return &authn.Response{
		User: authn.UserInfo{
			Name:   UsernamePrefix + ns + ":" + name,
			UID:    uid,
			Groups: []string{AllServiceAccounts, namespaceGroupPrefix + ns},
			Extra:  extra,
		},
		Audiences: auds,
	}
}

// matchesUsername reports whether sub is "system:serviceaccount:<ns>:<name>"
// with exactly these parts, as Kubernetes' SplitUsername and comparison:
// the namespace a DNS-1123 label, the name a DNS-1123 subdomain.
func matchesUsername(sub, ns, name string) bool {
	rest, ok := strings.CutPrefix(sub, UsernamePrefix)
	if !ok {
		return false
	}
	gotNS, gotName, ok := strings.Cut(rest, ":")
	return ok && gotNS == ns && gotName == name &&
		len(ns) <= 63 && !strings.Contains(ns, ".") && isDNSSubdomain(ns) &&
		len(name) <= 253 && isDNSSubdomain(name)
}

// isDNSSubdomain reports whether s is dot-separated labels of lower-case
// letters, digits and '-', each starting and ending with a letter or
// digit (Kubernetes' dns1123SubdomainFmt, length aside).
func isDNSSubdomain(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
