#!/usr/bin/env bash
# Installs everything ocfkit's build, tests and demo need on Debian 12 (run as root), then the npm
# dependencies. Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  make                                             # build driver
  pacemaker corosync crmsh pcs                     # the cluster stack that calls our agents
  resource-agents                                  # ocf-tester and the upstream agents we compare with
  fence-agents                                     # fence_ipmilan & co.: crm generate reads a fence device's meta-data
  drbd-utils                                       # drbdadm/drbdsetup and ocf:linbit:drbd
  kmod libxml2-utils                               # modprobe (Filesystem validate), xmllint (meta-data checks)
  util-linux e2fsprogs xfsprogs btrfs-progs psmisc # loop devices, file systems, fuser for comparisons
  iproute2 iputils-arping ipv6toolkit tcpdump      # IPaddr2: addresses, ARP (arping), IPv6 NA (na6), captures
  hyperfine
  debootstrap lintian dpkg-dev binutils             # make deb and its test (a clean Debian 12 root, lintian)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm and the toolchain run on the machine's Node (20 or later); the agents get the pinned Node 24 from npm.
command -v node >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' \
  || { echo "setup: Node.js 20 or later with npm is required to build (the agents themselves run on the pinned Node 24)"; exit 1; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
