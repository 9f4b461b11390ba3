// The cost of a DRBD `monitor` on real DRBD 8.4: ours (dist/agents/drbd) vs upstream
// ocf:linbit:drbd (/usr/lib/ocf/resource.d/linbit/drbd), same environment, same VM, same state,
// in the same run, alternating (the order flips every round).
//
//   node scripts/run-ts.mjs bench/drbd-vm.ts [--runs 20] [--json FILE]     (or BENCH_RUNS, BENCH_JSON)
//
// Needs root, test/vm/setup.sh once, and a build (node scripts/build.mjs) before it. Boots the two
// VMs of test/vm (~10 s), creates meta data, brings r0 up on both, lets node1 sync it as Primary,
// then measures on node1 (Primary, Connected, UpToDate/UpToDate) and on node2 (Secondary, same),
// one node after the other; tears the lab down.
//
// Each run is timed inside the VM by bash's `time` keyword around the agent's process: wall
// (%R) and CPU = user + sys (%U + %S) of the agent and every child it waited for (drbdsetup,
// crm_attribute / crm_master, ...). Pacemaker is not there: the promotion score goes to
// test/vm/stubs/crm_attribute (a shell script keeping it in a file on the VM's tmpfs), which both
// agents call, so a real crm_attribute's cost (a CIB connection) is left out for both. Times are
// those of a qemu TCG guest (1 vCPU, emulated: several times a real machine's); the ratio is the
// number that carries over. The environment is Pacemaker 2.1's for a recurring monitor of a
// promotable clone with notify (OCF_RA_VERSION 1.1, CRM_meta_interval, clone/promoted max, ...).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { agentAndSyncedR0, monitorEnv } from './drbd-lab.js';
import { Lab, NODES, PROJECT, shq, vmUnavailable, type NodeId } from '../test/vm/lab.js';

function option(name: string, env: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : (process.env[env] ?? fallback);
}
const runs = Number(option('runs', 'BENCH_RUNS', '20'));
const jsonFile = option('json', 'BENCH_JSON', '');
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');

const OURS = `${PROJECT}/dist/agents/drbd`;
const UPSTREAM = '/usr/lib/ocf/resource.d/linbit/drbd';
const unavailable = vmUnavailable();
if (unavailable) throw new Error(`the DRBD VM lab cannot run: ${unavailable}`);
if (!existsSync(OURS)) throw new Error(`${OURS} is missing: run node scripts/build.mjs first`);

