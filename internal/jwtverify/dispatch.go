package jwtverify

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/audience"
	"github.com/authnkit/authnkit/internal/jwtpeek"
)

// Member is a JWT authenticator that [Dispatch] hands tokens to. It is an
// [authn.TokenAuthenticator] too, which Dispatch calls as it is for a
// token it cannot split but whose issuer the member owns, so that the
// member answers malformed tokens its own way.
type Member interface {
	authn.TokenAuthenticator
	// Owns reports whether iss is one of the member's issuers. The set may
	// change (a configuration reload); the answer is for now.
	Owns(iss string) bool
	// AuthenticateJWS authenticates token, already split into jws, whose
	// payload names iss, an issuer the member owns; it has the outcomes of
	// AuthenticateToken. The member decodes the claims itself and gives
	// no opinion when they name another issuer.
	AuthenticateJWS(ctx context.Context, token string, jws jwtpeek.JWS, iss string) (*authn.Response, bool, error)
}

// Dispatch returns the token authenticator that reads a bearer token once
// — splits it, decodes its parts and finds its "iss" — and hands it to
// the first member that owns that issuer. A token no member owns, or that
// is not a JWT, gets no opinion without any member decoding it again.
// Tokens longer than [authn.MaxTokenBytes] are not JWTs here; members
// bound their own sizes.
func Dispatch(members ...Member) authn.TokenAuthenticator {
	return dispatch(members)
}

type dispatch []Member

func (d dispatch) AuthenticateToken(ctx context.Context, token string) (*authn.Response, bool, error) {
	jws, err := jwtpeek.Split(token, authn.MaxTokenBytes)
	if err != nil {
		// Not a compact JWS. A member may still own its issuer and call
		// that malformed: let it look, with its own rules.
		if m := d.owner(PeekIssuer(token, authn.MaxTokenBytes)); m != nil {
			return m.AuthenticateToken(ctx, token)
		}
		return nil, false, nil
	}
	iss, ok := Issuer(jws.Payload)
	if !ok {
		return nil, false, nil
	}
	if m := d.owner(iss); m != nil {
		return m.AuthenticateJWS(ctx, token, jws, iss)
	}
	return nil, false, nil
}

func (d dispatch) owner(iss string) Member {
	if iss == "" {
		return nil
	}
	for _, m := range d {
		if m.Owns(iss) {
			return m
		}
	}
	return nil
}

// AudienceAgnostic wraps m, which knows nothing of audiences, as
// [authn.AudienceAgnostic] wraps a token authenticator: with accepted
// audiences in the context, m is asked only when they intersect implicit,
// and a success reports the intersection.
func AudienceAgnostic(implicit []string, m Member) Member {
	return agnostic{Member: m, implicit: slices.Clone(implicit)}
}

type agnostic struct {
	Member
	implicit []string
}

func (a agnostic) AuthenticateToken(ctx context.Context, token string) (*authn.Response, bool, error) {
	auds, ask := audience.Implicit(authn.AudiencesFrom(ctx), a.implicit)
	if !ask {
		return nil, false, nil
	}
	resp, ok, err := a.Member.AuthenticateToken(ctx, token)
	return setAudiences(auds, resp, ok, err)
}

func (a agnostic) AuthenticateJWS(ctx context.Context, token string, jws jwtpeek.JWS, iss string) (*authn.Response, bool, error) {
	auds, ask := audience.Implicit(authn.AudiencesFrom(ctx), a.implicit)
	if !ask {
		return nil, false, nil
	}
	resp, ok, err := a.Member.AuthenticateJWS(ctx, token, jws, iss)
	return setAudiences(auds, resp, ok, err)
}

// setAudiences reports auds on a copy of a success, when there are any.
func setAudiences(auds []string, resp *authn.Response, ok bool, err error) (*authn.Response, bool, error) {
	if !ok || resp == nil || auds == nil {
		return resp, ok, err
	}
	c := *resp
	c.Audiences = auds
	return &c, true, nil
}

// Issuer returns the top-level "iss" string of a JWT payload, scanning
// the JSON without decoding the other claims. It reports false when the
// payload is not a JSON object or has no string "iss"; where a payload
// names "iss" twice it returns the first (the owner refuses such a token
// as ambiguous when it decodes it).
func Issuer(payload []byte) (string, bool) {
	r := jwtpeek.NewReader(payload, nil)
	if isNull, err := r.Object(); err != nil || isNull {
		return "", false
	}
	for {
		name, more, err := r.Next()
		if err != nil || !more {
			return "", false
		}
		if string(name) != "iss" {
			if r.Skip() != nil {
				return "", false
			}
			continue
		}
		if r.Peek() != '"' {
			return "", false
		}
		iss, err := r.String()
		return iss, err == nil
	}
}

// PeekIssuer returns the "iss" of a token that jwtpeek.Split refused, if
// its second segment, at most maxLen bytes, decodes to a JSON object with
// one, so that a malformed token of a configured issuer can be an error
// rather than no opinion. It trusts nothing: the result only chooses who
// answers. It returns "" otherwise.
func PeekIssuer(token string, maxLen int) string {
	_, rest, found := strings.Cut(token, ".")
	if !found {
		return ""
	}
	payload, _, found := strings.Cut(rest, ".")
	if !found || len(payload) > maxLen {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return ""
	}
	iss, _ := Issuer(b)
	return iss
}
