#!/usr/bin/env bash
# THE main job on a fresh Debian 12 machine (as root): install dependencies, build, install the
# agents into the OCF root, prove them with ocf-tester on this machine, and bring up two local
# demo clusters running the ocfkit stack (network namespaces; qemu VMs with real DRBD) and show
# crm_mon.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
make install
bash scripts/prove.sh
bash test/cluster/demo.sh       # two nodes in network namespaces, shared storage
bash test/vm/cluster/demo.sh    # two qemu VMs with real DRBD 8.4
