// The whole ocfkit stack under real Pacemaker with real DRBD 8.4, in the qemu lab: the VM cluster
// of test/vm/cluster/vm-cluster.ts (corosync + pacemaker in both VMs, DRBD replicating over its
// own link, real fencing through fence_vmlab) running what `ocfkit crm generate --provider ocfkit`
// prints: the DRBD promotable clone, ext4 on it, the VIP and a counter service that fsyncs every
// value before acknowledging it (test/cluster/counter.mjs).
//
// Each step is a scenario an admin cares about; every one ends with the service answering through
// the VIP and no acknowledged value missing from the disk:
//   1. the stack comes up: DRBD Promoted on one node, Unpromoted on the other, mounted, VIP;
//   2. clean switchover (crm_standby) and back;
//   3. failures in place: the file system unmounted, the VIP deleted (detected by our monitors);
//   4. DRBD demoted behind Pacemaker's back: our monitor reports it, Pacemaker promotes again;
//   5. the replication link fails, the nodes stay: crm-fence-peer.sh's constraint keeps the
//      outdated peer from being promoted (even when the active node goes into standby), the
//      service stays where the good data is, and the constraint goes away after the resync;
//   6. the active VM is killed: fenced, the survivor promotes and runs everything with all
//      acknowledged data; the killed VM boots again, rejoins, resyncs, the constraint goes.
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { vmLabReady, PROJECT, RES, DEVICE, type NodeId } from './lab.js';
import { startVmCluster, MOUNT, VIP, type VmCluster } from './cluster/vm-cluster.js';
import { generateStack, loadStack, waitUntil, type Stack } from '../cluster/stack.js';
import { activeNode, checkCounter, cleanup, detectionMs, recoveryMs, runScenario, settle, type Outcome } from '../cluster/scenarios.js';
import { promotedNodes, type ClusterStatus } from '../cluster/nodes.js';

const CLONE = `drbd-${RES}-clone`;
const FENCE_CONSTRAINT = `drbd-fence-by-handler-${RES}-${CLONE}`;
const ms = (value: number | undefined) => (value === undefined ? '-' : `${(value / 1000).toFixed(1)} s`);
const other = (n: number): NodeId => (n === 1 ? 2 : 1);

const missing = ['drbd', 'Filesystem', 'IPaddr2'].map((a) => `${PROJECT}/dist/agents/${a}`).concat(`${PROJECT}/dist/bin/ocfkit.mjs`).filter((f) => !existsSync(f));
if (missing.length > 0) t.fail(`missing: ${missing.join(', ')}: build first (node scripts/build.mjs)`);
else if (vmLabReady(t)) await main();

