// A real Pacemaker cluster of 2 or 3 nodes on this one machine, for the failover tests and
// bench/failover.ts. Debian's own corosync and pacemakerd; nothing is simulated but the hardware.
//
//   hub netns  ocfk-cl-<id>-hub    bridge br0 10.214.0.254/24, the probe (probe.mjs), hub.pid
//      |  veth nI <-> eth0  ("the cable")
//   node netns ocfk-cl-<id>-nI     eth0 10.214.0.I/24
//      └ holder.py                 subreaper, first process of the node's private mount + UTS ns
//          └ node-init.sh           hostname nodeI, private /run /dev/shm, the node's own
//                                   /var/lib/{pacemaker,corosync} and logs, fence agent overlay
//          corosync -f, pacemakerd  (adopted by the holder once node-init.sh exits)
//
// A node is everything in its network namespace: the harness (and the test-only fence agent
// fence_ocfkcl) power a node off by pulling its cable and SIGKILLing every process of that
// namespace; its mount namespace and whatever it had mounted go away with them.
// Shared storage is one loop device on the host: all nodes share the host's /dev, and each mounts
// it (through the Filesystem resource) in its own mount namespace only.
//
// Everything is named ocfk-cl-<id>; state lives in /var/tmp/ocfkit-cluster/ocfk-cl-<id>/ and is
// removed by destroy() (kept with OCFKIT_KEEP_CLUSTER_STATE=1). destroy() runs on every path: call
// it from t.teardown; it also runs when the process exits or gets SIGINT/SIGTERM, and clusters
// left behind by a process that died anyway are removed by the next startCluster().
//
//   const cluster = await startCluster({ nodes: 2, tokenMs: 1000 });
//   t.teardown(() => cluster.destroy());
//   const stack = await generateStack(cluster, 'ocfkit');   // stack.ts; makes the shared disk
//   await loadStack(cluster, stack);

import { seedCib } from '../helpers/cib-seed.js';
import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { XMLParser } from 'fast-xml-parser';
import { setTimeout as sleep } from 'node:timers/promises';

export const STATE_ROOT = '/var/tmp/ocfkit-cluster';
export const PREFIX = 'ocfk-cl-';
export const SUBNET = '10.214.0';
export const VIP = `${SUBNET}.100`;
export const SERVICE_PORT = 7000;
/** `--name` of the generated stack: its ids are g-svc, fs-svc, vip-svc, anything-svc. */
export const STACK_NAME = 'svc';
const HUB_ADDRESS = `${SUBNET}.254`;

