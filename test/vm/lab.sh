#!/bin/bash
# test/vm/lab.sh - throw-away qemu VMs (node1, node2[, node3]) running real DRBD 8.4 or 9.
#
#   lab.sh up                          boot the VMs in parallel, wait until all are ready
#   lab.sh exec [-t S] [-i] N CMD [ARG...]
#                                      run CMD with ARGs (exactly, no shell) in VM N (1|node1|...);
#                                      prints its stdout/stderr, exits with its exit code.
#                                      -t S: kill it after S seconds (exit 124; default 300)
#                                      -i:   feed lab.sh's stdin to CMD (default: /dev/null)
#   lab.sh sh [-t S] [-i] N 'SCRIPT'   same, but SCRIPT is run by bash (pipes, &&, env vars ...)
#   lab.sh cut-link [N] [net0|net1]    pull a network cable of VM N (default: every VM, net0)
#   lab.sh restore-link [N] [net0|net1] plug it back in
#   lab.sh boot N                      boot VM N again after it died (killed, fenced), with the
#                                      disk it had; its RAM (the overlay: files written in it) is gone
#   lab.sh status                      which VMs run; lab.sh console N: VM N's console log
#   lab.sh down                        kill the VMs, delete the lab directory (idempotent)
#   lab.sh run CMD [ARG...]            up; CMD (with OCFKIT_LAB exported); down - always
#
# Prerequisite: test/vm/setup.sh (once). Details, timings and the guest's view: test/vm/README.md.
#
# Each VM: Debian's kernel under qemu TCG; the host root read-only over 9p with a tmpfs
# overlay (every host tool, /work/main/dist and node are visible, all writes stay in the
# VM); fresh sparse raw disks as /dev/vda (and vdb, vdc); eth0 = 192.168.77.N/24 (net0) and
# eth1 = 192.168.78.N/24 (net1) on two private links that only the lab's VMs share (one bridge
# per link in a network namespace of the lab's own, each VM's NIC a tap on it: no host
# address or port is involved; net1 is the dedicated replication link a cluster test can give
# DRBD, so the two links fail independently); /etc/drbd.d/r0.res (protocol C, /dev/drbd1 on
# /dev/vda, internal meta-data; DRBD 9: every node, quorum majority, and r1 with two volumes
# on vdb + vdc); the drbd module loaded.
#
# Environment:
#   OCFKIT_VM_DIR   cache dir of setup.sh (default /var/tmp/ocfkit-vm)
#   OCFKIT_LAB      lab directory = which lab the commands act on (default $OCFKIT_VM_DIR/lab);
#                   several labs can run at the same time in different directories
#   OCFKIT_VM_OWNER pid; the VMs are killed as soon as it exits (default: lab.sh's parent,
#                   e.g. your interactive shell); 0: no owner, only OCFKIT_VM_LIFETIME applies
#   OCFKIT_VM_LIFETIME   hard limit for each qemu in seconds (default 3600)
#   OCFKIT_VM_BOOT_TIMEOUT  seconds `up` waits for both VMs at most (default 900)
#   OCFKIT_VM_BOOT_STALL    seconds without console output after which a boot has failed (default 120)
#   OCFKIT_VM_MEM (MiB, 768), OCFKIT_VM_DISK_MB (64), OCFKIT_VM_ACCEL (tcg|kvm, tcg)
#   OCFKIT_VM_NODES how many VMs (2..9, default 2)
#   OCFKIT_VM_DISKS disks per VM (1..3, default 1; 3 with OCFKIT_VM_DRBD=9): vda, vdb, vdc
#   OCFKIT_VM_DRBD  1: load Debian's DRBD 8.4 at boot (default); 9: DRBD 9 (setup.sh's module
#                   tree) loaded at boot; 0: 8.4's module tree, nothing loaded
#   OCFKIT_VM_ON_NO_QUORUM  DRBD 9's on-no-quorum in r0/r1 (io-error, or suspend-io)
#   OCFKIT_VM_KEEP  1: `down` keeps the lab directory (console logs) for debugging
#   OCFKIT_VM_DEBUG 1: the guest agent logs every command to the console log
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
DIR=${OCFKIT_VM_DIR:-/var/tmp/ocfkit-vm}
LAB=${OCFKIT_LAB:-$DIR/lab}
# `up` records the lab's shape; every later command on the lab uses it, whatever its environment
[ "${1:-}" != up ] && [ -f "$LAB/lab.env" ] && . "$LAB/lab.env"
NODE_COUNT=${OCFKIT_VM_NODES:-2}
[[ $NODE_COUNT =~ ^[2-9]$ ]] || { echo "lab.sh: OCFKIT_VM_NODES must be 2..9" >&2; exit 255; }
NODES=()
for ((i = 1; i <= NODE_COUNT; i++)); do NODES+=("node$i"); done
DRBD=${OCFKIT_VM_DRBD:-1}
case $DRBD in 0 | 1 | 9) ;; *) echo "lab.sh: OCFKIT_VM_DRBD must be 0, 1 or 9" >&2; exit 255 ;; esac
DISKS=${OCFKIT_VM_DISKS:-1}
[ "$DRBD" = 9 ] && DISKS=${OCFKIT_VM_DISKS:-3}
[[ $DISKS =~ ^[1-3]$ ]] || { echo "lab.sh: OCFKIT_VM_DISKS must be 1..3" >&2; exit 255; }
NET=192.168.77
NET1=192.168.78
# the lab's network namespace: where its bridges and taps live (the host's stack is never used)
NETNS=ocfkitlab-$(printf %s "$LAB" | md5sum | cut -c1-10)

