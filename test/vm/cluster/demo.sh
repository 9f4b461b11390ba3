#!/usr/bin/env bash
# The two-node DRBD demo: the qemu lab's VMs as a Pacemaker cluster with real DRBD 8.4 running the
# ocfkit stack (test/vm/cluster/demo.ts), crm_mon and `ocfkit drbd status`, then everything torn
# down. Needs root, test/vm/setup.sh and a build (make build). Gives up after 30 min (emulated VMs on a loaded host are slow; each stage prints its progress).
set -euo pipefail
cd "$(dirname "$0")/../../.."
bash test/vm/setup.sh > /dev/null
exec timeout --kill-after=30s 1800s node scripts/run-ts.mjs test/vm/cluster/demo.ts
