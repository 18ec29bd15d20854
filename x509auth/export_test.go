package x509auth

// Verifications returns how many chains v has verified with crypto/x509
// (cache misses), for the tests of package x509auth_test.
func Verifications(v *Verifier) uint64 { return v.verifications.Load() }