die() { echo "lab.sh: $*" >&2; exit 255; }   # 255 (+ "lab.sh: ..." on stderr) = harness error
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
node_name() {
    local i=${1#node}
    [[ $i =~ ^[1-9]$ ]] && [ "$i" -le "$NODE_COUNT" ] || die "unknown VM '$1' (1..$NODE_COUNT or node1..node$NODE_COUNT)"
    echo "node$i"
}
qpid() { cat "$LAB/$1/qemu.pid" 2>/dev/null; }
alive() { local p; p=$(qpid "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
any_alive() {  # any qemu (or its timeout wrapper, while qemu has not written its pidfile yet)
    local n p
    for n in "${NODES[@]}"; do
        alive "$n" && return 0
        p=$(cat "$LAB/$n/timeout.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null && return 0
    done
    return 1
}
tail_logs() {  # tail_logs NODE: what a human needs to see when NODE failed
    local n=$1
    echo "---- $n: qemu stderr ($LAB/$n/qemu.log)" >&2
    tail -n 20 "$LAB/$n/qemu.log" >&2 2>/dev/null
    echo "---- $n: console tail ($LAB/$n/console.log)" >&2
    tail -n 40 "$LAB/$n/console.log" >&2 2>/dev/null
    echo "----" >&2
}

# ---- VM lifecycle -------------------------------------------------------------------------
write_guest_files() {  # write_guest_files NODE IDX: files the guest agent copies over / at boot
    local r=$LAB/$1/ctl/rootfs
    mkdir -p "$r/etc/drbd.d"
    echo "$1" > "$r/etc/hostname"
    # root's login shell: the host's dotfiles (pyenv, cargo, ...) cost ~25 s per login under TCG,
    # and `su -` (ocf:heartbeat:anything starts its program with it) runs one
    mkdir -p "$r/root"
    printf '# lab guest: a plain login\n' > "$r/root/.bashrc"
    printf '# lab guest: a plain login\n[ -n "$BASH" ] && . ~/.bashrc\n' > "$r/root/.profile"
    local node
    { echo '127.0.0.1 localhost'; for node in "${NODES[@]}"; do echo "$NET.${node#node} $node"; done; } > "$r/etc/hosts"
    cat > "$r/etc/drbd.d/global_common.conf" <<'EOF'
global { usage-count no; }
common { }
EOF
    if [ "$DRBD" = 9 ]; then
        # drbdadm gives each drbdsetup call 5 s (cmd-timeout-short): emulated VMs on a loaded host
        # need longer for a new-path or connect, as slow hardware would
        printf 'global { usage-count no; cmd-timeout-short 60; cmd-timeout-medium 300; }\ncommon { }\n' > "$r/etc/drbd.d/global_common.conf"
        write_drbd9_res "$r/etc/drbd.d"
        return
    fi
    cat > "$r/etc/drbd.d/r0.res" <<EOF
# written by test/vm/lab.sh
resource r0 {
  device    /dev/drbd1 minor 1;
  disk      /dev/vda;
  meta-disk internal;
  net { protocol C; }
  # fixed, fast resync: 64 MiB sync in ~8 s instead of ~20 s with the dynamic controller
  # (slow it down for a test with: drbdsetup disk-options 1 --resync-rate=1M)
  disk { c-plan-ahead 0; resync-rate 100M; }
  on node1 { address $NET.1:7789; }
  on node2 { address $NET.2:7789; }
}
EOF
}

write_drbd9_res() {  # write_drbd9_res DIR: r0 (vda) and, with 3 disks, r1 (two volumes: vdb, vdc)
    local dir=$1 n quorum=""
    # two nodes cannot form a majority without a tiebreaker: quorum only from three nodes on
    [ "$NODE_COUNT" -ge 3 ] && quorum="quorum majority; on-no-quorum ${OCFKIT_VM_ON_NO_QUORUM:-io-error};"
    {
        echo "# written by test/vm/lab.sh (DRBD 9)"
        echo "resource r0 {"
        echo "  device /dev/drbd1 minor 1; disk /dev/vda; meta-disk internal;"
        # ping-timeout 2 s, not 0.5: a starved emulated VM must not drop a healthy connection
        echo "  net { protocol C; ping-timeout 20; }"
        echo "  options { $quorum }"
        echo "  disk { c-plan-ahead 0; resync-rate 100M; }"
        for n in "${NODES[@]}"; do echo "  on $n { node-id $((${n#node} - 1)); address $NET.${n#node}:7789; }"; done
        echo "  connection-mesh { hosts ${NODES[*]}; }"
        echo "}"
    } > "$dir/r0.res"
    [ "$DISKS" -ge 3 ] || return 0
    {
        echo "# written by test/vm/lab.sh (DRBD 9): one resource, two volumes"
        echo "resource r1 {"
        echo "  volume 0 { device /dev/drbd10 minor 10; disk /dev/vdb; meta-disk internal; }"
        echo "  volume 1 { device /dev/drbd11 minor 11; disk /dev/vdc; meta-disk internal; }"
        echo "  net { protocol C; ping-timeout 20; }"
        echo "  options { $quorum }"
        echo "  disk { c-plan-ahead 0; resync-rate 100M; }"
        for n in "${NODES[@]}"; do echo "  on $n { node-id $((${n#node} - 1)); address $NET.${n#node}:7790; }"; done
        echo "  connection-mesh { hosts ${NODES[*]}; }"
        echo "}"
    } > "$dir/r1.res"
}

# ---- the lab's links ------------------------------------------------------------------------
net_up() {  # a fresh network namespace with one bridge per link (net0, net1)
    local l
    ip netns del "$NETNS" 2>/dev/null
    ip netns add "$NETNS" || die "cannot create the network namespace $NETNS"
    for l in net0 net1; do
        ip -n "$NETNS" link add "br-$l" type bridge stp_state 0 forward_delay 0 &&
            ip -n "$NETNS" link set "br-$l" up || die "cannot create the bridge br-$l in $NETNS"
    done
}
net_down() { ip netns del "$NETNS" 2>/dev/null; return 0; }
tap_up() {  # tap_up NODE LINK: (re)create NODE's tap on LINK's bridge, print its name
    local tap=$1-$2
    ip -n "$NETNS" link del "$tap" 2>/dev/null
    ip -n "$NETNS" tuntap add dev "$tap" mode tap &&
        ip -n "$NETNS" link set "$tap" master "br-$2" up || die "cannot create the tap $tap in $NETNS"
    echo "$tap"
}

start_vm() {  # start_vm NODE IDX KVER
    local n=$1 i=$2 kver=$3 d=$LAB/$1 tap0 tap1 disk disks=() kmods
    mkdir -p "$d/ctl/cmd" "$d/ctl/res"
    # a reboot (boot N) starts from a clean control directory but keeps the disk
    rm -f "$d/ctl/ready" "$d/qemu.exit" "$d/qemu.pid" "$d/timeout.pid" "$d"/ctl/cmd/* "$d"/ctl/res/* \
        "$d/mon.in" "$d/mon.out" "$d/wake.in" "$d/wake.out"
    write_guest_files "$n" "$i"
    for disk in disk.img disk1.img disk2.img; do
        [ ${#disks[@]} -lt $((2 * DISKS)) ] || break
        [ -e "$d/$disk" ] || truncate -s "${OCFKIT_VM_DISK_MB:-64}M" "$d/$disk"
        disks+=(-drive "file=$d/$disk,if=virtio,format=raw,cache=unsafe")
    done
    mkfifo "$d/mon.in" "$d/mon.out" "$d/wake.in" "$d/wake.out"
    tap0=$(tap_up "$n" net0) && tap1=$(tap_up "$n" net1) || exit 255
    kmods=$DIR/kernel/$kver/lib/modules/$kver
    if [ "$DRBD" = 9 ]; then
        kmods=$DIR/kernel/$kver/drbd9/lib/modules/$kver
        [ -f "$kmods/.complete" ] || die "no DRBD 9 module tree for $kver: run test/vm/setup.sh"
    fi
    local accel=(-accel tcg)
    [ "${OCFKIT_VM_ACCEL:-tcg}" = kvm ] && accel=(-accel kvm -cpu host)
    # stdin/stdout/stderr must not be the caller's: `up` returns while qemu keeps running.
    # The subshell records qemu's exit status (for the error message when a boot fails).
    (
    timeout -k 5 "${OCFKIT_VM_LIFETIME:-3600}" nsenter "--net=/run/netns/$NETNS" \
    qemu-system-x86_64 -M pc -nodefaults -no-user-config -display none -no-reboot \
        "${accel[@]}" -m "${OCFKIT_VM_MEM:-768}" -smp 1 \
        -kernel "$DIR/kernel/$kver/vmlinux" -initrd "$DIR/initramfs-$kver.cpio.gz" \
        -append "console=ttyS0 panic=-1 loglevel=4 mitigations=off clocksource=hpet no_timer_check vmip=$NET.$i/24 vmip1=$NET1.$i/24 vmdrbd=$DRBD vmdebug=${OCFKIT_VM_DEBUG:-} kmods=$kmods agent=$HERE/guest/agent.sh project=$(dirname "$(dirname "$HERE")")" \
        -serial "file:$d/console.log" -serial "pipe:$d/wake" \
        -chardev "pipe,id=mon0,path=$d/mon" -mon chardev=mon0,mode=control \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$d/ctl,mount_tag=ctl,security_model=none" \
        "${disks[@]}" \
        -netdev "tap,id=net0,ifname=$tap0,script=no,downscript=no" \
        -device "virtio-net-pci,netdev=net0,mac=52:54:00:77:00:0$i,romfile=" \
        -netdev "tap,id=net1,ifname=$tap1,script=no,downscript=no" \
        -device "virtio-net-pci,netdev=net1,mac=52:54:00:78:00:0$i,romfile=" \
        -pidfile "$d/qemu.pid" &
    echo $! > "$d/timeout.pid"
    wait $!
    echo $? > "$d/qemu.exit"
    ) < /dev/null > "$d/qemu.log" 2>&1 &
    disown   # no "Killed" job notices from bash when `down` kills qemu
}

stop_vms() {  # kill every qemu of the lab; never touches other processes
    local n p i
    # SIGKILL: the VMs are throw-away (nothing to flush) and SIGTERM costs ~1 s per VM
    for n in "${NODES[@]}"; do alive "$n" && kill -KILL "$(qpid "$n")" 2>/dev/null; done
    # a timeout(1) whose qemu has not started yet passes the TERM on
    for n in "${NODES[@]}"; do
        p=$(cat "$LAB/$n/timeout.pid" 2>/dev/null) && kill "$p" 2>/dev/null
    done
    for ((i = 0; i < 100; i++)); do any_alive || return 0; sleep 0.05; done
    echo "lab.sh: WARNING: VMs of $LAB still alive after 5 s" >&2
}

cmd_down() {
    [ -d "$LAB" ] || return 0
    local w; w=$(cat "$LAB/watchdog.pid" 2>/dev/null) && [ "$w" != "$$" ] && kill "$w" 2>/dev/null
    stop_vms
    net_down
    if [ "${OCFKIT_VM_KEEP:-0}" = 1 ]; then
        echo "lab.sh: VMs stopped, logs kept in $LAB" >&2
    else
        rm -rf "$LAB"
    fi
}

cmd_watchdog() {  # (internal) kill the VMs as soon as the owner process is gone
    local owner=$1
    echo $$ > "$LAB/watchdog.pid"
    while kill -0 "$owner" 2>/dev/null; do
        any_alive || exit 0
        sleep 1
    done
    echo "$(date +%T) owner $owner exited: stopping the lab" >&2
    trap '' TERM
    cmd_down
}

wait_ready() {  # wait_ready T0 NODE...: until every NODE's guest agent is ready; else print why, fail
    # On progress, not on a fixed clock: a boot fails when a console has printed nothing new for
    # OCFKIT_VM_BOOT_STALL seconds (default 120), or after OCFKIT_VM_BOOT_TIMEOUT (default 900).
    local t0=$1 limit=${OCFKIT_VM_BOOT_TIMEOUT:-900} stall=${OCFKIT_VM_BOOT_STALL:-120} ready n size
    local sizes="" last_sizes="" progress_at
    shift
    progress_at=$(now)
    while :; do
        ready=0 sizes=""
        for n in "$@"; do
            if [ -e "$LAB/$n/ctl/ready" ]; then
                ((++ready))
            elif [ -e "$LAB/$n/qemu.exit" ]; then
                echo "$n: qemu exited during boot (status $(cat "$LAB/$n/qemu.exit"); a guest panic or reset also ends it)"
                return 1
            fi
            size=$(stat -c %s "$LAB/$n/console.log" 2>/dev/null || echo 0)
            sizes="$sizes $size"
        done
        [ "$ready" = $# ] && return 0
        [ "$sizes" != "$last_sizes" ] && { last_sizes=$sizes; progress_at=$(now); }
        if [ "$(since "$progress_at" | cut -d. -f1)" -ge "$stall" ]; then echo "no boot progress on the console for ${stall}s"; return 1; fi
        if [ "$(since "$t0" | cut -d. -f1)" -ge "$limit" ]; then echo "not ready after ${limit}s"; return 1; fi
        sleep 0.1
    done
}

start_watchdog() {  # unless one runs: kill the VMs as soon as the owner process is gone
    local owner=${OCFKIT_VM_OWNER:-$PPID} w
    [ "$owner" = 0 ] && return
    w=$(cat "$LAB/watchdog.pid" 2>/dev/null) && kill -0 "$w" 2>/dev/null && return
    # (not `[ ] || cmd &`: that backgrounds a subshell which keeps our stdout open while it waits)
    setsid "$SELF" _watchdog "$owner" < /dev/null >> "$LAB/watchdog.log" 2>&1 &
}

cmd_boot() {  # cmd_boot N: boot a VM of a running lab again (after it was killed or fenced)
    local n i t0 failed
    n=$(node_name "$1") || exit 255
    i=${n#node}
    [ -d "$LAB/$n" ] || die "no lab in $LAB"
    alive "$n" && die "$n is still running"
    t0=$(now)
    start_vm "$n" "$i" "$(cat "$DIR/current")"
    start_watchdog
    if ! failed=$(wait_ready "$t0" "$n"); then
        echo "lab.sh: boot $n FAILED: $failed" >&2
        tail_logs "$n"
        exit 1
    fi
    echo "lab.sh: $n booted in $(since "$t0")s" >&2
}

cmd_up() {
    local kver t0 n i
    [ -f "$DIR/current" ] || die "no VM kernel in $DIR: run test/vm/setup.sh first"
    kver=$(cat "$DIR/current")
    [ -f "$DIR/kernel/$kver/vmlinux" ] && [ -f "$DIR/initramfs-$kver.cpio.gz" ] ||
        die "incomplete cache in $DIR: run test/vm/setup.sh"
    if [ -d "$LAB" ]; then
        any_alive && die "a lab is already running in $LAB (lab.sh down, or set OCFKIT_LAB)"
        rm -rf "$LAB"
    fi
    [ ${#LAB} -lt 90 ] || die "OCFKIT_LAB path too long for a unix socket: $LAB"
    mkdir -p "$LAB" || die "cannot create $LAB"
    printf 'OCFKIT_VM_NODES=%s\nOCFKIT_VM_DRBD=%s\nOCFKIT_VM_DISKS=%s\n' "$NODE_COUNT" "$DRBD" "$DISKS" > "$LAB/lab.env"
    t0=$(now)
    trap 'echo "lab.sh: up interrupted, cleaning up" >&2; cmd_down; exit 1' INT TERM HUP
    net_up
    i=0
    for n in "${NODES[@]}"; do start_vm "$n" $((++i)) "$kver"; done
    start_watchdog
    local failed
    if ! failed=$(wait_ready "$t0" "${NODES[@]}"); then
        echo "lab.sh: up FAILED: $failed" >&2
        for n in "${NODES[@]}"; do [ -e "$LAB/$n/ctl/ready" ] || tail_logs "$n"; done
        cmd_down
        exit 1
    fi
    trap - INT TERM HUP
    local uptimes=""
    for n in "${NODES[@]}"; do uptimes+="${uptimes:+, }$n $(cat "$LAB/$n/ctl/ready")s"; done
    echo "lab.sh: up in $(since "$t0")s (guest uptime $uptimes), lab $LAB" >&2
}

# ---- commands in the guest --------------------------------------------------------------------
cmd_exec() {  # cmd_exec MODE(argv|sh) [-t S] [-i] N ...
    local mode=$1 t=300 stdin=0 n d id script rc
    shift
    while [ $# -gt 0 ]; do
        case $1 in
            -t) t=$2; shift 2 ;;
            -i) stdin=1; shift ;;
            --) shift; break ;;
            *) break ;;
        esac
    done
    [ $# -ge 2 ] || die "usage: lab.sh exec|sh [-t S] [-i] N CMD..."
    n=$(node_name "$1") || exit 255
    shift
    d=$LAB/$n
    alive "$n" || die "$n is not running (lab.sh up; lab $LAB)"
    if [ "$mode" = argv ]; then script="exec $(printf '%q ' "$@")"; else script=$1; fi
    id=$(date +%s%N)-$$-$RANDOM
    [ "$stdin" = 1 ] && cat > "$d/ctl/cmd/$id.in"
    printf '#T=%s\n%s\n' "$t" "$script" > "$d/ctl/cmd/$id.tmp" && mv "$d/ctl/cmd/$id.tmp" "$d/ctl/cmd/$id.sh"
    # wake the guest agent up (O_RDWR: opening never blocks, even if qemu is gone)
    { echo "$id" >&6; } 6<> "$d/wake.in"
    local i=0 end=$((SECONDS + t + 15))
    while [ ! -s "$d/ctl/res/$id.rc" ]; do
        if ((++i % 50 == 0)); then
            if ! alive "$n"; then echo "lab.sh: $n died while running: $*" >&2; tail_logs "$n"; exit 255; fi
            if [ $SECONDS -ge $end ]; then echo "lab.sh: $n: no answer after $((t + 15))s: $*" >&2; exit 255; fi
        fi
        sleep 0.02
    done
    cat "$d/ctl/res/$id.out"
    cat "$d/ctl/res/$id.err" >&2
    rc=$(cat "$d/ctl/res/$id.rc")
    rm -f "$d/ctl/res/$id".* "$d/ctl/cmd/$id".*
    exit "$rc"
}

# ---- the link between the VMs -------------------------------------------------------------------
qmp() {  # qmp NODE JSON: run a QMP command on NODE's qemu, print the reply line
    local d=$LAB/$1 line
    exec 7<> "$d/mon.out"                              # O_RDWR: opening never blocks
    while IFS= read -r -t 0.05 -u 7 line; do :; done   # drop old output (greeting, events)
    # capabilities negotiation is needed once per monitor; repeating it is a harmless error
    printf '{"execute":"qmp_capabilities"}\n%s\n' "$2" > "$d/mon.in"
    local n=0
    while IFS= read -r -t 5 -u 7 line; do
        case $line in *'"return"'* | *'"error"'*) ((++n == 2)) && break ;; esac
    done
    exec 7<&-
    printf '%s\n' "$line"
}

cmd_link() {  # cmd_link up|down [N|all] [net0|net1]
    local up=true n nodes=("${NODES[@]}") out link=${3:-net0}
    [ "$1" = down ] && up=false
    case $link in net0 | net1) ;; *) die "unknown link '$link' (net0|net1)" ;; esac
    if [ -n "${2:-}" ] && [ "$2" != all ]; then n=$(node_name "$2") || exit 255; nodes=("$n"); fi
    for n in "${nodes[@]}"; do
        alive "$n" || die "$n is not running"
        out=$(qmp "$n" '{"execute":"set_link","arguments":{"name":"'$link'","up":'$up'}}')
        [[ $out == *'"return"'* ]] || die "$n: set_link $link $up failed: $out"
    done
}

# ---- main -------------------------------------------------------------------------------------
cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
    up) cmd_up ;;
    down) cmd_down ;;
    exec) cmd_exec argv "$@" ;;
    sh) cmd_exec sh "$@" ;;
    cut-link) cmd_link down "${1:-}" "${2:-}" ;;
    restore-link) cmd_link up "${1:-}" "${2:-}" ;;
    boot) cmd_boot "${1:-}" ;;
    status)
        [ -d "$LAB" ] || { echo "no lab in $LAB"; exit 1; }
        for n in "${NODES[@]}"; do
            if alive "$n"; then s="running (qemu pid $(qpid "$n"))"; else s=stopped; fi
            [ -e "$LAB/$n/ctl/ready" ] && s+=", ready"
            echo "$n: $s"
        done ;;
    console) n=$(node_name "${1:-1}") && cat "$LAB/$n/console.log" ;;
    run)
        [ $# -gt 0 ] || die "usage: lab.sh run CMD [ARG...]"
        export OCFKIT_LAB=$LAB OCFKIT_VM_OWNER=$$
        trap cmd_down EXIT
        trap 'exit 130' INT TERM HUP
        cmd_up
        trap 'exit 130' INT TERM HUP   # (cmd_up reset them)
        "$@"
        ;;
    _watchdog) cmd_watchdog "$1" ;;
    *) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 2 ;;
esac
