package webhook

import kjson "sigs.k8s.io/json"

// decodeTokenReview decodes b, one JSON TokenReview with nothing after it,
// as Kubernetes' decoder does: sigs.k8s.io/json's case-sensitive decoding,
// so a member is read into the field whose name it spells exactly and
// other members, names in another case included, are ignored (encoding/json
// would take {"Status":{"Authenticated":true}} for a success). A repeated
// member is read again into the same field and null leaves a field as it
// is, as in encoding/json. Errors never quote more than a character of b.
func decodeTokenReview(b []byte) (*TokenReview, error) {
	var tr TokenReview
	if err := kjson.UnmarshalCaseSensitivePreserveInts(b, &tr); err != nil {
		return nil, err
	}
	return &tr, nil
}
