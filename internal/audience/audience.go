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
