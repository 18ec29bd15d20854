package oidc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/jwssig"
	"github.com/authnkit/authnkit/internal/jwtpeek"
	"github.com/authnkit/authnkit/internal/jwtverify"
	"github.com/authnkit/authnkit/oidc/internal/jwks"
)

// Authenticator verifies ID tokens from any number of issuers. Build it
// with [New]; it is safe for concurrent use. Close stops its key
// refreshers.
type Authenticator struct {
	cur     atomic.Pointer[state]
	opts    Options // resolved; slices are the Authenticator's
	algs    []jwssig.Alg
	maxLen  int
	logger  *slog.Logger
	onError func(error)
	onJWT   func(authn.JWTEvent) // nil: not observed

	mu     sync.Mutex // serialises Apply and Close
	closed bool
}

var _ authn.TokenAuthenticator = (*Authenticator)(nil)

// state is an immutable snapshot of the configured issuers.
type state struct {
	byIssuer map[string]*issuer
	issuers  []*issuer // in configuration order
	want     want
}

// New validates jwt (as kube-apiserver validates the "jwt" list of an
// AuthenticationConfiguration, with errors naming the field path, for
// example "jwt[0].issuer.url"), compiles its expressions with
// opts.Compiler and starts one key manager per issuer: [Authenticator.Prepare]
// and [Authenticator.Apply] in one. It does no network I/O itself: each
// issuer's discovery document and keys are fetched in the background,
// and until they arrive that issuer's tokens fail with
// [authn.ErrUnavailable]. An empty jwt is valid and authenticates nothing.
// Validation failures are a *[authconfig.ConfigError] matching
// [authconfig.ErrInvalidConfig].
func New(jwt []authconfig.JWT, opts Options) (*Authenticator, error) {
	opts.SigningAlgorithms = append([]string(nil), opts.SigningAlgorithms...)
	algs, err := allowedAlgs(opts.SigningAlgorithms)
	if err != nil {
		return nil, err
	}
	if opts.ClockSkew < 0 {
		return nil, errors.New("oidc: negative ClockSkew")
	}
	if opts.MaxTokenBytes <= 0 {
		opts.MaxTokenBytes = DefaultMaxTokenBytes
	}
	opts.KeySets = maps.Clone(opts.KeySets)
	a := &Authenticator{opts: opts, algs: algs, maxLen: opts.MaxTokenBytes, logger: opts.Logger, onError: opts.OnError}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	a.logger = a.logger.With("authenticator", "oidc")
	a.opts.Logger = a.logger
	if a.onError == nil {
		a.onError = func(error) {}
	}
	if opts.Observer != nil {
		a.onJWT = opts.Observer.JWT
	}
	a.cur.Store(&state{})
	p, err := a.Prepare(jwt)
	if err != nil {
		return nil, err
	}
	a.Apply(p)
	return a, nil
}

// Prepared is a configuration that [Authenticator.Prepare] has validated
// and compiled, ready for [Authenticator.Apply]. It is immutable, starts
// nothing and holds no connection: one that is never applied needs no
// cleanup.
type Prepared struct {
	owner   *Authenticator
	issuers []*issuer // compiled, without key managers: Apply attaches them
	want    want
}

