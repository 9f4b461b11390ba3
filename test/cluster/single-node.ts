// A real one-node Pacemaker cluster (corosync + pacemakerd) for tests, fully isolated from the
// machine and from other test clusters:
//
//   unshare --net --pid --mount --uts  ->  node-init.sh (PID 1 of the namespaces, "the holder")
//                                            private /run, /dev/shm, /var/lib/{pacemaker,corosync},
//                                            /var/log/{pacemaker,corosync}, hostname, lo up
//                                            corosync -f (knet on 127.0.0.1 of its own netns)
//                                            pacemakerd (and its subdaemons)
//
// libqb IPC uses abstract sockets (per network namespace) and /dev/shm (per mount namespace), so
// `crm`, `cibadmin`, `pcs` run through `node.run()` talk to this cluster only. Killing the holder
// kills every process of the PID namespace, and the namespaces vanish with them: nothing to leak,
// no named netns to delete. State lives in /var/tmp/ocfkit-crm/ocfk-crm-<id>/ and is removed by
// stop() (kept when OCFKIT_KEEP_CLUSTER_STATE=1, for debugging).
//
// Usage:
//   const node = await startSingleNode({ properties: { 'stop-all-resources': 'true' } });
//   try { await node.run('crm', ['configure', 'load', 'update', file]); } finally { await node.stop(); }

import { seedCib } from '../helpers/cib-seed.js';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  accessSync,
  constants,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export const STATE_ROOT = '/var/tmp/ocfkit-crm';

