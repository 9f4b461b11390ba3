// test/vm/lab.ts - TypeScript handle on test/vm/lab.sh: qemu VMs (node1, node2 with real DRBD 8.4;
// or node1..node3 with real DRBD 9), for tap tests. Not a test itself (tap runs it and finds no tests).
//
//   import { Lab, vmUnavailable } from './lab.js';
//   const why = vmUnavailable(); if (why) { t.skip(why); return; }   // or t.plan(0, why)
//   const lab = await Lab.up(); t.teardown(() => lab.down());
//   const r = await lab.exec(1, ['drbdadm', 'role', 'r0']);       // { stdout, stderr, code }
//   await lab.sh(2, 'drbdadm cstate r0 | grep -q Connected');
//
// Every VM sees the host root read-only (plus a private writable overlay), so
// PROJECT/dist/agents/... and NODE below run inside the VMs as they are - build before up().
// See test/vm/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeBinary } from '../../scripts/runtime.mjs';

/** test/vm, also when this file is bundled elsewhere (scripts/run-ts.mjs bundles benches into dist/tmp/). */
function labDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'lab.sh')) && existsSync(join(dir, 'guest'))) return dir;
    if (existsSync(join(dir, 'test', 'vm', 'lab.sh'))) return join(dir, 'test', 'vm');
    if (dirname(dir) === dir) throw new Error('cannot find test/vm/lab.sh');
  }
}
const HERE = labDir();
/** The checkout; the same path inside the VMs. */
export const PROJECT = resolve(HERE, '..', '..');
export const LAB_SH = join(HERE, 'lab.sh');
export const SETUP_SH = join(HERE, 'setup.sh');
/** The project's pinned node (Node 24), which the agents' shebang points at. */
export const NODE = runtimeBinary(PROJECT);
/** setup.sh's cache (kernel, initramfs); labs live in VM_DIR/labs/. */
export const VM_DIR = process.env.OCFKIT_VM_DIR || '/var/tmp/ocfkit-vm';
/** PATH of every command run in a VM (prepend a directory for stand-ins, see exec's env). */
export const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The DRBD resource every lab has in /etc/drbd.d/r0.res: minor 1 on /dev/vda (64 MiB). */
export const RES = 'r0';
export const DEVICE = '/dev/drbd1';
/** DRBD 9 labs also have r1: two volumes, /dev/drbd10 on /dev/vdb and /dev/drbd11 on /dev/vdc. */
export const RES_TWO_VOLUMES = 'r1';
export const ADDRESS = { 1: '192.168.77.1', 2: '192.168.77.2', 3: '192.168.77.3' } as const;
/** eth1: the second private link (net1), e.g. a dedicated DRBD replication link. */
export const ADDRESS1 = { 1: '192.168.78.1', 2: '192.168.78.2', 3: '192.168.78.3' } as const;
export type Link = 'net0' | 'net1';

export type NodeId = 1 | 2 | 3;
/** The nodes of a default (two-node, DRBD 8.4) lab; a lab's own are `lab.nodes`. */
export const NODES: readonly NodeId[] = [1, 2];

/** What `Lab.up` boots. */
export interface LabOptions {
  mem?: number;
  diskMb?: number;
  /** 3: node1..node3 (default 2) */
  nodes?: 2 | 3;
  /** which DRBD the VMs run: Debian's 8.4 (default) or DRBD 9 from test/vm/drbd9 (setup.sh) */
  drbd?: '8.4' | '9';
  /** false: no DRBD module loaded at boot (8.4 only) */
  drbdModule?: boolean;
  /** DRBD 9: on-no-quorum of the lab's resources (default io-error) */
  onNoQuorum?: 'io-error' | 'suspend-io';
  bootTimeout?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** exit code in the VM; 124 when the timeout killed it */
  code: number;
}

export interface ExecOptions {
  /** extra environment variables (the base is PATH=GUEST_PATH HOME=/root LANG=C.UTF-8 TERM=dumb) */
  env?: Record<string, string>;
  /** working directory in the VM (default /) */
  cwd?: string;
  /** data for the command's stdin (default: /dev/null) */
  input?: string | Buffer;
  /** seconds until the command's process group is killed (code 124); default 300 */
  timeout?: number;
}

