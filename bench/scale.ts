// make bench-scale (parts 1-3): how a monitor's cost grows with what the node carries, ocfkit vs
// upstream, in the same run, alternating (bench/harness.ts), printed as tables and ratios.
//
//   node scripts/run-ts.mjs bench/scale.ts [--part filesystem,ipaddr2,startup] [--runs 20] [--agents installed|dist|DIR]
//
// 1. Filesystem monitor with ~10 (the node's own), 1,000 and 5,000 entries in /proc/self/mountinfo:
//    a real ext4 on a loop device plus bind mounts, all inside a private mount namespace that the
//    measuring process itself runs in (so the agents are its direct children and the host's mount
//    table is never touched).
// 2. IPaddr2 monitor with 1, 100 and 1,000 addresses on a veth interface, inside a network
//    namespace made for the run (the measuring process runs in it, as above).
// 3. Start-up: one agent's monitor (no child process, nothing mounted) with Node 24's compile
//    cache (NODE_COMPILE_CACHE, module.enableCompileCache) and a startup snapshot (--build-snapshot),
//    plus what a cache directory does when it is missing, read-only, full, shared or corrupt.
//
// CPU = user+sys of the agent and every child it waited for, exact per run (bench/rusage.py reaps
// each run with wait4; without python3 the harness falls back to 10 ms clock ticks): median, with
// the mean beside it; wall = min / median. The machine's load average is printed with
// every table: CPU time is what carries over to a loaded node, wall time is not.
// Ours is the installed agent (make install), copied once into a scratch directory (its sha256 is
// printed), so a reinstall during the run cannot mix two versions.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCase, type CaseResult, type Cmd, type Measurement } from './harness.js';
import { PROJECT } from '../test/vm/lab.js';
import { agentBundleOptions } from '../scripts/agent-bundle.mjs';
import { runtimeBinary } from '../scripts/runtime.mjs';

// ---------------------------------------------------------------- options, shared helpers

function option(name: string, env: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : (process.env[env] ?? fallback);
}
const runs = Number(option('runs', 'BENCH_RUNS', '20'));
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
const parts = option('part', 'BENCH_PARTS', 'filesystem,ipaddr2,startup').split(',');
const inner = option('inner', 'BENCH_INNER_PART', '');

const NODE24 = runtimeBinary(PROJECT);
const INSTALLED = '/usr/lib/ocf/resource.d/ocfkit';
// What "ours" is: the installed agents (make bench-scale installs first), or dist/agents as built.
// or any directory of agents (an earlier build kept for a before/after comparison).
const agentsOption = option('agents', 'BENCH_AGENTS', 'installed');
const AGENTS = { installed: INSTALLED, dist: join(PROJECT, 'dist', 'agents') }[agentsOption] ?? agentsOption;
if (!AGENTS.startsWith('/')) throw new Error('--agents is installed, dist or an absolute directory');
const HEARTBEAT = '/usr/lib/ocf/resource.d/heartbeat';
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const PYTHON = '/usr/bin/python3';

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const progress = (line: string) => process.stderr.write(`.. ${line} (load ${load()})\n`);

/** Runs a command; throws with its output when it fails (set-up must not fail silently). */
function must(argv: readonly string[], input?: string): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
const mountinfoEntries = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).length;

/** One row of a scale table: the same monitor, ours and upstream, at one size of the node. */
interface Row {
  readonly label: string;
  readonly result: CaseResult;
  readonly load: string;
}

