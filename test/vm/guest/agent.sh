#!/bin/bash
# test/vm/guest/agent.sh - PID 1 inside a lab VM (started by guest/init after switch_root).
# Read from the host through the 9p root, so edits take effect at the next boot.
#
# guest/init has already configured the guest (files from /ctl/rootfs, hostname, eth0, modules).
#
# Command channel (host side: lab.sh exec), all files in the per-VM 9p share /ctl:
#   host:  writes cmd/ID.in (optional stdin), then cmd/ID.sh (atomic rename; first line
#          "#T=SECONDS"), then a line to the VM's second serial port (ttyS1) to wake us up
#          (we also rescan every 2 s, so a lost wake-up only costs time).
#   guest: sources cmd/ID.sh in a forked subshell (no exec of a new bash: that costs ~0.15 s
#          under TCG) in its own process group, concurrently with other commands; kills the
#          group after T seconds (exit code 124); writes res/ID.out, res/ID.err, then
#          res/ID.rc (non-empty = done). The host deletes all these files afterwards.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
debug=${vmdebug:-}
# eth1, the second private link (guest/init configures eth0 only; doing eth1 here needs no
# initramfs rebuild)
if [ -n "${vmip1:-}" ] && [ -e /sys/class/net/eth1 ]; then
    ip link set eth1 up && ip addr add "$vmip1" dev eth1 || echo "[agent] WARNING: cannot configure eth1 with $vmip1"
fi
# DRBD 9 (vmdrbd=9): guest/init loaded nothing; its module tree (setup.sh) is at /lib/modules.
# The transport pulls in drbd and handshake; the lab checks /proc/drbd's version once we are ready.
if [ "${vmdrbd:-}" = 9 ]; then
    modprobe drbd_transport_tcp || echo "[agent] WARNING: modprobe drbd_transport_tcp failed"
fi
unset vmip vmip1 vmdrbd vmdebug kmods agent rwsize
cd /
up() { local u; read -r u _ < /proc/uptime; echo "$u"; }
say() { echo "[agent] $(up)s: $*"; }
say "starting on $(< /proc/sys/kernel/osrelease)"
mkdir -p /ctl/cmd /ctl/res /var/log

# --- command loop -------------------------------------------------------------------------
TICK=/run/.agent-tick
mkfifo "$TICK"                       # `read -t N <> $TICK` = sleep N without a fork+exec
run_job() {  # run_job ID (in a background subshell of PID 1)
    local id=$1 f=/ctl/cmd/$1.sh t=300 first in=/dev/null pid sleeper rc
    read -r first < "$f"
    [[ $first =~ ^#T=([0-9]+)$ ]] && t=${BASH_REMATCH[1]}
    [ -e "/ctl/cmd/$id.in" ] && in=/ctl/cmd/$id.in
    set -m                           # -> the command gets its own process group
    (
        # a clean slate for the script: no job control, no agent functions/variables/args
        set +m; shopt -u nullglob; exec 8<&-
        __lab_job=$f
        unset -f run_job say up; unset -v TICK debug seen n id f t first in pid sleeper rc
        set --
        source "$__lab_job"
    ) < "$in" > "/ctl/res/$id.out" 2> "/ctl/res/$id.err" &
    pid=$!
    set +m
    (
        read -r -t "$t" _ <> "$TICK"
        : > "/run/.timeout-$id"
        kill -TERM -- "-$pid"; read -r -t 3 _ <> "$TICK"; kill -KILL -- "-$pid"
    ) 2> /dev/null &
    sleeper=$!
    wait "$pid"; rc=$?
    kill "$sleeper" 2> /dev/null
    [ -e "/run/.timeout-$id" ] && { rc=124; rm -f "/run/.timeout-$id"; }
    echo "$rc" > "/ctl/res/$id.rc"
    [ -n "$debug" ] && say "job $id: exit $rc"
}

stty -F /dev/ttyS1 raw -echo && exec 8< /dev/ttyS1 || exec 8<> "$TICK"
up > /ctl/ready.tmp && mv /ctl/ready.tmp /ctl/ready
say "ready as $(< /etc/hostname)"
shopt -s nullglob
declare -A seen
n=0
while :; do
    for f in /ctl/cmd/*.sh; do
        id=${f##*/}; id=${id%.sh}
        [ -n "${seen[$id]:-}" ] && continue
        seen[$id]=1
        [ -n "$debug" ] && say "job $id"
        run_job "$id" &
    done
    read -r -t 2 -u 8 _
    if ((++n % 500 == 0)); then     # forget ids whose files the host has deleted
        for id in "${!seen[@]}"; do [ -e "/ctl/cmd/$id.sh" ] || unset "seen[$id]"; done
        jobs > /dev/null            # and let bash drop finished jobs from its table
    fi
done