async function main(): Promise<void> {
  const t0 = Date.now();
  const cluster = await startVmCluster();
  t.teardown(() => cluster.destroy());
  t.comment(`VM cluster online, DRBD initialised, in ${ms(cluster.startupMs)}`);
  await cluster.configureAlerts();

  let broken = '';
  const step = (title: string, fn: (t: Test) => Promise<void>) =>
    t.test(title, async (t) => {
      if (broken) return void t.plan(0, `skipped after the failed step "${broken}"`);
      const started = Date.now();
      try {
        await fn(t);
      } catch (error) {
        broken = title;
        t.comment(cluster.logs(30));
        throw error;
      } finally {
        t.comment(`step took ${ms(Date.now() - started)} (total ${ms(Date.now() - t0)})`);
      }
      if (!t.passing()) { broken = title; t.comment(cluster.logs(30)); }
    });

  let stack: Stack | undefined;
  await step('the generated ocfkit stack comes up: DRBD Promoted + Unpromoted, mounted, VIP, service', async (t) => {
    stack = await generateStack(cluster, 'ocfkit');
    t.comment(`generated:\n${stack.crm}`);
    t.same(stack.agents, { fs: 'ocf:ocfkit:Filesystem', vip: 'ocf:ocfkit:IPaddr2', service: 'ocf:heartbeat:anything', drbd: 'ocf:ocfkit:drbd' }, 'our agents');
    t.match(stack.crm, /^primitive fence-vmlab stonith:fence_vmlab /m, 'real fencing');
    t.match(cluster.drbdRes, /fencing resource-only;/, `${RES}.res: fencing resource-only`);
    t.match(cluster.drbdRes, /fence-peer "\/usr\/lib\/drbd\/crm-fence-peer\.sh";/, `${RES}.res: crm-fence-peer.sh`);
    t.match(cluster.drbdRes, /after-resync-target "\/usr\/lib\/drbd\/crm-unfence-peer\.sh";/, `${RES}.res: crm-unfence-peer.sh`);
    const owner = await loadStack(cluster, stack);
    t.comment(`running on ${owner}`);
    await assertRunsOn(t, cluster, stack, Number(owner.slice(4)) as NodeId);
    t.equal(cluster.fences.length, 0, 'nobody fenced');
  });

  const scenario = (title: string, run: (t: Test, stack: Stack) => Promise<void>) =>
    step(title, async (t) => {
      await run(t, stack!);
      const node = await activeNode(cluster, stack!);
      await assertRunsOn(t, cluster, stack!, node as NodeId);
      await assertNothingLost(t, cluster, stack!, node);
    });

  await scenario('clean switchover with crm_standby, and back', async (t, stack) => {
    for (const leg of ['there', 'back']) {
      const o = await runScenario(cluster, stack, 'standby', { timeoutMs: 180_000 });
      t.comment(`${leg}: ${describe(o)}`);
      t.not(o.to, o.from, `${leg}: the service moved to the other node`);
    }
  });

  for (const [name, rsc] of [['fs-failure', 'fs'], ['vip-failure', 'vip']] as const) {
    await scenario(`failure in place (${name}): detected by ocf:ocfkit:${rsc === 'fs' ? 'Filesystem' : 'IPaddr2'}'s monitor and recovered`, async (t, stack) => {
      const o = await runScenario(cluster, stack, name, { timeoutMs: 180_000 });
      t.comment(describe(o));
      t.ok(o.detectedAt !== undefined, 'Pacemaker saw the failed monitor');
      t.ok(detectionMs(o)! <= stack.monitorMs[stack.ids[rsc]]! + 5000, `within the monitor interval (${ms(stack.monitorMs[stack.ids[rsc]])}) + 5 s`);
      await cleanup(cluster, stack, o.to);
    });
  }

  await scenario('DRBD demoted behind Pacemaker\'s back: our monitor reports it, Pacemaker promotes again', async (t, stack) => {
    const from = await activeNode(cluster, stack);
    // Nothing can demote DRBD while the file system is mounted: stop what runs on it first.
    await cluster.runOk(from, 'crm', ['resource', 'stop', stack.ids.group]);
    await cluster.waitForStatus(from, `${stack.ids.group} stopped, DRBD still Promoted`, (s) =>
      !s.resources.get(stack.ids.service)!.active && !s.resources.get(stack.ids.fs)!.active && promotedOn(s) === `node${from}`, 120_000);
    const since = Date.now();
    await cluster.runOk(from, 'drbdadm', ['secondary', RES]);
    t.comment(`drbdadm secondary ${RES} on node${from}`);
    let detected: number | undefined;
    await waitUntil('the failed DRBD monitor (rc 0 where Promoted was expected)', () => {
      detected = cluster.alerts().find((a) => a.kind === 'resource' && a.time >= since - 10 && a.fields.rsc === stack.ids.drbd &&
        a.fields.task === 'monitor' && a.fields.rc === '0' && a.fields.target_rc === '8')?.time;
      return detected !== undefined;
    }, stack.monitorMs[stack.ids.drbd!]! + 30_000);
    t.comment(`detected after ${ms(detected! - since)}`);
    t.ok(detected! - since <= stack.monitorMs[stack.ids.drbd!]! + 5000, 'within the Promoted monitor interval + 5 s');
    const again = await cluster.lab.waitFor('DRBD Primary again on a node', async () => {
      for (const n of [1, 2] as const) if ((await cluster.lab.drbdState(n)).role.startsWith('Primary/')) return n;
      return undefined;
    }, 120, 1);
    t.comment(`Primary again on node${again} after ${ms(Date.now() - since)}`);
    await cluster.runOk(from, 'crm', ['resource', 'start', stack.ids.group]);
    await settle(cluster, other(from), 180);
    await cleanup(cluster, stack, other(from));
    const node = await activeNode(cluster, stack);
    t.equal((await cluster.lab.drbdState(node as NodeId)).role.split('/')[0], 'Primary', `node${node}: DRBD Primary again`);
  });

  await scenario('the replication link fails, the nodes stay: the outdated peer is never promoted; unfenced after the resync', async (t, stack) => {
    const active = (await activeNode(cluster, stack)) as NodeId;
    const peer = other(active);
    const lab = cluster.lab;
    const firstInstance = latestInstance(cluster);
    await lab.cutLink(undefined, 'net1');
    t.comment(`cut the DRBD link (eth1) of both VMs; corosync (eth0) stays`);
    const constraint = await waitForConstraint(cluster, active, true);
    t.match(constraint, new RegExp(`rsc-role="Promoted"|role="Promoted"|rsc-role="Master"|role="Master"`), 'the constraint is about the Promoted role');
    t.match(constraint, new RegExp(`ne.*node${active}|node${active}.*ne`), `it allows promotion on node${active} only`);
    const s = await cluster.waitForStatus(active, 'the stack still running on the active node', (s) => promotedOn(s) === `node${active}` && s.resources.get(stack.ids.service)!.nodes.join() === `node${active}`);
    t.equal(s.nodes.filter((n) => n.online).length, 2, 'both nodes still online');
    t.equal((await lab.drbdState(active)).role, 'Primary/Unknown', `node${active}: still Primary, peer unknown`);
    t.equal((await lab.drbdState(peer)).role, 'Secondary/Unknown', `node${peer}: Secondary`);
    t.equal(latestInstance(cluster), firstInstance, 'the service was not restarted: the link loss cost it nothing');

    // The hard test of "no promotion of outdated data": take the good node away.
    await cluster.runOk(peer, 'crm_standby', ['-N', `node${active}`, '-v', 'on']);
    await settle(cluster, peer, 180);
    const away = await cluster.waitForStatus(peer, `node${active} in standby, nothing promoted`, (s) => promotedOn(s) === undefined && !s.resources.get(stack.ids.service)!.active);
    t.equal(promotedOn(away), undefined, `with node${active} in standby, DRBD is promoted nowhere`);
    t.equal((await lab.drbdState(peer)).role.split('/')[0], 'Secondary', `node${peer} (outdated data) stays Secondary`);
    t.equal((await cluster.run(peer, 'findmnt', [MOUNT])).exitCode, 1, `node${peer} did not mount it`);
    await cluster.runOk(peer, 'crm_standby', ['-N', `node${active}`, '-D']);
    await cluster.waitForStatus(peer, `the stack back on node${active}`, (s) => promotedOn(s) === `node${active}` &&
      s.resources.get(stack.ids.service)!.active && s.resources.get(stack.ids.service)!.nodes.join() === `node${active}`, 180_000);

    await lab.restoreLink(undefined, 'net1');
    t.comment('restored the DRBD link');
    await lab.waitFor('both UpToDate after the resync', async () => (await lab.drbdState(peer)).dstate === 'UpToDate/UpToDate', 180, 1);
    await waitForConstraint(cluster, active, false);
    t.pass('crm-unfence-peer.sh removed the constraint after the resync');
  });

  await scenario('the active VM is killed: fenced, the survivor promotes and runs everything; the VM comes back and resyncs', async (t, stack) => {
    const o = await runScenario(cluster, stack, 'node-kill', { timeoutMs: 240_000, restart: false });
    t.comment(describe(o));
    t.ok(cluster.fences.some((f) => f.target === `node${o.from}` && f.from === o.to && f.rc === 0), `node${o.to} fenced node${o.from} through fence_vmlab`);
    t.notOk(cluster.fences.some((f) => f.target === `node${o.to}`), `nobody fenced node${o.to}`);
    t.ok(o.detectedAt !== undefined && detectionMs(o)! < cluster.tokenMs * 3 + 5000, `the loss was seen within ~token (${cluster.tokenMs} ms) + consensus`);
    await assertRunsOn(t, cluster, stack, o.to as NodeId);
    await assertNothingLost(t, cluster, stack, o.to);
    t.match(await waitForConstraint(cluster, o.to as NodeId, true), /./, 'crm-fence-peer.sh put its constraint in');

    await cluster.startNode(o.from);
    await cluster.waitOnline(o.to, [1, 2]);
    await cluster.waitStorageWhole!();
    await waitForConstraint(cluster, o.to as NodeId, false);
    await settle(cluster, o.to, 180);
    t.pass(`node${o.from} is back: Unpromoted, resynced, the constraint removed`);
    const s = await cluster.status(o.to);
    t.equal(s?.resources.get(stack.ids.drbd!)?.nodes.length, 2, 'DRBD runs on both nodes again');
  });
}

