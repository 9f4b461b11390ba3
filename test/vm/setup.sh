#!/bin/bash
# test/vm/setup.sh - prepare the host for the DRBD VM lab (test/vm/lab.sh). Idempotent.
#
#  1. apt-installs the host tools (only if missing; `apt-get update` first then):
#     qemu (TCG is enough, no KVM needed), busybox-static (initramfs), drbd-utils + kmod +
#     iproute2 + e2fsprogs (used *inside* the VMs, which see the host root over 9p), cpio, xz;
#     gfs2-utils + ocfs2-tools + dlm-controld for the dual-primary cluster (GFS2 or OCFS2 and
#     DLM, whose kernel modules gfs2.ko, ocfs2.ko + ocfs2_stack_user.ko and dlm.ko Debian's
#     kernel ships; OCFS2 runs on Pacemaker's user stack, so no o2cb); lvm2 + lvm2-lockd for its
#     shared-VG stack (lvmlockd; the guests write their own lvm.conf, the host's is never used).
#  2. downloads Debian's kernel package (the version linux-image-amd64 currently depends
#     on) with `apt-get download` - it is NOT installed - and unpacks it with `dpkg -x`.
#     Its modules include DRBD 8.4 (drbd.ko), which the host kernel lacks.
#  3. builds into the cache dir ($OCFKIT_VM_DIR, default /var/tmp/ocfkit-vm):
#       kernel/<kver>/vmlinux          uncompressed ELF, booted via PVH (saves ~3 s per boot)
#       kernel/<kver>/lib/modules/...  the module tree (+ depmod), bind-mounted in the guest
#       initramfs-<kver>.cpio.gz       busybox + test/vm/guest/init + 9p/virtio/overlay modules
#       kernel/<kver>/drbd9/lib/modules/<kver>  the same tree with DRBD 9 in updates/ (OCFKIT_VM_DRBD=9)
#       current                        "<kver>": what lab.sh boots
#  Every step is skipped when its output is already cached. Safe to run concurrently (flock).
#  Env: OCFKIT_VM_DIR (cache dir), OCFKIT_VM_KVER (force a kernel package version, e.g.
#  6.1.0-56-amd64; default: discovered from `apt-cache depends linux-image-amd64`).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${OCFKIT_VM_DIR:-/var/tmp/ocfkit-vm}
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
T0=$SECONDS
log() { printf '[setup %3ds] %s\n' $((SECONDS - T0)) "$*"; }
die() { echo "setup.sh: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get)"
mkdir -p "$DIR"
exec 9> "$DIR/.setup.lock"
flock -w 900 9 || die "another setup.sh holds $DIR/.setup.lock"

# ---- 1. host packages ---------------------------------------------------------------
PKGS=(qemu-system-x86 busybox-static drbd-utils kmod iproute2 e2fsprogs cpio xz-utils gfs2-utils ocfs2-tools dlm-controld lvm2 lvm2-lockd)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
log "host packages ok"

# ---- 2. Debian kernel package ---------------------------------------------------------
discover_kver() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { sub(/^linux-image-/, "", $2); print $2; exit }'
}
KVER=${OCFKIT_VM_KVER:-}
if [ -z "$KVER" ]; then
    KVER=$(discover_kver)
    [ -n "$KVER" ] || { apt-get update -qq; KVER=$(discover_kver); }
    [ -n "$KVER" ] || die "cannot find the kernel version linux-image-amd64 depends on"
fi
KDIR=$DIR/kernel/$KVER
if [ -f "$KDIR/.complete" ]; then
    log "kernel $KVER cached in $KDIR"
