#!/usr/bin/env bash
# A two-node Pacemaker cluster on this machine running the ocfkit stack: brings it up (network
# namespaces, Debian's corosync and pacemakerd), loads what `ocfkit crm generate` prints, waits
# until everything runs, prints `crm_mon -1` from a node, and tears it all down again.
# Needs root, the Debian packages (scripts/setup-debian.sh) and the agents installed (make install).
# Finishes by itself: the harness gives up after its own timeouts, and this script after 10 min.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec timeout --kill-after=30s 600s node scripts/run-ts.mjs test/cluster/demo.ts
