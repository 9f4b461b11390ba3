# Runs one command and reports its exact CPU time: `python3 bench/rusage.py ARGV...` forks, execs
# ARGV, reaps it with wait4() and writes "user_ms sys_ms wall_ms" to file descriptor 3, then exits
# with the command's status. The kernel accounts CPU in nanoseconds, but /proc/<pid>/stat's
# cutime/cstime (bench/harness.ts's fallback) round to 10 ms clock ticks, too coarse for the
# median of a 20 ms monitor. Our own start-up is not measured: wait4 counts the child and the
# children it waited for.
import os, sys, time

argv = sys.argv[1:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - t0
os.write(3, f"{usage.ru_utime * 1000:.3f} {usage.ru_stime * 1000:.3f} {wall * 1000:.3f}\n".encode())
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