else
    log "downloading linux-image-$KVER"
    tmp=$(mktemp -d "$DIR/.kernel.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    chown _apt "$tmp" 2>/dev/null || true     # apt downloads as _apt when it can
    if ! (cd "$tmp" && apt-get download -qq "linux-image-$KVER" 2>&1); then
        apt-get update -qq   # stale package lists: the .deb may have been superseded
        (cd "$tmp" && apt-get download -qq "linux-image-$KVER") || die "apt-get download linux-image-$KVER failed"
    fi
    log "unpacking $(basename "$tmp"/*.deb)"
    dpkg -x "$tmp"/*.deb "$tmp/root"
    rm -f "$tmp"/*.deb
    depmod -b "$tmp/root" "$KVER"
    [ -f "$tmp/root/lib/modules/$KVER/kernel/drivers/block/drbd/drbd.ko" ] ||
        die "the kernel package has no drbd.ko"

    # vmlinuz is a bzImage with an xz-compressed ELF inside; qemu boots that ELF directly
    # through its PVH entry point, skipping the (slow under TCG) in-guest decompression.
    vmlinuz=$tmp/root/boot/vmlinuz-$KVER
    ok=
    for off in $(grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | cut -d: -f1); do
        tail -c +$((off + 1)) "$vmlinuz" | xz -dc 2>/dev/null > "$tmp/vmlinux" || true
        if [ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then ok=1; break; fi
    done
    [ -n "$ok" ] || die "no xz-compressed ELF found in $vmlinuz"

    mkdir -p "$KDIR"
    rm -rf "$KDIR/lib"
    mv "$tmp/root/lib" "$KDIR/lib"
    mv "$tmp/vmlinux" "$KDIR/vmlinux"
    mv "$vmlinuz" "$KDIR/vmlinuz"
    rm -rf "$tmp"; trap - EXIT
    touch "$KDIR/.complete"
    log "kernel $KVER ready: $KDIR (vmlinux $(($(stat -c %s "$KDIR/vmlinux") >> 20)) MiB)"
fi

# ---- 3. initramfs ---------------------------------------------------------------------------
# The modules every boot needs; any other module can be modprobe'd in the guest from the full
# tree, which it sees over 9p.
INITRD=$DIR/initramfs-$KVER.cpio.gz
key="$KVER $(sha256sum "$0" "$HERE/guest/init" /bin/busybox | cut -c1-64 | tr '\n' ' ')"
if [ -f "$INITRD" ] && [ "$(cat "$INITRD.key" 2>/dev/null)" = "$key" ]; then
    log "initramfs cached: $INITRD"
else
    stage=$(mktemp -d "$DIR/.initramfs.XXXXXX")
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage/bin" "$stage/modules"
    cp /bin/busybox "$stage/bin/busybox"
    install -m 755 "$HERE/guest/init" "$stage/init"
    mods() {  # mods LISTFILE MODULE...: copy MODULEs + dependencies, in load order
        local list=$1 ko; shift
        modprobe -d "$KDIR" -S "$KVER" -a --show-depends "$@" |
            awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | grep -v /arch/x86/crypto/ |
            while read -r ko; do
                [ -e "$stage/modules/$(basename "$ko")" ] && continue
                cp "$ko" "$stage/modules/"
                basename "$ko" >> "$stage/$list"
            done
    }
    # (arch/x86/crypto: crc32c-intel needs SSE4.2, which qemu's TCG CPU lacks; crc32c_generic does)
    mods modules.list virtio_pci 9pnet_virtio 9p overlay virtio_net virtio_blk
    mods drbd.list drbd
    (cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$INITRD.tmp"
    mv "$INITRD.tmp" "$INITRD"
    echo "$key" > "$INITRD.key"
    log "initramfs built: $INITRD ($(cat "$stage/modules.list" "$stage/drbd.list" | tr '\n' ' '))"
    rm -rf "$stage"; trap - EXIT
fi

# ---- 4. DRBD 9 module tree -------------------------------------------------------------------
# Debian's kernel has DRBD 8.4 only. The DRBD 9 lab (lab.sh with OCFKIT_VM_DRBD=9) boots the
# same kernel with a second module tree: the first one hard-linked, plus drbd.ko,
# drbd_transport_tcp.ko and handshake.ko from test/vm/drbd9/build.sh in updates/ (which wins
# over the in-tree 8.4 module). build.sh prints a prebuilt folder when one matches KVER and
# otherwise builds the modules from the vendored source, so the lab follows Debian's ABI moves.
D9=$KDIR/drbd9/lib/modules/$KVER
mods9=$("$HERE/drbd9/build.sh" "$KVER" "$DIR/drbd9-build") || die "DRBD 9 modules for $KVER: build failed (see above)"
key9="$(cd "$mods9" && sha256sum drbd.ko drbd_transport_tcp.ko handshake.ko | cut -c1-64 | tr '\n' ' ')"
if [ -f "$D9/.complete" ] && [ "$(cat "$D9/.complete")" = "$key9" ]; then
    log "DRBD 9 module tree cached: $D9"
else
    rm -rf "$KDIR/drbd9"
    mkdir -p "$(dirname "$D9")"
    cp -al "$KDIR/lib/modules/$KVER" "$D9"
    # depmod rewrites the modules.* indexes: give the copy its own files, never the 8.4 tree's
    for f in "$D9"/modules.*; do cp --remove-destination "$f" "$f.own" && mv "$f.own" "$f"; done
    install -D -m 0644 -t "$D9/updates" "$mods9"/drbd.ko "$mods9"/drbd_transport_tcp.ko "$mods9"/handshake.ko
    depmod -b "$KDIR/drbd9" "$KVER"
    modinfo -b "$KDIR/drbd9" -k "$KVER" -F version drbd | grep -q '^9\.' ||
        die "the DRBD 9 module tree $D9 does not resolve drbd to DRBD 9"
    echo "$key9" > "$D9/.complete"
    log "DRBD 9 module tree ready: $D9 ($(modinfo -b "$KDIR/drbd9" -k "$KVER" -F version drbd))"
fi

echo "$KVER" > "$DIR/current.tmp" && mv "$DIR/current.tmp" "$DIR/current"
log "done: kernel $KVER, cache $DIR"
