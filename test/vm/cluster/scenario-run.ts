// The VM cluster scenarios' common part: each test/vm/cluster-*.test.ts file boots its own VM
// cluster (test/vm/cluster/vm-cluster.ts), brings up what `ocfkit crm generate --provider ocfkit`
// prints, and runs a few scenarios as steps. The scenarios live in three files, not one, so that
// each file stays well inside its time budget on a loaded CI machine (one file with every scenario
// took 13.6 min of tap's 900 s limit on a quiet machine, and was killed on a slower one).
//
// Every step ends with the service answering through the VIP from the node DRBD is Promoted on, and
// no acknowledged value missing from the disk.
import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vmLabReady, PROJECT, RES, DEVICE, type NodeId } from '../lab.js';
import { startVmCluster, MOUNT, VIP, type VmCluster } from './vm-cluster.js';
import { generateStack, loadStack, waitUntil, type Stack } from '../../cluster/stack.js';
import { activeNode, checkCounter, detectionMs, recoveryMs, type Outcome } from '../../cluster/scenarios.js';
import { promotedNodes, type ClusterStatus } from '../../cluster/nodes.js';
import { declareBudget } from '../../helpers/budget.js';
import { steps } from '../../helpers/steps.js';

export const CLONE = `drbd-${RES}-clone`;
export const FENCE_CONSTRAINT = `drbd-fence-by-handler-${RES}-${CLONE}`;
export const ms = (value: number | undefined) => (value === undefined ? '-' : `${(value / 1000).toFixed(1)} s`);
export const other = (n: number): NodeId => (n === 1 ? 2 : 1);

export interface ScenarioRun {
  readonly cluster: VmCluster;
  /** A step after the stack came up; it ends with the stack running and nothing lost. */
  scenario(title: string, run: (t: Test, stack: Stack) => Promise<void>): Promise<void>;
}

/**
 * Boots the VM cluster and brings the generated stack up (the first step), within a time budget
 * of `budgetS` seconds for the whole file; undefined when the lab cannot run (the test failed).
 */