// Prepare validates jwt as [New] does and compiles its expressions,
// without changing the configuration a serves or starting anything: the
// result takes effect only when passed to [Authenticator.Apply]. Parsing
// a changed configuration file calls Prepare, so that a file that is
// wrong is refused before anything changes.
//
// Errors: an invalid configuration (including an expression that does
// not compile) is a *[authconfig.ConfigError] matching
// [authconfig.ErrInvalidConfig]. Prepare is safe for concurrent use, also
// after Close.
func (a *Authenticator) Prepare(jwt []authconfig.JWT) (*Prepared, error) {
	if err := (&authconfig.AuthenticationConfiguration{JWT: jwt}).ValidateStatic(); err != nil {
		return nil, err
	}
	var ferrs []*authconfig.FieldError
	p := &Prepared{owner: a, want: want{names: map[string]struct{}{}}}
	for i := range jwt {
		is, errs := compile(fmt.Sprintf("jwt[%d]", i), &jwt[i], a.algs, &a.opts)
		ferrs = append(ferrs, errs...)
		p.issuers = append(p.issuers, is)
	}
	if len(ferrs) > 0 {
		return nil, &authconfig.ConfigError{Errors: ferrs}
	}
	for i, is := range p.issuers {
		// What Apply will ask of the key manager, checked now so that
		// Apply cannot fail; an issuer with the program's keys has none.
		if _, own := a.opts.KeySets[is.url]; !own {
			if err := jwks.Check(a.keySetOptions(is)); err != nil {
				return nil, fmt.Errorf("oidc: jwt[%d]: %w", i, err)
			}
		}
		if is.usesExpressions {
			p.want.all = true
		}
		for _, n := range is.claimNames {
			p.want.names[n] = struct{}{}
		}
	}
	return p, nil
}

// Apply makes p the configuration that AuthenticateToken, Health and
// Ready use, in one atomic step: a token is checked entirely under the
// previous configuration or entirely under p. Issuers whose URL,
// discovery URL and certificate authority are unchanged keep their key
// manager and its keys; a new issuer gets a key manager, and its tokens
// fail with [authn.ErrUnavailable] until its keys arrive; the key managers
// of issuers that p leaves out are stopped.
//
// Apply cannot fail. After Close it does nothing. It is safe to call
// concurrently with everything; concurrent calls take effect one after
// the other. p must come from a's own Prepare (Apply panics otherwise);
// applying the same p again changes nothing.
func (a *Authenticator) Apply(p *Prepared) {
	if p.owner != a {
		panic("oidc: Apply of a configuration prepared by another Authenticator")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	old := a.cur.Load()
	reuse := make(map[keySetID]*issuer, len(old.issuers))
	for _, is := range old.issuers {
		reuse[is.keyID] = is
	}
	st := &state{byIssuer: make(map[string]*issuer, len(p.issuers)), want: p.want}
	for _, prepared := range p.issuers {
		is := *prepared // p stays as it is, and may be applied again
		if ks, own := a.opts.KeySets[is.url]; own {
			is.static = ks
		} else if prev, ok := reuse[is.keyID]; ok && prev.keys != nil {
			is.keys, is.client, is.ownClient = prev.keys, prev.client, prev.ownClient
		} else {
			ks, err := jwks.New(a.keySetOptions(&is))
			if err != nil {
				panic("oidc: key manager refused what Prepare checked: " + err.Error())
			}
			is.keys = ks
		}
		st.issuers = append(st.issuers, &is)
		st.byIssuer[is.url] = &is
		if is.url == googleIssuer {
			st.byIssuer[googleIssuerNoScheme] = &is
		}
	}
	a.cur.Store(st)
	keep := make(map[*jwks.Set]bool, len(st.issuers))
	for _, is := range st.issuers {
		keep[is.keys] = true
	}
	for _, is := range old.issuers {
		if is.keys != nil && !keep[is.keys] {
			_ = is.close()
		}
		if st.byIssuer[is.url] == nil && a.opts.Observer != nil && a.opts.Observer.IssuerRemoved != nil {
			a.opts.Observer.IssuerRemoved(authn.IssuerRemovedEvent{Issuer: is.url})
		}
	}
	a.logger.Info("configuration applied", "issuers", len(st.issuers))
}

// keySetOptions configures the key manager of is.
func (a *Authenticator) keySetOptions(is *issuer) jwks.Options {
	return jwks.Options{
		IssuerURL:          is.url,
		DiscoveryURL:       is.keyID.discoveryURL,
		Client:             is.client,
		MinRefresh:         a.opts.MinRefresh,
		MaxRefresh:         a.opts.MaxRefresh,
		UnknownKeyCooldown: a.opts.UnknownKeyCooldown,
		Algorithms:         a.algs,
		Logger:             a.logger,
		OnError:            a.onError,
		Observer:           a.opts.Observer,
	}
}

// Close stops every issuer's key manager and waits for them. Tokens then
// verify with the keys last fetched. Close is idempotent.
func (a *Authenticator) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	var errs []error
	for _, is := range a.cur.Load().issuers {
		errs = append(errs, is.close())
	}
	return errors.Join(errs...)
}