export interface ClusterOptions {
  /** 2 (corosync two_node: 1, which implies wait_for_all) or 3. */
  nodes: 2 | 3;
  /** corosync totem token timeout; default 1000 ms (consensus is 1.2 x token). */
  tokenMs?: number;
  /** How long to wait for all nodes to be online with a DC; default 90 s. */
  startTimeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface NodeStatus {
  name: string;
  online: boolean;
  standby: boolean;
  unclean: boolean;
  isDc: boolean;
}

export interface ResourceStatus {
  id: string;
  agent: string;
  role: string;
  active: boolean;
  failed: boolean;
  /** Where it is active (more than one: it is running twice, or it is a clone). */
  nodes: string[];
  /** Each active instance with its own role (the instances of a clone differ: Promoted, Unpromoted). */
  instances: { node: string; role: string }[];
}

/** The nodes where a (promotable clone's) resource runs in the Promoted role. */
export const promotedNodes = (s: ClusterStatus, id: string): string[] =>
  (s.resources.get(id)?.instances ?? []).filter((i) => i.role === 'Promoted' || i.role === 'Master').map((i) => i.node);

export interface ClusterStatus {
  /** Name of the DC, if there is one. */
  dc?: string;
  quorate: boolean;
  nodes: NodeStatus[];
  resources: Map<string, ResourceStatus>;
  /** fail-count per "node/resource". */
  failCounts: Map<string, number>;
}

/** One Pacemaker alert (test/cluster/alert.sh), as recorded by the node that ran it. */
export interface AlertEvent {
  /** Epoch milliseconds of the event (Pacemaker's own timestamp). */
  time: number;
  reporter: string;
  kind: string;
  fields: Record<string, string>;
}

/** One attempt of the probe in the hub namespace to reach the service through the VIP. */
export interface ProbeSample {
  time: number;
  ok: boolean;
  /** nodeN.PID.START_MS of the service instance that answered. */
  instance?: string;
  value?: number;
}

export interface SharedDisk {
  device: string;
  image: string;
}

/**
 * Where the generated stack lives on a cluster: what `ocfkit crm generate` needs to know about
 * the site (nodes, storage, the VIP, the service, fencing) and the paths the scenarios touch.
 */
export interface StackSite {
  /** Every `ocfkit crm generate` argument but --provider (and the command words). */
  generatorArgs: string[];
  /** Where the Filesystem resource mounts the cluster's file system (as the nodes see it). */
  mountPoint: string;
  /** The counter service's data file on that file system. */
  dataFile: string;
  vip: string;
  prefixLength: number;
  nic: string;
  /** The DRBD resource under the file system, if there is one (the VM cluster). */
  drbdResource?: string;
  /**
   * Multiplies the operation timeouts the generator took from the agents' meta-data (the VM
   * cluster: emulated VMs on a loaded host need many times what hardware needs, and an operation
   * Pacemaker times out is a failure of the harness, not of the agent).
   */
  opTimeoutFactor?: number;
}

export interface Cluster {
  id: string;
  dir: string;
  size: number;
  tokenMs: number;
  nodeNames: string[];
  /** Milliseconds from the start until every node was online with a DC. */
  startupMs: number;
  /** Runs a command in node i (1-based); never throws for a non-zero exit. */
  run(i: number, command: string, args?: string[], options?: RunOptions): Promise<RunResult>;
  runOk(i: number, command: string, args?: string[], options?: RunOptions): Promise<RunResult>;
  /** Parsed `crm_mon -1 --output-as=xml` as node i sees it (undefined if it cannot answer). */
  status(i: number): Promise<ClusterStatus | undefined>;
  /** Polls status(i) until the predicate holds; throws with the last status and logs if not. */
  waitForStatus(i: number, what: string, predicate: (status: ClusterStatus) => boolean, timeoutMs?: number): Promise<ClusterStatus>;
  /** Whether node i has processes (is powered on). */
  isUp(i: number): boolean;
  /**
   * The hard failure of node i; returns the epoch ms. Namespace cluster: kill -9 of corosync,
   * pacemakerd and its subdaemons (fencing then powers the node off). VM cluster: the VM is killed.
   */
  killStack(i: number): number;
  /** What fencing does: pull node i's cable and SIGKILL everything in it; returns the epoch ms. */
  powerOff(i: number): number;
  /** Boots node i again (it must be powered off), with the state it had ("its disk"). */
  startNode(i: number): Promise<void>;
  /** Waits until node `observer` sees the given nodes online, with a DC and quorum. */
  waitOnline(observer: number, nodes: number[], timeoutMs?: number): Promise<void>;
  /**
   * Waits until the storage under the stack is whole again after a node came back (the VM
   * cluster: DRBD connected and UpToDate on both nodes); throws with what it saw. Shared storage
   * has nothing to wait for.
   */
  waitStorageWhole?(timeoutMs?: number): Promise<void>;
  /** Every alert so far (alert.sh must be configured: configureAlerts()). */
  alerts(): AlertEvent[];
  /** Adds the harness's alert agent to the CIB (not part of any generated configuration). */
  configureAlerts(): Promise<void>;
  /** The probe's samples so far (probe.mjs, from the hub, every 50 ms). */
  samples(): ProbeSample[];
  /** Lines of fence.log (one per fencing action of fence_ocfkcl). */
  fenceLog(): string[];
  /** Acknowledged counter values by service instance (the counter's ACK_DIR). */
  acknowledged(): Map<string, number>;
  /** The last lines of every node's logs, for failure messages. */
  logs(lines?: number): string;
  /** Where the stack goes (the namespace cluster makes its shared disk on the first call). */
  site(): StackSite;
  /** Kills everything, deletes the namespaces, detaches the loop device, removes the state. */
  destroy(): Promise<void>;
}

/** Where this harness's helper files are (works from test/cluster and from a bundle in dist/). */
export function harnessDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'test', 'cluster', 'holder.py'))) return join(dir, 'test', 'cluster');
    if (existsSync(join(dir, 'holder.py')) && existsSync(join(dir, 'node-init.sh'))) return dir;
    if (dirname(dir) === dir) throw new Error('cannot find test/cluster/ (holder.py, node-init.sh)');
  }
}

