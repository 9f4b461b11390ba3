// The DRBD demo of scripts/main.sh (run through test/vm/cluster/demo.sh): the two qemu VMs of the
// lab as a Pacemaker cluster with real DRBD 8.4 (test/vm/cluster/vm-cluster.ts), the stack
// `ocfkit crm generate --provider ocfkit` prints loaded with crmsh, then crm_mon and DRBD's own
// view from the node that runs it, and a clean teardown.
import { generateStack, loadStack } from '../../cluster/stack.js';
import { runDemo } from '../../helpers/demo-run.js';
import { vmUnavailable, NODE, PROJECT, RES } from '../lab.js';
import { startVmCluster, type VmCluster } from './vm-cluster.js';

const reason = vmUnavailable();
if (reason) {
  console.error(`demo: the DRBD VM cluster cannot run: ${reason}`);
  process.exit(1);
}
let cluster: VmCluster | undefined;
await runDemo(
  'drbd-demo',
  async (demo) => {
    const c = await demo.stage(
      'booting two qemu VMs with real DRBD 8.4; corosync + pacemaker inside; DRBD initial sync',
      async () => (cluster = await startVmCluster()),
    );
    demo.log(c.logs(200));
    console.log(
      `node1 and node2 online, DRBD ${RES} initialised (host slowness ${c.lab.slowness.toFixed(1)}); the DRBD resource file from ocfkit crm generate --drbd-res:\n\n${c.drbdRes}`,
    );
    const stack = await demo.stage('ocfkit crm generate --provider ocfkit', () => generateStack(c, 'ocfkit'));
    console.log(`\n${stack.crm}`);
    const owner = await demo.stage('crm configure load update, until DRBD is promoted and everything runs', async () => {
      try {
        return await loadStack(c, stack);
      } finally {
        demo.log(c.logs(200));
      }
    });
    const answer = c
      .samples()
      .filter((s) => s.ok)
      .at(-1);
    console.log(`the service answers on ${stack.site.vip}: instance ${answer?.instance}, counter at ${answer?.value}\n`);
    const n = Number(owner.replace('node', ''));
    console.log(`# crm_mon -1 (on ${owner})`);
    console.log((await c.runOk(n, 'crm_mon', ['-1'])).stdout);
    console.log(`# ocfkit drbd status ${RES} (on ${owner})`);
    const status = await c.run(n, NODE, [`${PROJECT}/dist/bin/ocfkit.mjs`, 'drbd', 'status', RES], { timeoutMs: 120_000 });
    demo.log(`ocfkit drbd status ${RES}: exit ${status.exitCode}\n${status.stdout}${status.stderr}`);
    if (status.exitCode !== 0 || status.stdout.trim() === '') {
      throw new Error(
        `ocfkit drbd status ${RES} on ${owner} showed nothing (exit ${status.exitCode}: ${status.stderr.trim().split('\n')[0] || 'no output'})`,
      );
    }
    console.log(status.stdout);
  },
  async () => {
    await cluster?.destroy();
  },
);
