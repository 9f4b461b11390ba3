// The whole stack under real Pacemaker, in network namespaces (test/cluster/README.md): the
// configuration `ocfkit crm generate` prints (ocf:ocfkit:Filesystem + IPaddr2 + a counter service
// run by ocf:heartbeat:anything, fencing with a test-only agent), and what admins care about:
// after a failure, is the service back, where, with every acknowledged write, and is nothing stuck.
// Needs root and Debian's pacemaker, corosync, crmsh, resource-agents; ocfkit installed (make install).
import t, { type Test } from 'tap';
import { declareBudget } from '../helpers/budget.js';
import { existsSync } from 'node:fs';
import { leftovers, startCluster, unavailableReason, VIP, type Cluster } from './nodes.js';
import { generateStack, loadStack, ocfkitUnavailable, waitUntil, type Stack } from './stack.js';
import { activeNode, checkCounter, cleanup, detectionMs, recoveryMs, runScenario, settle, type Outcome } from './scenarios.js';

declareBudget(t, 600); // this file's time limit, with a wide margin on a loaded 2-core machine
const TOKEN_MS = 1000;
const skip = unavailableReason() ?? ocfkitUnavailable();

const ms = (value: number | undefined) => (value === undefined ? '-' : `${(value / 1000).toFixed(2)} s`);

function describe(o: Outcome): string {
  return (
    `node${o.from}${o.killedDc ? ' (the DC)' : ''} -> node${o.to}: detected ${ms(detectionMs(o))}, ${o.fencedAt ? `fenced ${ms(o.fencedAt - o.faultAt)}, ` : ''}` +
    `service answering ${ms(recoveryMs(o))} after the fault; start/stop ops ${JSON.stringify(o.operationMs)}`
  );
}

/** Starts a cluster with the ocfkit stack running; tears it down when the test ends, whatever happens. */
async function withStack(t: Test, nodes: 2 | 3): Promise<{ cluster: Cluster; stack: Stack }> {
  const cluster = await startCluster({ nodes, tokenMs: TOKEN_MS });
  t.teardown(() => cluster.destroy());
  t.comment(`${cluster.id}: ${nodes} nodes online with a DC in ${ms(cluster.startupMs)} (token ${TOKEN_MS} ms)`);
  await cluster.configureAlerts();
  const stack = await generateStack(cluster, 'ocfkit');
  for (const note of stack.notes) t.comment(`note: ${note}`);
  t.match(stack.crm, /^primitive fs-svc ocf:ocfkit:Filesystem /m, 'the generated configuration uses ocf:ocfkit:Filesystem');
  t.match(stack.crm, /^primitive fence-ocfkcl stonith:fence_ocfkcl /m, 'and fencing');
  t.match(stack.crm, /stonith-enabled=true/, 'with stonith-enabled=true');
  if (existsSync('/usr/lib/ocf/resource.d/ocfkit/IPaddr2'))
    t.equal(stack.agents.vip, 'ocf:ocfkit:IPaddr2', 'the VIP is ocf:ocfkit:IPaddr2');
  const owner = await loadStack(cluster, stack);
  t.comment(`the stack runs on ${owner}: ${JSON.stringify(stack.agents)}`);
  return { cluster, stack };
}

/** Every value the service acknowledged is on the disk of the node that runs it now, in order. */
async function assertNothingLost(t: Test, cluster: Cluster, stack: Stack): Promise<void> {
  const node = await activeNode(cluster, stack);
  const check = await checkCounter(cluster, stack, node);
  t.ok(check.maxAcknowledged > 0, `the service acknowledged writes (up to ${check.maxAcknowledged})`);
  t.equal(check.lost, 0, `no acknowledged value is missing on node${node}'s disk (${check.count} values there)`);
  t.equal(check.firstGap, undefined, 'the values on disk are 1, 2, 3, ... without a gap or a repeat');
}

