package oidc

import "github.com/authnkit/authnkit/authn"

// claimError is a rejection of a verified token's claims. It matches
// [authn.ErrInvalidToken] as well as itself.
type claimError struct{ msg string }

func (e *claimError) Error() string        { return e.msg }
func (e *claimError) Is(target error) bool { return target == authn.ErrInvalidToken }

// algError is a rejection of the token's "alg". It matches
// [authn.ErrBadSignature] as well as itself.
type algError struct{ msg string }

func (e *algError) Error() string        { return e.msg }
func (e *algError) Is(target error) bool { return target == authn.ErrBadSignature }

// Errors for tokens whose signature verified but whose claims are refused.
// Each also matches [authn.ErrInvalidToken].
var (
	// ErrEmailNotVerified: the username claim is "email" and the token's
	// "email_verified" is present and not true (Kubernetes' rule).
	ErrEmailNotVerified error = &claimError{"oidc: email not verified"}
	// ErrMissingClaim: a claim a mapping or rule needs is absent or of the
	// wrong type (as in Kubernetes, null reads as "" where a string is
	// needed and as no groups for the groups claim), or the mapped
	// username is empty.
	ErrMissingClaim error = &claimError{"oidc: missing or invalid claim"}
	// ErrClaimValidation: a claimValidationRule (or --oidc-required-claim)
	// failed.
	ErrClaimValidation error = &claimError{"oidc: claim validation failed"}
	// ErrUserValidation: a userValidationRule failed.
	ErrUserValidation error = &claimError{"oidc: user validation failed"}
	// ErrReservedName: the mapped username or a group begins with
	// "system:", which only Kubernetes itself may assign, and
	// [Options.InsecureAllowSystemNames] is not set.
	ErrReservedName error = &claimError{"oidc: reserved system: name"}
	// ErrExpression: an expression failed to evaluate (for example its
	// cost limit was exceeded, or it returned the wrong type at run time).
	ErrExpression error = &claimError{"oidc: expression failed"}
)

// ErrAlgorithm rejects a token whose "alg" is not in the issuer's allowed
// list: "none", HMAC, or an asymmetric algorithm not configured. It also
// matches [authn.ErrBadSignature].
var ErrAlgorithm error = &algError{"oidc: signing algorithm not allowed"}