function formatTable(title: string, rows: readonly Row[]): string {
  const f = (n: number) => n.toFixed(1).padStart(7);
  // The median where every run was timed exactly (bench/rusage.py), the mean of clock ticks otherwise.
  const cpu = (m: Measurement) => (Number.isNaN(m.cpuMsMedian) ? m.cpuMsMean : m.cpuMsMedian);
  const first = rows[0] ? cpu(rows[0].result.ours) : NaN;
  const lines = [
    title,
    `runs per side: ${runs}; CPU = user+sys per run (ms), children included: median (mean); wall = min / median (ms)`,
    `ratio = ours / upstream (median CPU); growth = ours CPU / ours CPU in the first row`,
    `${'size'.padEnd(30)} ${'ours CPU'.padStart(15)} ${'ups CPU'.padStart(15)} ${'ratio'.padStart(6)} ${'growth'.padStart(6)}   ${'ours wall'.padStart(15)}   ${'ups wall'.padStart(15)}   load (1/5/15 min)`,
  ];
  for (const { label, result: r, load: l } of rows) {
    const u = r.upstream;
    const both = (m: Measurement) => `${f(cpu(m))} (${m.cpuMsMean.toFixed(1)})`.padStart(15);
    lines.push(
      `${label.padEnd(30)} ${both(r.ours)} ${u ? both(u) : '-'.padStart(15)} ` +
        `${u && cpu(u) > 0 ? (cpu(r.ours) / cpu(u)).toFixed(2).padStart(6) : '     -'} ${(cpu(r.ours) / first).toFixed(2).padStart(6)}   ` +
        `${f(r.ours.wallMsMin)} /${f(r.ours.wallMsMedian)}   ${u ? `${f(u.wallMsMin)} /${f(u.wallMsMedian)}` : ''.padStart(15)}   ${l}`,
    );
  }
  return lines.join('\n');
}

/**
 * Runs this very script again as `prefix... node script --inner PART`, i.e. inside a namespace,
 * and returns what it printed on stdout (its tables); its progress goes to our stderr.
 */
function runInside(prefix: readonly string[], part: string, env: Record<string, string>): string {
  const r = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, process.argv[1]!, '--inner', part, '--runs', String(runs)], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
  });
  if (r.status !== 0) throw new Error(`the ${part} part failed (${r.status ?? r.signal}):\n${r.stdout}`);
  return r.stdout;
}

/** The installed agent (or with --agents dist, the one node scripts/build.mjs left in dist/agents), copied into `dir` (one version for the whole run). */
function ourAgent(name: string, dir: string): string {
  const installed = join(AGENTS, name);
  if (!existsSync(installed))
    throw new Error(`${installed} is missing: run make install (or node scripts/build.mjs with --agents dist) first`);
  const copy = join(dir, `ocfkit-${name}`);
  copyFileSync(installed, copy);
  chmodSync(copy, 0o755);
  return copy;
}

// ---------------------------------------------------------------- 1. Filesystem

const MOUNTINFO_SIZES = [10, 1000, 5000];

