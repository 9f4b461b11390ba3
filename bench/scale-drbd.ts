// make bench-scale (the drbd part): the cost of one DRBD monitor as the node carries more DRBD
// resources, ours (dist/agents/drbd) vs ocf:linbit:drbd, on real DRBD in the qemu VM pair of test/vm.
//
//   node scripts/run-ts.mjs bench/scale-drbd.ts [--drbd 9|8.4] [--rounds 5] [--batch 4]
//                                               [--sizes 1,10,50,100,200] [--mem 2048]
//
// Boots a two-VM lab (test/vm/setup.sh once, and a build, before) with DRBD 9 (default) or 8.4,
// brings r0 (64 MiB, node1 Primary, in sync) up, then adds small resources s1, s2, ... (4 MiB loop
// devices) on both nodes, configured in /etc/drbd.d, up and connected to the peer (a LINSTOR node
// has them up, and what an agent reads of the kernel grows with them). At each size it measures
// monitors of r0 on node1 (Primary, connected, UpToDate on both sides).
//
// How CPU is measured. Inside a qemu TCG guest the kernel's own accounting is useless (bash's
// `time` reported 9-14 s of CPU for 1 s of wall: the guest's ticks arrive in bursts on a loaded
// host). What the host sees is exact: the CPU of node1's qemu process (utime + stime of
// /proc/<pid>/stat, every thread, the exited ones included: vCPU, 9p server, I/O) while the guest
// runs a batch of K monitors back to back, minus the same VM's CPU over an idle interval of the
// same length right after (the guest waits in `read -t` on a FIFO: no process started), divided
// by K. Both intervals are one command of the lab's channel, so its cost cancels out, and so does
// what DRBD's N connections cost the idle VM. Ours and linbit's batches alternate, the order
// flipping every round; the table shows medians over the rounds. The numbers are "emulated CPU":
// the emulator's milliseconds, ~10-30x a real machine's; the ratios carry over. The run starts
// with a check of the method (`/bin/true`, `/bin/sleep 0`, `node -e 0` in the guest, which must
// order as expected and repeat within ~20%) and converts with what `node -e 0` costs on the host.
//
// crm_attribute is the lab's stub (test/vm/stubs) for both agents: a real one (a CIB connection)
// adds the same cost to both. The node-share columns are what monitoring all N resources costs:
// half of them Promoted here (monitor every 10 s), half Unpromoted (every 20 s), the intervals
// `ocfkit crm generate` takes from both agents' meta-data.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { agentAndSyncedR0, monitorEnv } from './drbd-lab.js';
import { ADDRESS, Lab, NODE, NODES, PROJECT, RES, shq, vmUnavailable } from '../test/vm/lab.js';

function option(name: string, env: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : (process.env[env] ?? fallback);
}
const drbd = option('drbd', 'BENCH_DRBD', '9') as '9' | '8.4';
const rounds = Number(option('rounds', 'BENCH_ROUNDS', '5'));
const batch = Number(option('batch', 'BENCH_BATCH', '4'));
const mem = Number(option('mem', 'BENCH_VM_MEM', '2048'));
const sizes = option('sizes', 'BENCH_DRBD_SIZES', '1,10,50,100,200').split(',').map(Number);
if (drbd !== '9' && drbd !== '8.4') throw new Error('--drbd must be 9 or 8.4');
for (const [name, v] of [
  ['rounds', rounds],
  ['batch', batch],
  ['mem', mem],
] as const)
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number >= 1`);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--sizes: whole numbers >= 1');

const OURS = `${PROJECT}/dist/agents/drbd`;
const UPSTREAM = '/usr/lib/ocf/resource.d/linbit/drbd';
/** The monitor intervals both agents' meta-data propose (and `ocfkit crm generate` uses). */
const PROMOTED_INTERVAL_S = 10;
const UNPROMOTED_INTERVAL_S = 20;
/** How often the method check runs each trivial program per batch (they are short). */
const CHECK_BATCH = 10;
const unavailable = vmUnavailable();
if (unavailable) throw new Error(`the DRBD VM lab cannot run: ${unavailable}`);

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** max-min over the median, in percent: how well the rounds repeat. */
const spread = (xs: number[]) => ((Math.max(...xs) - Math.min(...xs)) / median(xs)) * 100;
const log = (line: string) => process.stderr.write(`.. ${line}\n`);

/** The CPU (ms) the host has spent on a process so far, all its threads, exited ones included. */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const MONITOR_ENV = monitorEnv('node1', PROMOTED_INTERVAL_S * 1000);

/**
 * The guest script that adds resources s<first>..s<last> on one node: each a 4 MiB sparse file on
 * the VM's tmpfs behind a loop device (minor 100+k, its own port), meta data created, up and
 * connecting to the peer. (drbd-utils refuses `disk none` in more than one resource: it takes
 * "none" for one device used twice.) One drbdadm call for all of them, since every call parses
 * the whole configuration, which is what grows here. DRBD 9 names each node's node-id.
 */
function addResourcesScript(first: number, last: number): string {
  const hosts = NODES.map((n) =>
    drbd === '9'
      ? `  on node${n} { node-id ${n - 1}; address ${ADDRESS[n]}:$((8000 + k)); }`
      : `  on node${n} { address ${ADDRESS[n]}:$((8000 + k)); }`,
  ).join('\n');
  return `set -e
