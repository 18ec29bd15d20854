package serviceaccount

import (
	"errors"

	"github.com/authnkit/authnkit/internal/jwssig"
)

// errAlgNotAllowed reports an algorithm outside those Kubernetes' go-jose
// verification accepts for RSA and ECDSA keys: RS*, PS* and ES*
// (RFC 7518 §3). Never "none", never HMAC, and not EdDSA, which
// kube-apiserver does not accept for service-account keys.
var errAlgNotAllowed = errors.New("algorithm not allowed")

// allowedAlg returns the signature algorithm called name if service-account
// tokens may use it.
func allowedAlg(name string) (jwssig.Alg, error) {
	alg, err := jwssig.Lookup(name)
	if err != nil || name == "EdDSA" {
		return jwssig.Alg{}, errAlgNotAllowed
	}
	return alg, nil
}
