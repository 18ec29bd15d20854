package oidc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/jwtpeek"
	"github.com/authnkit/authnkit/internal/jwtverify"
)

// maxClaimJWTBytes bounds a distributed-claims response.
const maxClaimJWTBytes = DefaultMaxTokenBytes

// errDistributed marks a failure to resolve a distributed claim.
var errDistributed = errors.New("distributed claim")

// expandDistributed resolves the groups claim from its distributed source
// (OpenID Connect Core §5.6.2) when the token does not carry it, as
// Kubernetes does: "_claim_names" maps the claim to a source in
// "_claim_sources", whose "endpoint" answers, with the source's
// "access_token" as a bearer token, a JWT holding the claim. Beyond
// Kubernetes, the endpoint must be https, the answer is bounded, and the
// JWT must come from a configured issuer (Kubernetes will run discovery
// against whatever issuer the answer names) and match this issuer's
// audiences; it is verified like an ID token.
func (a *Authenticator) expandDistributed(ctx context.Context, is *issuer, c *claims) error {
	claim := is.groups.claim
	if _, ok := c.values[claim]; ok {
		return nil
	}
	rawNames, ok := c.values[claimNamesKey]
	if !ok {
		return nil
	}
	names, ok := rawNames.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: %w: %s is %s, not an object", authn.ErrMalformed, errDistributed, claimNamesKey, jsonType(rawNames))
	}
	srcName, ok := names[claim]
	if !ok {
		return nil
	}
	src, ok := srcName.(string)
	if !ok {
		return fmt.Errorf("%w: %w: %s[%q] is not a string", authn.ErrMalformed, errDistributed, claimNamesKey, claim)
	}
	sources, ok := c.values[claimSourcesKey].(map[string]any)
	if !ok {
		return fmt.Errorf("%w: %w: no %s object", authn.ErrMalformed, errDistributed, claimSourcesKey)
	}
	source, ok := sources[src].(map[string]any)
	if !ok {
		return fmt.Errorf("%w: %w: source %q is missing from %s", authn.ErrMalformed, errDistributed, jwtverify.Clip(src), claimSourcesKey)
	}
	endpoint, _ := source["endpoint"].(string)
	if endpoint == "" {
		return nil // aggregated claims ("JWT") are not resolved, as in Kubernetes
	}
	accessToken, _ := source["access_token"].(string)

	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%w: %w: endpoint of source %q is not an https URL", authn.ErrMalformed, errDistributed, jwtverify.Clip(src))
	}
	jwt, err := fetchClaimJWT(ctx, is.client, u.String(), accessToken)
	if err != nil {
		return &authn.UnavailableError{Err: fmt.Errorf("%w %q from %s: %w", errDistributed, claim, u.Redacted(), err)}
	}
	v, err := a.verifyClaimJWT(ctx, is, jwt, claim)
	if err != nil {
		return fmt.Errorf("%w %q from %s: %w", errDistributed, claim, u.Redacted(), err)
	}
	c.values[claim] = v
	return nil
}

// checkDistributed applies to every token the rules go-oidc, which
// Kubernetes decodes every token with, sets on distributed claims (OpenID
// Connect Core §5.6.2), whatever the configuration reads: "_claim_names",
// when present and not null, is an object whose members each name (a
// non-empty string) a member of "_claim_sources"; "_claim_sources" is an
// object whose members are objects (or null) with a string "endpoint" and
// "access_token" when present. The error names no value.
func checkDistributed(names, sources any) error {
	srcs, ok := sources.(map[string]any)
	if !ok && sources != nil {
		return fmt.Errorf("claim %q: %w: %s, not an object", claimSourcesKey, errClaimType, jsonType(sources))
	}
	for name, src := range srcs {
		if src == nil {
			continue
		}
		obj, ok := src.(map[string]any)
		if !ok {
			return fmt.Errorf("claim %q: source %q: %w: %s, not an object", claimSourcesKey, jwtverify.Clip(name), errClaimType, jsonType(src))
		}
		for _, field := range []string{"endpoint", "access_token"} {
			if v, ok := obj[field]; ok && v != nil {
				if _, ok := v.(string); !ok {
					return fmt.Errorf("claim %q: source %q: %q: %w", claimSourcesKey, jwtverify.Clip(name), field, errClaimType)
				}
			}
		}
	}
	nm, ok := names.(map[string]any)
	if !ok && names != nil {
		return fmt.Errorf("claim %q: %w: %s, not an object", claimNamesKey, errClaimType, jsonType(names))
	}
	for claim, v := range nm {
		src, ok := v.(string)
		if !ok && v != nil {
			return fmt.Errorf("claim %q: %q: %w: %s, not a string", claimNamesKey, jwtverify.Clip(claim), errClaimType, jsonType(v))
		}
		if src == "" {
			return fmt.Errorf("claim %q: %q names no source", claimNamesKey, jwtverify.Clip(claim))
		}
		if _, ok := srcs[src]; !ok {
			return fmt.Errorf("claim %q: %q names a source missing from %s", claimNamesKey, jwtverify.Clip(claim), claimSourcesKey)
		}
	}
	return nil
}

// fetchClaimJWT GETs a distributed claim JWT.
func fetchClaimJWT(ctx context.Context, client *http.Client, endpoint, accessToken string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return "", err
	}
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	// Kubernetes' range of success: 200 to 226 (IM Used).
	if resp.StatusCode < http.StatusOK || resp.StatusCode > http.StatusIMUsed {
		return "", fmt.Errorf("status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxClaimJWTBytes+1))
	if err != nil {
		return "", err
	}
	if len(body) > maxClaimJWTBytes {
		return "", fmt.Errorf("answer longer than %d bytes", maxClaimJWTBytes)
	}
	return strings.TrimSpace(string(body)), nil
}

// verifyClaimJWT verifies a distributed claim JWT as an ID token of a
// configured issuer, with is's audiences, and returns the claim's value.
func (a *Authenticator) verifyClaimJWT(ctx context.Context, is *issuer, token, claim string) (any, error) {
	jws, err := jwtpeek.Split(token, a.maxLen)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", authn.ErrMalformed, err)
	}
	var c claims
	if err := decodeClaims(jws.Payload, &want{names: map[string]struct{}{claim: {}}}, &c); err != nil {
		return nil, fmt.Errorf("%w: %w", authn.ErrMalformed, err)
	}
	src := a.cur.Load().byIssuer[c.iss]
	if src == nil {
		return nil, fmt.Errorf("%w: issuer %q is not configured", authn.ErrWrongIssuer, jwtverify.Clip(c.iss))
	}
	h, err := jwtpeek.ParseHeader(jws.Header)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", authn.ErrMalformed, err)
	}
	if c.ambiguity != nil || c.typeErr != nil {
		return nil, fmt.Errorf("%w: %w", authn.ErrMalformed, errors.Join(c.ambiguity, c.typeErr))
	}
	if err := a.checkSignature(ctx, src, h, &jws); err != nil {
		return nil, err
	}
	if len(matchAudiences(c.aud, is.auds)) == 0 {
		return nil, fmt.Errorf("%w: token audiences %q, accepted %q", authn.ErrWrongAudience, jwtverify.ClipList(c.aud), is.auds)
	}
	if err := a.checkTimes(&c); err != nil {
		return nil, err
	}
	v, ok := c.values[claim]
	if !ok {
		return nil, fmt.Errorf("%w: the answer has no %q claim", ErrMissingClaim, claim)
	}
	return v, nil
}
