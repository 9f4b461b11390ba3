// The ocfkit stack under real Pacemaker with real DRBD 8.4 in two qemu VMs (see
// test/vm/cluster/scenario-run.ts). One boot of the VM cluster and one start of the generated stack
// serve every scenario, in this order (the VM kill last: it reboots a node):
//   1. a clean switchover with crm_standby, and back;
//   2. failures in place (the file system unmounted, the VIP deleted), detected by our monitors
//      and recovered;
//   3. DRBD demoted behind Pacemaker's back: our monitor reports it, Pacemaker promotes again;
//   4. the replication link fails while both nodes stay: crm-fence-peer.sh's constraint keeps the
//      outdated peer from being promoted, even with the active node in standby; it goes after the
//      resync;
//   5. the active VM is killed: fenced through fence_vmlab, the survivor promotes and runs
//      everything with all acknowledged data; the VM boots again, rejoins, resyncs, and the
//      constraint goes.
// Each scenario ends with the stack running and every acknowledged value there.
import { RES, type NodeId } from './lab.js';
import { MOUNT } from './cluster/vm-cluster.js';
import { waitUntil } from '../cluster/stack.js';
import { activeNode, cleanup, detectionMs, runScenario, settle } from '../cluster/scenarios.js';
import {
  assertNothingLost,
  assertRunsOn,
  describe,
  latestInstance,
  ms,
  other,
  pacemakerOnFencing,
  promotedOn,
  startScenarioRun,
  waitForConstraint,
} from './cluster/scenario-run.js';