export interface DrbdState {
  role: string; // e.g. "Primary/Secondary"
  cstate: string; // e.g. "Connected", "WFConnection"
  dstate: string; // e.g. "UpToDate/UpToDate"
}

/** Quote a string for bash. */
export function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Why VM tests cannot run here (→ skip the test with this message), or undefined. */
export function vmUnavailable(): string | undefined {
  if (process.env.OCFKIT_VM_TESTS === '0') return 'OCFKIT_VM_TESTS=0';
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'VM tests need Linux and root';
  const cur = join(VM_DIR, 'current');
  if (!existsSync(cur)) return `no VM kernel in ${VM_DIR}: run test/vm/setup.sh first`;
  const kver = readFileSync(cur, 'utf8').trim();
  if (!existsSync(join(VM_DIR, 'kernel', kver, 'vmlinux'))) return `incomplete ${VM_DIR}: run test/vm/setup.sh`;
  if (spawnSync('sh', ['-c', 'command -v qemu-system-x86_64']).status !== 0) return 'qemu missing: run test/vm/setup.sh';
  return undefined;
}

/**
 * For a test file: true when the lab can run. A missing lab FAILS the test (CI runs
 * test/vm/setup.sh first; a real-DRBD test that silently skips would prove nothing); only an
 * explicit OCFKIT_VM_TESTS=0 outside CI skips.
 */
export function vmLabReady(t: { fail(msg: string): void; plan(n: number, why?: string): void }): boolean {
  const why = vmUnavailable();
  if (!why) return true;
  if (process.env.OCFKIT_VM_TESTS === '0' && !process.env.CI) t.plan(0, why);
  else t.fail(`the DRBD VM lab cannot run: ${why}`);
  return false;
}

export class LabError extends Error {}

/** `lab.sh up` on a quiet host (both VMs ready); a slower boot says how loaded the host is. */
const QUIET_BOOT_S = 8;
/** The round trip of a trivial command into a VM on a quiet host, at its slow end. */
const QUIET_ROUND_TRIP_MS = 400;

export class Lab {
  private downed = false;
  /**
   * How much slower than a quiet host this host runs the VMs right now (1 = quiet, at most 8),
   * from the boot time. Emulated VMs on a loaded 2-core host are 10-30x slower than hardware and
   * another 2-3x slower under load: every timeout of the harness (commands, waits) is multiplied
   * by it, so that a wait fails for what did not happen, not for a busy machine.
   */
  slowness = 1;
  private readonly onExit = () => this.downSync();

  private constructor(
    /** the lab directory (OCFKIT_LAB): node1/, node2/ with console.log, ctl/, disk.img */
    readonly dir: string,
    /** the lab's VMs */
    readonly nodes: readonly NodeId[],
  ) {
    process.once('exit', this.onExit);
  }

  /** Boot the VMs (in parallel; ~8-20 s). The VMs die with this process at the latest. */
  static async up(opts: LabOptions = {}): Promise<Lab> {
    mkdirSync(join(VM_DIR, 'labs'), { recursive: true });
    const nodes: NodeId[] = opts.nodes === 3 ? [1, 2, 3] : [1, 2];
    const lab = new Lab(mkdtempSync(join(VM_DIR, 'labs', 'lab-')), nodes);
    const env: Record<string, string> = { OCFKIT_VM_OWNER: String(process.pid), OCFKIT_VM_NODES: String(nodes.length) };
    if (opts.mem) env.OCFKIT_VM_MEM = String(opts.mem);
    if (opts.diskMb) env.OCFKIT_VM_DISK_MB = String(opts.diskMb);
    env.OCFKIT_VM_DRBD = opts.drbd === '9' ? '9' : opts.drbdModule === false ? '0' : '1';
    if (opts.onNoQuorum) env.OCFKIT_VM_ON_NO_QUORUM = opts.onNoQuorum;
    if (opts.bootTimeout) env.OCFKIT_VM_BOOT_TIMEOUT = String(opts.bootTimeout);
    const r = await lab.run(['up'], { env });
    if (r.code !== 0) {
      lab.downSync();
      throw new LabError(`lab.sh up failed (exit ${r.code}):\n${r.stderr}`);
    }
    // the lab's boot time counts its VMs: three emulated VMs share the host's cores
    const bootS = Number(/up in ([\d.]+)s/.exec(r.stderr)?.[1]) * (2 / nodes.length);
    if (Number.isFinite(bootS)) lab.slowness = lab.bootSlowness = Math.min(8, Math.max(1, bootS / QUIET_BOOT_S));
    if (opts.drbd === '9') await lab.requireDrbdVersion('9.');
    return lab;
  }