export interface SingleNodeOptions {
  /** Used in the state directory name; default: random. */
  name?: string;
  /** The node's name (hostname and corosync node name); default "node1". */
  nodeName?: string;
  /**
   * Cluster properties written into the CIB before Pacemaker starts. dc-deadtime=2s is always
   * added (otherwise the first election waits 20 s for peers that will never come).
   */
  properties?: Record<string, string>;
  /** How long to wait for the node to be online and DC; default 60 s. */
  startTimeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Text for the command's standard input. */
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface SingleNode {
  /** ocfk-crm-<id>: the state directory's name. */
  id: string;
  nodeName: string;
  stateDir: string;
  /** The holder's PID as seen from the host (it is PID 1 inside). */
  holderPid: number;
  /** Milliseconds from spawn until the node was online and DC. */
  startupMs: number;
  /** Runs a command inside the node's namespaces; never throws for a non-zero exit. */
  run(command: string, args?: string[], options?: RunOptions): Promise<RunResult>;
  /** Like run(), but throws with the command's output when it exits non-zero. */
  runOk(command: string, args?: string[], options?: RunOptions): Promise<RunResult>;
  /** The live CIB (cibadmin -Q). */
  exportCib(): Promise<string>;
  /** The node's corosync/pacemaker logs, for failure messages. */
  logs(): string;
  /**
   * Ends the node. graceful: stop pacemakerd then corosync first (slower, ~3-5 s); otherwise the
   * namespaces are killed at once, which is safe because nothing outside them belongs to it.
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

const COROSYNC_CONF = (clusterName: string, nodeName: string) => `totem {
\tversion: 2
\tcluster_name: ${clusterName}
\ttransport: knet
\tcrypto_cipher: none
\tcrypto_hash: none
}
logging {
\tto_stderr: yes
\tto_logfile: no
\tto_syslog: no
\ttimestamp: hires
}
quorum {
\tprovider: corosync_votequorum
}
nodelist {
\tnode {
\t\tname: ${nodeName}
\t\tnodeid: 1
\t\tring0_addr: 127.0.0.1
\t}
}
`;

// Runs as PID 1 of the new namespaces. Mount changes stay inside (propagation private).
const NODE_INIT = `#!/bin/bash
set -eu
S=$1
NODE=$2
hostname "$NODE"
ip link set lo up
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -s /dev/shm /run/shm
mkdir -p /run/lock /run/resource-agents /run/crm
chown hacluster:haclient /run/crm
for d in var-lib-pacemaker var-lib-corosync var-log-pacemaker var-log-corosync; do mkdir -p "$S/$d"; done
mkdir -p "$S"/var-lib-pacemaker/{cib,pengine,blackbox,cores,bundles} "$S/var-log-pacemaker/bundles"
chown -R hacluster:haclient "$S/var-lib-pacemaker" "$S/var-log-pacemaker"
chmod 750 "$S"/var-lib-pacemaker/{cib,pengine,blackbox,cores}
chmod 770 "$S/var-log-pacemaker"
mount --bind "$S/var-lib-pacemaker" /var/lib/pacemaker
mount --bind "$S/var-lib-corosync" /var/lib/corosync
mount --bind "$S/var-log-pacemaker" /var/log/pacemaker
mount --bind "$S/var-log-corosync" /var/log/corosync
install -o hacluster -g haclient -m 600 "$S/cib-seed.xml" /var/lib/pacemaker/cib/cib.xml
corosync -f -c "$S/corosync.conf" > "$S/corosync.log" 2>&1 < /dev/null &
for i in $(seq 1 100); do corosync-cfgtool -s > /dev/null 2>&1 && break; sleep 0.1; done
PCMK_logfile=/var/log/pacemaker/pacemaker.log /usr/sbin/pacemakerd > "$S/pacemakerd.log" 2>&1 < /dev/null &
echo started > "$S/init.done"
# Stay alive as PID 1: keeps the namespaces, reaps orphans.
while true; do wait || true; sleep 1; done
`;

const REQUIRED_PROGRAMS = [
  '/usr/sbin/corosync',
  '/usr/sbin/pacemakerd',
  '/usr/sbin/corosync-cfgtool',
  '/usr/bin/unshare',
  '/usr/bin/setpriv',
  '/usr/bin/nsenter',
  '/usr/sbin/crm_mon',
];

function preflight(): void {
  if (process.getuid?.() !== 0) throw new Error('the single-node Pacemaker harness needs root (namespaces, mounts)');
  const missing = REQUIRED_PROGRAMS.filter((program) => {
    try {
      accessSync(program, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0)
    throw new Error(`the single-node Pacemaker harness needs ${missing.join(', ')} (apt-get install pacemaker corosync)`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes state left by runs that died without stop() (their unshare is gone). */
function removeStaleState(): void {
  if (!existsSync(STATE_ROOT)) return;
  for (const entry of readdirSync(STATE_ROOT)) {
    if (!entry.startsWith('ocfk-crm-')) continue;
    const directory = join(STATE_ROOT, entry);
    const pidFile = join(directory, 'unshare.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : NaN;
    if (Number.isInteger(pid) && isAlive(pid)) continue;
    rmSync(directory, { recursive: true, force: true });
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function runIn(holderPid: number, command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'nsenter',
      ['-t', String(holderPid), '-n', '-m', '-u', '-p', '--', command, ...args],
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
        resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Online and DC: the node can take configuration and run the scheduler. */
async function waitUntilOnline(
  holderPid: number,
  nodeName: string,
  deadline: number,
  unshare: ChildProcess,
  stateDir: string,
): Promise<void> {
  for (;;) {
    if (unshare.exitCode !== null) throw new Error(`the node's namespace holder exited early:\n${readLogs(stateDir)}`);
    const status = await runIn(holderPid, 'crm_mon', ['-1', '--output-as=xml'], { timeoutMs: 10_000 });
    if (
      status.exitCode === 0 &&
      new RegExp(`<node name="${nodeName}"[^>]* online="true"`).test(status.stdout) &&
      /<current_dc present="true"/.test(status.stdout)
    )
      return;
    if (Date.now() > deadline)
      throw new Error(
        `node ${nodeName} did not come online in time; last crm_mon:\n${status.stdout}${status.stderr}\n${readLogs(stateDir)}`,
      );
    await sleep(200);
  }
}

function readLogs(stateDir: string): string {
  const parts: string[] = [];
  for (const file of ['init.log', 'corosync.log', 'pacemakerd.log', 'var-log-pacemaker/pacemaker.log']) {
    const path = join(stateDir, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    parts.push(`--- ${file} (last 40 lines)\n${text.split('\n').slice(-40).join('\n')}`);
  }
  return parts.join('\n');
}

const liveHolders = new Set<number>();
let exitHookInstalled = false;

/** If the test process exits without stop(), take the clusters down with it (a signal is covered by --pdeathsig). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveHolders) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export async function startSingleNode(options: SingleNodeOptions = {}): Promise<SingleNode> {
  preflight();
  removeStaleState();
  const started = Date.now();
  const nodeName = options.nodeName ?? 'node1';
  const id = `ocfk-crm-${options.name ?? `${process.pid}-${randomBytes(3).toString('hex')}`}`;
  const stateDir = join(STATE_ROOT, id);
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });

  writeFileSync(join(stateDir, 'corosync.conf'), COROSYNC_CONF('ocfkcrm', nodeName));
  writeFileSync(join(stateDir, 'cib-seed.xml'), seedCib({ 'dc-deadtime': '2s', ...options.properties }));
  writeFileSync(join(stateDir, 'node-init.sh'), NODE_INIT, { mode: 0o755 });

  const log = openSync(join(stateDir, 'init.log'), 'a');
  // setpriv --pdeathsig: if this test process dies (even by SIGKILL, or a tap timeout), unshare
  // is killed, and --kill-child takes the holder and with it the whole PID namespace along.
  const unshare = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      'unshare',
      '--net',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      'bash',
      join(stateDir, 'node-init.sh'),
      stateDir,
      nodeName,
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  writeFileSync(join(stateDir, 'unshare.pid'), String(unshare.pid));
  const unshareExited = new Promise<void>((resolve) => unshare.once('exit', () => resolve()));

  let holderPid = 0;
  const deadline = started + (options.startTimeoutMs ?? 60_000);
  try {
    while (!existsSync(join(stateDir, 'init.done'))) {
      if (unshare.exitCode !== null) throw new Error(`node-init.sh failed:\n${readLogs(stateDir)}`);
      if (Date.now() > deadline) throw new Error(`node-init.sh did not finish in time:\n${readLogs(stateDir)}`);
      await sleep(50);
    }
    holderPid = childrenOf(unshare.pid!)[0] ?? 0;
    if (!holderPid) throw new Error('could not find the namespace holder process');
    liveHolders.add(holderPid);
    installExitHook();
    await waitUntilOnline(holderPid, nodeName, deadline, unshare, stateDir);
  } catch (error) {
    if (holderPid) process.kill(holderPid, 'SIGKILL');
    else unshare.kill('SIGKILL');
    await unshareExited;
    liveHolders.delete(holderPid);
    if (process.env.OCFKIT_KEEP_CLUSTER_STATE !== '1') rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  const startupMs = Date.now() - started;

  let stopped = false;
  const node: SingleNode = {
    id,
    nodeName,
    stateDir,
    holderPid,
    startupMs,
    run: (command, args = [], runOptions) => runIn(holderPid, command, args, runOptions),
    async runOk(command, args = [], runOptions) {
      const result = await runIn(holderPid, command, args, runOptions);
      if (result.exitCode !== 0) {
        throw new Error(`${command} ${args.join(' ')} exited ${result.exitCode}:\n${result.stdout}${result.stderr}`);
      }
      return result;
    },
    async exportCib() {
      return (await node.runOk('cibadmin', ['-Q'])).stdout;
    },
    logs: () => readLogs(stateDir),
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      if (stopOptions.graceful) {
        // pacemakerd stops the resources and its subdaemons, then corosync can go.
        await runIn(
          holderPid,
          'sh',
          [
            '-c',
            'kill -TERM $(pidof pacemakerd) 2>/dev/null; i=0; while pidof pacemakerd >/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; ' +
              'kill -TERM $(pidof corosync) 2>/dev/null; i=0; while pidof corosync >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
          ],
          { timeoutMs: 60_000 },
        );
      }
      // Killing PID 1 of a PID namespace kills everything in it.
      try {
        process.kill(holderPid, 'SIGKILL');
      } catch {
        // already gone
      }
      await unshareExited;
      liveHolders.delete(holderPid);
      if (process.env.OCFKIT_KEEP_CLUSTER_STATE !== '1') rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return node;
}
