// Failure scenarios on the namespace cluster, each with its timing, shared by
// test/cluster/failover.test.ts (which asserts) and bench/failover.ts (which measures).
//
// Times come from three independent witnesses on the same clock:
//   fault        the harness, right after it injected the failure;
//   detection    Pacemaker's own alert (test/cluster/alert.sh): a survivor's "node lost" for a
//                dead node, the failed monitor for a failure in place;
//   service back the probe in the hub namespace (probe.mjs): the first answer through the VIP
//                from a service instance started after the fault (a new process, possibly on
//                another node), i.e. what a client sees.

import type { Cluster } from './nodes.js';
import { waitUntil, type Stack } from './stack.js';

export type Scenario = 'node-kill' | 'standby' | 'fs-failure' | 'vip-failure';

export const SCENARIOS: readonly Scenario[] = ['node-kill', 'standby', 'fs-failure', 'vip-failure'];

export const DESCRIPTIONS: Record<Scenario, string> = {
  'node-kill': 'kill -9 corosync + pacemakerd (+ subdaemons) of the active node',
  standby: 'crm_standby -N <active node> -v on',
  'fs-failure': 'umount -l of the file system under the Filesystem resource',
  'vip-failure': 'ip addr del of the VIP under the IPaddr2 resource',
};

export interface Outcome {
  scenario: Scenario;
  provider: string;
  /** node number where the group ran before, and after. */
  from: number;
  to: number;
  faultAt: number;
  /** When Pacemaker noticed (undefined for a switchover: there is nothing to notice). */
  detectedAt?: number;
  /** When the survivor fenced the dead node (node-kill). */
  fencedAt?: number;
  /** node-kill: whether the killed node was the DC (then the survivors first elect a new one). */
  killedDc?: boolean;
  /** First answer through the VIP from a service instance started after the fault. */
  answeredAt: number;
  /** The instance that answered (nodeN.PID.START_MS). */
  instance: string;
  /**
   * Milliseconds spent in start, stop, promote and demote operations between fault and answer, by resource id
   * (Pacemaker's exec-time of each operation): what the agents themselves cost the recovery.
   */
  operationMs: Record<string, number>;
}

export const detectionMs = (o: Outcome): number | undefined => (o.detectedAt === undefined ? undefined : o.detectedAt - o.faultAt);
export const recoveryMs = (o: Outcome): number => o.answeredAt - o.faultAt;

const nodeNumber = (name: string): number => Number(name.replace(/^node/, ''));

/** The node number where the stack's service runs now (from node `observer`'s view). */
export async function activeNode(cluster: Cluster, stack: Stack, observer = 1): Promise<number> {
  const status = await cluster.waitForStatus(observer, `${stack.ids.group} running on one node`, (s) => {
    const ids = [stack.ids.fs, stack.ids.vip, stack.ids.service];
    const nodes = ids.map((id) => s.resources.get(id));
    return (
      nodes.every((r) => r?.active && r.role === 'Started' && r.nodes.length === 1) && new Set(nodes.map((r) => r!.nodes[0])).size === 1
    );
  });
  return nodeNumber(status.resources.get(stack.ids.service)!.nodes[0]!);
}

/** A node other than `node` that is up, to observe from. */
export function otherNode(cluster: Cluster, node: number): number {
  for (let i = 1; i <= cluster.size; i++) if (i !== node && cluster.isUp(i)) return i;
  throw new Error(`no node but node${node} is up`);
}

/** Waits until Pacemaker has nothing left to do (crm_resource --wait), as node `observer` sees it. */
export async function settle(cluster: Cluster, observer: number, timeoutS = 120): Promise<void> {
  await cluster.runOk(observer, 'crm_resource', ['--wait', `--timeout=${timeoutS}s`], { timeoutMs: (timeoutS + 10) * 1000 });
}