  /** Fail (LabError, the lab torn down) unless every VM's /proc/drbd shows this DRBD version. */
  private async requireDrbdVersion(prefix: string): Promise<void> {
    for (const n of this.nodes) {
      const r = await this.exec(n, ['head', '-1', '/proc/drbd']);
      if (!r.stdout.startsWith(`version: ${prefix}`)) {
        const console = this.console(n)
          .split('\n')
          .filter((l) => /drbd|handshake|modprobe/i.test(l))
          .slice(-10)
          .join('\n');
        await this.down();
        throw new LabError(
          `node${n} does not run DRBD ${prefix}x: /proc/drbd says "${(r.stdout || r.stderr).trim().split('\n')[0]}"; ` +
            `the module tree comes from test/vm/setup.sh (test/vm/drbd9/build.sh); console:\n${console}`,
        );
      }
    }
  }

  private bootSlowness = 1;

  /**
   * A command's round trip into a VM, measured now (ms): ~100-450 ms on a quiet host. Keeps
   * `slowness` in step with the host's load after boot (never below what the boot measured).
   */
  noteRoundTrip(ms: number): void {
    this.slowness = Math.min(8, Math.max(this.bootSlowness, ms / QUIET_ROUND_TRIP_MS));
  }

  /** A timeout in seconds for this host's current speed (see slowness). */
  scale(seconds: number): number {
    return Math.ceil(seconds * this.slowness);
  }

  /** Host path of the VM's /ctl (shared read-write, uncached): drop or collect files there. */
  ctlDir(node: NodeId): string {
    return join(this.dir, `node${node}`, 'ctl');
  }

