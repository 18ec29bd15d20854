package oidc

import (
	"context"
	"fmt"
	"strings"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/internal/jwtverify"
)

// reservedPrefix begins the names only Kubernetes itself assigns.
const reservedPrefix = "system:"

// mapUser applies the claim validation rules, the claim mappings and the
// user validation rules to verified claims.
func (a *Authenticator) mapUser(ctx context.Context, is *issuer, c *claims) (authn.UserInfo, error) {
	in := Input{Claims: c.values}
	for _, r := range is.claims {
		if r.prog == nil {
			got, err := c.stringClaim(r.claim)
			if err != nil {
				return authn.UserInfo{}, fmt.Errorf("%w: required claim %q: %w", ErrClaimValidation, r.claim, err)
			}
			if got != r.value {
				return authn.UserInfo{}, fmt.Errorf("%w: required claim %q does not have the required value", ErrClaimValidation, r.claim)
			}
			continue
		}
		ok, err := evalBool(ctx, r.prog, in)
		if err != nil {
			return authn.UserInfo{}, fmt.Errorf("%w: claimValidationRules expression %q: %w", ErrExpression, jwtverify.Clip(r.expr), err)
		}
		if !ok {
			return authn.UserInfo{}, fmt.Errorf("%w: expression %q failed: %s", ErrClaimValidation, jwtverify.Clip(r.expr), r.msg)
		}
	}

	var u authn.UserInfo
	var err error
	if u.Name, err = a.username(ctx, is, c, in); err != nil {
		return authn.UserInfo{}, err
	}
	if u.Groups, err = groups(ctx, is, c, in); err != nil {
		return authn.UserInfo{}, err
	}
	switch {
	case is.uid.claim != "":
		if u.UID, err = c.stringClaim(is.uid.claim); err != nil {
			return authn.UserInfo{}, fmt.Errorf("uid: %w", err)
		}
	case is.uid.prog != nil:
		if u.UID, err = evalString(ctx, is.uid.prog, in); err != nil {
			return authn.UserInfo{}, fmt.Errorf("%w: uid expression: %w", ErrExpression, err)
		}
	}
	if c.jti != "" {
		u.Extra = map[string][]string{authn.CredentialIDKey: {"JTI=" + c.jti}}
	}
	for _, x := range is.extra {
		vals, err := evalStrings(ctx, x.prog, in)
		if err != nil {
			return authn.UserInfo{}, fmt.Errorf("%w: extra %q expression: %w", ErrExpression, x.key, err)
		}
		if len(vals) == 0 {
			continue
		}
		if u.Extra == nil {
			u.Extra = make(map[string][]string, len(is.extra))
		}
		u.Extra[x.key] = vals
	}

	if !a.opts.InsecureAllowSystemNames {
		if strings.HasPrefix(u.Name, reservedPrefix) {
			return authn.UserInfo{}, fmt.Errorf("%w: username %q", ErrReservedName, jwtverify.Clip(u.Name))
		}
		for _, g := range u.Groups {
			if strings.HasPrefix(g, reservedPrefix) {
				return authn.UserInfo{}, fmt.Errorf("%w: group %q", ErrReservedName, jwtverify.Clip(g))
			}
		}
	}

	if len(is.users) > 0 {
		uin := Input{User: &u}
		for _, r := range is.users {
			ok, err := evalBool(ctx, r.prog, uin)
			if err != nil {
				return authn.UserInfo{}, fmt.Errorf("%w: userValidationRules expression %q: %w", ErrExpression, jwtverify.Clip(r.expr), err)
			}
			if !ok {
				return authn.UserInfo{}, fmt.Errorf("%w: expression %q failed: %s", ErrUserValidation, jwtverify.Clip(r.expr), r.msg)
			}
		}
	}
	return u, nil
}

// username maps the username: a claim with its prefix (and Kubernetes'
// email_verified rule for the "email" claim) or an expression.
func (a *Authenticator) username(ctx context.Context, is *issuer, c *claims, in Input) (string, error) {
	if is.username.prog != nil {
		name, err := evalString(ctx, is.username.prog, in)
		if err != nil {
			return "", fmt.Errorf("%w: username expression: %w", ErrExpression, err)
		}
		if name == "" {
			return "", fmt.Errorf("%w: username expression returned an empty string", ErrMissingClaim)
		}
		return name, nil
	}
	name, err := c.stringClaim(is.username.claim)
	if err != nil {
		return "", fmt.Errorf("username: %w", err)
	}
	if is.username.claim == "email" {
		if v, ok := c.values["email_verified"]; ok {
			verified, isBool := v.(bool)
			if !isBool {
				return "", fmt.Errorf("%w: claim \"email_verified\" is %s, not a boolean", ErrMissingClaim, jsonType(v))
			}
			if !verified {
				return "", ErrEmailNotVerified
			}
		}
	}
	if name == "" {
		// Beyond Kubernetes, which accepts it (as the bare prefix).
		return "", fmt.Errorf("%w: username claim %q is empty or null", ErrMissingClaim, is.username.claim)
	}
	return is.username.prefix + name, nil
}

// groups maps the groups: a claim (string or array, prefixed) when the
// token has it, otherwise the expression, if any.
func groups(ctx context.Context, is *issuer, c *claims, in Input) ([]string, error) {
	if is.groups.claim != "" {
		if v, ok := c.values[is.groups.claim]; ok {
			gs, err := stringsClaim(is.groups.claim, v)
			if err != nil {
				return nil, fmt.Errorf("groups: %w", err)
			}
			if p := is.groups.prefix; p != "" {
				for i := range gs {
					gs[i] = p + gs[i]
				}
			}
			return gs, nil
		}
	}
	if is.groups.prog == nil {
		return nil, nil
	}
	gs, err := evalStrings(ctx, is.groups.prog, in)
	if err != nil {
		return nil, fmt.Errorf("%w: groups expression: %w", ErrExpression, err)
	}
	return gs, nil
}

func evalString(ctx context.Context, p Program, in Input) (string, error) {
	v, err := p.Eval(ctx, in)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("expression returned %T, not a string", v)
	}
	return s, nil
}

// evalStrings evaluates a string-or-list expression; as in Kubernetes,
// empty strings are dropped and an empty result is nil.
func evalStrings(ctx context.Context, p Program, in Input) ([]string, error) {
	v, err := p.Eval(ctx, in)
	if err != nil {
		return nil, err
	}
	l, ok := v.([]string)
	if !ok && v != nil {
		return nil, fmt.Errorf("expression returned %T, not a list of strings", v)
	}
	var out []string
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

func evalBool(ctx context.Context, p Program, in Input) (bool, error) {
	v, err := p.Eval(ctx, in)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("expression returned %T, not a boolean", v)
	}
	return b, nil
}
