package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkTokenFile/n=10/tok=hex32/case=hit/mode=serial/impl=k8s-2      	 1000	 100.0 ns/op	 48 B/op	 1 allocs/op
BenchmarkTokenFile/n=10/tok=hex32/case=hit/mode=serial/impl=k8s-2      	 1000	 120.0 ns/op	 48 B/op	 1 allocs/op
BenchmarkTokenFile/n=10/tok=hex32/case=hit/mode=serial/impl=k8s-2      	 1000	 90.0 ns/op	 48 B/op	 1 allocs/op
BenchmarkTokenFile/n=10/tok=hex32/case=hit/mode=serial/impl=authnkit-2 	 1000	 40.0 ns/op	 0 B/op	 0 allocs/op
BenchmarkTokenFile/n=10/tok=hex32/case=hit/mode=serial/impl=authnkit-2 	 1000	 60.0 ns/op	 0 B/op	 0 allocs/op
PASS
`

func TestParseMedian(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	k8s := res["BenchmarkTokenFile/n=10/tok=hex32/case=hit/mode=serial/impl=k8s"]
	ours := res["BenchmarkTokenFile/n=10/tok=hex32/case=hit/mode=serial/impl=authnkit"]
	if k8s == nil || ours == nil {
		t.Fatalf("parsed %v", res)
	}
	if got := median(k8s.ns); got != 100 {
		t.Errorf("median k8s = %v, want 100", got)
	}
	if got := median(ours.ns); got != 50 {
		t.Errorf("median authnkit = %v, want 50", got)
	}
	if got := median(k8s.allocs); got != 1 {
		t.Errorf("median allocs = %v, want 1", got)
	}
}

func TestRunVerdicts(t *testing.T) {
	var out strings.Builder
	// The other TokenFile budgets have no data here: run reports them as
	// errors and still prints the rows it can evaluate. The budgets of
	// benchmarks absent from the input are skipped.
	err := run(strings.NewReader(sample), &out)
	want := "| static token hit, plaintext | `TokenFile/n=10/tok=hex32/case=hit/mode=serial` | authnkit: 50 ns | k8s: 100 ns | 0.50 | 0.40–0.50 | ≤ 0.5 ×, 0 allocs | 0 | PASS |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks\n%s\ngot\n%s", want, out.String())
	}
	if err == nil || !strings.Contains(err.Error(), "BenchmarkTokenFile/n=10000") {
		t.Errorf("run error = %v, want the missing TokenFile rows", err)
	}
	if err != nil && strings.Contains(err.Error(), "ClientCert") {
		t.Errorf("run error = %v, want absent benchmarks skipped", err)
	}
	if !strings.Contains(out.String(), "budgets skipped: BenchmarkTokenCache, ") {
		t.Errorf("output does not list the skipped benchmarks:\n%s", out.String())
	}
}

const sampleX509 = `BenchmarkClientCertFirstSight/key=p256/chain=leaf/mode=serial/impl=authnkit-2 	 1000	 57000 ns/op	 2704 B/op	 46 allocs/op
BenchmarkClientCertFirstSight/key=p256/chain=leaf/mode=serial/impl=ref-verify-2 	 1000	 50000 ns/op	 1560 B/op	 32 allocs/op
`

func TestRunFirstSight(t *testing.T) {
	var out strings.Builder
	err := run(strings.NewReader(sampleX509), &out)
	// 57/50 = 1.14 over 1.1, one sample each: not significant.
	want := "| client certificate, first sight | `ClientCertFirstSight/key=p256/chain=leaf/mode=serial` | authnkit: 57 µs | ref-verify: 50 µs | 1.14 | 1.14–1.14 | ≤ 1.1 × | 46 | PASS within noise (+4%, p=0.50) |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks\n%s\ngot\n%s", want, out.String())
	}
	if err == nil || !strings.Contains(err.Error(), "key=rsa2048") {
		t.Errorf("run error = %v, want the missing first-sight rows", err)
	}
}

func TestPGreater(t *testing.T) {
	low := []float64{1, 2, 3, 4, 5, 6}
	high := []float64{11, 12, 13, 14, 15, 16}
	if p := pGreater(high, low); p < 0.00108 || p > 0.00109 { // 1 / C(12, 6)
		t.Errorf("pGreater(high, low) = %v, want 1/924", p)
	}
	if p := pGreater(low, high); p != 1 {
		t.Errorf("pGreater(low, high) = %v, want 1", p)
	}
	mixed := []float64{1.5, 2.5, 3.5, 4.5, 5.5, 6.5}
	if p := pGreater(mixed, low); p < 0.2 || p > 0.6 {
		t.Errorf("pGreater(mixed, low) = %v, want about 0.4", p)
	}
	if p := pGreater(low, low); p < 0.45 || p > 0.6 {
		t.Errorf("pGreater(low, low) = %v, want about one half", p)
	}
}

const sampleSA = `
BenchmarkServiceAccountJWT/alg=ES256/mode=serial/impl=k8s-2 	 1000	 90000 ns/op	 12400 B/op	 187 allocs/op
BenchmarkServiceAccountJWT/alg=ES256/mode=serial/impl=authnkit-2 	 1000	 60000 ns/op	 3064 B/op	 61 allocs/op
BenchmarkServiceAccountJWT/alg=ES256/mode=serial/impl=ref-verify-2 	 1000	 50000 ns/op	 576 B/op	 10 allocs/op
`

// TestRunMaxAllocs checks an allocation ceiling: within time, one
// allocation over 60 is a MISS.
func TestRunMaxAllocs(t *testing.T) {
	var out strings.Builder
	_ = run(strings.NewReader(sampleSA), &out)
	want := "| service-account JWT, uncached | `ServiceAccountJWT/alg=ES256/mode=serial` | authnkit: 60 µs | ref-verify: 50 µs | 1.20 | 1.20–1.20 | ≤ 1.15 ×, ≤ 40 allocs | 61 | **MISS** (+4% over, within noise p=0.50; 61 allocs/op) |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks\n%s\ngot\n%s", want, out.String())
	}
	want = "| service-account JWT, uncached | `ServiceAccountJWT/alg=ES256/mode=serial` | authnkit: 60 µs | k8s: 90 µs | 0.67 | 0.67–0.67 | about 0.65 × (guide) | 61 | as expected within noise (+3%, p=0.50) |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks\n%s\ngot\n%s", want, out.String())
	}
}

const sampleWebhook = `
BenchmarkWebhook/version=v1/mode=serial/impl=k8s-2 	 1000	 90000 ns/op	 19800 B/op	 256 allocs/op
BenchmarkWebhook/version=v1/mode=serial/impl=authnkit-2 	 1000	 63000 ns/op	 15400 B/op	 165 allocs/op
`

// TestRunWebhook checks the webhook budget (≤ 0.8 × k8s), and that a file
// with only the serial mode reports the parallel row as missing, not as a
// failure of the whole run.
func TestRunWebhook(t *testing.T) {
	var out strings.Builder
	_ = run(strings.NewReader(sampleWebhook), &out)
	want := "| webhook, uncached | `Webhook/version=v1/mode=serial` | authnkit: 63 µs | k8s: 90 µs | 0.70 | 0.70–0.70 | ≤ 0.8 × |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks\n%s\ngot\n%s", want, out.String())
	}
}

const sampleOIDCIssuers = `
BenchmarkOIDCIssuers/n=1/mode=serial/impl=k8s-2 	 1000	 90000 ns/op	 15560 B/op	 237 allocs/op
BenchmarkOIDCIssuers/n=1/mode=serial/impl=authnkit-2 	 1000	 50000 ns/op	 2568 B/op	 49 allocs/op
BenchmarkOIDCIssuers/n=10/mode=serial/impl=k8s-2 	 1000	 99000 ns/op	 19656 B/op	 318 allocs/op
BenchmarkOIDCIssuers/n=10/mode=serial/impl=authnkit-2 	 1000	 51000 ns/op	 2568 B/op	 49 allocs/op
BenchmarkOIDCIssuers/n=64/mode=serial/impl=k8s-2 	 1000	 180000 ns/op	 44296 B/op	 804 allocs/op
BenchmarkOIDCIssuers/n=64/mode=serial/impl=authnkit-2 	 1000	 60000 ns/op	 2568 B/op	 49 allocs/op
`

// TestRunManyIssuers checks a budget whose reference is the same side in
// another scenario (64 issuers against one), and the rows given for
// information only, which have no limit and no verdict.
func TestRunManyIssuers(t *testing.T) {
	var out strings.Builder
	err := run(strings.NewReader(sampleOIDCIssuers), &out)
	for _, want := range []string{
		// 60/50 = 1.2 over 1.1, one sample each: not significant.
		"| many issuers (64, the most allowed) | `OIDCIssuers/n=64/mode=serial` | authnkit: 60 µs | authnkit n=1: 50 µs | 1.20 | 1.20–1.20 | ≤ 1.05 × | 49 | PASS within noise (+14%, p=0.50) |",
		"| many issuers, Kubernetes' union | `OIDCIssuers/n=64/mode=serial` | k8s: 180 µs | k8s n=1: 90 µs | 2.00 | 2.00–2.00 | none | 804 | for information |",
		"| many issuers vs Kubernetes | `OIDCIssuers/n=64/mode=serial` | authnkit: 60 µs | k8s: 180 µs | 0.33 | 0.33–0.33 | none | 49 | for information |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks\n%s\ngot\n%s", want, out.String())
		}
	}
	// The parallel rows have no data in this sample.
	if err == nil || !strings.Contains(err.Error(), "n=64/mode=parallel") {
		t.Errorf("run error = %v, want the missing parallel rows", err)
	}
}