// Health is one issuer's key status, for readiness checks and logs.
type Health struct {
	Issuer string
	// Ready: usable keys are loaded, so the issuer's tokens can verify.
	// It is false before the first successful key fetch, and while the
	// issuer publishes no usable signing key (then LastRefresh is set and
	// Keys is 0).
	Ready       bool
	Keys        int       // usable keys loaded
	LastRefresh time.Time // last successful key fetch
	LastError   error     // of the last fetch attempt; nil after a success
	// NextRefresh is when the key manager fetches next: the refresh the
	// JWKS response's max-age asks for after a success, the backoff's
	// retry after a failure. Zero for the program's own keys
	// ([Options.KeySets]), before the first fetch ends, and after Close.
	NextRefresh time.Time
}

// Health reports every configured issuer's key status, in configuration
// order.
func (a *Authenticator) Health() []Health {
	st := a.cur.Load()
	out := make([]Health, 0, len(st.issuers))
	for _, is := range st.issuers {
		if is.static != nil {
			keys, err := is.static.Keys(context.Background(), "")
			out = append(out, Health{Issuer: is.url, Ready: err == nil && len(keys) > 0, Keys: len(keys), LastError: err})
			continue
		}
		h := is.keys.Health()
		out = append(out, Health{Issuer: is.url, Ready: h.Ready && h.Keys > 0, Keys: h.Keys, LastRefresh: h.LastRefresh,
			LastError: h.LastError, NextRefresh: h.NextRefresh})
	}
	return out
}

