// A DRBD test double for contract tests of the built drbd agent: stand-ins for drbdadm,
// drbdsetup, crm_attribute, crm_master, modprobe and dmesg (small sh scripts in ./bin, copied to a
// temporary bin directory that is first on the agent's PATH) serving the real captured outputs of
// test/fixtures/drbd-8.4 and drbd-9, and recording every command the agent runs.
//
// The double's state directory ($DRBD_DOUBLE_DIR):
//   state          the fixture folder (<version>/<NN-state>/<node>, or one of ours) that is "now"
//   queue          folders the state moves through, one per `drbdsetup events2` read
//   on-<verb>      what `drbdadm <verb>` does: first line the next state, further lines the queue;
//                  without one, `primary`/`secondary` switch the local role of the current state
//   fail-<key>     "N CODE" or "always CODE" then the message: the next N (or every) call of
//                  <key> (drbdadm-<verb>, drbdsetup-events2, crm_attribute, crm_master, modprobe, dmesg)
//                  prints the message on stderr and exits CODE
//   hang-<key>     every call of <key> hangs until killed ("stubborn": until SIGKILL)
//   resources      the resources in the DRBD configuration (drbdadm refuses others, like the real one)
//   log            one line per invocation: program and argv
//   score          the published promotion score (absent: never set or deleted)
//   proc_drbd      what the agent reads as /proc/drbd (OCFKIT_PROC_DRBD); absent: no module loaded
//   modprobe-proc  what `modprobe drbd` puts there
//   dmesg          the kernel log `dmesg` prints, if set; else the current state's dmesg_drbd.txt
// and, for the agent, drbd.conf (an empty file the agent checks exists) and ocfkit/ (OCFKIT_STATE_DIR).
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, agentPath, runAgentAction, type AgentRun } from '../agent.js';

export const FIXTURES = `${REPO}/test/fixtures`;
export const STAND_INS = ['drbdadm', 'drbdsetup', 'crm_attribute', 'crm_master', 'modprobe', 'dmesg'] as const;
export type StandIn = (typeof STAND_INS)[number];
export type DrbdVersion = 'drbd-8.4' | 'drbd-9';

const SOURCE_BIN = new URL('./bin/', import.meta.url).pathname;
/** Only the system directories with sh and coreutils: no real drbdadm, crm_attribute or modprobe behind ours. */
const SYSTEM_PATH = '/usr/bin:/bin';

/**
 * A wrapper (runAgentAction's `wrapper`) that runs the agent in a private mount namespace where
 * the host's own copies of `programs` are not executable: the agent's which() also looks in the
 * system directories, and this host has drbd-utils installed. Needs root and unshare(1).
 */
export function withoutHostCopies(programs: readonly string[]): string[] {
  const dirs = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  const files = [
    ...new Set(
      programs
        .flatMap((p) => dirs.map((d) => `${d}/${p}`))
        .filter((f) => existsSync(f))
        .map((f) => realpathSync(f)),
    ),
  ];
  const script = 'for f in "$@"; do case $f in --) shift; break;; esac; mount --bind /dev/null "$f" || exit 99; shift; done; exec "$@"';
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'mask', ...files, '--'];
}

/**
 * tap adds NODE_OPTIONS=--import=@tapjs/processinfo to every child process it sees started; the
 * agent would then run with tap's loader in it (4x the CPU time of a monitor: 0.35 s instead of
 * 0.09 s), unlike under Pacemaker. The agent runs without it.
 */
const WITHOUT_TAP = ['/usr/bin/env', '-u', 'NODE_OPTIONS'];

/** Meta attributes of a recurring monitor (without an interval, every monitor is a probe). */
export const RECURRING = { OCF_RESKEY_CRM_meta_interval: '20000' } as const;
export const PROBE = { OCF_RESKEY_CRM_meta_interval: '0' } as const;
/** OCF 1.1: the caller (Pacemaker 2.1+) understands 190/191. */
export const OCF_1_1 = { OCF_RA_VERSION_MAJOR: '1', OCF_RA_VERSION_MINOR: '1' } as const;

/** The state folders of a DRBD version (00-unconfigured ...), in order. */
export function stateFolders(version: DrbdVersion): string[] {
  return readdirSync(`${FIXTURES}/${version}`)
    .filter((entry) => /^\d\d-/.test(entry))
    .sort();
}

export function nodesOf(version: DrbdVersion, state: string): string[] {
  return readdirSync(`${FIXTURES}/${version}/${state}`)
    .filter((entry) => /^node\d$/.test(entry))
    .sort();
}

export interface DoubleOptions {
  version: DrbdVersion;
  node: string;
  /** The starting state: a state folder of `version` ('03-synced'), 'state/node', or a path. Default 00-unconfigured. */
  state?: string;
  /** Whether /proc/drbd exists (the module is loaded). Default true. */
  moduleLoaded?: boolean;
  /** The resources in the DRBD configuration. Default r0. */
  resources?: string[];
  /** Stand-ins to leave out of the bin directory (the program is then missing from PATH). */
  omit?: StandIn[];
}

