// The benchmark harness: runs commands many times, alternating ours and upstream so both see the
// same machine load, and reports CPU time (user+sys, what a monitor costs every node every few
// seconds) and wall time (min and median).
//
// CPU is exact per run when /usr/bin/python3 is there (bench/rusage.py reaps each command with
// wait4), so its median means something; without it, the mean of /proc/self/stat's 10 ms ticks.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT } from '../test/vm/lab.js';

export interface Cmd {
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  /** Unmeasured, before each measured run (e.g. start, before measuring stop). */
  readonly before?: () => Promise<void> | void;
  readonly after?: () => Promise<void> | void;
  /** The exit code a correct run has (a benchmark of a failing action measures nothing). */
  readonly expectCode?: number;
}

export interface BenchCase {
  readonly name: string;
  readonly ours: Cmd;
  readonly upstream?: Cmd;
}

export interface BenchSuite {
  readonly name: string;
  setup(): Promise<void> | void;
  teardown(): Promise<void> | void;
  readonly cases: readonly BenchCase[];
}

export interface Measurement {
  readonly cpuMsMean: number;
  /** NaN when only clock ticks were available (no python3). */
  readonly cpuMsMedian: number;
  readonly wallMsMin: number;
  readonly wallMsMedian: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PYTHON = '/usr/bin/python3';
const RUSAGE = join(PROJECT, 'bench', 'rusage.py');
const exact = existsSync(PYTHON) && existsSync(RUSAGE);

/** CPU time of our waited-for children so far (utime+stime of /proc/self/stat fields 16 and 17). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

class Meter {
  private cpuMs = 0;
  private readonly cpus: number[] = [];
  private readonly walls: number[] = [];
  constructor(private readonly label: string) {}

  async once(cmd: Cmd): Promise<void> {
    await cmd.before?.();
    const cpu0 = childrenCpuMs();
    const t0 = process.hrtime.bigint();
    const r = exact
      ? spawnSync(PYTHON, [RUSAGE, ...cmd.argv], { env: cmd.env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] })
      : spawnSync(cmd.argv[0]!, cmd.argv.slice(1), { env: cmd.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let wall = Number(process.hrtime.bigint() - t0) / 1e6;
    if (exact) {
      const [user, sys, childWall] = String(r.output[3] ?? '')
        .trim()
        .split(' ')
        .map(Number);
      if (!Number.isFinite(childWall)) throw new Error(`${this.label}: ${RUSAGE} reported nothing: ${String(r.stderr)}`);
      this.cpus.push(user! + sys!);
      this.cpuMs += user! + sys!;
      wall = childWall!;
    } else {
      this.cpuMs += childrenCpuMs() - cpu0;
    }
    this.walls.push(wall);
    if (cmd.expectCode !== undefined && r.status !== cmd.expectCode) {
      throw new Error(`${this.label}: ${cmd.argv.join(' ')} exited ${r.status}, expected ${cmd.expectCode}: ${String(r.stderr)}`);
    }
    await cmd.after?.();
  }

  result(): Measurement {
    return {
      cpuMsMean: this.cpuMs / this.walls.length,
      cpuMsMedian: this.cpus.length ? median(this.cpus) : NaN,
      wallMsMin: Math.min(...this.walls),
      wallMsMedian: median(this.walls),
    };
  }
}

export interface CaseResult {
  readonly suite: string;
  readonly name: string;
  readonly ours: Measurement;
  readonly upstream?: Measurement;
}

export async function runCase(suite: string, c: BenchCase, runs: number): Promise<CaseResult> {
  const ours = new Meter(`${suite}/${c.name} ours`);
  const upstream = c.upstream ? new Meter(`${suite}/${c.name} upstream`) : undefined;
  for (let i = 0; i < 2; i++) {
    await new Meter('warm-up').once(c.ours);
    if (c.upstream) await new Meter('warm-up').once(c.upstream);
  }
  for (let i = 0; i < runs; i++) {
    // Alternate the order so neither side always runs on a just-warmed cache.
    if (i % 2 === 0) {
      await ours.once(c.ours);
      if (upstream && c.upstream) await upstream.once(c.upstream);
    } else {
      if (upstream && c.upstream) await upstream.once(c.upstream);
      await ours.once(c.ours);
    }
  }
  return { suite, name: c.name, ours: ours.result(), upstream: upstream?.result() };
}

export function formatResults(results: readonly CaseResult[], runs: number): string {
  const f = (n: number) => n.toFixed(1).padStart(7);
  const lines = [
    `runs per side: ${runs}; CPU = user+sys mean per run; wall = min / median; ratio = ours / upstream (CPU)`,
    `${'case'.padEnd(46)} ${'ours CPU'.padStart(8)} ${'ups CPU'.padStart(8)} ${'ratio'.padStart(6)}   ${'ours wall min/med'.padStart(18)}   ${'ups wall min/med'.padStart(18)}`,
  ];
  for (const r of results) {
    const u = r.upstream;
    lines.push(
      `${`${r.suite}: ${r.name}`.padEnd(46)} ${f(r.ours.cpuMsMean)} ${u ? f(u.cpuMsMean) : '      -'} ${u ? (r.ours.cpuMsMean / u.cpuMsMean).toFixed(2).padStart(6) : '     -'}` +
        `   ${f(r.ours.wallMsMin)} /${f(r.ours.wallMsMedian)}   ${u ? `${f(u.wallMsMin)} /${f(u.wallMsMedian)}` : ''}`,
    );
  }
  return lines.join('\n');
}