// Ready returns nil when every issuer has usable keys, or an error naming
// each issuer that does not, for a readiness check. An issuer whose keys
// are not loaded yet is reported with its last fetch error (or as still
// on its first fetch) in an error matching [authn.ErrUnavailable]; an
// issuer whose current key set holds no usable key — it publishes none,
// and every token of it is refused — in one matching
// [authn.ErrUnknownKey]. Keys once loaded keep an issuer ready through
// later fetch failures, since they keep verifying.
func (a *Authenticator) Ready() error {
	var errs []error
	for _, is := range a.cur.Load().issuers {
		if is.static != nil {
			continue // the program's own keys: nothing to wait for
		}
		h := is.keys.Health()
		switch {
		case h.Ready && h.Keys > 0:
		case h.Ready:
			errs = append(errs, fmt.Errorf("issuer %q publishes no usable signing key: every token of it is refused (%w)", is.url, authn.ErrUnknownKey))
		case h.LastError != nil:
			errs = append(errs, &authn.UnavailableError{Err: fmt.Errorf("issuer %q: keys not loaded: %w", is.url, h.LastError)})
		default:
			errs = append(errs, &authn.UnavailableError{Err: fmt.Errorf("issuer %q: keys not loaded yet, first fetch in progress", is.url)})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("oidc: %w", errors.Join(errs...))
}

// AuthenticateToken verifies an ID token.
//
// A token that is not recognisably for one of the configured issuers gets
// no opinion, (nil, false, nil), so that another authenticator may own it:
// not a compact JWS (a JWE, an opaque token) or its payload not a JSON
// object, or an "iss" nobody configured. The issuer is found by the
// token's "iss" in one map lookup, whatever the number of issuers; the
// payload is decoded once, before the signature is checked, and trusted
// only after.
//
// A token for a configured issuer is checked in this order, and a failure
// returns (nil, false, err) with err matching:
//
//   - [authn.ErrMalformed]: a bad header, ambiguous JSON, a registered
//     claim of the wrong type whatever the configuration reads ("sub",
//     "nonce" or "at_hash" not a string, "aud" not a string or strings,
//     "exp" or "iat" not a number, "nbf" not a number or null, malformed
//     "_claim_names" or "_claim_sources"), longer than
//     [Options.MaxTokenBytes], bad base64url;
//   - [ErrAlgorithm]: an "alg" not allowed (none, HMAC, or not
//     configured); it also matches [authn.ErrBadSignature];
//   - [authn.ErrUnavailable]: the issuer's keys are not loaded yet;
//   - [authn.ErrUnknownKey]: no usable key with the token's "kid", even
//     after a refetch, or the issuer publishes no usable signing key;
//   - [authn.ErrBadSignature], [authn.ErrWrongAudience], [authn.ErrExpired]
//     (an *[authn.ExpiredError]), [authn.ErrNotYetValid] (an
//     *[authn.NotYetValidError]);
//   - from the claims, [ErrClaimValidation], [ErrEmailNotVerified],
//     [ErrMissingClaim], [ErrExpression], [ErrUserValidation] or
//     [ErrReservedName], each of which also matches
//     [authn.ErrInvalidToken].
//
// Errors name the issuer and kid, never the token or claim values that
// could be secret.
//
// On success resp.User is mapped as configured, resp.Audiences are the
// configured audiences the token's "aud" matched, and resp.Expiry is its
// "exp". resp is the caller's.
func (a *Authenticator) AuthenticateToken(ctx context.Context, token string) (*authn.Response, bool, error) {
	st := a.cur.Load()
	if len(st.issuers) == 0 {
		return nil, false, nil
	}
	start := a.start()
	jws, err := jwtpeek.Split(token, a.maxLen)
	if err != nil {
		if iss := jwtverify.PeekIssuer(token, a.maxLen); st.byIssuer[iss] != nil {
			return a.refuse(start, st.byIssuer[iss], "", fmt.Errorf("%w: %w", authn.ErrMalformed, err))
		}
		return nil, false, nil
	}
	return a.authenticate(ctx, st, &jws, "", start)
}

// Owns reports whether iss is one of the configured issuers, for the JWT
// dispatch that options sets up.
func (a *Authenticator) Owns(iss string) bool {
	return iss != "" && a.cur.Load().byIssuer[iss] != nil
}

// AuthenticateJWS is [Authenticator.AuthenticateToken] for a token that
// the JWT dispatch has split already and attributed to iss, one of ours.
func (a *Authenticator) AuthenticateJWS(ctx context.Context, token string, jws jwtpeek.JWS, iss string) (*authn.Response, bool, error) {
	st := a.cur.Load()
	start := a.start()
	if len(token) > a.maxLen {
		if is := st.byIssuer[iss]; is != nil {
			return a.refuse(start, is, "", fmt.Errorf("%w: longer than %d bytes", authn.ErrMalformed, a.maxLen))
		}
		return nil, false, nil
	}
	return a.authenticate(ctx, st, &jws, iss, start)
}

// authenticate decodes the claims of a split token and verifies it when
// its issuer is configured (and, when the dispatch read it first, is iss).
// start is when the verification began, for the observer.
func (a *Authenticator) authenticate(ctx context.Context, st *state, jws *jwtpeek.JWS, iss string, start time.Time) (*authn.Response, bool, error) {
	var c claims
	if err := decodeClaims(jws.Payload, &st.want, &c); err != nil {
		return nil, false, nil
	}
	is := st.byIssuer[c.iss]
	if is == nil || (iss != "" && c.iss != iss) {
		return nil, false, nil
	}
	resp, kid, err := a.verify(ctx, is, jws, &c)
	if err != nil {
		return a.refuse(start, is, kid, err)
	}
	a.observe(start, is, authn.ResultSuccess)
	return resp, true, nil
}

// start returns the time a verification starts, for the observer: zero
// without one, so that no clock is read for nothing.
func (a *Authenticator) start() time.Time {
	if a.onJWT == nil {
		return time.Time{}
	}
	return time.Now()
}

// refuse returns the refusal of a token of is, with the kid of its header,
// and reports it.
func (a *Authenticator) refuse(start time.Time, is *issuer, kid string, err error) (*authn.Response, bool, error) {
	a.observe(start, is, authn.ResultFailure)
	return nil, false, jwtverify.Refuse(authenticatorName, is.url, kid, err)
}

// observe reports the verification of a token of is that began at start.
func (a *Authenticator) observe(start time.Time, is *issuer, result string) {
	if a.onJWT != nil {
		a.onJWT(authn.JWTEvent{Authenticator: authenticatorName, Issuer: is.url, Result: result, Duration: time.Since(start)})
	}
}

// authenticatorName names this package in a [TokenError].
const authenticatorName = "oidc"

// TokenError is the type of every rejection of a token of a configured
// issuer: it carries the issuer, the key ID of the token's header and the
// cause, and unwraps to the cause, so that [errors.Is] finds its sentinel.
// The serviceaccount package's TokenError is the same type.
type TokenError = jwtverify.TokenError

// verify checks a token already attributed to is, and returns the kid of
// its header, for the error.
func (a *Authenticator) verify(ctx context.Context, is *issuer, jws *jwtpeek.JWS, c *claims) (*authn.Response, string, error) {
	h, err := jwtpeek.ParseHeader(jws.Header)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", authn.ErrMalformed, err)
	}
	resp, err := a.verifyWith(ctx, is, h, jws, c)
	return resp, h.Kid, err
}

func (a *Authenticator) verifyWith(ctx context.Context, is *issuer, h jwtpeek.Header, jws *jwtpeek.JWS, c *claims) (*authn.Response, error) {
	if c.ambiguity != nil {
		return nil, fmt.Errorf("%w: %w", authn.ErrMalformed, c.ambiguity)
	}
	if c.typeErr != nil {
		return nil, fmt.Errorf("%w: %w", authn.ErrMalformed, c.typeErr)
	}
	if err := a.checkSignature(ctx, is, h, jws); err != nil {
		return nil, err
	}
	auds := matchAudiences(c.aud, is.auds)
	if len(auds) == 0 {
		return nil, fmt.Errorf("%w: token audiences %q, accepted %q", authn.ErrWrongAudience, jwtverify.ClipList(c.aud), is.auds)
	}
	if err := a.checkTimes(c); err != nil {
		return nil, err
	}
	if is.groups.claim != "" {
		if err := a.expandDistributed(ctx, is, c); err != nil {
			return nil, err
		}
	}
	u, err := a.mapUser(ctx, is, c)
	if err != nil {
		return nil, err
	}
	return &authn.Response{User: u, Audiences: auds, Expiry: c.exp.t}, nil
}

// checkSignature checks that the token's "alg" is allowed for is and
// verifies the signature with is's keys for the token's kid (every key
// when there is none).
func (a *Authenticator) checkSignature(ctx context.Context, is *issuer, h jwtpeek.Header, jws *jwtpeek.JWS) error {
	alg, ok := is.alg(h.Alg)
	if !ok {
		return fmt.Errorf("%w: %q", ErrAlgorithm, jwtverify.Clip(h.Alg))
	}
	return jwtverify.Verify(ctx, is.keySet(), alg, h, jws)
}

// matchAudiences returns the configured audiences that tok contains.
func matchAudiences(tok, configured []string) []string {
	var out []string
	for _, want := range configured {
		for _, t := range tok {
			if t == want {
				out = append(out, want)
				break
			}
		}
	}
	return out
}

// checkTimes applies Kubernetes' (go-oidc's) rules, widened by ClockSkew:
// "exp" is required and may not have passed; "nbf" and "iat" may be up to
// the leeway in the future.
func (a *Authenticator) checkTimes(c *claims) error {
	now := time.Now()
	if !c.exp.set {
		return fmt.Errorf("%w: no exp claim", authn.ErrMalformed)
	}
	if now.Add(-a.opts.ClockSkew).After(c.exp.t) {
		return &authn.ExpiredError{Expiry: c.exp.t}
	}
	early := NotBeforeLeeway
	if a.opts.ClockSkew > 0 {
		early = a.opts.ClockSkew
	}
	if c.nbf.set && now.Add(early).Before(c.nbf.t) {
		return &authn.NotYetValidError{NotBefore: c.nbf.t}
	}
	if c.iat.set && now.Add(early).Before(c.iat.t) {
		return &authn.NotYetValidError{NotBefore: c.iat.t}
	}
	return nil
}