/** The first probe answer from an instance started after `since` (and not on `notOn`). */
async function waitForNewInstance(
  cluster: Cluster,
  since: number,
  timeoutMs: number,
  notOn?: number,
): Promise<{ time: number; instance: string }> {
  let found: { time: number; instance: string } | undefined;
  await waitUntil(
    'the service to answer through the VIP from a new instance',
    () => {
      for (const sample of cluster.samples()) {
        if (!sample.ok || sample.time < since) continue;
        const [node, , start] = sample.instance!.split('.');
        if (Number(start) < since || (notOn !== undefined && node === `node${notOn}`)) continue;
        if (!found || sample.time < found.time) found = { time: sample.time, instance: sample.instance! };
      }
      return found !== undefined;
    },
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${cluster.logs(25)}`);
  });
  return found!;
}

/** Pacemaker's first alert after `since` that matches. */
function firstAlert(
  cluster: Cluster,
  since: number,
  match: (fields: Record<string, string>, kind: string, reporter: string) => boolean,
): number | undefined {
  // Alert times have the kernel's coarse clock resolution (4 ms here): allow for it.
  return cluster
    .alerts()
    .filter((a) => a.time >= since - 10 && match(a.fields, a.kind, a.reporter))
    .map((a) => a.time)
    .sort((a, b) => a - b)[0];
}

async function waitForAlert(
  cluster: Cluster,
  since: number,
  match: Parameters<typeof firstAlert>[2],
  timeoutMs = 10_000,
): Promise<number | undefined> {
  let at: number | undefined;
  await waitUntil('the alert', () => (at = firstAlert(cluster, since, match)) !== undefined, timeoutMs).catch(() => undefined);
  return at;
}

export interface RunOptions {
  /** Give up waiting for the service after this long; default 120 s. */
  timeoutMs?: number;
  /** node-kill: boot the killed node again and wait until it is back in the cluster (default true). */
  restart?: boolean;
  /**
   * fs-failure, vip-failure: wait a random time up to the resource's monitor interval before the
   * fault, so that the detection time samples the monitor's phase instead of repeating whatever
   * phase the previous steps happened to leave (default false).
   */
  randomPhase?: boolean;
  /**
   * node-kill: first move the service (crm_resource --move, then --clear) so that the node killed
   * is (true) or is not (false) the DC; undefined: kill wherever it runs. Killing the DC adds a DC
   * election before the survivors act, which has nothing to do with the agents.
   */
  killDc?: boolean;
}

/**
 * Injects one failure on the node that runs the service, waits until the service answers again,
 * and puts the cluster back into a clean state (victim rebooted, standby cleared, fail counts
 * cleaned up), so scenarios can follow each other. Returns what happened when.
 */
export async function runScenario(cluster: Cluster, stack: Stack, scenario: Scenario, options: RunOptions = {}): Promise<Outcome> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  if (scenario === 'node-kill' && options.killDc !== undefined) await placeRelativeToDc(cluster, stack, options.killDc);
  const from = await activeNode(cluster, stack);
  const dcBefore = (await cluster.status(otherNode(cluster, from)))?.dc;
  const observer = otherNode(cluster, from);
  const owner = `node${from}`;
  let faultAt: number;
  let detectedAt: number | undefined;
  let fencedAt: number | undefined;
  let answer: { time: number; instance: string };

  switch (scenario) {
    case 'node-kill': {
      faultAt = cluster.killStack(from);
      answer = await waitForNewInstance(cluster, faultAt, timeoutMs, from);
      detectedAt = await waitForAlert(
        cluster,
        faultAt,
        (f, kind, reporter) => kind === 'node' && f.node === owner && f.desc === 'lost' && reporter !== owner,
      );
      fencedAt = cluster
        .fenceLog()
        .map((line) => line.split(' '))
        .filter(([time, , , port]) => Number(time) * 1000 >= faultAt && port === `${owner}:`)
        .map(([time]) => Math.round(Number(time) * 1000))[0];
      if (options.restart ?? true) {
        await waitUntil(`${owner} to be powered off by fencing`, () => !cluster.isUp(from), 30_000);
        await cluster.startNode(from);
        await cluster.waitOnline(
          observer,
          Array.from({ length: cluster.size }, (_, k) => k + 1),
        );
        await cluster.waitStorageWhole?.();
      }
      break;
    }
    case 'standby': {
      faultAt = Date.now();
      await cluster.runOk(observer, 'crm_standby', ['-N', owner, '-v', 'on']);
      answer = await waitForNewInstance(cluster, faultAt, timeoutMs, from);
      await settle(cluster, observer);
      await cluster.runOk(observer, 'crm_standby', ['-N', owner, '-D']);
      break;
    }
    case 'fs-failure':
    case 'vip-failure': {
      const rsc = scenario === 'fs-failure' ? stack.ids.fs : stack.ids.vip;
      if (options.randomPhase) await new Promise((resolve) => setTimeout(resolve, Math.random() * (stack.monitorMs[rsc] ?? 0)));
      const { mountPoint, vip, prefixLength, nic } = stack.site;
      if (scenario === 'fs-failure') await cluster.runOk(from, 'umount', ['-l', mountPoint]);
      else await cluster.runOk(from, 'ip', ['addr', 'del', `${vip}/${prefixLength}`, 'dev', nic]);
      faultAt = Date.now();
      answer = await waitForNewInstance(cluster, faultAt, timeoutMs);
      detectedAt = await waitForAlert(
        cluster,
        faultAt,
        (f, kind) => kind === 'resource' && f.rsc === rsc && f.task === 'monitor' && f.rc !== f.target_rc,
      );
      break;
    }
  }
  await settle(cluster, observer);
  const to = nodeNumber(answer.instance.split('.')[0]!);
  const operationMs: Record<string, number> = {};
  for (const alert of cluster.alerts()) {
    if (
      alert.kind !== 'resource' ||
      alert.time < faultAt ||
      alert.time > answer.time ||
      !['start', 'stop', 'promote', 'demote'].includes(alert.fields.task!)
    )
      continue;
    operationMs[alert.fields.rsc!] = (operationMs[alert.fields.rsc!] ?? 0) + Number(alert.fields.exec_ms ?? 0);
  }
  return {
    scenario,
    provider: stack.provider,
    from,
    to,
    faultAt,
    ...(detectedAt !== undefined ? { detectedAt } : {}),
    ...(fencedAt !== undefined ? { fencedAt } : {}),
    ...(scenario === 'node-kill' ? { killedDc: dcBefore === owner } : {}),
    answeredAt: answer.time,
    instance: answer.instance,
    operationMs,
  };
}

/** Moves the service (if needed) onto the DC (onDc) or onto a node that is not the DC. */
async function placeRelativeToDc(cluster: Cluster, stack: Stack, onDc: boolean): Promise<void> {
  const active = await activeNode(cluster, stack);
  const dc = (await cluster.status(active))?.dc;
  if (dc === undefined || (dc === `node${active}`) === onDc) return;
  const target = onDc ? dc : `node${otherNode(cluster, nodeNumber(dc))}`;
  const since = Date.now();
  await cluster.runOk(active, 'crm_resource', ['--move', '-r', stack.ids.group, '-N', target]);
  await cluster.waitForStatus(
    active,
    `${stack.ids.group} on ${target}`,
    (s) => s.resources.get(stack.ids.service)?.nodes.join() === target,
  );
  await cluster.runOk(active, 'crm_resource', ['--clear', '-r', stack.ids.group]);
  await settle(cluster, active);
  await waitForNewInstance(cluster, since, 60_000, active);
}

/** Clears fail counts and failed operations of the stack (after a failure in place). */
export async function cleanup(cluster: Cluster, stack: Stack, observer = 1): Promise<void> {
  await cluster.runOk(observer, 'crm_resource', ['--cleanup', '-r', stack.ids.group]);
  await settle(cluster, observer);
}

export interface CounterCheck {
  /** Number of values on the disk (they must be 1..count, in order). */
  count: number;
  /** Where the values stop being 1, 2, 3, ... (undefined: no gap). */
  firstGap?: number;
  /** The highest value any instance acknowledged (fsync returned) before the check. */
  maxAcknowledged: number;
  /** Acknowledged values that are not on the disk. */
  lost: number;
}

/**
 * Reads what the counter acknowledged (outside the cluster's file system) and then the counter
 * file as node `node` sees it on its mounted file system.
 */
export async function checkCounter(cluster: Cluster, stack: Stack, node: number): Promise<CounterCheck> {
  const maxAcknowledged = Math.max(0, ...cluster.acknowledged().values());
  const text = (await cluster.runOk(node, 'cat', [stack.site.dataFile])).stdout;
  const values = text.split('\n').filter(Boolean).map(Number);
  const gap = values.findIndex((value, k) => value !== k + 1);
  const present = new Set(values);
  let lost = 0;
  for (let value = 1; value <= maxAcknowledged; value++) if (!present.has(value)) lost++;
  return { count: values.length, ...(gap >= 0 ? { firstGap: gap + 1 } : {}), maxAcknowledged, lost };
}