/** The Node.js used for the counter service and the probe: ocfkit's pinned one when installed. */
export function nodeBinary(): string {
  return existsSync('/usr/lib/ocfkit/node') ? '/usr/lib/ocfkit/node' : process.execPath;
}

const REQUIRED = ['corosync', 'pacemakerd', 'crm_mon', 'cibadmin', 'crm', 'unshare', 'nsenter', 'ip', 'losetup', 'mkfs.ext4', 'python3'];

/** Why the harness cannot run here, or undefined when it can. */
export function unavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (namespaces, mounts, loop devices)';
  const path = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin']);
  const missing = REQUIRED.filter(
    (program) =>
      !path.some((dir) => {
        try {
          accessSync(join(dir, program), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
  if (missing.length > 0) return `missing ${missing.join(', ')} (apt-get install pacemaker corosync crmsh)`;
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) return 'the kernel has no overlayfs (used to add the fence agent)';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// small system helpers (synchronous, so that teardown also works from an exit handler)

function sh(command: string, args: string[], options: { input?: string; allowFail?: boolean } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', input: options.input, timeout: 60_000 });
  if (result.status !== 0 && !options.allowFail) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr}`);
  }
  return result.stdout ?? '';
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim().split(/\s+/).pop());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function netnsInode(name: string): number {
  return statSync(`/run/netns/${name}`).ino;
}

/** PIDs of every process whose network namespace is the given one. */
function pidsInNetns(inode: number): number[] {
  const link = `net:[${inode}]`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/net`) === link) pids.push(Number(entry));
    } catch {
      // gone, or a kernel thread
    }
  }
  return pids;
}

/**
 * SIGKILLs every process of a network namespace until none is left (they may be forking). The
 * `last` ones (a node's holder, the subreaper) go only when the others are gone, so that they
 * reap them: no zombies are left to PID 1.
 */
function killNetns(inode: number, last: number[] = []): void {
  for (let round = 0; round < 300; round++) {
    const pids = pidsInNetns(inode).filter(isAlive);
    if (pids.length === 0) return;
    const first = pids.filter((pid) => !last.includes(pid));
    for (const pid of first.length > 0 && round < 100 ? first : pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    sleepSync(20);
  }
  throw new Error(`processes of network namespace ${inode} survive SIGKILL: ${pidsInNetns(inode).join(' ')}`);
}

/** The holder of node directory nodeDir, if it ever got ready. */
function holderOf(nodeDir: string): number[] {
  const match = existsSync(join(nodeDir, 'holder.state')) ? /^ready (\d+)/.exec(readFileSync(join(nodeDir, 'holder.state'), 'utf8')) : null;
  return match ? [Number(match[1])] : [];
}

function netnsList(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}

/** Detaches the loop devices backed by files below dir; waits (up to waitMs) for busy ones. */
function detachLoops(dir: string, waitMs: number): string[] {
  const attached = () =>
    sh('losetup', ['-n', '-O', 'NAME,BACK-FILE', '-l'], { allowFail: true })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, file]) => file?.startsWith(`${dir}/`))
      .map(([name]) => name!);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const devices = attached();
    // losetup -d of a device still mounted in a dying mount namespace only sets autoclear.
    for (const device of devices) sh('losetup', ['-d', device], { allowFail: true });
    const left = attached();
    if (left.length === 0 || Date.now() > deadline) return left;
    sleepSync(100);
  }
}

