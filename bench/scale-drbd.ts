// make bench-scale (part 4): the cost of one DRBD monitor as the node carries more DRBD resources,
// ours (dist/agents/drbd) vs ocf:linbit:drbd, on real DRBD 8.4 in the qemu VM pair of test/vm.
//
//   node scripts/run-ts.mjs bench/scale-drbd.ts [--runs 8] [--sizes 1,10,50,100,200]
//
// Boots the lab (test/vm/setup.sh once, and a build, before), brings r0 (64 MiB, node1 Primary,
// in sync) up as bench/drbd-vm.ts does, then adds small resources s1, s2, ... (4 MiB loop devices) on both nodes
// (configured in /etc/drbd.d and up, connected to the peer: a LINSTOR node has them up, and
// what an agent reads of the kernel grows with them) and, at each size, times one monitor of r0
// on node1 (Primary, Connected, UpToDate/UpToDate), ours and linbit's alternating, the order
// flipping every round. Timing as in bench/drbd-vm.ts: bash's `time` around the agent inside the
// VM, CPU = user+sys of the agent and its children; crm_attribute is the lab's stub for both.
// Times are a qemu TCG guest's (emulated, several times a real machine's): the ratios carry over.
//
// The last column is what monitoring all N resources costs the node: N monitors of this cost
// every 10 s (the Promoted interval both agents propose), as a share of one CPU.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { agentAndSyncedR0 } from './drbd-lab.js';
import { ADDRESS, GUEST_PATH, Lab, NODES, PROJECT, RES, shq, vmUnavailable } from '../test/vm/lab.js';

function option(name: string, env: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : (process.env[env] ?? fallback);
}
const runs = Number(option('runs', 'BENCH_RUNS', '8'));
const sizes = option('sizes', 'BENCH_DRBD_SIZES', '1,10,50,100,200').split(',').map(Number);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--sizes: whole numbers >= 1');

const OURS = `${PROJECT}/dist/agents/drbd`;
const UPSTREAM = '/usr/lib/ocf/resource.d/linbit/drbd';
const MONITOR_INTERVAL_MS = 10_000;
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

interface Stats {
  cpuMsMean: number;
  wallMsMin: number;
  wallMsMedian: number;
}
interface Row {
  n: number;
  ours: Stats;
  upstream: Stats;
  load: string;
}

/**
 * The guest script that adds resources s<first>..s<last> on one node: each a 4 MiB sparse file on
 * the VM's tmpfs behind a loop device (minor 100+k, its own port), meta data created, up and
 * connecting to the peer. (drbd-utils refuses `disk none` in more than one resource: it takes
 * "none" for one device used twice.) One drbdadm call for all of them, since every call parses
 * the whole configuration, which is what grows here.
 */
function addResourcesScript(first: number, last: number): string {
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
  on node1 { address ${ADDRESS[1]}:$((8000 + k)); }
  on node2 { address ${ADDRESS[2]}:$((8000 + k)); }
}
EOF
  names="$names s$k"
done
drbdadm create-md --force $names > /dev/null
drbdadm up $names`;
}

/** The guest script: `runs` rounds of one monitor of r0 each, ours and upstream, the order flipping. */
function benchScript(): string {
  const env: Record<string, string> = {
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RA_VERSION_MAJOR: '1',
    OCF_RA_VERSION_MINOR: '1',
    OCF_RESOURCE_INSTANCE: 'drbd_r0',
    OCF_RESOURCE_TYPE: 'drbd',
    OCF_RESKEY_drbd_resource: RES,
    OCF_RESKEY_CRM_meta_clone_max: '2',
    OCF_RESKEY_CRM_meta_clone_node_max: '1',
    OCF_RESKEY_CRM_meta_promoted_max: '1',
    OCF_RESKEY_CRM_meta_promoted_node_max: '1',
    OCF_RESKEY_CRM_meta_master_max: '1',
    OCF_RESKEY_CRM_meta_master_node_max: '1',
    OCF_RESKEY_CRM_meta_notify: 'true',
    OCF_RESKEY_CRM_meta_globally_unique: 'false',
    OCF_RESKEY_CRM_meta_on_node: 'node1',
    OCF_RESKEY_CRM_meta_interval: String(MONITOR_INTERVAL_MS),
    OCF_RESKEY_CRM_meta_timeout: '20000',
    OCF_RESKEY_CRM_meta_name: 'monitor',
    CRM_ATTRIBUTE_STUB_DIR: '/run/stub',
    PATH: `${PROJECT}/test/vm/stubs:${GUEST_PATH}`,
  };
  return `${Object.entries(env)
    .map(([k, v]) => `export ${k}=${shq(v)}`)
    .join('\n')}
