package authn

import (
	"encoding/json"
	"net/http"
)

// Status is the Kubernetes meta/v1 Status object that kube-apiserver sends
// as the body of a failed request, for example:
//
//	{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
//	 "message":"Unauthorized","reason":"Unauthorized","code":401}
//
// kubectl and client-go read it to print their error messages.
type Status struct {
	Kind       string   `json:"kind"`
	APIVersion string   `json:"apiVersion"`
	Metadata   struct{} `json:"metadata"`
	Status     string   `json:"status"`
	Message    string   `json:"message,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	Code       int      `json:"code"`
}

// NewStatus returns a failure Status with the given HTTP code, reason (a
// Kubernetes StatusReason such as "Unauthorized" or "ServiceUnavailable")
// and message.
func NewStatus(code int, reason, message string) Status {
	return Status{Kind: "Status", APIVersion: "v1", Status: "Failure", Message: message, Reason: reason, Code: code}
}

// WriteStatus writes st as a JSON body with st.Code as the HTTP status.
// Headers must be set before calling it.
func WriteStatus(w http.ResponseWriter, st Status) {
	writeStatusBody(w, st.Code, statusBody(st))
}

// statusBody is st's JSON encoding and a newline.
func statusBody(st Status) []byte {
	body, _ := json.Marshal(st) // a Status always marshals
	return append(body, '\n')
}

// writeStatusBody writes a Status body already encoded. Header values
// get slices of their own: whatever later changes a response's headers in
// place must not reach another response.
func writeStatusBody(w http.ResponseWriter, code int, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	h["Cache-Control"] = []string{"no-store"}
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