  /** The VM's serial console (kernel messages, guest agent log). */
  console(node: NodeId): string {
    try {
      return readFileSync(join(this.dir, `node${node}`, 'console.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Run argv (no shell) in the VM; resolves with its output and exit code, never rejects on a
   *  non-zero exit. Rejects (LabError) only when the harness fails (VM gone, no answer). */
  exec(node: NodeId, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new LabError('exec: empty argv');
    const env = Object.entries(opts.env ?? {})
      .map(([k, v]) => `${k}=${shq(v)} `)
      .join('');
    return this.sh(node, `${env}exec ${argv.map(shq).join(' ')}`, { ...opts, env: undefined });
  }

  /** Run a bash script in the VM (it is sourced by a fresh subshell of the guest agent). */
  async sh(node: NodeId, script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    let s = '';
    if (opts.cwd) s += `cd ${shq(opts.cwd)} || exit 126\n`;
    for (const [k, v] of Object.entries(opts.env ?? {})) s += `export ${k}=${shq(v)}\n`;
    s += script;
    const args = ['sh', '-t', String(this.scale(opts.timeout ?? 300))];
    if (opts.input !== undefined) args.push('-i');
    const r = await this.run([...args, String(node), s], { input: opts.input ?? '' });
    if (r.code === 255 && /^lab\.sh: /m.test(r.stderr)) throw new LabError(`node${node}: ${r.stderr.trim()}`);
    return r;
  }

  /** exec and require exit code 0; returns trimmed stdout. */
  async ok(node: NodeId, argv: string[], opts: ExecOptions = {}): Promise<string> {
    const r = await this.exec(node, argv, opts);
    if (r.code !== 0) throw new LabError(`node${node}: ${argv.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
    return r.stdout.trim();
  }

  /** Write a file in the VM (e.g. a crm_attribute stand-in in /usr/local/bin, mode 0o755). */
  async writeFile(node: NodeId, path: string, content: string | Buffer, mode = 0o644): Promise<void> {
    const m = mode.toString(8);
    const r = await this.sh(node, `mkdir -p "$(dirname ${shq(path)})" && cat > ${shq(path)} && chmod ${m} ${shq(path)}`, {
      input: content,
    });
    if (r.code !== 0) throw new LabError(`node${node}: writing ${path} failed: ${r.stderr}`);
  }

  /** role/cstate/dstate of a DRBD resource as drbdadm prints them ('' when the command fails). */
  async drbdState(node: NodeId, res = RES): Promise<DrbdState> {
    const r = await this.sh(node, `for w in role cstate dstate; do echo "$(drbdadm $w ${shq(res)} 2>/dev/null)"; done`);
    const [role = '', cstate = '', dstate = ''] = r.stdout.split('\n');
    return { role, cstate, dstate };
  }

  /** Poll fn until it returns a truthy value (which is returned) or throw after timeout seconds. */
  async waitFor<T>(what: string, fn: () => Promise<T>, timeout = 60, interval = 0.5): Promise<T> {
    timeout = this.scale(timeout);
    const end = Date.now() + timeout * 1000;
    let last: unknown;
    for (;;) {
      last = await fn();
      if (last) return last as T;
      if (Date.now() > end) break;
      await new Promise((r) => setTimeout(r, interval * 1000));
    }
    throw new LabError(
      `${what} did not happen within ${timeout} s (host slowness ${this.slowness.toFixed(1)}); last seen: ${JSON.stringify(last)}; the VMs' consoles are in ${this.dir}`,
    );
  }

  /** Pull VM N's cable of `link` (default: both VMs', net0 = eth0); the VMs keep running. */
  async cutLink(node?: NodeId, link: Link = 'net0'): Promise<void> {
    await this.must(['cut-link', node ? String(node) : 'all', link]);
  }

  async restoreLink(node?: NodeId, link: Link = 'net0'): Promise<void> {
    await this.must(['restore-link', node ? String(node) : 'all', link]);
  }

  /** Boot VM N again after it died (killed, fenced): same disk, fresh RAM (files written are gone). */
  async boot(node: NodeId): Promise<void> {
    const r = await this.run(['boot', String(node)], { env: { OCFKIT_VM_OWNER: String(process.pid) } });
    if (r.code !== 0) throw new LabError(`lab.sh boot ${node} failed: ${r.stderr.trim()}`);
  }

  /** VM N's qemu pid (undefined before its first boot). */
  qemuPid(node: NodeId): number | undefined {
    try {
      return Number(readFileSync(join(this.dir, `node${node}`, 'qemu.pid'), 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether VM N's qemu runs. */
  alive(node: NodeId): boolean {
    const pid = this.qemuPid(node);
    if (!pid) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** qemu pids of the VMs (for leak checks). */
  qemuPids(): number[] {
    return this.nodes.flatMap((n) => this.qemuPid(n) ?? []);
  }

  /** Kill the VMs, delete the lab directory (OCFKIT_VM_KEEP=1 keeps it). Idempotent. */
  async down(): Promise<void> {
    if (this.downed) return;
    this.downed = true;
    process.removeListener('exit', this.onExit);
    await this.run(['down']);
  }

  private downSync(): void {
    if (this.downed) return;
    this.downed = true;
    process.removeListener('exit', this.onExit);
    spawnSync('bash', [LAB_SH, 'down'], { env: { ...process.env, OCFKIT_LAB: this.dir, OCFKIT_VM_DIR: VM_DIR }, stdio: 'ignore' });
  }

  private async must(args: string[]): Promise<void> {
    const r = await this.run(args);
    if (r.code !== 0) throw new LabError(`lab.sh ${args.join(' ')} failed: ${r.stderr.trim()}`);
  }

  private run(args: string[], o: { env?: Record<string, string>; input?: string | Buffer } = {}): Promise<ExecResult> {
    return new Promise((res, rej) => {
      const p = spawn('bash', [LAB_SH, ...args], {
        env: { ...process.env, ...o.env, OCFKIT_LAB: this.dir, OCFKIT_VM_DIR: VM_DIR },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      p.stdout.on('data', (b: Buffer) => out.push(b));
      p.stderr.on('data', (b: Buffer) => err.push(b));
      p.on('error', rej);
      p.on('close', (code, sig) =>
        res({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? (sig ? 128 : 255) }),
      );
      p.stdin.on('error', () => {});
      p.stdin.end(o.input ?? '');
    });
  }
}
