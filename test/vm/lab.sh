#!/bin/bash
# test/vm/lab.sh - two throw-away qemu VMs (node1, node2) running real DRBD 8.4.
#
#   lab.sh up                          boot node1 + node2 in parallel, wait until both are ready
#   lab.sh exec [-t S] [-i] N CMD [ARG...]
#                                      run CMD with ARGs (exactly, no shell) in VM N (1|2|node1|node2);
#                                      prints its stdout/stderr, exits with its exit code.
#                                      -t S: kill it after S seconds (exit 124; default 300)
#                                      -i:   feed lab.sh's stdin to CMD (default: /dev/null)
#   lab.sh sh [-t S] [-i] N 'SCRIPT'   same, but SCRIPT is run by bash (pipes, &&, env vars ...)
#   lab.sh cut-link [N] [net0|net1]    pull a network cable of VM N (default: both VMs, net0)
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
# VM); a fresh sparse raw disk as /dev/vda; eth0 = 192.168.77.N/24 (net0) and
# eth1 = 192.168.78.N/24 (net1) on two private links that only the two VMs share (qemu
# dgram netdevs over unix sockets in the lab directory: no host address or port is
# involved; net1 is the dedicated replication link a cluster test can give DRBD, so the
# two links fail independently); /etc/drbd.d/r0.res (protocol C,
# /dev/drbd1 on /dev/vda, internal meta-data); the drbd module loaded.
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
#   OCFKIT_VM_DRBD  1: load drbd.ko at boot (default); 0: leave it to the test
#   OCFKIT_VM_KEEP  1: `down` keeps the lab directory (console logs) for debugging
#   OCFKIT_VM_DEBUG 1: the guest agent logs every command to the console log
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
DIR=${OCFKIT_VM_DIR:-/var/tmp/ocfkit-vm}
LAB=${OCFKIT_LAB:-$DIR/lab}
NODES=(node1 node2)
NET=192.168.77
NET1=192.168.78

die() { echo "lab.sh: $*" >&2; exit 255; }   # 255 (+ "lab.sh: ..." on stderr) = harness error
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
node_name() {
    case $1 in 1 | node1) echo node1 ;; 2 | node2) echo node2 ;; *) die "unknown VM '$1' (1|2|node1|node2)" ;; esac
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
    printf '127.0.0.1 localhost\n%s.1 node1\n%s.2 node2\n' "$NET" "$NET" > "$r/etc/hosts"
    cat > "$r/etc/drbd.d/global_common.conf" <<'EOF'
global { usage-count no; }
common { }
EOF
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

start_vm() {  # start_vm NODE IDX KVER
    local n=$1 i=$2 kver=$3 d=$LAB/$1 other
    other=node$((3 - i))
    mkdir -p "$d/ctl/cmd" "$d/ctl/res"
    # a reboot (boot N) starts from a clean control directory but keeps the disk
    rm -f "$d/ctl/ready" "$d/qemu.exit" "$d/qemu.pid" "$d/timeout.pid" "$d"/ctl/cmd/* "$d"/ctl/res/* \
        "$d/mon.in" "$d/mon.out" "$d/wake.in" "$d/wake.out" "$d/net.sock" "$d/net1.sock"
    write_guest_files "$n" "$i"
    [ -e "$d/disk.img" ] || truncate -s "${OCFKIT_VM_DISK_MB:-64}M" "$d/disk.img"
    mkfifo "$d/mon.in" "$d/mon.out" "$d/wake.in" "$d/wake.out" "$d/net.sock" "$d/net1.sock"
    local accel=(-accel tcg)
    [ "${OCFKIT_VM_ACCEL:-tcg}" = kvm ] && accel=(-accel kvm -cpu host)
    # stdin/stdout/stderr must not be the caller's: `up` returns while qemu keeps running.
    # The subshell records qemu's exit status (for the error message when a boot fails).
    (
    timeout -k 5 "${OCFKIT_VM_LIFETIME:-3600}" \
    qemu-system-x86_64 -M pc -nodefaults -no-user-config -display none -no-reboot \
        "${accel[@]}" -m "${OCFKIT_VM_MEM:-768}" -smp 1 \
        -kernel "$DIR/kernel/$kver/vmlinux" -initrd "$DIR/initramfs-$kver.cpio.gz" \
        -append "console=ttyS0 panic=-1 loglevel=4 mitigations=off clocksource=hpet no_timer_check vmip=$NET.$i/24 vmip1=$NET1.$i/24 vmdrbd=${OCFKIT_VM_DRBD:-1} vmdebug=${OCFKIT_VM_DEBUG:-} kmods=$DIR/kernel/$kver/lib/modules/$kver agent=$HERE/guest/agent.sh project=$(dirname "$(dirname "$HERE")")" \
        -serial "file:$d/console.log" -serial "pipe:$d/wake" \
        -chardev "pipe,id=mon0,path=$d/mon" -mon chardev=mon0,mode=control \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$d/ctl,mount_tag=ctl,security_model=none" \
        -drive "file=$d/disk.img,if=virtio,format=raw,cache=unsafe" \
        -netdev "dgram,id=net0,local.type=unix,local.path=$d/net.sock,remote.type=unix,remote.path=$LAB/$other/net.sock" \
        -device "virtio-net-pci,netdev=net0,mac=52:54:00:77:00:0$i,romfile=" \
        -netdev "dgram,id=net1,local.type=unix,local.path=$d/net1.sock,remote.type=unix,remote.path=$LAB/$other/net1.sock" \
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
    t0=$(now)
    trap 'echo "lab.sh: up interrupted, cleaning up" >&2; cmd_down; exit 1' INT TERM HUP
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
    echo "lab.sh: up in $(since "$t0")s (guest uptime node1 $(cat "$LAB/node1/ctl/ready")s, node2 $(cat "$LAB/node2/ctl/ready")s), lab $LAB" >&2
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