/** Tears down a cluster by id, from its files and names only (also used for stale ones). */
function destroyById(id: string, waitLoopMs = 10_000): string[] {
  const dir = join(STATE_ROOT, id);
  const problems: string[] = [];
  const owned = netnsList().filter((name) => name === `${id}-hub` || name.startsWith(`${id}-n`));
  for (const name of owned) {
    try {
      killNetns(netnsInode(name), holderOf(join(dir, name.slice(id.length + 1))));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  for (const name of owned) sh('ip', ['netns', 'del', name], { allowFail: true });
  const left = detachLoops(dir, waitLoopMs);
  if (left.length > 0) problems.push(`loop devices still attached (autoclear is set): ${left.join(' ')}`);
  if (process.env.OCFKIT_KEEP_CLUSTER_STATE !== '1') rmSync(dir, { recursive: true, force: true });
  return problems;
}

/**
 * What is left of a cluster on this machine (after destroy(): nothing): its namespaces, loop
 * devices backed by its files, live processes naming it on their command line, host mounts below
 * its directory.
 */
export function leftovers(id: string): { netns: string[]; loops: string[]; processes: number[]; mounts: string[] } {
  const dir = join(STATE_ROOT, id);
  const processes: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(id) && isAlive(Number(entry))) processes.push(Number(entry));
    } catch {
      // gone
    }
  }
  return {
    netns: netnsList().filter((name) => name.startsWith(`${id}-`)),
    loops: sh('losetup', ['-n', '-O', 'NAME,BACK-FILE', '-l'], { allowFail: true })
      .split('\n')
      .filter((line) => line.includes(`${dir}/`))
      .map((line) => line.trim().split(/\s+/)[0]!),
    processes,
    mounts: readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((line) => line.split(' ')[4]?.startsWith(dir)),
  };
}

/** Removes clusters whose owning process is gone (a test that was killed). */
export function removeStaleClusters(): void {
  const ids = new Set<string>();
  for (const name of netnsList()) if (name.startsWith(PREFIX)) ids.add(name.replace(/-(hub|n\d+)$/, ''));
  if (existsSync(STATE_ROOT)) for (const entry of readdirSync(STATE_ROOT)) if (entry.startsWith(PREFIX)) ids.add(entry);
  for (const id of ids) {
    const owner = readPid(join(STATE_ROOT, id, 'owner.pid'));
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) continue;
    if (owner === process.pid && live.has(id)) continue;
    // No owner yet may mean another process is creating it right now.
    if (owner === undefined && existsSync(join(STATE_ROOT, id)) && Date.now() - statSync(join(STATE_ROOT, id)).mtimeMs < 60_000) continue;
    destroyById(id, 2_000);
  }
}

const live = new Map<string, () => void>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const destroyAll = () => {
    for (const destroy of [...live.values()]) destroy();
  };
  process.on('exit', destroyAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      destroyAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

// ---------------------------------------------------------------------------------------------
// configuration files

function corosyncConf(id: string, size: number, tokenMs: number): string {
  const nodes = Array.from(
    { length: size },
    (_, k) => `\tnode {\n\t\tname: node${k + 1}\n\t\tnodeid: ${k + 1}\n\t\tring0_addr: ${SUBNET}.${k + 1}\n\t}\n`,
  ).join('');
  return `# ${id}: written by test/cluster/nodes.ts
totem {
\tversion: 2
\tcluster_name: ${id.slice(0, 15)}
\ttransport: knet
\tcrypto_cipher: none
\tcrypto_hash: none
\ttoken: ${tokenMs}
}
logging {
\tto_logfile: yes
\tlogfile: /var/log/corosync/corosync.log
\tto_stderr: no
\tto_syslog: no
\ttimestamp: hires
}
quorum {
\tprovider: corosync_votequorum
${size === 2 ? '\ttwo_node: 1\n' : ''}}
nodelist {
${nodes}}
`;
}

// ---------------------------------------------------------------------------------------------
// crm_mon

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['node', 'resource', 'clone', 'group', 'resource_history'].includes(name),
});

type XmlObject = Record<string, unknown>;
const list = (value: unknown): XmlObject[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]) as XmlObject[];