function describe(o: Outcome): string {
  return `node${o.from} -> node${o.to}: detected ${ms(detectionMs(o))}, ${o.fencedAt ? `fenced ${ms(o.fencedAt - o.faultAt)}, ` : ''}service answering ${ms(recoveryMs(o))} after the fault`;
}

/** The one node where DRBD is Promoted (undefined: nowhere, or more than one). */
function promotedOn(s: ClusterStatus): string | undefined {
  const nodes = promotedNodes(s, `drbd-${RES}`);
  return nodes.length === 1 ? nodes[0] : undefined;
}

function latestInstance(cluster: VmCluster): string | undefined {
  return cluster.samples().filter((s) => s.ok).at(-1)?.instance;
}

/** Waits until crm-fence-peer.sh's constraint is in the CIB (present) or gone; returns its XML. */
async function waitForConstraint(cluster: VmCluster, observer: NodeId, present: boolean): Promise<string> {
  let xml = '';
  await waitUntil(`the constraint ${FENCE_CONSTRAINT} ${present ? 'in' : 'out of'} the CIB`, async () => {
    const r = await cluster.run(observer, 'cibadmin', ['-Q', '-o', 'constraints']);
    const match = new RegExp(`<rsc_location[^>]*id="${FENCE_CONSTRAINT}"[\\s\\S]*?</rsc_location>`).exec(r.stdout);
    xml = match?.[0] ?? '';
    return r.exitCode === 0 && (match !== null) === present;
  }, 120_000, 500);
  return xml;
}

