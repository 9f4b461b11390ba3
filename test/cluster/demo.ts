// The demo of scripts/main.sh (run through test/cluster/demo.sh): a two-node Pacemaker cluster in
// network namespaces running the stack `ocfkit crm generate` prints (ocf:ocfkit:Filesystem, the
// VIP, a counter service, fencing), crm_mon as an admin would see it, and a clean teardown.
import { startCluster, unavailableReason, SERVICE_PORT } from './nodes.js';
import { generateStack, loadStack, ocfkitUnavailable } from './stack.js';

const reason = unavailableReason() ?? ocfkitUnavailable();
if (reason) {
  console.error(`demo: the namespace cluster ${reason}`);
  process.exit(1);
}

const started = Date.now();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log('demo: starting a two-node Pacemaker cluster (corosync + pacemakerd in network namespaces) ...');
const cluster = await startCluster({ nodes: 2, tokenMs: 1000 });
try {
  console.log(`demo: ${cluster.nodeNames.join(' and ')} online in ${seconds(cluster.startupMs)}; generating the configuration with ocfkit crm generate`);
  const stack = await generateStack(cluster, 'ocfkit');
  for (const note of stack.notes) console.log(`demo: note: ${note}`);
  console.log(`\n${stack.crm}`);
  const loadedAt = Date.now();
  const owner = await loadStack(cluster, stack);
  const answer = cluster.samples().filter((s) => s.ok).at(-1)!;
  console.log(`demo: loaded with crm configure load update; everything started on ${owner} in ${seconds(Date.now() - loadedAt)}`);
  console.log(`demo: the service answers on ${stack.site.vip}:${SERVICE_PORT}: instance ${answer.instance}, counter at ${answer.value}\n`);
  console.log(`# crm_mon -1 (on node1)`);
  console.log((await cluster.runOk(1, 'crm_mon', ['-1'])).stdout);
} finally {
  await cluster.destroy();
}
console.log(`demo: cluster torn down; ${seconds(Date.now() - started)} in all`);