export function parseCrmMon(text: string): ClusterStatus {
  const root = (xml.parse(text) as { 'pacemaker-result'?: XmlObject })['pacemaker-result'];
  if (!root) throw new Error('not crm_mon XML');
  const summary = root.summary as XmlObject | undefined;
  const dc = summary?.current_dc as XmlObject | undefined;
  const nodes = list((root.nodes as XmlObject | undefined)?.node).map((node) => ({
    name: String(node.name),
    online: node.online === 'true',
    standby: node.standby === 'true',
    unclean: node.unclean === 'true',
    isDc: node.is_dc === 'true',
  }));
  const resources = new Map<string, ResourceStatus>();
  const visit = (container: XmlObject | undefined) => {
    if (!container) return;
    for (const resource of list(container.resource)) {
      const id = String(resource.id);
      const on = list(resource.node).map((node) => String(node.name));
      const previous = resources.get(id);
      resources.set(id, {
        id,
        agent: String(resource.resource_agent),
        role: String(resource.role),
        active: resource.active === 'true' || (previous?.active ?? false),
        failed: resource.failed === 'true' || (previous?.failed ?? false),
        nodes: [...(previous?.nodes ?? []), ...on],
        instances: [...(previous?.instances ?? []), ...on.map((node) => ({ node, role: String(resource.role) }))],
      });
    }
    for (const group of list(container.group)) visit(group);
    for (const clone of list(container.clone)) visit(clone);
  };
  visit(root.resources as XmlObject | undefined);
  const failCounts = new Map<string, number>();
  for (const node of list((root.node_history as XmlObject | undefined)?.node)) {
    for (const history of list(node.resource_history)) {
      if (history['fail-count'] !== undefined) failCounts.set(`${String(node.name)}/${String(history.id)}`, Number(history['fail-count']));
    }
  }
  return {
    ...(dc?.present === 'true' ? { dc: String(dc.name) } : {}),
    quorate: dc?.with_quorum === 'true',
    nodes,
    resources,
    failCounts,
  };
}

/** alerts.log lines of test/cluster/alert.sh; `offsetMs` (by reporter) corrects a node's clock. */
export function parseAlertsLog(text: string, offsetMs: (reporter: string) => number = () => 0): AlertEvent[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [time, reporter, kind, ...rest] = line.split(' ');
      return {
        time: Math.round(Number(time) * 1000 - offsetMs(reporter!)),
        reporter: reporter!,
        kind: kind!,
        fields: Object.fromEntries(rest.map((field) => [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)])),
      };
    });
}

/** The counter's acknowledgements (counter.mjs ACK_DIR files) in these directories, by instance. */
export function readAcknowledged(dirs: string[]): Map<string, number> {
  const acks = new Map<string, number>();
  for (const ackDir of dirs) {
    if (!existsSync(ackDir)) continue;
    for (const file of readdirSync(ackDir)) {
      const value = Number(readFileSync(join(ackDir, file), 'utf8').trim());
      if (Number.isFinite(value)) acks.set(file.replace(/\.ack$/, ''), value);
    }
  }
  return acks;
}

/** One line of probe.mjs, `offsetMs` subtracted (the clock of the node it ran on, if not ours). */
export function parseProbeLine(line: string, offsetMs = 0): ProbeSample | undefined {
  const [time, state, instance, value] = line.split(' ');
  if (!time || !Number.isFinite(Number(time))) return undefined;
  const at = Number(time) - offsetMs;
  return state === 'ok' ? { time: at, ok: true, instance: instance!, value: Number(value) } : { time: at, ok: false };
}