modprobe loop
names=
for k in $(seq ${first} ${last}); do
  truncate -s 4M /run/s$k.img
  dev=$(losetup -f --show /run/s$k.img)
  cat > /etc/drbd.d/s$k.res <<EOF
resource s$k {
  device /dev/drbd$((100 + k)) minor $((100 + k));
  disk $dev;
  meta-disk internal;
  net { protocol C; }
${hosts}
}
EOF
  names="$names s$k"
done
yes yes | drbdadm create-md --force $names > /dev/null 2>&1
drbdadm up $names`;
}

interface Sample {
  /** host CPU of node1's qemu over the interval (ms) */
  cpuMs: number;
  /** the interval's length in the guest (ms) */
  wallMs: number;
  codes: number[];
}

/**
 * Run `times` times the command line `command` (bash words, output discarded) back to back in
 * node1 and return the qemu's CPU over it; `times` 0 runs nothing and waits `idleMs` instead,
 * without starting a process (read -t on a FIFO nobody writes).
 */
async function sample(lab: Lab, qemu: number, command: string, times: number, idleMs = 0): Promise<Sample> {
  const env = Object.entries(MONITOR_ENV)
    .map(([k, v]) => `export ${k}=${shq(v)}`)
    .join('\n');
  const body =
    times > 0
      ? `for ((i = 0; i < ${times}; i++)); do ${command} > /dev/null 2> /run/bench.err; codes="$codes $?"; done`
      : `read -t ${(idleMs / 1000).toFixed(3)} <> /run/bench.idle`;
  const script = `${env}
