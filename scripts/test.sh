#!/usr/bin/env bash
# THE test command (README; .ci/run calls exactly this): set up a fresh Debian 12 machine, build,
# install the agents into the OCF root, type-check, lint, and run every test (unit, contract, real
# loop devices / namespaces / Pacemaker / DRBD in qemu).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash test/vm/setup.sh          # Debian's kernel + initramfs for the real-DRBD qemu VMs (cached)
make build install
make typecheck
make lint
bash scripts/run-tests.sh
