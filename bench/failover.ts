// make bench-failover: failover times of the whole stack under real Pacemaker, ocfkit's agents vs
// the upstream ones with the same configuration, in the same run, on one of two clusters:
//   --cluster namespace  test/cluster/: 2 or 3 nodes in network namespaces, shared storage (a loop
//                        device), ocf:ocfkit:Filesystem + IPaddr2 vs ocf:heartbeat:Filesystem + IPaddr2
//   --cluster vm         test/vm/cluster/: 2 qemu VMs with real DRBD 8.4 under the file system,
//                        ocf:ocfkit:drbd + Filesystem + IPaddr2 vs ocf:linbit:drbd +
//                        ocf:heartbeat:Filesystem + IPaddr2; node-kill kills the VM
//   --cluster vm9        the same with 3 qemu VMs and real DRBD 9 (quorum majority, on-no-quorum
//                        io-error: test/vm/lab.sh's DRBD 9 resource), corosync token 5 s
//
//   node scripts/run-ts.mjs bench/failover.ts [--cluster namespace|vm|vm9] [--runs 5] [--nodes 2|3]
//                                             [--token MS] [--scenarios node-kill,standby,fs-failure,vip-failure]
//                                             [--kill-dc no|yes] [--json FILE]
// (or BENCH_CLUSTER, BENCH_RUNS, BENCH_NODES, BENCH_TOKEN_MS, BENCH_SCENARIOS, BENCH_KILL_DC, BENCH_JSON).
// Needs root; ocfkit installed (namespace) or built (vm, after test/vm/setup.sh).
//
// One cluster; both configurations come from `ocfkit crm generate` (--provider ocfkit and
// heartbeat) and are loaded in turn over each other, alternating which goes first in each round.
// Per scenario and provider, the median of the runs of:
//   detection        fault -> Pacemaker's alert (a survivor loses the node / a monitor fails);
//                    failures in place are injected at a random point of the monitor interval;
//                    the node killed is not the DC (the service is moved first if needed) unless
//                    --kill-dc yes: killing the DC adds a DC election, whatever the agents
//   service back     fault -> first answer through the VIP from a new service instance
//   after detection  service back - detection: what fencing, the scheduler, the agents and the
//                    service start add to corosync's (or the monitor's) detection
//   agent ops        time spent in the compared agents' start, stop, promote and demote operations
//                    in between (DRBD, Filesystem, IPaddr2; Pacemaker's exec-time of each)
// Every run also checks that no acknowledged counter value was lost.
import { writeFileSync } from 'node:fs';
import { startCluster, type Cluster } from '../test/cluster/nodes.js';
import { generateStack, loadStack, ocfkitUnavailable, type Provider, type Stack } from '../test/cluster/stack.js';
import {
  checkCounter,
  cleanup,
  activeNode,
  DESCRIPTIONS,
  detectionMs,
  recoveryMs,
  runScenario,
  SCENARIOS,
  type Outcome,
  type Scenario,
} from '../test/cluster/scenarios.js';
import { startVmCluster } from '../test/vm/cluster/vm-cluster.js';
import { vmUnavailable } from '../test/vm/lab.js';

function option(name: string, env: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : (process.env[env] ?? fallback);
}

