// Package dpop verifies DPoP proofs (RFC 9449).
package dpop