mkdir -p /run/stub
TIMEFORMAT='%R %U %S'
one() {  # one NAME AGENT: "NAME rc wall user sys"
  local t rc
  t=$( { time "$2" monitor > /dev/null 2> /run/bench.err; } 2>&1 ); rc=$?
  echo "$1 $rc $t"
}
one ours ${shq(OURS)} > /dev/null; one upstream ${shq(UPSTREAM)} > /dev/null   # warm-up
for ((i = 0; i < ${runs}; i++)); do
  if ((i % 2 == 0)); then one ours ${shq(OURS)}; one upstream ${shq(UPSTREAM)}
  else one upstream ${shq(UPSTREAM)}; one ours ${shq(OURS)}; fi
done`;
}

const t0 = Date.now();
const rows: Row[] = [];
const lab = await Lab.up({ mem: 1024 });
try {
  process.stderr.write(`.. lab up in ${((Date.now() - t0) / 1000).toFixed(1)}s (load ${load()})\n`);
  await agentAndSyncedR0(lab, OURS, readFileSync(OURS));
  process.stderr.write(`.. r0 in sync after ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);

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
    const up = (await lab.sh(1, 'grep -c "cs:" /proc/drbd')).stdout.trim();
    const r = await lab.sh(1, benchScript(), { timeout: 60 + runs * 120 });
    if (r.code !== 0) throw new Error(`the benchmark script exited ${r.code}: ${r.stderr}`);
    const parsed = r.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, code, real, user, sys] = line.split(' ');
        return { name, code: Number(code), wallMs: Number(real) * 1000, cpuMs: (Number(user) + Number(sys)) * 1000 };
      });
    const stats = (who: string): Stats => {
      const mine = parsed.filter((p) => p.name === who);
      const codes = [...new Set(mine.map((p) => p.code))];
      if (mine.length !== runs || codes.join() !== '8')
        throw new Error(`N=${size} ${who}: expected ${runs} runs exiting 8 (Promoted), got ${JSON.stringify(mine)}`);
      return {
        cpuMsMean: mine.reduce((a, p) => a + p.cpuMs, 0) / runs,
        wallMsMin: Math.min(...mine.map((p) => p.wallMs)),
        wallMsMedian: median(mine.map((p) => p.wallMs)),
      };
    };
    rows.push({ n: size, ours: stats('ours'), upstream: stats('upstream'), load: load() });
    process.stderr.write(
      `.. N=${size} (${up} minors in /proc/drbd) done after ${((Date.now() - t0) / 1000).toFixed(0)}s (load ${load()})\n`,
    );
  }
} finally {
  await lab.down();
}

const f = (ms: number) => ms.toFixed(0).padStart(6);
const share = (s: Stats, n: number) => `${(((n * s.cpuMsMean) / MONITOR_INTERVAL_MS) * 100).toFixed(1)}%`.padStart(7);
const first = rows[0]!.ours.cpuMsMean;
console.log(
  [
    `DRBD 8.4 monitor of r0 (node1: Primary, Connected, UpToDate/UpToDate) with N resources configured and up, in a qemu TCG VM`,
    `ours (${OURS}) vs ocf:linbit:drbd; ${runs} runs each, alternating; CPU = user+sys mean (ms), children included; wall = min / median (ms)`,
    `ratio = ours / linbit (CPU); growth = ours CPU / ours CPU at N=${rows[0]!.n}; node share = N monitors every ${MONITOR_INTERVAL_MS / 1000} s, of one (emulated) CPU`,
    `${'N'.padStart(4)} ${'ours CPU'.padStart(8)} ${'linbit CPU'.padStart(10)} ${'ratio'.padStart(6)} ${'growth'.padStart(6)}   ${'ours wall'.padStart(13)}   ${'linbit wall'.padStart(13)}   ${'ours share'.padStart(10)} ${'linbit share'.padStart(12)}   load`,
    ...rows.map(
      (r) =>
        `${String(r.n).padStart(4)} ${f(r.ours.cpuMsMean).padStart(8)} ${f(r.upstream.cpuMsMean).padStart(10)} ${(r.ours.cpuMsMean / r.upstream.cpuMsMean).toFixed(2).padStart(6)} ` +
        `${(r.ours.cpuMsMean / first).toFixed(2).padStart(6)}   ${f(r.ours.wallMsMin)} /${f(r.ours.wallMsMedian)}   ${f(r.upstream.wallMsMin)} /${f(r.upstream.wallMsMedian)}   ` +
        `${share(r.ours, r.n).padStart(10)} ${share(r.upstream, r.n).padStart(12)}   ${r.load}`,
    ),
    // One vCPU cannot spend more CPU than wall time: when it does, the guest's tick-based accounting
    // was fed timer ticks in bursts by a loaded host (TCG), and only the wall columns mean anything.
    ...(rows.some((r) => r.ours.cpuMsMean > 1.1 * r.ours.wallMsMedian || r.upstream.cpuMsMean > 1.1 * r.upstream.wallMsMedian)
      ? [
          'WARNING: CPU > wall on a 1-vCPU guest: the guest CPU accounting is unreliable in this run (host too loaded); compare wall medians',
        ]
      : []),
    `total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  ].join('\n'),
);