const kind = option('cluster', 'BENCH_CLUSTER', 'namespace');
if (kind !== 'namespace' && kind !== 'vm' && kind !== 'vm9') throw new Error('--cluster must be namespace, vm or vm9');
const inVms = kind !== 'namespace';
const runs = Number(option('runs', 'BENCH_RUNS', '5'));
const nodes = kind === 'vm' ? 2 : kind === 'vm9' ? 3 : Number(option('nodes', 'BENCH_NODES', '2'));
// emulated VMs on two cores: a starved VM must not look dead (three of them starve more)
const tokenMs = Number(option('token', 'BENCH_TOKEN_MS', kind === 'vm9' ? '5000' : kind === 'vm' ? '3000' : '1000'));
const scenarios = option('scenarios', 'BENCH_SCENARIOS', SCENARIOS.join(',')).split(',') as Scenario[];
const jsonFile = option('json', 'BENCH_JSON', '');
const killDc = option('kill-dc', 'BENCH_KILL_DC', 'no') === 'yes';
if (nodes !== 2 && nodes !== 3) throw new Error('--nodes must be 2 or 3');
for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s} (${SCENARIOS.join(', ')})`);
const unavailable = inVms ? vmUnavailable() : ocfkitUnavailable();
if (unavailable) throw new Error(unavailable);

const median = (values: number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const seconds = (value: number | undefined) => (value === undefined ? '-' : `${(value / 1000).toFixed(2)} s`);
const ratio = (ours: number | undefined, upstream: number | undefined) =>
  ours === undefined || upstream === undefined || upstream === 0 ? '-' : (ours / upstream).toFixed(2);
const opsMs = (o: Outcome, stack: Stack) =>
  [stack.ids.fs, stack.ids.vip, stack.ids.drbd].reduce((sum, id) => sum + (id ? (o.operationMs[id] ?? 0) : 0), 0);

const started = Date.now();
const cluster: Cluster = inVms
  ? await startVmCluster({ tokenMs, drbd: kind === 'vm9' ? '9' : '8.4' })
  : await startCluster({ nodes, tokenMs });
const outcomes: Array<{ outcome: Outcome; stack: Stack }> = [];
const problems: string[] = [];
let stacks: Record<Provider, Stack> | undefined;
let failure: unknown;
try {
  await cluster.configureAlerts();
  stacks = { ocfkit: await generateStack(cluster, 'ocfkit'), upstream: await generateStack(cluster, 'upstream') };
  process.stderr.write(`${cluster.id}: ${nodes} nodes up in ${seconds(cluster.startupMs)}\n`);
  let loaded: Provider | undefined;
  for (let round = 1; round <= runs; round++) {
    const order: Provider[] = round % 2 === 1 ? ['ocfkit', 'upstream'] : ['upstream', 'ocfkit'];
    for (const provider of order) {
      const stack = stacks[provider];
      if (loaded !== provider) {
        await loadStack(cluster, stack, nodes > 2 && inVms ? 420_000 : 240_000, { replacing: loaded !== undefined });
        loaded = provider;
      }
      for (const scenario of scenarios) {
        const outcome = await runScenario(cluster, stack, scenario, {
          randomPhase: true,
          killDc,
          ...(inVms ? { timeoutMs: nodes > 2 ? 300_000 : 240_000 } : {}),
        });
        if (scenario === 'fs-failure' || scenario === 'vip-failure') await cleanup(cluster, stack, outcome.to);
        const check = await checkCounter(cluster, stack, await activeNode(cluster, stack));
        if (check.lost > 0 || check.firstGap !== undefined)
          problems.push(`${provider} ${scenario} run ${round}: ${check.lost} acknowledged values lost, first gap at ${check.firstGap}`);
        outcomes.push({ outcome, stack });
        // every run on disk at once: a long VM run that is interrupted keeps what it measured
        if (jsonFile)
          writeFileSync(
            jsonFile,
            `${JSON.stringify({ cluster: kind, nodes, tokenMs, runs, partial: true, outcomes: outcomes.map((o) => o.outcome) }, null, 2)}\n`,
          );
        process.stderr.write(
          `.. run ${round} ${provider.padEnd(8)} ${scenario.padEnd(11)} node${outcome.from}${outcome.killedDc ? ' (DC)' : ''} -> node${outcome.to}: ` +
            `detection ${seconds(detectionMs(outcome))}, service back ${seconds(recoveryMs(outcome))}, agent ops ${seconds(opsMs(outcome, stack))}\n`,
        );
      }
    }
  }
} catch (error) {
  failure = error; // still print what was measured
} finally {
  await cluster.destroy();
}
if (!stacks) throw failure;

// ---------------------------------------------------------------------------------------------
const token = `corosync token ${tokenMs} ms, consensus ${Math.round(tokenMs * 1.2)} ms`;
const where =
  kind === 'namespace'
    ? 'in network namespaces on shared storage'
    : `in qemu VMs (TCG) with DRBD ${kind === 'vm9' ? '9 (quorum majority)' : '8.4'} under the file system`;
const lines = [
  `Failover on a ${nodes}-node Pacemaker cluster ${where} (${token}); median of ${runs} runs per side;`,
  `node-kill kills ${killDc ? 'the DC' : 'a node that is not the DC'}; failures in place come at a random point of the monitor interval;`,
  'ratio = ocfkit / upstream (below 1: ocfkit is faster). Configurations from `ocfkit crm generate`',
  `(--provider ocfkit / heartbeat), monitor intervals from the agents' meta-data:`,
];
for (const provider of ['ocfkit', 'upstream'] as const) {
  const s = stacks;
  lines.push(
    `  ${provider.padEnd(8)}: ${[s[provider].agents.drbd, s[provider].agents.fs, s[provider].agents.vip, s[provider].agents.service].filter(Boolean).join(', ')}`,
  );
}
for (const note of stacks.ocfkit.notes) lines.push(`  note: ${note}`);
lines.push('');
const header = ['scenario', 'agents', 'detection', 'service back', 'after detection', 'agent ops'];
const widths = [12, 9, 10, 13, 16, 11];
const row = (cells: string[]) => cells.map((cell, k) => (k < 2 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join(' ');
lines.push(row(header));
const summary: Record<string, Record<string, number | undefined>> = {};
for (const scenario of scenarios) {
  const stats = (provider: Provider) => {
    const mine = outcomes.filter(({ outcome }) => outcome.scenario === scenario && outcome.provider === provider);
    const detections = mine.map(({ outcome }) => detectionMs(outcome)).filter((v): v is number => v !== undefined);
    return {
      detection: median(detections),
      back: median(mine.map(({ outcome }) => recoveryMs(outcome))),
      after: median(
        mine.filter(({ outcome }) => outcome.detectedAt !== undefined).map(({ outcome }) => outcome.answeredAt - outcome.detectedAt!),
      ),
      ops: median(mine.map(({ outcome, stack }) => opsMs(outcome, stack))),
    };
  };
  const ours = stats('ocfkit');
  const upstream = stats('upstream');
  summary[scenario] = {
    ...Object.fromEntries(Object.entries(ours).map(([k, v]) => [`ocfkit_${k}`, v])),
    ...Object.fromEntries(Object.entries(upstream).map(([k, v]) => [`upstream_${k}`, v])),
  };
  lines.push(row([scenario, 'ocfkit', seconds(ours.detection), seconds(ours.back), seconds(ours.after), seconds(ours.ops)]));
  lines.push(row(['', 'upstream', seconds(upstream.detection), seconds(upstream.back), seconds(upstream.after), seconds(upstream.ops)]));
  lines.push(
    row([
      '',
      'ratio',
      ratio(ours.detection, upstream.detection),
      ratio(ours.back, upstream.back),
      ratio(ours.after, upstream.after),
      ratio(ours.ops, upstream.ops),
    ]),
  );
}
lines.push('');
const description = (scenario: Scenario) =>
  inVms && scenario === 'node-kill' ? "SIGKILL of the active VM's qemu (a power loss)" : DESCRIPTIONS[scenario];
for (const scenario of scenarios) lines.push(`  ${scenario.padEnd(11)}: ${description(scenario)}`);
lines.push(
  `Total ${seconds(Date.now() - started)}. ${problems.length === 0 ? 'No acknowledged write was lost in any run.' : `PROBLEMS:\n  ${problems.join('\n  ')}`}`,
);
if (failure)
  lines.push(`THE BENCHMARK STOPPED EARLY (the medians above are of the runs before): ${(failure as Error).stack ?? String(failure)}`);
console.log(lines.join('\n'));
if (jsonFile)
  writeFileSync(
    jsonFile,
    `${JSON.stringify({ cluster: kind, nodes, tokenMs, runs, summary, outcomes: outcomes.map(({ outcome }) => outcome) }, null, 2)}\n`,
  );
if (problems.length > 0 || failure) process.exitCode = 1;
