#!/usr/bin/env bash
# Runs every tap test and ends with one plain summary line ("N passed, N failed").
# With no arguments: first the pure tests of test/unit in parallel (`make test-unit`: seconds,
# esbuild instead of ts-node), then every other test file one at a time (root, namespaces, VMs:
# they would slow each other down). With arguments: tap with those arguments, one run.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
if [ $# -gt 0 ]; then
    npx tap "$@" 2>&1 | tee -a "$log"; rc=${PIPESTATUS[0]}
else
    make --no-print-directory test-unit 2>&1 | tee -a "$log"; rc=${PIPESTATUS[0]}
    # test/vm/extended: heavy VM suites with targets of their own (make test-dual-primary, ...)
    mapfile -t rest < <(find test -name '*.test.ts' -not -path 'test/unit/*' -not -path 'test/fixtures/*' -not -path 'test/vm/extended/*' | sort)
    npx tap "${rest[@]}" 2>&1 | tee -a "$log"; r=${PIPESTATUS[0]}
    [ "$r" = 0 ] || rc=$r
fi
# tap's own last lines of each run look like "# { total: 12, pass: 11, fail: 1 }".
sum() { grep -E '^# \{ total: ' "$log" | sed -nE "s/.*$1: ([0-9]+).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'; }
pass=$(sum pass) fail=$(sum fail) skip=$(sum skip)
echo "tests: ${pass} passed, ${fail} failed, ${skip} skipped"
[ "$pass" -gt 0 ] || { echo "no test ran"; exit 1; }
exit "$rc"
