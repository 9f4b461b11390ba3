#!/usr/bin/env bash
# Runs every tap test and ends with one plain summary line ("N passed, N failed").
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
npx tap "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# tap's own last lines look like "# { total: 12, pass: 11, fail: 1 }".
summary=$(grep -E '^# \{ total: ' "$log" | tail -1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary"); pass=${pass:-0}
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary"); fail=${fail:-0}
skip=$(sed -nE 's/.*skip: ([0-9]+).*/\1/p' <<<"$summary"); skip=${skip:-0}
rm -f "$log"
echo "tests: ${pass} passed, ${fail} failed, ${skip} skipped"
[ "$pass" -gt 0 ] || { echo "no test ran"; exit 1; }
exit "$rc"
