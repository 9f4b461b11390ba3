// The ocfkit stack under real Pacemaker with real DRBD 8.4 in the qemu VMs (see
// test/vm/cluster/scenario-run.ts): the active VM is killed; it is fenced through fence_vmlab,
// the survivor promotes and runs everything with all acknowledged data; the killed VM boots
// again, rejoins, resyncs, and crm-fence-peer.sh's constraint goes.
import { type NodeId } from './lab.js';
import { runScenario, settle, detectionMs } from '../cluster/scenarios.js';
import { startScenarioRun, assertNothingLost, assertRunsOn, describe, waitForConstraint } from './cluster/scenario-run.js';

const run = await startScenarioRun(1200);
if (run) {
  const { cluster } = run;
  await run.scenario(
    'the active VM is killed: fenced, the survivor promotes and runs everything; the VM comes back and resyncs',
    async (t, stack) => {
      const o = await runScenario(cluster, stack, 'node-kill', { timeoutMs: 240_000, restart: false });
      t.comment(describe(o));
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
