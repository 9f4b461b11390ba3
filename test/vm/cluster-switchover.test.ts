// The ocfkit stack under real Pacemaker with real DRBD 8.4 in the qemu VMs (see
// test/vm/cluster/scenario-run.ts): the stack comes up; a clean switchover with crm_standby and
// back; failures in place (the file system unmounted, the VIP deleted) detected by our monitors
// and recovered.
import { runScenario, cleanup, detectionMs } from '../cluster/scenarios.js';
import { startScenarioRun, describe, ms } from './cluster/scenario-run.js';

const run = await startScenarioRun(1500);
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
}
