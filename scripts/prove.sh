#!/usr/bin/env bash
# Proves the INSTALLED agents on this machine with Debian's ocf-tester: Filesystem against a
# throwaway loop device, IPaddr2 inside a throwaway network namespace. Everything it creates is
# removed on exit.
set -euo pipefail
OCF_DIR=${OCF_ROOT:-/usr/lib/ocf}/resource.d/ocfkit
work=$(mktemp -d /var/tmp/ocfkit-prove.XXXXXX)
loop=""
ns="ocfk-prove-$$"
cleanup() {
  umount "$work/mnt" 2>/dev/null || true
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== ocf-tester: ocf:ocfkit:Filesystem on a loop device"
truncate -s 64M "$work/disk.img"
mkfs.ext4 -q -F "$work/disk.img"
loop=$(losetup -f --show "$work/disk.img")
ocf-tester -n fs_prove -o device="$loop" -o directory="$work/mnt" -o fstype=ext4 "$OCF_DIR/Filesystem"

if [ -x "$OCF_DIR/IPaddr2" ]; then
  echo "== ocf-tester: ocf:ocfkit:IPaddr2 in network namespace $ns"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add veth0 type veth peer name veth1
  ip -n "$ns" link set veth0 up
  ip -n "$ns" link set veth1 up
  ip -n "$ns" addr add 10.211.0.1/24 dev veth0
  ip netns exec "$ns" ocf-tester -n vip_prove -o ip=10.211.0.10 -o cidr_netmask=24 -o nic=veth0 "$OCF_DIR/IPaddr2"
fi
echo "== all installed ocfkit agents passed ocf-tester"