export interface DoubleRun extends AgentRun {
  /** The commands the agent ran during this action, in order, as "program arg arg ...". */
  readonly commands: string[];
  readonly ms: number;
}

export class DrbdDouble {
  readonly dir: string;
  readonly bin: string;
  readonly conf: string;
  readonly splitBrainDir: string;
  readonly version: DrbdVersion;
  readonly node: string;

  constructor(options: DoubleOptions) {
    this.version = options.version;
    this.node = options.node;
    this.resolve(options.state ?? '00-unconfigured'); // a wrong state throws before anything is created
    this.dir = mkdtempSync(join(tmpdir(), 'ocfkit-drbd-double-'));
    this.bin = join(this.dir, 'bin');
    mkdirSync(this.bin);
    for (const file of readdirSync(SOURCE_BIN)) {
      if ((options.omit as string[] | undefined)?.includes(file)) continue;
      copyFileSync(join(SOURCE_BIN, file), join(this.bin, file));
      chmodSync(join(this.bin, file), file.endsWith('.sh') ? 0o644 : 0o755);
    }
    this.conf = join(this.dir, 'drbd.conf');
    writeFileSync(this.conf, '# the DRBD test double reads no configuration\n');
    this.splitBrainDir = join(this.dir, 'ocfkit');
    writeFileSync(join(this.dir, 'resources'), `${(options.resources ?? ['r0']).join('\n')}\n`);
    writeFileSync(join(this.dir, 'log'), '');
    this.setState(options.state ?? '00-unconfigured');
    // `drbdadm down` ends in the unconfigured state unless a test says otherwise.
    this.on('down', '00-unconfigured');
    const proc = readFileSync(this.fixture('00-unconfigured', 'proc_drbd.txt'), 'utf8');
    writeFileSync(join(this.dir, 'modprobe-proc'), proc);
    if (options.moduleLoaded ?? true) writeFileSync(join(this.dir, 'proc_drbd'), proc);
  }

  /** Path of `file` in a state folder of this double's version and node. */
  fixture(state: string, file = ''): string {
    return join(this.resolve(state), file);
  }

