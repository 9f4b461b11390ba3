#!/usr/bin/env bash
# THE main job on a fresh Debian 12 machine (as root): install dependencies, build, install the
# agents into the OCF root, prove them with ocf-tester on this machine, and bring up two local
# demo clusters running the ocfkit stack (network namespaces; qemu VMs with real DRBD) and show
# crm_mon. Each stage prints a line when it starts and when it ends, with the seconds it took.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
stage() {  # stage TITLE COMMAND...: runs one stage, timed; a failed stage ends the job, named
    local title=$1 t0=$SECONDS
    shift
    echo "== [$((SECONDS - started)) s] $title"
    if ! "$@"; then
        echo "== main job FAILED in stage \"$title\" after $((SECONDS - t0)) s (its output is above)" >&2
        exit 1
    fi
    echo "== [$((SECONDS - started)) s] $title: done in $((SECONDS - t0)) s"
}
stage 'Debian and npm dependencies' bash scripts/setup-debian.sh
stage 'VM kernel and initramfs for the DRBD demo' bash test/vm/setup.sh
stage 'build and install the agents and the CLI' make install
stage 'ocf-tester on the installed agents' bash scripts/prove.sh
stage 'demo: two nodes in network namespaces, shared storage' bash test/cluster/demo.sh
stage 'demo: two qemu VMs with real DRBD 8.4' bash test/vm/cluster/demo.sh
echo "== main job done in $((SECONDS - started)) s"
