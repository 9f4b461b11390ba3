// Network namespaces for tests: each test creates its own (named <prefix><tag>-<pid>, so parallel
// runs never meet), links them with veth pairs or a bridge, and deletes them in t.teardown (and, as a
// last resort, when the process exits). Nothing here touches the host's own interfaces: every
// command runs with `ip -n NS` or `ip netns exec NS`.
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
export { sleep };

export interface Tap {
  teardown(fn: () => unknown): void;
}

export interface CmdResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const created = new Set<string>();
let counter = 0;
process.once('exit', () => {
  for (const name of created) spawnSync('ip', ['netns', 'delete', name]);
});

/** Runs a command, throwing with its output when it fails (test set-up must not fail silently). */
export function must(file: string, args: readonly string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Why network namespace tests cannot run here, or undefined when they can (root, iproute2, veth). */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespace tests need root';
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (ip) is not installed';
  return undefined;
}

/**
 * For a test file: stops it here when namespaces cannot be made. In CI that is a failure (a test
 * that silently skips proves nothing); elsewhere, without root, the file is skipped with the reason.
 */
export function requireNetns(t: { fail(message: string): void; plan(n: number, why?: string): void }): void {
  const why = netnsUnavailable();
  if (!why) return;
  if (process.env.CI) {
    t.fail(`network namespace tests cannot run: ${why}`);
    process.exit(1);
  }
  t.plan(0, why);
  process.exit(0);
}

export class Netns {
  private constructor(readonly name: string) {}

  /** Creates `<prefix><tag>-<pid><n>` with lo up, deleted in t.teardown. */
  static create(t: Tap, prefix: string, tag: string): Netns {
    const name = `${prefix}${tag}-${process.pid.toString(36)}${(counter++).toString(36)}`;
    must('ip', ['netns', 'add', name]);
    created.add(name);
    const ns = new Netns(name);
    t.teardown(() => ns.delete());
    ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  delete(): void {
    if (!created.delete(this.name)) return;
    // Processes left in the namespace (a background arping) must not keep it alive.
    const pids = spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    spawnSync('ip', ['netns', 'delete', this.name]);
  }

  /** `ip -n NS args...`; throws when it fails. */
  ip(...args: string[]): string {
    return must('ip', ['-n', this.name, ...args]);
  }

  /** `ip -n NS -j args...` parsed. */
  ipJson<T = unknown>(...args: string[]): T {
    const out = this.ip('-j', ...args).trim();
    return (out ? JSON.parse(out) : []) as T;
  }

  /** Runs a program inside the namespace; never throws. */
  exec(argv: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = 60000): CmdResult {
    const r = spawnSync('ip', ['netns', 'exec', this.name, ...argv], { encoding: 'utf8', env, timeout: timeoutMs });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** The prefix to put before a command to run it in here (ip netns exec NS). */
  get wrapper(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  mac(ifname: string): string {
    const [link] = this.ipJson<{ address: string }[]>('link', 'show', 'dev', ifname);
    if (!link) throw new Error(`no interface ${ifname} in ${this.name}`);
    return link.address;
  }

  /** Addresses of `ifname` ("10.0.0.1/24"), or of every interface. */
  addresses(ifname?: string): string[] {
    const links = this.ipJson<{ ifname: string; addr_info: { local?: string; prefixlen?: number }[] }[]>(
      'addr',
      'show',
      ...(ifname ? ['dev', ifname] : []),
    );
    return links.flatMap((l) => l.addr_info.filter((a) => a.local).map((a) => `${a.local}/${a.prefixlen}`));
  }

  /** The neighbour (ARP / NDP) entry for `address`, if any. */
  neighbour(address: string, dev: string): { lladdr?: string; state: string[] } | undefined {
    const entries = this.ipJson<{ dst: string; lladdr?: string; state?: string[] }[]>('neigh', 'show', 'to', address, 'dev', dev);
    const e = entries.find((n) => n.dst === address);
    return e ? { lladdr: e.lladdr, state: e.state ?? [] } : undefined;
  }

  /** Puts a neighbour entry in place (STALE, as one learnt from traffic long ago). */
  seedNeighbour(address: string, lladdr: string, dev: string): void {
    this.ip('neigh', 'replace', address, 'lladdr', lladdr, 'dev', dev, 'nud', 'stale');
  }

  /** Lines tcpdump prints (-n -e: with MACs) for packets matching `filter` on `ifname` from now on. */
  async capture(t: Tap, ifname: string, filter: string): Promise<Capture> {
    const child = spawn('ip', ['netns', 'exec', this.name, 'tcpdump', '-l', '-n', '-e', '-i', ifname, filter], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const capture = new Capture(child);
    t.teardown(() => capture.stop());
    await capture.listening();
    return capture;
  }
}

export class Capture {
  readonly lines: string[] = [];
  private stderr = '';
  private ended: Promise<void>;

  constructor(private readonly child: ReturnType<typeof spawn>) {
    let partial = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.ended = new Promise((resolve) => child.once('close', () => resolve()));
  }

  async listening(timeoutMs = 10000): Promise<void> {
    const ok = await waitFor(() => /listening on/.test(this.stderr), timeoutMs);
    if (!ok) throw new Error(`tcpdump did not start: ${this.stderr}`);
  }

  /** Waits until some captured line matches `re`; returns the matching lines. */
  async waitFor(re: RegExp, timeoutMs = 5000, atLeast = 1): Promise<string[]> {
    await waitFor(() => this.lines.filter((l) => re.test(l)).length >= atLeast, timeoutMs);
    return this.lines.filter((l) => re.test(l));
  }

  /** Lines of packets captured after `moment` (by tcpdump's time stamp, local time of day; ignores a midnight in between). */
  since(moment: Date): string[] {
    const at = moment.getHours() * 3600 + moment.getMinutes() * 60 + moment.getSeconds() + moment.getMilliseconds() / 1000;
    return this.lines.filter((line) => {
      const [h, m, s] = (line.split(' ')[0] ?? '').split(':').map(Number);
      return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0) > at;
    });
  }

  async stop(): Promise<string[]> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    await Promise.race([this.ended, sleep(3000)]);
    return this.lines;
  }
}

/** Creates a veth pair `a:ifA` <-> `b:ifB`, both ends up. */
export function vethPair(a: Netns, ifA: string, b: Netns, ifB: string): void {
  a.ip('link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', b.name);
  a.ip('link', 'set', ifA, 'up');
  b.ip('link', 'set', ifB, 'up');
}

/**
 * A layer-2 segment: a bridge `br0` in `hub`, with one veth per member (`<ifname>` in the member,
 * `p<index>` on the bridge).
 */
export function bridgeSegment(hub: Netns, members: readonly { ns: Netns; ifname: string }[]): void {
  hub.ip('link', 'add', 'br0', 'type', 'bridge');
  hub.ip('link', 'set', 'br0', 'up');
  members.forEach(({ ns, ifname }, i) => {
    vethPair(ns, ifname, hub, `p${i}`);
    hub.ip('link', 'set', `p${i}`, 'master', 'br0');
  });
}

/** Polls `check` every 50 ms until it is true or `timeoutMs` passed; returns the last answer. */
export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}