/** Outside: a loop device with ext4 and a scratch directory; the measuring runs in a private mount namespace. */
function filesystemPart(): string {
  const dir = mkdtempSync('/var/tmp/ocfkit-bench-scale-fs-');
  const image = join(dir, 'disk.img');
  must(['truncate', '-s', '64M', image]);
  must(['mkfs.ext4', '-q', '-F', image]);
  const device = must(['losetup', '-f', '--show', image]).trim();
  try {
    const ours = ourAgent('Filesystem', dir);
    progress(`Filesystem: ours ${AGENTS}/Filesystem (sha256 ${sha256(ours)}) vs ${HEARTBEAT}/Filesystem, ${device}`);
    return runInside(['unshare', '-m', '--propagation', 'private'], 'filesystem', {
      SCALE_DIR: dir,
      SCALE_DEVICE: device,
      SCALE_OURS: ours,
    });
  } finally {
    spawnSync('losetup', ['-d', device]); // the namespace is gone with its mounts, so this detaches now
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Inside the private mount namespace: mount the ext4, then grow mountinfo step by step and measure at each size. */
async function filesystemInner(): Promise<string> {
  const dir = process.env.SCALE_DIR!;
  const device = process.env.SCALE_DEVICE!;
  const mnt = join(dir, 'mnt');
  const fill = join(dir, 'fill');
  mkdirSync(mnt);
  mkdirSync(fill);
  must(['mount', device, mnt]);
  // The extra entries: bind mounts of one directory on a tmpfs (so nothing of them reaches the
  // disk). One mount(2) per entry from one process: 5,000 `mount` commands would take minutes here.
  must(['mount', '-t', 'tmpfs', '-o', 'size=16m', 'ocfkit-bench-fill', fill]);
  mkdirSync(join(fill, 'src'));
  let made = 0;
  const grow = (target: number) => {
    const missing = target - mountinfoEntries();
    if (missing <= 0) return;
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is needed to make thousands of bind mounts quickly`);
    must([
      PYTHON,
      '-c',
      `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
src, base, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for i in range(first, first + count):
    p = os.path.join(base, str(i))
    os.mkdir(p)
    if libc.mount(src.encode(), p.encode(), None, 4096, None) != 0:  # MS_BIND
        raise OSError(ctypes.get_errno(), 'mount --bind', p)
`,
      join(fill, 'src'),
      fill,
      String(made),
      String(missing),
    ]);
    made += missing;
  };
  const env = {
    PATH,
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: 'fs_scale',
    OCF_RESKEY_device: device,
    OCF_RESKEY_directory: mnt,
    OCF_RESKEY_fstype: 'ext4',
    OCF_RESKEY_CRM_meta_timeout: '40000',
    OCF_RESKEY_CRM_meta_interval: '20000',
    OCF_RESKEY_CRM_meta_name: 'monitor',
  };
  const cmd = (agent: string): Cmd => ({ argv: [agent, 'monitor'], env, expectCode: 0 });
  const rows: Row[] = [];
  for (const size of MOUNTINFO_SIZES) {
    grow(size);
    const entries = mountinfoEntries();
    const result = await runCase(
      'Filesystem',
      { name: `${entries}`, ours: cmd(process.env.SCALE_OURS!), upstream: cmd(join(HEARTBEAT, 'Filesystem')) },
      runs,
    );
    rows.push({ label: `${entries} mountinfo entries`, result, load: load() });
    progress(`Filesystem: ${entries} entries`);
  }
  return formatTable('Filesystem monitor (ext4 on a loop device, mounted), by the size of /proc/self/mountinfo', rows);
}

// ---------------------------------------------------------------- 2. IPaddr2

const ADDRESS_COUNTS = [1, 100, 1000];
const VIP = '10.213.9.10';

function ipaddr2Part(): string {
  const ns = `ocfk-scale-${process.pid.toString(36)}`;
  const dir = mkdtempSync('/var/tmp/ocfkit-bench-scale-ip-');
  must(['ip', 'netns', 'add', ns]);
  try {
    must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    // a veth pair inside the namespace (this kernel has no dummy driver); the peer up, so v0 has a carrier
    must(['ip', '-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    for (const link of ['v0', 'v1']) must(['ip', '-n', ns, 'link', 'set', link, 'up']);
    const ours = ourAgent('IPaddr2', dir);
    progress(`IPaddr2: ours ${AGENTS}/IPaddr2 (sha256 ${sha256(ours)}) vs ${HEARTBEAT}/IPaddr2, netns ${ns}`);
    return runInside(['ip', 'netns', 'exec', ns], 'ipaddr2', { SCALE_OURS: ours });
  } finally {
    spawnSync('ip', ['netns', 'delete', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Inside the network namespace: the VIP first, then more addresses on the same interface. */
async function ipaddr2Inner(): Promise<string> {
  must(['ip', 'addr', 'add', `${VIP}/16`, 'dev', 'v0']);
  let count = 1;
  const grow = (target: number) => {
    const batch: string[] = [];
    for (; count < target; count++) batch.push(`addr add 10.213.${100 + Math.floor(count / 250)}.${(count % 250) + 1}/16 dev v0`);
    if (batch.length) must(['ip', '-batch', '-'], `${batch.join('\n')}\n`);
  };
  const env = {
    PATH,
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: 'vip_scale',
    OCF_RESKEY_ip: VIP,
    OCF_RESKEY_nic: 'v0',
    OCF_RESKEY_cidr_netmask: '16',
    OCF_RESKEY_CRM_meta_timeout: '20000',
    OCF_RESKEY_CRM_meta_interval: '10000',
    OCF_RESKEY_CRM_meta_name: 'monitor',
  };
  const cmd = (agent: string): Cmd => ({ argv: [agent, 'monitor'], env, expectCode: 0 });
  const rows: Row[] = [];
  for (const n of ADDRESS_COUNTS) {
    grow(n);
    const onLink = must(['ip', '-o', '-4', 'addr', 'show', 'dev', 'v0']).split('\n').filter(Boolean).length;
    const result = await runCase(
      'IPaddr2',
      { name: `${onLink}`, ours: cmd(process.env.SCALE_OURS!), upstream: cmd(join(HEARTBEAT, 'IPaddr2')) },
      runs,
    );
    rows.push({ label: `${onLink} IPv4 address${onLink === 1 ? '' : 'es'}`, result, load: load() });
    progress(`IPaddr2: ${onLink} addresses`);
  }
  return formatTable(`IPaddr2 monitor (IPv4 ${VIP}/16 on a veth interface), by the number of addresses on it`, rows);
}

// ---------------------------------------------------------------- 3. Start-up

const STARTUP_AGENT = 'Filesystem';

/**
 * The agent bundled twice with the build's own options (scripts/agent-bundle.mjs): as it ships,
 * and as a startup-snapshot entry whose main function runs the agent only when the snapshot is
 * deserialized. Returns their paths.
 */
async function bundleForStartup(dir: string): Promise<{ plain: string; snapshotEntry: string }> {
  const esbuild = (await import(
    pathToFileURL(join(PROJECT, 'node_modules', 'esbuild', 'lib', 'main.js')).href
  )) as typeof import('esbuild');
  const xml = readFileSync(join(PROJECT, 'meta-data', `${STARTUP_AGENT}.xml`), 'utf8');
  const starts = {
    plain: undefined,
    // Deserialized, process.argv is [node, ...arguments]: there is no script path to skip.
    snapshotEntry:
      "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => { void runAgent(agent, META_DATA_XML, process.argv.slice(1)); });",
  };
  const out = { plain: join(dir, 'agent.cjs'), snapshotEntry: join(dir, 'snapshot-entry.cjs') };
  for (const [key, start] of Object.entries(starts) as Array<[keyof typeof starts, string | undefined]>) {
    await esbuild.build({ ...agentBundleOptions(PROJECT, STARTUP_AGENT, xml, start), outfile: out[key] });
  }
  return out;
}

/** The measured variants: one argv/env each, all running the same monitor. */
interface Variant {
  readonly name: string;
  readonly argv: string[];
  readonly env: Record<string, string>;
}

async function startupPart(): Promise<string> {
  const dir = mkdtempSync('/var/tmp/ocfkit-bench-scale-startup-');
  // Inside a private mount namespace: the read-only and full cache directories are tmpfs mounts.
  try {
    return runInside(['unshare', '-m', '--propagation', 'private'], 'startup', { SCALE_DIR: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startupInner(): Promise<string> {
  const dir = process.env.SCALE_DIR!;
  const { plain, snapshotEntry } = await bundleForStartup(dir);
  writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  const blob = join(dir, 'agent.blob');
  must([NODE24, '--snapshot-blob', blob, '--build-snapshot', snapshotEntry]);
  const cacheDir = join(dir, 'cache');
  // module.enableCompileCache() has to run before the agent's code is compiled: a launcher that
  // enables it and then requires the bundle (as dist/bin/ocfkit does for the CLI's bundle).
  const launcher = (cache: string) => {
    const path = join(dir, `launch-${createHash('sha256').update(cache).digest('hex').slice(0, 8)}.cjs`);
    writeFileSync(path, `require('node:module').enableCompileCache(${JSON.stringify(cache)});\nrequire(${JSON.stringify(plain)});\n`);
    return path;
  };
  const env = {
    PATH,
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: 'fs_startup',
    OCF_RESKEY_device: '/dev/ocfkit-bench-absent',
    OCF_RESKEY_directory: join(dir, 'not-mounted'),
    OCF_RESKEY_fstype: 'ext4',
    OCF_RESKEY_CRM_meta_timeout: '40000',
    OCF_RESKEY_CRM_meta_interval: '20000',
    OCF_RESKEY_CRM_meta_name: 'monitor',
  };
  mkdirSync(env.OCF_RESKEY_directory);
  const variants: Variant[] = [
    { name: 'as shipped', argv: [NODE24, plain, 'monitor'], env },
    { name: 'NODE_COMPILE_CACHE (warm)', argv: [NODE24, plain, 'monitor'], env: { ...env, NODE_COMPILE_CACHE: join(cacheDir, 'env') } },
    { name: 'enableCompileCache() (warm)', argv: [NODE24, launcher(join(cacheDir, 'api')), 'monitor'], env },
    { name: 'startup snapshot', argv: [NODE24, '--snapshot-blob', blob, 'monitor'], env },
    { name: '--v8-pool-size=0', argv: [NODE24, '--v8-pool-size=0', plain, 'monitor'], env },
  ];
  // Every variant must do what the shipped agent does (a snapshot that froze the wrong argv would not).
  for (const v of variants) {
    const r = spawnSync(v.argv[0]!, v.argv.slice(1), { env: v.env, encoding: 'utf8' });
    if (r.status !== 7) throw new Error(`${v.name}: monitor exited ${r.status}, expected 7 (not running): ${r.stderr}`);
  }
  const shipped: Cmd = { argv: variants[0]!.argv, env, expectCode: 7 };
  const rows: Row[] = [];
  const floor = await runCase(
    'startup',
    { name: 'node -e 0', ours: { argv: [NODE24, '-e', '0'], env: { PATH } }, upstream: { argv: ['/bin/sh', '-c', ':'], env: { PATH } } },
    runs,
  );
  rows.push({ label: 'node -e 0 vs sh -c :', result: floor, load: load() });
  for (const v of variants.slice(1)) {
    // "upstream" here is the agent as shipped: ratio < 1 is what the variant saves.
    const result = await runCase('startup', { name: v.name, ours: { argv: v.argv, env: v.env, expectCode: 7 }, upstream: shipped }, runs);
    rows.push({ label: v.name, result, load: load() });
    progress(`startup: ${v.name}`);
  }
  const sizes = `snapshot blob ${(statSync(blob).size / 1e6).toFixed(1)} MB; compile cache ${(dirBytes(join(cacheDir, 'env')) / 1e3).toFixed(0)} kB; bundle ${(statSync(plain).size / 1e3).toFixed(0)} kB`;
  return [
    formatTable(
      `Start-up: ${STARTUP_AGENT} monitor (not mounted: no child process), each variant vs the agent as shipped\n` +
        `(first row: Node's own start vs sh; "ratio" = variant / as shipped; growth is meaningless here)`,
      rows,
    ),
    sizes,
    '',
    await cacheSafety(dir, env, launcher),
    '',
    snapshotSafety(dir, blob, env),
  ].join('\n');
}

/**
 * What `node --snapshot-blob B` does when B is not the blob it should be, as it would be in an
 * agent's shebang line after an upgrade of Node that did not rebuild the blob, or a lost file.
 */
function snapshotSafety(dir: string, blob: string, env: Record<string, string>): string {
  const truncated = join(dir, 'truncated.blob');
  writeFileSync(truncated, readFileSync(blob).subarray(0, 100_000));
  const lines = ['Startup snapshot blob, bad cases (monitor: want exit 7):'];
  for (const [name, path] of [
    ['missing', join(dir, 'no-such.blob')],
    ['truncated', truncated],
  ] as const) {
    const r = spawnSync(NODE24, ['--snapshot-blob', path, 'monitor'], { env, encoding: 'utf8' });
    lines.push(`  ${name.padEnd(52)} exit ${r.status ?? r.signal}${r.status === 7 ? '' : `: ${r.stderr.trim().split('\n')[0]}`}`);
  }
  return lines.join('\n');
}

function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

/**
 * What the compile cache does when its directory is not what it should be. Each case runs the
 * monitor through the enableCompileCache() launcher and checks the agent still answers 7 with
 * nothing on stderr (Pacemaker logs an agent's stderr; a warning every 20 s is a defect too).
 */
async function cacheSafety(dir: string, env: Record<string, string>, launcher: (cache: string) => string): Promise<string> {
  const lines = ['Compile cache directory, bad cases (monitor through enableCompileCache(dir); want exit 7, empty stderr):'];
  const check = (name: string, cache: string, parallel = 1) => {
    const script = launcher(cache);
    const results = Array.from({ length: parallel }, () => spawnSync(NODE24, [script, 'monitor'], { env, encoding: 'utf8' }));
    const bad = results.filter((r) => r.status !== 7 || r.stderr.trim() !== '');
    lines.push(
      `  ${name.padEnd(52)} ${bad.length ? `FAIL: ${bad.map((r) => `exit ${r.status} ${r.stderr.trim().split('\n')[0]}`).join('; ')}` : `ok (${parallel} run${parallel > 1 ? 's' : ''})`}`,
    );
  };
  const concurrent = async (name: string, cache: string, count: number) => {
    const script = launcher(cache);
    const results = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(NODE24, [script, 'monitor'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            child.stderr.setEncoding('utf8').on('data', (d: string) => {
              stderr += d;
            });
            child.on('close', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    const bad = results.filter((r) => r.code !== 7 || r.stderr.trim() !== '');
    lines.push(
      `  ${name.padEnd(52)} ${bad.length ? `FAIL: ${bad.length}/${count}: ${bad[0]!.stderr.trim().split('\n')[0]}` : `ok (${count} at once)`}`,
    );
  };
  check('missing (parent missing too)', join(dir, 'no', 'such', 'dir'));
  const ro = join(dir, 'cache-ro');
  mkdirSync(ro);
  must(['mount', '-t', 'tmpfs', '-o', 'ro,size=1m', 'ocfkit-bench-ro', ro]);
  check('read-only file system (empty)', ro);
  const full = join(dir, 'cache-full');
  mkdirSync(full);
  must(['mount', '-t', 'tmpfs', '-o', 'size=64k', 'ocfkit-bench-full', full]);
  spawnSync('dd', ['if=/dev/zero', `of=${join(full, 'filler')}`, 'bs=4k', 'count=64'], { stdio: 'ignore' });
  check('full file system (ENOSPC)', full, 3);
  check('a regular file where the directory should be', join(dir, 'agent.blob'));
  const shared = join(dir, 'cache-shared');
  await concurrent('shared, empty, 20 agents at once', shared, 20);
  await concurrent('shared, warm, 20 agents at once', shared, 20);
  const corrupt = corruptCacheFiles(shared);
  check(`corrupted (${corrupt} cache file(s) overwritten in the middle)`, shared, 2);
  const truncated = truncateCacheFiles(shared);
  check(`truncated (${truncated} cache file(s) cut to 10 bytes)`, shared, 2);
  return lines.join('\n');
}

function cacheFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}
function corruptCacheFiles(dir: string): number {
  const files = cacheFiles(dir);
  for (const f of files) {
    const bytes = readFileSync(f);
    bytes.fill(0x5a, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64);
    writeFileSync(f, bytes);
  }
  return files.length;
}
function truncateCacheFiles(dir: string): number {
  const files = cacheFiles(dir);
  for (const f of files) writeFileSync(f, readFileSync(f).subarray(0, 10));
  return files.length;
}

// ---------------------------------------------------------------- main

if (process.getuid?.() !== 0) throw new Error('bench/scale.ts needs root (loop devices, mount and network namespaces)');
if (inner) {
  const part = { filesystem: filesystemInner, ipaddr2: ipaddr2Inner, startup: startupInner }[inner];
  if (!part) throw new Error(`unknown inner part ${inner}`);
  console.log(await part());
} else {
  const t0 = Date.now();
  const all = { filesystem: filesystemPart, ipaddr2: ipaddr2Part, startup: startupPart } as Record<string, () => string | Promise<string>>;
  const out: string[] = [`make bench-scale, parts ${parts.join(', ')}; ${runs} runs per side; load average at start ${load()}`];
  for (const name of parts) {
    const part = all[name];
    if (!part) throw new Error(`unknown part ${name} (filesystem, ipaddr2, startup)`);
    const started = Date.now();
    out.push('', (await part()).trimEnd(), `(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  out.push('', `total ${((Date.now() - t0) / 1000).toFixed(0)} s; load average at the end ${load()}`);
  console.log(out.join('\n'));
}
