package serviceaccount

import (
	"encoding/json"
	"time"
)

// LegacyIssuer is the "iss" of legacy, secret-based service-account
// tokens, as Kubernetes writes it (k8s.io/kubernetes/pkg/serviceaccount
// legacy.go).
const LegacyIssuer = "kubernetes/serviceaccount"

// Keys of [authn.UserInfo.Extra] that service-account tokens fill, as
// Kubernetes names them (k8s.io/apiserver/pkg/authentication/serviceaccount
// util.go, and user.CredentialIDKey).
const (
	ExtraPodName  = "authentication.kubernetes.io/pod-name"
	ExtraPodUID   = "authentication.kubernetes.io/pod-uid"
	ExtraNodeName = "authentication.kubernetes.io/node-name"
	ExtraNodeUID  = "authentication.kubernetes.io/node-uid"
	// The credential ID ("JTI=<jti>") is under [authn.CredentialIDKey].
)

// User and group name parts, as Kubernetes defines them.
const (
	UsernamePrefix       = "system:serviceaccount:"
	AllServiceAccounts   = "system:serviceaccounts"
	namespaceGroupPrefix = "system:serviceaccounts:"
)

// claims is the payload of both token layouts, decoded once. Only the
// members Kubernetes reads are declared; others are ignored, as there.
type claims struct {
	Issuer    string      `json:"iss"`
	Subject   string      `json:"sub"`
	Audience  audience    `json:"aud"`
	Expiry    numericDate `json:"exp"`
	NotBefore numericDate `json:"nbf"`
	IssuedAt  numericDate `json:"iat"`
	ID        string      `json:"jti"`
	K8s       k8sClaims   `json:"kubernetes.io"`

	// Legacy (secret-based) layout.
	LegacyNamespace  string `json:"kubernetes.io/serviceaccount/namespace"`
	LegacySecretName string `json:"kubernetes.io/serviceaccount/secret.name"`
	LegacySAName     string `json:"kubernetes.io/serviceaccount/service-account.name"`
	LegacySAUID      string `json:"kubernetes.io/serviceaccount/service-account.uid"`
}

type k8sClaims struct {
	Namespace      string      `json:"namespace,omitempty"`
	ServiceAccount ref         `json:"serviceaccount,omitzero"`
	Pod            *ref        `json:"pod,omitempty"`
	Secret         *ref        `json:"secret,omitempty"`
	Node           *ref        `json:"node,omitempty"`
	WarnAfter      numericDate `json:"warnafter,omitzero"`

	// Webhook bindings (Kubernetes 1.37, alpha feature
	// APIServerWebhookAuthenticationToken): read only to be refused.
	ValidatingWebhook *ref `json:"validatingwebhookconfiguration,omitempty"`
	MutatingWebhook   *ref `json:"mutatingwebhookconfiguration,omitempty"`
}

type ref struct {
	Name string `json:"name,omitempty"`
	UID  string `json:"uid,omitempty"`
}

// claimNames are the member names the decoder reads, at any depth; a
// member differing from one of them only in case is rejected, since
// encoding/json would match it and Kubernetes' decoder would not.
var claimNames = []string{
	"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "kubernetes.io",
	"namespace", "serviceaccount", "pod", "secret", "node", "warnafter", "name", "uid",
	"validatingwebhookconfiguration", "mutatingwebhookconfiguration",
	"kubernetes.io/serviceaccount/namespace", "kubernetes.io/serviceaccount/secret.name",
	"kubernetes.io/serviceaccount/service-account.name", "kubernetes.io/serviceaccount/service-account.uid",
}

// audience is "aud": one string or an array of strings (RFC 7519 §4.1.3).
type audience []string

// MarshalJSON writes one audience as a string and several as an array, as
// go-jose (and so Kubernetes) does.
func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// numericDate is a NumericDate (RFC 7519 §2): seconds since the epoch
// (a fraction is truncated on reading, as go-jose does). set is false when
// the member is absent or null.
type numericDate struct {
	sec int64
	set bool
}

func (d numericDate) MarshalJSON() ([]byte, error) { return json.Marshal(d.sec) }

// IsZero reports an absent date, for omitzero.
func (d numericDate) IsZero() bool { return !d.set }

func (d numericDate) time() time.Time { return time.Unix(d.sec, 0) }

func dateOf(t time.Time) numericDate { return numericDate{sec: t.Unix(), set: true} }
