// Package benchmarks compares authnkit with k8s.io/apiserver on the same
// scenarios, side by side, in one run on one machine. It holds no library
// code: the benchmarks are in its _test.go files, and cmd/budgets turns their
// results into DESIGN.md's budget table. See README.md for how to run them
// and RESULTS.md for the latest numbers.
//
// It is a Go module of its own so that Kubernetes modules never enter
// authnkit's go.mod; `go test ./...` in the repository root does not reach
// it.
package benchmarks