/** drbdadm role, findmnt and ip -j on the node that should run the stack; crm_mon agrees. */
async function assertRunsOn(t: Test, cluster: VmCluster, stack: Stack, n: NodeId): Promise<void> {
  const s = await cluster.waitForStatus(n, `the stack on node${n}`, (s) => promotedOn(s) === `node${n}` &&
    [stack.ids.fs, stack.ids.vip, stack.ids.service].every((id) => s.resources.get(id)?.nodes.join() === `node${n}` && !s.resources.get(id)!.failed));
  t.equal(promotedOn(s), `node${n}`, `crm_mon: DRBD Promoted on node${n}, the group there too`);
  t.equal((await cluster.lab.drbdState(n)).role.split('/')[0], 'Primary', `node${n}: drbdadm role Primary`);
  const fm = await cluster.run(n, 'findmnt', ['-J', '-o', 'SOURCE,FSTYPE,TARGET', MOUNT]);
  const fs = fm.exitCode === 0 ? (JSON.parse(fm.stdout) as { filesystems: { source: string; fstype: string }[] }).filesystems[0] : undefined;
  t.same({ source: fs?.source, fstype: fs?.fstype }, { source: DEVICE, fstype: 'ext4' }, `node${n}: ${DEVICE} ext4 on ${MOUNT}`);
  const ip = JSON.parse((await cluster.runOk(n, 'ip', ['-j', 'addr', 'show', 'dev', 'eth0'])).stdout) as { addr_info: { local: string }[] }[];
  t.ok(ip[0]?.addr_info.some((a) => a.local === VIP), `node${n}: VIP ${VIP} on eth0`);
  const since = Date.now();
  await waitUntil(`the service answering through the VIP from node${n}`, () =>
    cluster.samples().some((x) => x.ok && x.time >= since && x.instance!.startsWith(`node${n}.`)), 30_000);
}

/** Every acknowledged value is on the active node's disk, in order. */
async function assertNothingLost(t: Test, cluster: VmCluster, stack: Stack, node: number): Promise<void> {
  const check = await checkCounter(cluster, stack, node);
  t.ok(check.maxAcknowledged > 0, `the service acknowledged writes (up to ${check.maxAcknowledged})`);
  t.equal(check.lost, 0, `no acknowledged value is missing on node${node}'s disk (${check.count} values there)`);
  t.equal(check.firstGap, undefined, 'the values on disk are 1, 2, 3, ... without a gap');
}