interface Run {
  wallMs: number;
  cpuMs: number;
  code: number;
  score: string;
}
interface Stats {
  runs: number;
  wallMsMin: number;
  wallMsMedian: number;
  cpuMsMean: number;
  codes: number[];
  scores: string[];
}
interface NodeResult {
  node: string;
  state: string;
  ours: Stats;
  upstream: Stats;
  cpuRatio: number;
  wallMedianRatio: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const stats = (rs: Run[]): Stats => ({
  runs: rs.length,
  wallMsMin: Math.min(...rs.map((r) => r.wallMs)),
  wallMsMedian: median(rs.map((r) => r.wallMs)),
  cpuMsMean: rs.reduce((a, r) => a + r.cpuMs, 0) / rs.length,
  codes: [...new Set(rs.map((r) => r.code))],
  scores: [...new Set(rs.map((r) => r.score))],
});

/** The guest script: `runs` rounds, ours and upstream in each, the order flipping every round. */
function benchScript(n: NodeId): string {
  const interval = n === 1 ? 10000 : 20000; // the Promoted / Unpromoted monitor intervals of both agents
  const env = monitorEnv(`node${n}`, interval);
  return `${Object.entries(env)
    .map(([k, v]) => `export ${k}=${shq(v)}`)
    .join('\n')}
mkdir -p /run/stub
TIMEFORMAT='%R %U %S'
one() {  # one NAME AGENT: "NAME rc score wall user sys"
  local t rc
  t=$( { time "$2" monitor > /dev/null 2> /run/bench.err; } 2>&1 ); rc=$?
  echo "$1 $rc $(cat /run/stub/promotion-score 2> /dev/null || echo -) $t"
}
# warm-up (page cache, the first run of node and bash), not measured
for i in 1 2; do one ours ${shq(OURS)} > /dev/null; one upstream ${shq(UPSTREAM)} > /dev/null; done
for ((i = 0; i < ${runs}; i++)); do
  if ((i % 2 == 0)); then one ours ${shq(OURS)}; one upstream ${shq(UPSTREAM)}
  else one upstream ${shq(UPSTREAM)}; one ours ${shq(OURS)}; fi
done`;
}

const t0 = Date.now();
const lab = await Lab.up();
const results: NodeResult[] = [];
try {
  process.stderr.write(
    `lab up in ${((Date.now() - t0) / 1000).toFixed(1)}s; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  // one build for the whole run (through the uncached /ctl share), bind-mounted over its own path
  const bytes = readFileSync(OURS);
  const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  // r0 up, connected and in sync, node1 Primary
  await agentAndSyncedR0(lab, OURS, bytes);
  process.stderr.write(
    `r0 connected and in sync after ${((Date.now() - t0) / 1000).toFixed(1)}s; ours ${OURS} (sha256 ${sha}) vs ${UPSTREAM}\n`,
  );

  for (const n of NODES) {
    const s = await lab.drbdState(n);
    const state = `${s.role} ${s.cstate} ${s.dstate}`;
    process.stderr.write(`.. node${n} (${state}): ${runs} runs each\n`);
    const r = await lab.sh(n, benchScript(n), { timeout: 60 + runs * 60 });
    if (r.code !== 0) throw new Error(`node${n}: the benchmark script exited ${r.code}: ${r.stderr}`);
    const parsed = r.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, code, score, real, user, sys] = line.split(' ');
        return {
          name,
          run: { wallMs: Number(real) * 1000, cpuMs: (Number(user) + Number(sys)) * 1000, code: Number(code), score: score ?? '?' },
        };
      });
    const ours = stats(parsed.filter((p) => p.name === 'ours').map((p) => p.run));
    const upstream = stats(parsed.filter((p) => p.name === 'upstream').map((p) => p.run));
    const want = n === 1 ? 8 : 0;
    for (const [who, st] of [
      ['ours', ours],
      ['upstream', upstream],
    ] as const) {
      if (st.runs !== runs || st.codes.length !== 1 || st.codes[0] !== want || st.scores.join() !== '10000') {
        throw new Error(`node${n} ${who}: expected ${runs} runs with exit ${want} and score 10000, got ${JSON.stringify(st)}`);
      }
    }
    results.push({
      node: `node${n}`,
      state,
      ours,
      upstream,
      cpuRatio: ours.cpuMsMean / upstream.cpuMsMean,
      wallMedianRatio: ours.wallMsMedian / upstream.wallMsMedian,
    });
  }
} finally {
  await lab.down();
}

const f = (ms: number) => ms.toFixed(0).padStart(6);
const lines = [
  `DRBD 8.4 monitor in a qemu TCG VM: ours (${OURS}) vs upstream ocf:linbit:drbd, ${runs} runs each, alternating`,
  `CPU = user+sys mean per run (ms); wall = min / median (ms); ratio = ours / upstream; load average now ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
  `${'node (state)'.padEnd(52)} ${'ours CPU'.padStart(8)} ${'ups CPU'.padStart(8)} ${'ratio'.padStart(6)}   ${'ours wall'.padStart(13)}   ${'ups wall'.padStart(13)}   ${'wall med ratio'.padStart(14)}`,
  ...results.map(
    (r) =>
      `${`${r.node} (${r.state})`.padEnd(52)} ${f(r.ours.cpuMsMean).padStart(8)} ${f(r.upstream.cpuMsMean).padStart(8)} ${r.cpuRatio.toFixed(2).padStart(6)}` +
      `   ${f(r.ours.wallMsMin)} /${f(r.ours.wallMsMedian)}   ${f(r.upstream.wallMsMin)} /${f(r.upstream.wallMsMedian)}   ${r.wallMedianRatio.toFixed(2).padStart(14)}`,
  ),
  `total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
];
console.log(lines.join('\n'));
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ runs, results }, null, 2)}\n`);