export async function startScenarioRun(budgetS: number, options: { drbd?: '8.4' | '9' } = {}): Promise<ScenarioRun | undefined> {
  const budget = declareBudget(t, budgetS);
  const missing = ['drbd', 'Filesystem', 'IPaddr2']
    .map((a) => `${PROJECT}/dist/agents/${a}`)
    .concat(`${PROJECT}/dist/bin/ocfkit.mjs`)
    .filter((f) => !existsSync(f));
  if (missing.length > 0) {
    t.fail(`missing: ${missing.join(', ')}: build first (node scripts/build.mjs)`);
    return undefined;
  }
  if (!vmLabReady(t)) return undefined;
  const booting = Date.now();
  const cluster = await startVmCluster(options);
  t.teardown(() => cluster.destroy());
  t.comment(`VM cluster online, DRBD initialised, in ${ms(cluster.startupMs)}; ${budget.report(booting)}`);
  await cluster.configureAlerts();

  const step = steps(t, { budget, onFailure: (failed) => void failed.comment(cluster.logs(30)) });

  let stack: Stack | undefined;
  await step('the generated ocfkit stack comes up: DRBD Promoted + Unpromoted, mounted, VIP, service', async (t) => {
    stack = await generateStack(cluster, 'ocfkit');
    t.comment(`generated:\n${stack.crm}`);
    t.same(
      stack.agents,
      { fs: 'ocf:ocfkit:Filesystem', vip: 'ocf:ocfkit:IPaddr2', service: 'ocf:heartbeat:anything', drbd: 'ocf:ocfkit:drbd' },
      'our agents',
    );
    t.match(stack.crm, /^primitive fence-vmlab stonith:fence_vmlab /m, 'real fencing');
    if (cluster.drbd === '8.4') {
      t.match(cluster.drbdRes, /fencing resource-only;/, `${RES}.res: fencing resource-only`);
      t.match(cluster.drbdRes, /fence-peer "\/usr\/lib\/drbd\/crm-fence-peer\.sh";/, `${RES}.res: crm-fence-peer.sh`);
      t.match(cluster.drbdRes, /after-resync-target "\/usr\/lib\/drbd\/crm-unfence-peer\.sh";/, `${RES}.res: crm-unfence-peer.sh`);
    } else {
      t.match(cluster.drbdRes, /quorum majority;\s+on-no-quorum io-error;/, `${RES}.res: quorum majority, on-no-quorum io-error`);
      t.notMatch(cluster.drbdRes, /^ *(fencing|handlers)\b|fence-peer "/m, `${RES}.res: quorum instead of DRBD fencing and its handlers`);
    }
    // three emulated VMs share two cores: every start, promote and notify of a three-node clone
    // takes longer than with two
    const owner = await loadStack(cluster, stack, cluster.size > 2 ? 420_000 : undefined);
    t.comment(`running on ${owner}`);
    await assertRunsOn(t, cluster, stack, Number(owner.slice(4)) as NodeId);
    t.equal(cluster.fences.length, 0, 'nobody fenced');
  });

  return {
    cluster,
    scenario: async (title, run) => {
      await step(title, async (t) => {
        if (!stack) throw new Error('the stack did not come up');
        await run(t, stack);
        const node = await activeNode(cluster, stack);
        await assertRunsOn(t, cluster, stack, node as NodeId);
        await assertNothingLost(t, cluster, stack, node);
      });
    },
  };
}

export function describe(o: Outcome): string {
  return `node${o.from} -> node${o.to}: detected ${ms(detectionMs(o))}, ${o.fencedAt ? `fenced ${ms(o.fencedAt - o.faultAt)}, ` : ''}service answering ${ms(recoveryMs(o))} after the fault`;
}

/** The one node where DRBD is Promoted (undefined: nowhere, or more than one). */
export function promotedOn(s: ClusterStatus): string | undefined {
  const nodes = promotedNodes(s, `drbd-${RES}`);
  return nodes.length === 1 ? nodes[0] : undefined;
}

export function latestInstance(cluster: VmCluster): string | undefined {
  return cluster
    .samples()
    .filter((s) => s.ok)
    .at(-1)?.instance;
}

/** Waits until crm-fence-peer.sh's constraint is in the CIB (present) or gone; returns its XML. */
export async function waitForConstraint(cluster: VmCluster, observer: NodeId, present: boolean): Promise<string> {
  let xml = '';
  await waitUntil(
    `the constraint ${FENCE_CONSTRAINT} ${present ? 'in' : 'out of'} the CIB`,
    async () => {
      const r = await cluster.run(observer, 'cibadmin', ['-Q', '-o', 'constraints']);
      const match = new RegExp(`<rsc_location[^>]*id="${FENCE_CONSTRAINT}"[\\s\\S]*?</rsc_location>`).exec(r.stdout);
      xml = match?.[0] ?? '';
      return r.exitCode === 0 && (match !== null) === present;
    },
    120_000 * cluster.lab.slowness,
    500,
  );
  return xml;
}

/** drbdadm role, findmnt and ip -j on the node that should run the stack; crm_mon agrees. */
export async function assertRunsOn(t: Test, cluster: VmCluster, stack: Stack, n: NodeId): Promise<void> {
  const s = await cluster.waitForStatus(
    n,
    `the stack on node${n}`,
    (s) =>
      promotedOn(s) === `node${n}` &&
      [stack.ids.fs, stack.ids.vip, stack.ids.service].every(
        (id) => s.resources.get(id)?.nodes.join() === `node${n}` && !s.resources.get(id)!.failed,
      ),
  );
  t.equal(promotedOn(s), `node${n}`, `crm_mon: DRBD Promoted on node${n}, the group there too`);
  t.equal((await cluster.lab.drbdState(n)).role.split('/')[0], 'Primary', `node${n}: drbdadm role Primary`);
  const fm = await cluster.run(n, 'findmnt', ['-J', '-o', 'SOURCE,FSTYPE,TARGET', MOUNT]);
  const fs =
    fm.exitCode === 0 ? (JSON.parse(fm.stdout) as { filesystems: { source: string; fstype: string }[] }).filesystems[0] : undefined;
  t.same({ source: fs?.source, fstype: fs?.fstype }, { source: DEVICE, fstype: 'ext4' }, `node${n}: ${DEVICE} ext4 on ${MOUNT}`);
  const ip = JSON.parse((await cluster.runOk(n, 'ip', ['-j', 'addr', 'show', 'dev', 'eth0'])).stdout) as {
    addr_info: { local: string }[];
  }[];
  t.ok(
    ip[0]?.addr_info.some((a) => a.local === VIP),
    `node${n}: VIP ${VIP} on eth0`,
  );
  const since = Date.now();
  await waitUntil(
    `the service answering through the VIP from node${n}`,
    () => cluster.samples().some((x) => x.ok && x.time >= since && x.instance!.startsWith(`node${n}.`)),
    30_000 * cluster.lab.slowness,
  );
}

/** Every acknowledged value is on the active node's disk, in order. */
export async function assertNothingLost(t: Test, cluster: VmCluster, stack: Stack, node: number): Promise<void> {
  const check = await checkCounter(cluster, stack, node);
  t.ok(check.maxAcknowledged > 0, `the service acknowledged writes (up to ${check.maxAcknowledged})`);
  t.equal(check.lost, 0, `no acknowledged value is missing on node${node}'s disk (${check.count} values there)`);
  t.equal(check.firstGap, undefined, 'the values on disk are 1, 2, 3, ... without a gap');
}

/** The survivors' pacemaker.log lines about fencing, elections and joins (from /ctl, on the host). */
export function pacemakerOnFencing(cluster: VmCluster, dead: number): string {
  return Array.from({ length: cluster.size }, (_, k) => k + 1)
    .filter((n) => n !== dead)
    .map((n) => {
      const path = join(cluster.lab.ctlDir(n as NodeId), 'pacemaker.log');
      const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
      const related = lines.filter((l) => /fenc|stonith|election|join|DC|quorum/i.test(l) && !/cib_perform_op|Diff:/.test(l));
      return `--- node${n} pacemaker.log, fencing/election/join (last 80):\n${related.slice(-80).join('\n')}`;
    })
    .join('\n');
}
