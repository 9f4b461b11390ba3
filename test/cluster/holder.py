#!/usr/bin/env python3
# The "holder" of one test cluster node (test/cluster/nodes.ts): the first process of the node's
# private mount and UTS namespaces, started inside the node's network namespace.
#
#   holder.py STATE_FILE INIT_SCRIPT [ARGS...]
#
# 1. Becomes a child subreaper: PID 1 of this machine does not reap orphans, and daemons started
#    by the node (pacemakerd's subdaemons after a kill -9, resources run with nohup ...) would
#    otherwise end as zombies of PID 1. Orphans of the node are reparented here instead.
# 2. Runs INIT_SCRIPT (node-init.sh: mounts, corosync, pacemakerd) and waits for it; if it fails,
#    the holder exits with its status (and the node is dead).
# 3. Writes "ready PID" to STATE_FILE, then reaps children until killed. Killing the holder does
#    not kill the node's daemons: the harness kills every process of the node's network namespace.
import ctypes
import os
import sys
import time

PR_SET_CHILD_SUBREAPER = 36

if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("holder.py: prctl(PR_SET_CHILD_SUBREAPER) failed")

state_file, init = sys.argv[1], sys.argv[2:]
init_pid = os.spawnvp(os.P_NOWAIT, init[0], init)
while True:
    pid, status = os.waitpid(-1, 0)
    if pid == init_pid:
        break
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.exit(code)

with open(state_file + ".tmp", "w") as f:
    f.write(f"ready {os.getpid()}\n")
os.rename(state_file + ".tmp", state_file)

while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        time.sleep(1)  # nothing to reap right now; new orphans may arrive later