  /** A state folder: 'NN-state' (this node), 'NN-state/nodeN', a fixture-relative 'drbd-9/...', or an absolute path. */
  resolve(state: string): string {
    let path: string;
    if (state.startsWith('/')) path = state;
    else if (state.startsWith('drbd-')) path = `${FIXTURES}/${state}`;
    else if (state.includes('/')) path = `${FIXTURES}/${this.version}/${state}`;
    else path = `${FIXTURES}/${this.version}/${state}/${this.node}`;
    if (!existsSync(path)) throw new Error(`no such state folder: ${path}`);
    return path;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: `${this.bin}:${SYSTEM_PATH}`,
      DRBD_DOUBLE_DIR: this.dir,
      OCFKIT_PROC_DRBD: join(this.dir, 'proc_drbd'),
      OCFKIT_STATE_DIR: this.splitBrainDir,
      ...extra,
    };
  }

  setState(state: string): void {
    writeFileSync(join(this.dir, 'state'), `${this.resolve(state)}\n`);
    writeFileSync(join(this.dir, 'queue'), '');
  }

  /** The current state folder (absolute). */
  state(): string {
    return readFileSync(join(this.dir, 'state'), 'utf8').trim();
  }

  /** The current state relative to the fixtures ('drbd-8.4/03-synced/node1'), or the path of ours. */
  stateName(): string {
    const path = this.state();
    return path.startsWith(`${FIXTURES}/`) ? path.slice(FIXTURES.length + 1) : path;
  }

  /** The local role in the events2 text served now. */
  role(): string | undefined {
    const file = ['drbdsetup_events2_now_stats.txt', 'drbdsetup_events2_all_now_stats.txt']
      .map((f) => join(this.state(), f))
      .find(existsSync)!;
    return /^exists resource \S+ role:(\w+)/m.exec(readFileSync(file, 'utf8'))?.[1];
  }

  /** `drbdadm <verb>` moves to `next`, then each further state is served by one events2 read. */
  on(verb: string, next: string, ...then: string[]): void {
    writeFileSync(join(this.dir, `on-${verb}`), `${[next, ...then].map((s) => this.resolve(s)).join('\n')}\n`);
  }

  /** Makes the next `count` (or every) call of `key` fail with `code` and `message` on stderr. */
  fail(key: string, count: number | 'always', code: number, message: string): void {
    writeFileSync(join(this.dir, `fail-${key}`), `${count} ${code}\n${message}\n`);
  }

  /** Makes every call of `key` hang until the agent kills it (`stubborn`: SIGTERM is ignored, only SIGKILL works). */
  hang(key: string, how: 'plain' | 'stubborn' = 'plain'): void {
    writeFileSync(join(this.dir, `hang-${key}`), `${how}\n`);
  }

  /**
   * Makes calls of `key` wait until the agent runs `drbdadm <verb>` (as DRBD 9's attach waits in
   * the kernel until a peer answers), then carry on as usual.
   */
  hangUntil(key: string, verb: string): void {
    writeFileSync(join(this.dir, `hang-${key}`), `until ${verb}\n`);
  }

  failuresLeft(key: string): string {
    return readFileSync(join(this.dir, `fail-${key}`), 'utf8').split(' ')[0]!;
  }

  /** Pacemaker before 2.1: crm_attribute does not know --promotion. */
  withoutPromotionOption(): void {
    writeFileSync(join(this.dir, 'crm_attribute-without-promotion'), '');
  }

  setDmesg(text: string): void {
    writeFileSync(join(this.dir, 'dmesg'), text);
  }

  moduleLoaded(): boolean {
    return existsSync(join(this.dir, 'proc_drbd'));
  }

  /** A state of our own: `events2` is what `drbdsetup events2 --now --statistics` prints in it. */
  customState(name: string, events2: string, rc = 0): string {
    const dir = join(this.dir, 'custom', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'drbdsetup_events2_now_stats.txt'), events2);
    writeFileSync(join(dir, 'drbdsetup_events2_now_stats.rc'), `${rc}\n`);
    return dir;
  }

  log(): string[] {
    return readFileSync(join(this.dir, 'log'), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
  }

  /** The published promotion score, or undefined when there is none. */
  score(): string | undefined {
    const file = join(this.dir, 'score');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  }

  setScore(score: string): void {
    writeFileSync(join(this.dir, 'score'), `${score}\n`);
  }

  /** The split-brain record the handler leaves for resource `resource`. */
  splitBrainRecord(resource = 'r0'): string | undefined {
    const file = join(this.splitBrainDir, `${resource}.split-brain`);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  /** Runs an action of dist/agents/drbd against the double; `params` add to drbd_resource=r0 and our drbdconf. */
  run(
    action: string,
    params: Record<string, string | number | undefined> = {},
    env: Record<string, string> = {},
    options: { wrapper?: string[]; timeoutMs?: number } = {},
  ): DoubleRun {
    const before = this.log().length;
    const started = Date.now();
    const result = runAgentAction('drbd', action, { drbd_resource: 'r0', drbdconf: this.conf, ...params }, this.env(env), {
      ...options,
      wrapper: [...WITHOUT_TAP, ...(options.wrapper ?? [])],
    });
    return { ...result, commands: this.log().slice(before), ms: Date.now() - started };
  }

  /** run(), without blocking: for running several doubles side by side. */
  async runAsync(
    action: string,
    params: Record<string, string | number | undefined> = {},
    env: Record<string, string> = {},
  ): Promise<DoubleRun> {
    const before = this.log().length;
    const started = Date.now();
    // The environment runAgentAction builds.
    const full: Record<string, string> = {
      OCF_ROOT: '/usr/lib/ocf',
      OCF_RESOURCE_INSTANCE: 'test_drbd',
      OCF_RESKEY_CRM_meta_timeout: '20000',
      ...this.env(env),
    };
    for (const [k, v] of Object.entries({ drbd_resource: 'r0', drbdconf: this.conf, ...params }))
      if (v !== undefined) full[`OCF_RESKEY_${k}`] = String(v);
    const child = spawn(WITHOUT_TAP[0]!, [...WITHOUT_TAP.slice(1), agentPath('drbd'), action], {
      env: full,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? -1)));
    const reason = /^ocf-exit-reason:(.*)$/m.exec(stderr)?.[1];
    return { code, stdout, stderr, reason, commands: this.log().slice(before), ms: Date.now() - started };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `tasks` with at most `width` of them at a time. */
export async function inParallel<T>(width: number, tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

/** A double that is removed when test `t` ends. */
export function drbdDouble(t: { teardown(fn: () => void): void }, options: DoubleOptions): DrbdDouble {
  const double = new DrbdDouble(options);
  t.teardown(() => double.cleanup());
  return double;
}

// ------------------------------------------------------------------------------------------------
// The exact commands, as the double logs them (conf = the double's drbd.conf).

export const cmd = {
  events2: (res = 'r0') => `drbdsetup events2 --now --statistics ${res}`,
  drbdadm: (conf: string, ...args: string[]) => `drbdadm -c ${conf} ${args.join(' ')}`,
  setScore: (score: number | string) => `crm_attribute --promotion -l reboot -q -v ${score}`,
  removeScore: 'crm_attribute --promotion -l reboot -q -D',
  masterSet: (score: number | string) => `crm_master -l reboot -q -v ${score}`,
  masterRemove: 'crm_master -l reboot -q -D',
  modprobe: 'modprobe drbd',
  dmesg: 'dmesg',
} as const;
