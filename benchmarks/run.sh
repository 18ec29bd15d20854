#!/usr/bin/env bash
# run.sh runs the authnkit vs k8s.io/apiserver comparison and summarises it:
#
#   results.txt    raw benchmark output, headed by the machine, Go, the
#                  authnkit commit and the k8s.io/apiserver version (keep it
#                  with RESULTS.md)
#   benchstat.txt  benchstat, one table per scenario, one column per impl
#   budgets.md     DESIGN.md's budgets: ratios and verdicts (cmd/budgets)
#
# Usage: ./run.sh [go test flags...], for example
#   ./run.sh                               # the full run, -count 6
#   ./run.sh -benchtime=200ms              # shorter; keep -count 6
#   BENCH='TokenCache' ./run.sh            # one scenario (a -bench regexp)
#   COUNT=1 ./run.sh -benchtime=100ms      # a smoke test
#   INTERLEAVE=1 ./run.sh                  # COUNT passes of -count 1
#   OUT=results-x509.txt BENCH='ClientCert|FrontProxy' INTERLEAVE=1 ./run.sh
#                                          # some scenarios, into their own files
#
# OUT names the raw output (default results.txt); with OUT=results-<x>.txt
# the summaries are benchstat-<x>.txt and budgets-<x>.md. cmd/budgets skips
# the budgets of benchmarks that are not in the file.
#
# The test binary is built once, so every sample measures the same code even
# if the library changes on disk during the run. `-count N` runs each leaf
# benchmark N times in a row: the N samples of k8s, then the N of authnkit.
# With INTERLEAVE=1 the whole suite runs COUNT times with -count 1 instead:
# the sides alternate, and a burst of load elsewhere on the machine hits both
# alike. Same number of samples, same output format; prefer it on a shared
# machine.
#
# Only ratios within one run mean anything: the machine's speed drifts.
set -euo pipefail
cd "$(dirname "$0")"

count=${COUNT:-6}
bench=${BENCH:-.}
out=${OUT:-results.txt}
suffix=${out#results}
suffix=${suffix%.txt}
benchstatOut=benchstat$suffix.txt
budgetsOut=budgets$suffix.md

if command -v benchstat >/dev/null 2>&1; then
	benchstat=benchstat
elif [ -x "$(go env GOPATH)/bin/benchstat" ]; then
	benchstat="$(go env GOPATH)/bin/benchstat"
else
	echo "run.sh: installing benchstat (golang.org/x/perf/cmd/benchstat@latest)" >&2
	go install golang.org/x/perf/cmd/benchstat@latest
	benchstat="$(go env GOPATH)/bin/benchstat"
fi

# go test flags (-benchtime=1s, -cpu 1,2) as the test binary spells them.
args=()
for a in "$@"; do
	case $a in
	-test.*) args+=("$a") ;;
	-*) args+=("-test.${a#-}") ;;
	*) args+=("$a") ;;
	esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/benchmarks.test" .
run() {
	"$tmp/benchmarks.test" -test.run '^$' -test.bench "$bench" -test.benchmem -test.count "$1" -test.timeout 60m ${args[@]+"${args[@]}"}
}

commit=$(git -C .. rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C .. status --porcelain -- . ':!benchmarks' 2>/dev/null)" ]; then
	commit="$commit + uncommitted changes"
fi
{
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version) nproc=$(nproc)"
	echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')"
	echo "# authnkit: $commit; $(go list -m k8s.io/apiserver)"
	if [ -n "${INTERLEAVE:-}" ]; then
		echo "# $count passes of: go test -run '^\$' -bench '$bench' -benchmem -count 1 -timeout 60m $*"
	else
		echo "# go test -run '^\$' -bench '$bench' -benchmem -count $count -timeout 60m $*"
	fi
} >"$out"
if [ -n "${INTERLEAVE:-}" ]; then
	for pass in $(seq "$count"); do
		echo "# pass $pass of $count, $(date -u +%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" | tee -a "$out"
		run 1 | tee -a "$out"
	done
else
	echo "# start $(date -u +%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" | tee -a "$out"
	run "$count" | tee -a "$out"
fi
echo "# finished $(date -u +%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" | tee -a "$out"

"$benchstat" -table .name -col /impl "$out" | tee "$benchstatOut"
go run ./cmd/budgets "$out" | tee "$budgetsOut"