/** Polls `status` until the predicate holds; throws with the last status and `diagnose()` if not. */
export async function pollStatus(
  status: () => Promise<ClusterStatus | undefined>,
  what: string,
  predicate: (s: ClusterStatus) => boolean,
  timeoutMs: number,
  diagnose: () => Promise<string>,
): Promise<ClusterStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ClusterStatus | undefined;
  for (;;) {
    last = (await status()) ?? last;
    if (last && predicate(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}\n${await diagnose()}`);
    await sleep(250);
  }
}

/** The predicate of waitOnline: these nodes online, with a DC and quorum. */
export const onlineWithDc =
  (nodes: number[]) =>
  (s: ClusterStatus): boolean =>
    s.dc !== undefined && s.quorate && nodes.every((n) => s.nodes.some((node) => node.name === `node${n}` && node.online));

// ---------------------------------------------------------------------------------------------

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const reason = unavailableReason();
  if (reason) throw new Error(`the cluster harness ${reason}`);
  removeStaleClusters();
  installExitHooks();

  const started = Date.now();
  const size = options.nodes;
  const tokenMs = options.tokenMs ?? 1000;
  const id = `${PREFIX}${randomBytes(3).toString('hex')}`;
  const dir = join(STATE_ROOT, id);
  const hub = `${id}-hub`;
  const netns = (i: number) => `${id}-n${i}`;
  const nodeDir = (i: number) => join(dir, `n${i}`);
  const nodeNames = Array.from({ length: size }, (_, k) => `node${k + 1}`);
  const helpers = harnessDir();

  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(STATE_ROOT, 0o755);
  writeFileSync(join(dir, 'owner.pid'), `${process.pid}\n`);
  let destroyed = false;
  let probe: ChildProcess | undefined;
  // Our direct children (holders, hub anchor, probe): they must be reaped by us once killed, or
  // they stay zombies of PID 1, which does not reap on this machine.
  const children = new Set<Promise<void>>();
  const adopt = (child: ChildProcess): ChildProcess => {
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    children.add(exited);
    void exited.then(() => children.delete(exited));
    child.unref();
    return child;
  };
  const destroySync = () => {
    if (destroyed) return [];
    destroyed = true;
    live.delete(id);
    probe?.kill('SIGKILL');
    return destroyById(id);
  };
  live.set(id, destroySync);

  const samples: ProbeSample[] = [];
  try {
    // Files every node reads: corosync.conf, the seed CIB, the fence agent (in sbin/, overlaid
    // onto the nodes' /usr/sbin), the service and the alert agent with their output places.
    writeFileSync(join(dir, 'corosync.conf'), corosyncConf(id, size, tokenMs));
    writeFileSync(join(dir, 'cib-seed.xml'), seedCib());
    mkdirSync(join(dir, 'sbin'));
    writeFileSync(join(dir, 'sbin', 'fence_ocfkcl'), readFileSync(join(helpers, 'fence_ocfkcl'), 'utf8').replace('@CLUSTER@', dir), {
      mode: 0o755,
    });
    copyFileSync(join(helpers, 'counter.mjs'), join(dir, 'counter.mjs'));
    copyFileSync(join(helpers, 'alert.sh'), join(dir, 'alert.sh'));
    chmodSync(join(dir, 'alert.sh'), 0o755);
    for (const file of ['alerts.log', 'fence.log']) {
      writeFileSync(join(dir, file), '');
      chmodSync(join(dir, file), 0o666);
    }
    mkdirSync(join(dir, 'acks'));
    mkdirSync(join(dir, 'data'));

    // The network: a bridge in the hub, one veth cable per node.
    sh('ip', ['netns', 'add', hub]);
    sh('ip', ['-n', hub, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    sh('ip', ['-n', hub, 'addr', 'add', `${HUB_ADDRESS}/24`, 'dev', 'br0']);
    sh('ip', ['-n', hub, 'link', 'set', 'br0', 'up']);
    for (let i = 1; i <= size; i++) {
      mkdirSync(nodeDir(i));
      sh('ip', ['netns', 'add', netns(i)]);
      writeFileSync(join(nodeDir(i), 'netns'), `${netnsInode(netns(i))}\n`);
      sh('ip', ['-n', netns(i), 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', netns(i), 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `n${i}`, 'netns', hub]);
      sh('ip', ['-n', hub, 'link', 'set', `n${i}`, 'master', 'br0', 'up']);
      sh('ip', ['-n', netns(i), 'addr', 'add', `${SUBNET}.${i}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', netns(i), 'link', 'set', 'eth0', 'up']);
    }
    // A process in the hub, through which fence_ocfkcl reaches the cables (nodes' /run is private).
    const anchor = adopt(spawn('nsenter', [`--net=/run/netns/${hub}`, 'sleep', 'infinity'], { stdio: 'ignore', detached: true }));
    writeFileSync(join(dir, 'hub.pid'), `${anchor.pid}\n`);

    // The client: connects to the VIP from the hub every 50 ms.
    probe = adopt(
      spawn('nsenter', [`--net=/run/netns/${hub}`, nodeBinary(), join(helpers, 'probe.mjs'), VIP, String(SERVICE_PORT), '50'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
    createInterface({ input: probe.stdout! }).on('line', (line) => {
      const sample = parseProbeLine(line);
      if (sample) samples.push(sample);
      if (samples.length > 200_000) samples.splice(0, 100_000);
    });
    (probe.stdout as unknown as { unref?: () => void }).unref?.();
  } catch (error) {
    destroySync();
    throw error;
  }

  const holderPid = (i: number): number => {
    const text = existsSync(join(nodeDir(i), 'holder.state')) ? readFileSync(join(nodeDir(i), 'holder.state'), 'utf8') : '';
    const match = /^ready (\d+)/.exec(text);
    if (!match) throw new Error(`node${i} is not running`);
    return Number(match[1]);
  };

  const runIn = (i: number, command: string, args: string[], runOptions: RunOptions = {}): Promise<RunResult> =>
    new Promise((resolve) => {
      let pid: number;
      try {
        pid = holderPid(i);
      } catch (error) {
        resolve({ exitCode: 255, stdout: '', stderr: (error as Error).message });
        return;
      }
      const child = execFile(
        'nsenter',
        ['-t', String(pid), '-n', '-m', '-u', '--', command, ...args],
        { timeout: runOptions.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...runOptions.env } },
        (error, stdout, stderr) => {
          const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 254) : 0;
          resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      child.stdin?.end(runOptions.input);
    });

  const logs = (lines = 40): string => {
    const parts: string[] = [];
    const tail = (label: string, path: string) => {
      if (!existsSync(path)) return;
      parts.push(
        `--- ${label} (last ${lines} lines)\n${readFileSync(path, 'utf8')
          .split('\n')
          .slice(-lines - 1)
          .join('\n')}`,
      );
    };
    for (let i = 1; i <= size; i++) {
      tail(`node${i} boot.log`, join(nodeDir(i), 'boot.log'));
      tail(`node${i} corosync.log`, join(nodeDir(i), 'log-corosync', 'corosync.log'));
      tail(`node${i} pacemaker.log`, join(nodeDir(i), 'log-pacemaker', 'pacemaker.log'));
    }
    tail('fence.log', join(dir, 'fence.log'));
    tail('alerts.log', join(dir, 'alerts.log'));
    return parts.join('\n');
  };

  const isUp = (i: number) => pidsInNetns(netnsInode(netns(i))).some(isAlive);

  const startNode = async (i: number): Promise<void> => {
    if (isUp(i)) throw new Error(`node${i} is still running: power it off first`);
    // A rebooted node has lost the addresses it held (a VIP) and has its cable back in.
    sh('ip', ['-n', netns(i), 'addr', 'flush', 'dev', 'eth0']);
    sh('ip', ['-n', netns(i), 'addr', 'add', `${SUBNET}.${i}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', netns(i), 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', hub, 'link', 'set', `n${i}`, 'up']);
    rmSync(join(nodeDir(i), 'holder.state'), { force: true });
    const log = openSync(join(nodeDir(i), 'boot.log'), 'a');
    const holder = spawn(
      'nsenter',
      [
        `--net=/run/netns/${netns(i)}`,
        'unshare',
        '--mount',
        '--uts',
        '--propagation',
        'private',
        'python3',
        join(helpers, 'holder.py'),
        join(nodeDir(i), 'holder.state'),
        'bash',
        join(helpers, 'node-init.sh'),
        dir,
        String(i),
      ],
      { stdio: ['ignore', log, log], detached: true },
    );
    closeSync(log);
    adopt(holder);
    const exited = new Promise<number | null>((resolve) => holder.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(nodeDir(i), 'holder.state'))) {
      const code = await Promise.race([exited, sleep(50).then(() => undefined)]);
      if (code !== undefined) throw new Error(`node${i} failed to boot (exit ${code}):\n${logs()}`);
      if (Date.now() > deadline) throw new Error(`node${i} did not boot in 30 s:\n${logs()}`);
    }
  };

  const status = async (i: number): Promise<ClusterStatus | undefined> => {
    const result = await runIn(i, 'crm_mon', ['-1', '--output-as=xml'], { timeoutMs: 20_000 });
    if (result.exitCode !== 0 || !result.stdout.includes('<pacemaker-result')) return undefined;
    try {
      return parseCrmMon(result.stdout);
    } catch {
      return undefined;
    }
  };

  const waitForStatus = (i: number, what: string, predicate: (s: ClusterStatus) => boolean, timeoutMs = 60_000): Promise<ClusterStatus> =>
    pollStatus(
      () => status(i),
      `${what} (on node${i})`,
      predicate,
      timeoutMs,
      async () => {
        const mon = await runIn(i, 'crm_mon', ['-1', '-f'], { timeoutMs: 20_000 });
        return `${mon.stdout}${mon.stderr}\n${logs()}`;
      },
    );

  const waitOnline = async (observer: number, nodes: number[], timeoutMs = 90_000): Promise<void> => {
    await waitForStatus(observer, `${nodes.map((n) => `node${n}`).join(', ')} online with a DC and quorum`, onlineWithDc(nodes), timeoutMs);
  };

  let disk: SharedDisk | undefined;
  const cluster: Cluster = {
    id,
    dir,
    size,
    tokenMs,
    nodeNames,
    startupMs: 0,
    run: (i, command, args = [], runOptions) => runIn(i, command, args, runOptions),
    async runOk(i, command, args = [], runOptions) {
      const result = await runIn(i, command, args, runOptions);
      if (result.exitCode !== 0)
        throw new Error(`node${i}: ${command} ${args.join(' ')} exited ${result.exitCode}:\n${result.stdout}${result.stderr}`);
      return result;
    },
    status,
    waitForStatus,
    isUp,
    killStack(i) {
      const node = nodeDir(i);
      const pacemakerd = readPid(join(node, 'pacemakerd.pid'));
      const corosync = readPid(join(node, 'corosync.pid'));
      const pids = [...(pacemakerd ? [pacemakerd, ...childrenOf(pacemakerd)] : []), ...(corosync ? [corosync] : [])].filter(isAlive);
      const at = Date.now();
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited on its own just now
        }
      }
      return at;
    },
    powerOff(i) {
      const at = Date.now();
      sh('ip', ['-n', hub, 'link', 'set', `n${i}`, 'down']);
      killNetns(netnsInode(netns(i)), holderOf(nodeDir(i)));
      return at;
    },
    startNode,
    waitOnline,
    site() {
      if (!disk) {
        const image = join(dir, 'disk.img');
        sh('truncate', ['-s', '64M', image]);
        sh('mkfs.ext4', ['-q', '-F', image]);
        disk = { image, device: sh('losetup', ['-f', '--show', image]).trim() };
      }
      const mountPoint = join(dir, 'data');
      const dataFile = join(mountPoint, 'counter');
      const service = [
        `binfile=${nodeBinary()}`,
        `cmdline_options=${join(dir, 'counter.mjs')} ${dataFile} ${join(dir, 'acks')} ${SERVICE_PORT}`,
        'logfile=/var/log/pacemaker/counter.log',
      ].join(',');
      return {
        generatorArgs: [
          ...nodeNames.flatMap((name) => ['--node', name]),
          '--name',
          STACK_NAME,
          '--device',
          disk.device,
          '--directory',
          mountPoint,
          '--fstype',
          'ext4',
          '--ip',
          `${VIP}/24`,
          '--nic',
          'eth0',
          '--service',
          `ocf:heartbeat:anything:${service}`,
          '--stonith',
          `fence_ocfkcl:pcmk_host_list=${nodeNames.join(' ')}`,
        ],
        mountPoint,
        dataFile,
        vip: VIP,
        prefixLength: 24,
        nic: 'eth0',
      };
    },
    alerts: () => parseAlertsLog(readFileSync(join(dir, 'alerts.log'), 'utf8')),
    async configureAlerts() {
      await cluster.runOk(1, 'cibadmin', [
        '--create',
        '-o',
        'configuration',
        '-X',
        `<alerts><alert id="ocfk-events" path="${join(dir, 'alert.sh')}"><recipient id="ocfk-events-log" value="${join(dir, 'alerts.log')}"/></alert></alerts>`,
      ]);
    },
    samples: () => samples,
    fenceLog: () => readFileSync(join(dir, 'fence.log'), 'utf8').split('\n').filter(Boolean),
    acknowledged: () => readAcknowledged([join(dir, 'acks')]),
    logs,
    async destroy() {
      const problems = destroySync();
      await Promise.race([Promise.all([...children]), sleep(10_000)]);
      if (problems.length > 0) throw new Error(`cluster ${id} teardown: ${problems.join('; ')}`);
    },
  };

  try {
    for (let i = 1; i <= size; i++) await startNode(i);
    await waitOnline(
      1,
      nodeNames.map((_, k) => k + 1),
      options.startTimeoutMs ?? 90_000,
    );
  } catch (error) {
    destroySync();
    throw error;
  }
  cluster.startupMs = Date.now() - started;
  return cluster;
}
