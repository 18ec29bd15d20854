package serviceaccount

import (
	"errors"
	"fmt"
	"math"

	"github.com/authnkit/authnkit/internal/jwtpeek"
	"github.com/authnkit/authnkit/internal/jwtverify"
)

var errDateRange = errors.New("NumericDate out of range")

// parseClaims decodes a token payload into c in one strict pass. A syntax
// error (the payload is not JSON) is returned as hard: such a token is
// nobody's. Wrong member types and ambiguous JSON are returned as soft,
// after the whole payload has been read, so that the caller can first see
// whether the issuer is ours. Names match exactly (case-sensitive), as
// Kubernetes' go-jose decoder matches them.
func parseClaims(data []byte, c *claims) (soft, hard error) {
	r := jwtpeek.NewReader(data, claimNames)
	note := func(name string, err error) error {
		if errors.Is(err, jwtpeek.ErrType) || errors.Is(err, errDateRange) {
			if soft == nil {
				soft = fmt.Errorf("claim %q: %w", name, err)
			}
			return nil
		}
		return err
	}
	if null, err := r.Object(); err != nil || null {
		return nil, errors.New("payload is not a JSON object")
	}
	for {
		name, ok, err := r.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		var key string
		switch string(name) {
		case "iss":
			key = "iss"
			c.Issuer, err = r.String()
		case "sub":
			key = "sub"
			c.Subject, err = r.String()
		case "jti":
			key = "jti"
			c.ID, err = r.String()
		case "aud":
			key = "aud"
			c.Audience, err = readAudience(&r)
		case "exp":
			key = "exp"
			c.Expiry, err = readDate(&r)
		case "nbf":
			key = "nbf"
			c.NotBefore, err = readDate(&r)
		case "iat":
			key = "iat"
			c.IssuedAt, err = readDate(&r)
		case "kubernetes.io":
			key = "kubernetes.io"
			err = readK8s(&r, &c.K8s)
		case "kubernetes.io/serviceaccount/namespace":
			key = "kubernetes.io/serviceaccount/namespace"
			c.LegacyNamespace, err = r.String()
		case "kubernetes.io/serviceaccount/secret.name":
			key = "kubernetes.io/serviceaccount/secret.name"
			c.LegacySecretName, err = r.String()
		case "kubernetes.io/serviceaccount/service-account.name":
			key = "kubernetes.io/serviceaccount/service-account.name"
			c.LegacySAName, err = r.String()
		case "kubernetes.io/serviceaccount/service-account.uid":
			key = "kubernetes.io/serviceaccount/service-account.uid"
			c.LegacySAUID, err = r.String()
		default:
			err = r.Skip()
		}
		if err = note(key, err); err != nil {
			return nil, err
		}
	}
	if err := r.End(); err != nil {
		return nil, err
	}
	if soft == nil {
		soft = r.Ambiguity()
	}
	return soft, nil
}

// readAudience reads "aud": a string or an array of strings. A string,
// even empty, is a one-element audience, as go-jose reads it; null, as a
// value or a member, is [jwtpeek.ErrType], as go-jose v2's Audience
// (Kubernetes' decoder) refuses it. An absent "aud" is never read here.
func readAudience(r *jwtpeek.Reader) (audience, error) {
	switch r.Peek() {
	case '"':
		s, err := r.String()
		if err != nil {
			return nil, err
		}
		return audience{s}, nil
	case '[':
		if _, err := r.Array(); err != nil {
			return nil, err
		}
		var out audience
		var soft error
		for {
			more, err := r.NextElement()
			if err != nil {
				return nil, err
			}
			if !more {
				return out, soft
			}
			if r.Peek() != '"' {
				if err := r.Skip(); err != nil {
					return nil, err
				}
				soft = jwtpeek.ErrType
				continue
			}
			s, err := r.String()
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	if err := r.Skip(); err != nil { // null or another type
		return nil, err
	}
	return nil, jwtpeek.ErrType
}

// readDate reads a NumericDate; a fraction is truncated, as go-jose does.
func readDate(r *jwtpeek.Reader) (numericDate, error) {
	f, ok, err := r.Number()
	if err != nil || !ok {
		return numericDate{}, err
	}
	if math.IsNaN(f) || f < -(1<<53) || f > 1<<53 {
		return numericDate{}, errDateRange
	}
	return numericDate{sec: int64(f), set: true}, nil
}

func readK8s(r *jwtpeek.Reader, k *k8sClaims) error {
	null, err := r.Object()
	if err != nil || null {
		return err
	}
	var soft error
	for {
		name, ok, err := r.Next()
		if err != nil {
			return err
		}
		if !ok {
			return soft
		}
		switch string(name) {
		case "namespace":
			k.Namespace, err = r.String()
		case "serviceaccount":
			var sa *ref
			sa, err = readRef(r)
			if sa != nil {
				k.ServiceAccount = *sa
			}
		case "pod":
			k.Pod, err = readRef(r)
		case "secret":
			k.Secret, err = readRef(r)
		case "node":
			k.Node, err = readRef(r)
		case "warnafter":
			k.WarnAfter, err = readDate(r)
		case "validatingwebhookconfiguration":
			k.ValidatingWebhook, err = readRef(r)
		case "mutatingwebhookconfiguration":
			k.MutatingWebhook, err = readRef(r)
		default:
			err = r.Skip()
		}
		if errors.Is(err, jwtpeek.ErrType) || errors.Is(err, errDateRange) {
			if soft == nil {
				soft = fmt.Errorf("kubernetes.io: %q: %w", jwtverify.Clip(string(name)), err)
			}
			continue
		}
		if err != nil {
			return err
		}
	}
}

func readRef(r *jwtpeek.Reader) (*ref, error) {
	null, err := r.Object()
	if err != nil || null {
		return nil, err
	}
	var out ref
	var soft error
	for {
		name, ok, err := r.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return &out, soft
		}
		switch string(name) {
		case "name":
			out.Name, err = r.String()
		case "uid":
			out.UID, err = r.String()
		default:
			err = r.Skip()
		}
		if errors.Is(err, jwtpeek.ErrType) {
			soft = err
			continue
		}
		if err != nil {
			return nil, err
		}
	}
}