// measured: ~750 s on a quiet 2-core host; at load 10-12 the three files it replaces took 2126 s
const run = await startScenarioRun(2400);
if (run) {
  const { cluster } = run;
  await run.scenario('clean switchover with crm_standby, and back', async (t, stack) => {
    for (const leg of ['there', 'back']) {
      const o = await runScenario(cluster, stack, 'standby', { timeoutMs: 180_000 });
      t.comment(`${leg}: ${describe(o)}`);
      t.not(o.to, o.from, `${leg}: the service moved to the other node`);
    }
  });

  for (const [name, rsc] of [
    ['fs-failure', 'fs'],
    ['vip-failure', 'vip'],
  ] as const) {
    await run.scenario(
      `failure in place (${name}): detected by ocf:ocfkit:${rsc === 'fs' ? 'Filesystem' : 'IPaddr2'}'s monitor and recovered`,
      async (t, stack) => {
        const o = await runScenario(cluster, stack, name, { timeoutMs: 180_000 });
        t.comment(describe(o));
        t.ok(o.detectedAt !== undefined, 'Pacemaker saw the failed monitor');
        t.ok(
          detectionMs(o)! <= stack.monitorMs[stack.ids[rsc]]! + 5000,
          `within the monitor interval (${ms(stack.monitorMs[stack.ids[rsc]])}) + 5 s`,
        );
        await cleanup(cluster, stack, o.to);
      },
    );
  }

  await run.scenario("DRBD demoted behind Pacemaker's back: our monitor reports it, Pacemaker promotes again", async (t, stack) => {
    const from = await activeNode(cluster, stack);
    // Nothing can demote DRBD while the file system is mounted: stop what runs on it first.
    await cluster.runOk(from, 'crm', ['resource', 'stop', stack.ids.group]);
    await cluster.waitForStatus(
      from,
      `${stack.ids.group} stopped, DRBD still Promoted`,
      (s) => !s.resources.get(stack.ids.service)!.active && !s.resources.get(stack.ids.fs)!.active && promotedOn(s) === `node${from}`,
      120_000,
    );
    const since = Date.now();
    await cluster.runOk(from, 'drbdadm', ['secondary', RES]);
    t.comment(`drbdadm secondary ${RES} on node${from}`);
    let detected: number | undefined;
    await waitUntil(
      'the failed DRBD monitor (rc 0 where Promoted was expected)',
      () => {
        detected = cluster
          .alerts()
          .find(
            (a) =>
              a.kind === 'resource' &&
              a.time >= since - 10 &&
              a.fields.rsc === stack.ids.drbd &&
              a.fields.task === 'monitor' &&
              a.fields.rc === '0' &&
              a.fields.target_rc === '8',
          )?.time;
        return detected !== undefined;
      },
      stack.monitorMs[stack.ids.drbd!]! + 30_000,
    );
    t.comment(`detected after ${ms(detected! - since)}`);
    t.ok(detected! - since <= stack.monitorMs[stack.ids.drbd!]! + 5000, 'within the Promoted monitor interval + 5 s');
    const again = await cluster.lab.waitFor(
      'DRBD Primary again on a node',
      async () => {
        for (const n of [1, 2] as const) if ((await cluster.lab.drbdState(n)).role.startsWith('Primary/')) return n;
        return undefined;
      },
      120,
      1,
    );
    t.comment(`Primary again on node${again} after ${ms(Date.now() - since)}`);
    await cluster.runOk(from, 'crm', ['resource', 'start', stack.ids.group]);
    await settle(cluster, other(from), 180);
    await cleanup(cluster, stack, other(from));
    const node = await activeNode(cluster, stack);
    t.equal((await cluster.lab.drbdState(node as NodeId)).role.split('/')[0], 'Primary', `node${node}: DRBD Primary again`);
  });

  await run.scenario(
    'the replication link fails, the nodes stay: the outdated peer is never promoted; unfenced after the resync',
    async (t, stack) => {
      const active = (await activeNode(cluster, stack)) as NodeId;
      const peer = other(active);
      const lab = cluster.lab;
      const firstInstance = latestInstance(cluster);
      await lab.cutLink(undefined, 'net1');
      t.comment(`cut the DRBD link (eth1) of both VMs; corosync (eth0) stays`);
      const constraint = await waitForConstraint(cluster, active, true);
      t.match(
        constraint,
        new RegExp(`rsc-role="Promoted"|role="Promoted"|rsc-role="Master"|role="Master"`),
        'the constraint is about the Promoted role',
      );
      t.match(constraint, new RegExp(`ne.*node${active}|node${active}.*ne`), `it allows promotion on node${active} only`);
      const s = await cluster.waitForStatus(
        active,
        'the stack still running on the active node',
        (s) => promotedOn(s) === `node${active}` && s.resources.get(stack.ids.service)!.nodes.join() === `node${active}`,
      );
      t.equal(s.nodes.filter((n) => n.online).length, 2, 'both nodes still online');
      t.equal((await lab.drbdState(active)).role, 'Primary/Unknown', `node${active}: still Primary, peer unknown`);
      t.equal((await lab.drbdState(peer)).role, 'Secondary/Unknown', `node${peer}: Secondary`);
      t.equal(latestInstance(cluster), firstInstance, 'the service was not restarted: the link loss cost it nothing');

      // The hard test of "no promotion of outdated data": take the good node away.
      await cluster.runOk(peer, 'crm_standby', ['-N', `node${active}`, '-v', 'on']);
      await settle(cluster, peer, 180);
      const away = await cluster.waitForStatus(
        peer,
        `node${active} in standby, nothing promoted`,
        (s) => promotedOn(s) === undefined && !s.resources.get(stack.ids.service)!.active,
      );
      t.equal(promotedOn(away), undefined, `with node${active} in standby, DRBD is promoted nowhere`);
      t.equal((await lab.drbdState(peer)).role.split('/')[0], 'Secondary', `node${peer} (outdated data) stays Secondary`);
      t.equal((await cluster.run(peer, 'findmnt', [MOUNT])).exitCode, 1, `node${peer} did not mount it`);
      await cluster.runOk(peer, 'crm_standby', ['-N', `node${active}`, '-D']);
      await cluster.waitForStatus(
        peer,
        `the stack back on node${active}`,
        (s) =>
          promotedOn(s) === `node${active}` &&
          s.resources.get(stack.ids.service)!.active &&
          s.resources.get(stack.ids.service)!.nodes.join() === `node${active}`,
        180_000,
      );

      await lab.restoreLink(undefined, 'net1');
      t.comment('restored the DRBD link');
      await lab.waitFor('both UpToDate after the resync', async () => (await lab.drbdState(peer)).dstate === 'UpToDate/UpToDate', 180, 1);
      await waitForConstraint(cluster, active, false);
      t.pass('crm-unfence-peer.sh removed the constraint after the resync');
    },
  );

  await run.scenario(
    'the active VM is killed: fenced, the survivor promotes and runs everything; the VM comes back and resyncs',
    async (t, stack) => {
      const o = await runScenario(cluster, stack, 'node-kill', { timeoutMs: 240_000, restart: false });
      t.comment(describe(o));
      // seen once: fenced 137 s after the kill (9 s in other runs); Pacemaker's own words on it
      if (o.fencedAt !== undefined && o.fencedAt - o.faultAt > 60_000) t.comment(pacemakerOnFencing(cluster, o.from));
      t.ok(
        cluster.fences.some((f) => f.target === `node${o.from}` && f.from === o.to && f.rc === 0),
        `node${o.to} fenced node${o.from} through fence_vmlab`,
      );
      t.notOk(
        cluster.fences.some((f) => f.target === `node${o.to}`),
        `nobody fenced node${o.to}`,
      );
      t.ok(
        o.detectedAt !== undefined && detectionMs(o)! < cluster.tokenMs * 3 + 5000,
        `the loss was seen within ~token (${cluster.tokenMs} ms) + consensus`,
      );
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
    },
  );
}
