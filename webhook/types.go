package webhook

// API group and versions of the TokenReview resource.
const (
	groupName = "authentication.k8s.io"
	// V1 is the TokenReview API version authentication.k8s.io/v1.
	V1 = "v1"
	// V1beta1 is the TokenReview API version authentication.k8s.io/v1beta1.
	V1beta1         = "v1beta1"
	kindTokenReview = "TokenReview"
)

// TokenReview is the authentication.k8s.io TokenReview object, the same in
// v1 and v1beta1 (only apiVersion differs). Field names and JSON shape follow
// the Kubernetes API reference.
//
// The package's client and handler decode TokenReviews as Kubernetes does
// (sigs.k8s.io/json): member names match exactly, so a member whose name
// differs in case ("Status") is ignored like any unknown member. Plain
// encoding/json, which matches names case-insensitively, would read
// {"Status":{"Authenticated":true}} as an authenticated answer.
type TokenReview struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   ObjectMeta        `json:"metadata"`
	Spec       TokenReviewSpec   `json:"spec"`
	Status     TokenReviewStatus `json:"status"`
}

// ObjectMeta is the part of meta/v1 ObjectMeta a TokenReview carries. Only
// the name is kept; other metadata is ignored.
type ObjectMeta struct {
	Name string `json:"name,omitempty"`
}

// TokenReviewSpec is what the caller asks about.
type TokenReviewSpec struct {
	Token     string   `json:"token,omitempty"`
	Audiences []string `json:"audiences,omitempty"`
}

// TokenReviewStatus is the answer.
type TokenReviewStatus struct {
	Authenticated bool     `json:"authenticated,omitempty"`
	User          UserInfo `json:"user"`
	Audiences     []string `json:"audiences,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// UserInfo is authentication.k8s.io UserInfo.
type UserInfo struct {
	Username string              `json:"username,omitempty"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}
