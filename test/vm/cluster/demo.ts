// The DRBD demo of scripts/main.sh (run through test/vm/cluster/demo.sh): the two qemu VMs of the
// lab as a Pacemaker cluster with real DRBD 8.4 (test/vm/cluster/vm-cluster.ts), the stack
// `ocfkit crm generate --provider ocfkit` prints loaded with crmsh, then crm_mon and DRBD's own
// view from the node that runs it, and a clean teardown.
import { generateStack, loadStack } from '../../cluster/stack.js';
import { vmUnavailable, NODE, PROJECT, RES } from '../lab.js';
import { startVmCluster } from './vm-cluster.js';

const reason = vmUnavailable();
if (reason) {
  console.error(`demo: the DRBD VM cluster cannot run: ${reason}`);
  process.exit(1);
}
const started = Date.now();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log('demo: booting two qemu VMs with real DRBD 8.4; corosync + pacemaker inside; DRBD initial sync ...');
const cluster = await startVmCluster();
try {
  console.log(`demo: node1 and node2 online, DRBD ${RES} initialised, in ${seconds(cluster.startupMs)}; the DRBD resource file from ocfkit crm generate --drbd-res:\n\n${cluster.drbdRes}`);
  const stack = await generateStack(cluster, 'ocfkit');
  console.log(`demo: ocfkit crm generate --provider ocfkit printed:\n\n${stack.crm}`);
  const loadedAt = Date.now();
  const owner = await loadStack(cluster, stack);
  const answer = cluster.samples().filter((s) => s.ok).at(-1)!;
  console.log(`demo: loaded with crm configure load update; DRBD promoted and everything started on ${owner} in ${seconds(Date.now() - loadedAt)}`);
  console.log(`demo: the service answers on ${stack.site.vip}: instance ${answer.instance}, counter at ${answer.value}\n`);
  const n = Number(owner.replace('node', ''));
  console.log(`# crm_mon -1 (on ${owner})`);
  console.log((await cluster.runOk(n, 'crm_mon', ['-1'])).stdout);
  console.log(`# ocfkit drbd status ${RES} (on ${owner})`);
  const status = await cluster.run(n, NODE, [`${PROJECT}/dist/bin/ocfkit.mjs`, 'drbd', 'status', RES]);
  console.log(status.stdout || status.stderr);
} finally {
  await cluster.destroy();
}
console.log(`demo: VMs gone; ${seconds(Date.now() - started)} in all`);