codes=
t0=$EPOCHREALTIME
${body}
t1=$EPOCHREALTIME
echo "\${t0/./} \${t1/./}$codes"`;
  const before = processCpuMs(qemu);
  const r = await lab.sh(1, script, { timeout: 120 + times * 60 });
  const cpuMs = processCpuMs(qemu) - before;
  if (r.code !== 0) throw new Error(`node1: the batch (${command || 'idle'}) exited ${r.code}: ${r.stderr}`);
  const [t0, t1, ...codes] = r.stdout.trim().split(' ');
  return { cpuMs, wallMs: (Number(t1) - Number(t0)) / 1000, codes: codes.map(Number) };
}

interface Measured {
  /** per round: CPU of one run (ms, emulated), the batch minus as long an idle interval, / times */
  cpuMs: number[];
  /** per round: wall of one run (ms) */
  wallMs: number[];
}

/** One batch of `times` runs of `command` and the idle interval after it: CPU and wall per run. */
async function measure(lab: Lab, qemu: number, command: string, times: number, expectCode: number, into: Measured): Promise<void> {
  const busy = await sample(lab, qemu, command, times);
  const unexpected = busy.codes.filter((c) => c !== expectCode);
  if (busy.codes.length !== times || unexpected.length)
    throw new Error(
      `${command}: expected ${times} runs exiting ${expectCode}, got [${busy.codes.join(' ')}]; ` +
        (await lab.exec(1, ['cat', '/run/bench.err'])).stdout.slice(0, 2000),
    );
  const idle = await sample(lab, qemu, '', 0, busy.wallMs);
  into.cpuMs.push((busy.cpuMs - idle.cpuMs) / times);
  into.wallMs.push(busy.wallMs / times);
}

/** `times` runs of each command, `rounds` rounds, the order flipping every round; `expectCode`: per name, else 0. */
async function compare(
  lab: Lab,
  qemu: number,
  commands: Record<string, string>,
  times: number,
  expectCode: Record<string, number> = {},
): Promise<Record<string, Measured>> {
  const names = Object.keys(commands);
  const out = Object.fromEntries(names.map((n) => [n, { cpuMs: [], wallMs: [] }]));
  for (const n of names) await sample(lab, qemu, commands[n]!, 1); // warm-up: page cache, TCG's translations
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    for (const n of order) await measure(lab, qemu, commands[n]!, times, expectCode[n] ?? 0, out[n]!);
  }
  return out;
}

/** CPU of `node -e 0` on the host (ms, median of 10; wait4 through bench/rusage.py): the scale to hardware. */
function hostNodeStartMs(): number {
  const runs = Array.from({ length: 10 }, () => {
    const r = spawnSync('python3', [`${PROJECT}/bench/rusage.py`, NODE, '-e', '0'], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    const [user, sys] = String(r.output[3]).trim().split(' ').map(Number);
    return user! + sys!;
  });
  return median(runs);
}

/**
 * Where a monitor's time goes, measured at the smallest and the largest N: the programs ours runs
 * per monitor (Node itself, our bundle loaded, drbdsetup events2 for r0, the crm_attribute stub
 * with the score) and the drbdadm call linbit's monitor makes several of.
 */
const PARTS: Record<string, string> = {
  'node -e 0 (Node starts)': `${shq(NODE)} -e 0`,
  'ours meta-data (Node + our bundle)': `${shq(OURS)} meta-data`,
  [`drbdsetup events2 --now --statistics ${RES}`]: `drbdsetup events2 --now --statistics ${RES}`,
  'crm_attribute --promotion -v (stub)': 'crm_attribute --promotion -l reboot -q -v 10000',
  [`drbdadm sh-dev ${RES}`]: `drbdadm sh-dev ${RES}`,
};

interface Row {
  n: number;
  ours: Measured;
  upstream: Measured;
  /** the control: node -e 0 */
  node: Measured;
  parts?: Record<string, Measured>;
  /** how many resources drbdsetup status showed up on node1 */
  up: string;
  /** node1's MemAvailable (MiB) after the rounds */
  memAvailable: string;
  load: string;
}

const t0 = Date.now();
const loadStart = load();
const rows: Row[] = [];
let check: Record<string, Measured> = {};
let labSlowness = 1;
// DRBD 9 labs get r1 (two more disks) too: one disk, r0 only, so that N counts every resource
if (drbd === '9') process.env.OCFKIT_VM_DISKS = '1';
const lab = await Lab.up({ mem, drbd });
try {
  labSlowness = lab.slowness;
  const qemu = lab.qemuPid(1);
  if (!qemu) throw new Error('node1 has no qemu pid');
  const version = (await lab.ok(1, ['head', '-1', '/proc/drbd'])).replace(/^version: /, '');
  log(`lab up in ${((Date.now() - t0) / 1000).toFixed(1)}s, DRBD ${version}, node1's qemu pid ${qemu} (load ${load()})`);
  await lab.ok(1, ['mkfifo', '/run/bench.idle']);
  await lab.ok(1, ['mkdir', '-p', '/run/stub']);

  check = await compare(
    lab,
    qemu,
    { '/bin/true': '/bin/true', '/bin/sleep 0': '/bin/sleep 0', 'node -e 0': `${shq(NODE)} -e 0` },
    CHECK_BATCH,
  );
  log(`method check done after ${((Date.now() - t0) / 1000).toFixed(0)}s (load ${load()})`);

  await agentAndSyncedR0(lab, OURS, readFileSync(OURS));
  log(`r0 in sync after ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  let configured = 1; // r0
  for (const size of sizes) {
    const added = Array.from({ length: Math.max(0, size - configured) }, (_, i) => configured + i);
    if (added.length) {
      await Promise.all(
        NODES.map((n) =>
          lab.sh(n, addResourcesScript(added[0]!, added.at(-1)!), { timeout: 900 }).then((r) => {
            if (r.code !== 0) throw new Error(`node${n}: bringing up s${added[0]}..s${added.at(-1)} failed: ${r.stderr}`);
          }),
        ),
      );
      configured = size;
    }
    const up = (await lab.sh(1, 'drbdsetup status | grep -c "^[^ ]"')).stdout.trim();
    // node -e 0 in every round is the control: what the VM does to any process as N grows
    const m = await compare(
      lab,
      qemu,
      { ours: `${shq(OURS)} monitor`, upstream: `${shq(UPSTREAM)} monitor`, node: `${shq(NODE)} -e 0` },
      batch,
      { ours: 8, upstream: 8 },
    );
    const memAvailable = (await lab.sh(1, "awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo")).stdout.trim();
    const parts = size === sizes[0] || size === sizes.at(-1) ? await compare(lab, qemu, PARTS, batch) : undefined;
    rows.push({ n: size, ours: m.ours!, upstream: m.upstream!, node: m.node!, parts, up, memAvailable, load: load() });
    log(`N=${size} (${up} resources up) done after ${((Date.now() - t0) / 1000).toFixed(0)}s (load ${load()})`);
  }
} finally {
  await lab.down();
}

const hostNodeMs = hostNodeStartMs();
const emulatedNodeMs = median(check['node -e 0']!.cpuMs);
/** emulated ms per hardware ms, from `node -e 0` in the guest and on the host */
const emulation = emulatedNodeMs / hostNodeMs;
const ms = (x: number) => x.toFixed(0);
const pct = (x: number) => `${x.toFixed(1)}%`;
/** the node's CPU share (of one CPU) for N resources, half monitored every 10 s, half every 20 s */
const share = (cpuMs: number, n: number) => (n * cpuMs * (0.5 / PROMOTED_INTERVAL_S + 0.5 / UNPROMOTED_INTERVAL_S)) / 10;
const table = (header: string[], body: string[][]) => {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  return [header, ...body].map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  '));
};
const first = rows[0] ? median(rows[0].ours.cpuMs) : NaN;
console.log(
  [
    `DRBD ${drbd} monitor of r0 (node1: Primary, connected, UpToDate on both) with N resources configured and up, two qemu TCG VMs`,
    `ours (${OURS}) vs ocf:linbit:drbd. CPU = host CPU of node1's qemu over a batch of ${batch} monitors minus as long an idle`,
    `interval, per monitor ("emulated" ms); median of ${rounds} rounds, ours and linbit alternating; spread = (max-min)/median`,
    '',
    'method check (emulated CPU per run, median and spread):',
    ...table(
      ['program', 'CPU ms', 'spread', 'wall ms'],
      Object.entries(check).map(([name, m]) => [name, ms(median(m.cpuMs)), `${spread(m.cpuMs).toFixed(0)}%`, ms(median(m.wallMs))]),
    ),
    `node -e 0 on the host: ${hostNodeMs.toFixed(1)} ms: the VM emulates at ~${emulation.toFixed(0)}x a host core's CPU time`,
    '',
    ...table(
      [
        'N',
        'up',
        'ours CPU',
        'spread',
        'linbit CPU',
        'spread',
        'ratio',
        'ours/N1',
        'node -e 0',
        'ours wall',
        'linbit wall',
        'ours share',
        'linbit share',
        'MiB free',
        'load',
      ],
      rows.map((r) => {
        const o = median(r.ours.cpuMs);
        const u = median(r.upstream.cpuMs);
        return [
          String(r.n),
          r.up,
          ms(o),
          `${spread(r.ours.cpuMs).toFixed(0)}%`,
          ms(u),
          `${spread(r.upstream.cpuMs).toFixed(0)}%`,
          (o / u).toFixed(2),
          (o / first).toFixed(2),
          ms(median(r.node.cpuMs)),
          ms(median(r.ours.wallMs)),
          ms(median(r.upstream.wallMs)),
          pct(share(o / emulation, r.n)),
          pct(share(u / emulation, r.n)),
          r.memAvailable,
          r.load,
        ];
      }),
    ),
    `CPU and wall in emulated ms per monitor; ratio = ours/linbit CPU; ours/N1 = ours CPU / ours CPU at N=${rows[0]?.n};`,
    `node -e 0 = the control (same rounds): what the VM charges any process at this N; MiB free = node1's MemAvailable`,
    `share = all N monitored (half Promoted every ${PROMOTED_INTERVAL_S} s, half Unpromoted every ${UNPROMOTED_INTERVAL_S} s), of one host core (emulated CPU / ${emulation.toFixed(0)})`,
    '',
    'where the time goes (emulated CPU ms per run, median; the same rounds and batches):',
    ...table(
      ['program', ...rows.filter((r) => r.parts).map((r) => `N=${r.n}`)],
      Object.keys(PARTS).map((name) => [name, ...rows.flatMap((r) => (r.parts ? [ms(median(r.parts[name]!.cpuMs))] : []))]),
    ),
    `host load average: ${loadStart} at the start, ${load()} at the end; lab slowness at boot ${labSlowness.toFixed(1)}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  ].join('\n'),
);