/** The VIP is configured on exactly this node. */
async function assertVipOnlyOn(t: Test, cluster: Cluster, node: number): Promise<void> {
  const holders: number[] = [];
  for (let i = 1; i <= cluster.size; i++) {
    if (!cluster.isUp(i)) continue;
    const addresses = (await cluster.runOk(i, 'ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout;
    if (addresses.includes(` ${VIP}/`)) holders.push(i);
  }
  t.same(holders, [node], `the VIP is on node${node} only`);
}

/** The probe has seen the counter advance on this instance (the service works, not just listens). */
async function assertCounterAdvances(t: Test, cluster: Cluster, instance: string): Promise<void> {
  let first: number | undefined;
  await waitUntil(
    `the counter of ${instance} to advance`,
    () => {
      const values = cluster
        .samples()
        .filter((s) => s.ok && s.instance === instance)
        .map((s) => s.value!);
      first ??= values[0];
      return values.some((value) => first !== undefined && value > first);
    },
    20_000,
  );
  t.pass(`the counter advances on ${instance}`);
}

/** destroy() left nothing behind. */
function assertCleanTeardown(t: Test, cluster: Cluster): void {
  t.same(
    leftovers(cluster.id),
    { netns: [], loops: [], processes: [], mounts: [] },
    'teardown left no namespace, loop device, process or mount',
  );
  t.notOk(existsSync(cluster.dir), 'and removed the state directory');
}

async function failCount(cluster: Cluster, node: number, rsc: string): Promise<number> {
  const status = await cluster.status(node === 1 ? 2 : 1);
  return status?.failCounts.get(`node${node}/${rsc}`) ?? 0;
}

/**
 * The scenarios of one cluster run in order, each starting from the clean state the previous one
 * left. When one throws (a timeout: the cluster did not recover), the later ones are skipped
 * instead of each waiting out its own timeouts on a cluster in an unknown state.
 */
function steps(t: Test): (name: string, fn: (t: Test) => Promise<void>) => Promise<unknown> {
  let broken: string | undefined;
  return (name, fn) =>
    t.test(name, broken ? { skip: `after "${broken}" failed, the cluster is in an unknown state` } : {}, async (t) => {
      try {
        await fn(t);
      } catch (error) {
        broken = name;
        throw error;
      }
    });
}

if (skip) {
  t.plan(0, `the namespace cluster ${skip}`);
} else {
  t.test('two nodes (corosync two_node), ocfkit stack', async (t) => {
    const { cluster, stack } = await withStack(t, 2);
    const step = steps(t);

    await step('clean switchover with crm_standby, and back', async (t) => {
      const away = await runScenario(cluster, stack, 'standby');
      t.comment(describe(away));
      t.not(away.to, away.from, 'the service moved to the other node');
      await assertCounterAdvances(t, cluster, away.instance);
      await assertNothingLost(t, cluster, stack);
      const back = await runScenario(cluster, stack, 'standby');
      t.comment(describe(back));
      t.equal(back.to, away.from, 'and back to the first node');
      const status = await cluster.status(1);
      t.same(
        status?.nodes.filter((n) => n.standby).map((n) => n.name),
        [],
        'no node is left in standby',
      );
      await assertVipOnlyOn(t, cluster, back.to);
      await assertNothingLost(t, cluster, stack);
    });

    for (const [scenario, rsc, how] of [
      ['fs-failure', stack.ids.fs, 'umount -l under it'],
      ['vip-failure', stack.ids.vip, 'ip addr del'],
    ] as const) {
      await step(`failure of ${rsc} in place (${how}): detected by its monitor and recovered`, async (t) => {
        const outcome = await runScenario(cluster, stack, scenario);
        t.comment(describe(outcome));
        t.ok(outcome.detectedAt, `Pacemaker saw ${rsc}'s monitor fail`);
        t.equal(outcome.to, outcome.from, 'recovered on the same node');
        t.ok(outcome.answeredAt > outcome.detectedAt!, 'the service answered again after the failure was detected');
        t.equal(await failCount(cluster, outcome.from, rsc), 1, `fail-count of ${rsc} on node${outcome.from} is 1`);
        await assertCounterAdvances(t, cluster, outcome.instance);
        await assertVipOnlyOn(t, cluster, outcome.to);
        await assertNothingLost(t, cluster, stack);
        await cleanup(cluster, stack);
        t.equal(await failCount(cluster, outcome.from, rsc), 0, 'crm_resource --cleanup clears it');
      });
    }

    await step('hard node failure: kill -9 of corosync and pacemaker on the active node', async (t) => {
      const outcome = await runScenario(cluster, stack, 'node-kill');
      t.comment(describe(outcome));
      t.not(outcome.to, outcome.from, 'the service runs on the survivor');
      t.ok(outcome.detectedAt! >= outcome.faultAt + TOKEN_MS, 'the survivor lost the node no sooner than the token timeout');
      t.ok(outcome.fencedAt, 'the survivor fenced the dead node');
      t.ok(outcome.fencedAt! < outcome.answeredAt, 'before the service answered from the survivor');
      await assertCounterAdvances(t, cluster, outcome.instance);
      await assertNothingLost(t, cluster, stack);
      t.equal(
        await activeNode(cluster, stack),
        outcome.to,
        'after the dead node rebooted and rejoined, the service stays where it is (stickiness)',
      );
      await assertVipOnlyOn(t, cluster, outcome.to);
    });

    await step('two_node quorum: a node that boots while its peer is down waits for it (wait_for_all)', async (t) => {
      const a = await activeNode(cluster, stack);
      const b = a === 1 ? 2 : 1;
      const instanceBefore = cluster
        .samples()
        .filter((s) => s.ok)
        .at(-1)!.instance;

      // The peer dies: two_node keeps the survivor quorate; it fences the peer and keeps serving.
      const peerDown = cluster.powerOff(b);
      await cluster.waitForStatus(a, `node${b} offline`, (s) => s.nodes.some((n) => n.name === `node${b}` && !n.online) && s.quorate);
      await waitUntil(
        `node${a} to fence node${b}`,
        () => cluster.fenceLog().some((line) => line.includes(` node${b}: off`) && Number(line.split(' ')[0]) * 1000 >= peerDown),
        60_000,
      );
      await settle(cluster, a);
      t.pass(`node${b} down: node${a} is still quorate (two_node) and fenced node${b}`);
      t.equal(await activeNode(cluster, stack, a), a, `the service stayed on node${a}`);
      t.equal(
        cluster
          .samples()
          .filter((s) => s.ok)
          .at(-1)!.instance,
        instanceBefore,
        'without a restart',
      );

      // Now the survivor reboots too, and comes back alone.
      cluster.powerOff(a);
      const fencesBefore = cluster.fenceLog().length;
      const bootedAt = Date.now();
      await cluster.startNode(a);
      await waitUntil(
        `node${a}'s corosync`,
        async () => (await cluster.run(a, 'corosync-quorumtool', ['-s'])).stdout.includes('Quorate:'),
        30_000,
      );
      const quorum = (await cluster.run(a, 'corosync-quorumtool', ['-s'])).stdout;
      t.match(quorum, /Quorate:\s+No/, `node${a} alone is not quorate`);
      t.match(quorum, /Flags:.*WaitForAll/, 'because of WaitForAll (implied by two_node)');
      const alone = await cluster.waitForStatus(a, `node${a}'s Pacemaker elected itself DC`, (s) => s.dc === `node${a}`);
      t.equal(alone.quorate, false, 'Pacemaker runs without quorum');
      await new Promise((resolve) => setTimeout(resolve, 5_000)); // it would have acted by now
      const later = await cluster.status(a);
      t.same(
        [stack.ids.fs, stack.ids.vip, stack.ids.service].filter((id) => later?.resources.get(id)?.active),
        [],
        'and starts nothing (no-quorum-policy=stop)',
      );
      t.equal(cluster.fenceLog().length, fencesBefore, `and does not fence node${b}, which it has never seen`);
      t.notOk(
        cluster.samples().some((s) => s.ok && s.time > bootedAt),
        'the service does not answer',
      );

      // The peer comes back: both are quorate again, and the service starts.
      const peerBack = Date.now();
      await cluster.startNode(b);
      await cluster.waitOnline(a, [1, 2]);
      const now = await activeNode(cluster, stack, a);
      await waitUntil('the service to answer', () => cluster.samples().some((s) => s.ok && s.time > peerBack), 60_000);
      t.pass(`once node${b} is back: quorate, the service runs on node${now} (${ms(Date.now() - peerBack)} after node${b} booted)`);
      await assertNothingLost(t, cluster, stack);

      // If the peer is gone for good, the admin says so (what `pcs quorum unblock` runs): the node
      // becomes quorate, fences the peer it cannot see, and only then starts the service.
      cluster.powerOff(b);
      cluster.powerOff(a);
      const fencesBeforeUnblock = cluster.fenceLog().length;
      await cluster.startNode(a);
      await cluster.waitForStatus(a, `node${a} DC without quorum`, (s) => s.dc === `node${a}` && !s.quorate);
      const unblockedAt = Date.now();
      await cluster.runOk(a, 'corosync-cmapctl', ['-s', 'quorum.cancel_wait_for_all', 'u8', '1']);
      await cluster.waitForStatus(a, `node${a} quorate`, (s) => s.quorate, 30_000);
      t.pass(`corosync-cmapctl -s quorum.cancel_wait_for_all u8 1: node${a} alone is quorate`);
      t.equal(await activeNode(cluster, stack, a), a, `the service runs on node${a}`);
      await waitUntil('the service to answer', () => cluster.samples().some((s) => s.ok && s.time > unblockedAt), 60_000);
      const fenced = cluster.fenceLog().slice(fencesBeforeUnblock);
      t.ok(
        fenced.some((line) => line.includes(` node${b}: off`)),
        `after node${a} fenced node${b}, which it had not seen since it booted`,
      );
      t.ok(
        Number(fenced[0]?.split(' ')[0]) * 1000 < cluster.samples().find((s) => s.ok && s.time > unblockedAt)!.time,
        'before the service answered',
      );
      await assertNothingLost(t, cluster, stack);
      await cluster.startNode(b);
      await cluster.waitOnline(a, [1, 2]);
      await settle(cluster, a);
      t.equal(await activeNode(cluster, stack, a), a, `node${b} rejoins; the service stays on node${a}`);
    });

    await cluster.destroy();
    assertCleanTeardown(t, cluster);
  });

  t.test('three nodes, ocfkit stack', async (t) => {
    const { cluster, stack } = await withStack(t, 3);
    const step = steps(t);

    await step('hard node failure: kill -9 of corosync and pacemaker on the active node', async (t) => {
      const outcome = await runScenario(cluster, stack, 'node-kill');
      t.comment(describe(outcome));
      t.not(outcome.to, outcome.from, 'the service runs on a survivor');
      t.ok(outcome.fencedAt, 'the survivors (2 of 3: quorate) fenced the dead node');
      t.ok(outcome.fencedAt! < outcome.answeredAt, 'before the service answered again');
      await assertCounterAdvances(t, cluster, outcome.instance);
      await assertNothingLost(t, cluster, stack);
      await assertVipOnlyOn(t, cluster, outcome.to);
    });

    await step('clean switchover with crm_standby', async (t) => {
      const outcome = await runScenario(cluster, stack, 'standby');
      t.comment(describe(outcome));
      t.not(outcome.to, outcome.from, 'the service moved');
      await assertNothingLost(t, cluster, stack);
      await assertVipOnlyOn(t, cluster, outcome.to);
    });

    await cluster.destroy();
    assertCleanTeardown(t, cluster);
  });
}
