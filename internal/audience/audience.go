// Package audience holds the audience arithmetic that authn and the
// audience-aware authenticators share.
package audience

import "slices"

// Intersect returns the members of a that also appear in b, in a's order,
// without duplicates; nil when there are none. It is how Kubernetes
// matches a credential's audiences against the accepted ones
// (authenticator.Audiences.Intersect in k8s.io/apiserver). Neither slice
// is modified or kept.
func Intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// Implicit is how an audience-agnostic authenticator (one that knows
// nothing of audiences, accepted for the implicit audiences of the server)
// treats a request that accepts wanted, as kube-apiserver's
// WrapAudienceAgnosticToken: with no accepted audiences (wanted nil) it
// answers as it is, and reports no audiences; otherwise it answers only
// when wanted and implicit intersect, and reports the intersection. ask
// says whether to ask it at all.
func Implicit(wanted, implicit []string) (auds []string, ask bool) {
	if wanted == nil {
		return nil, true
	}
	auds = Intersect(implicit, wanted)
	return auds, len(auds) > 0
}
