// The demo of scripts/main.sh (run through test/cluster/demo.sh): a two-node Pacemaker cluster in
// network namespaces running the stack `ocfkit crm generate` prints (ocf:ocfkit:Filesystem, the
// VIP, a counter service, fencing), crm_mon as an admin would see it, and a clean teardown.
import { startCluster, unavailableReason, SERVICE_PORT } from './nodes.js';
import { generateStack, loadStack, ocfkitUnavailable } from './stack.js';
import { runDemo } from '../helpers/demo-run.js';
import type { Cluster } from './nodes.js';

const reason = unavailableReason() ?? ocfkitUnavailable();
if (reason) {
  console.error(`demo: the namespace cluster ${reason}`);
  process.exit(1);
}

let cluster: Cluster | undefined;
await runDemo(
  'namespace-demo',
  async (demo) => {
    const c = await demo.stage(
      'starting a two-node Pacemaker cluster (corosync + pacemakerd in network namespaces)',
      async () => (cluster = await startCluster({ nodes: 2, tokenMs: 1000 })),
    );
    const stack = await demo.stage('ocfkit crm generate', () => generateStack(c, 'ocfkit'));
    for (const note of stack.notes) console.log(`note: ${note}`);
    console.log(`\n${stack.crm}`);
    const owner = await demo.stage('crm configure load update, until everything runs', () => loadStack(c, stack));
    const answer = c
      .samples()
      .filter((s) => s.ok)
      .at(-1);
    console.log(
      `everything started on ${owner}; the service answers on ${stack.site.vip}:${SERVICE_PORT}: instance ${answer?.instance}, counter at ${answer?.value}\n`,
    );
    console.log('# crm_mon -1 (on node1)');
    console.log((await c.runOk(1, 'crm_mon', ['-1'])).stdout);
  },
  async () => {
    await cluster?.destroy();
  },
);
