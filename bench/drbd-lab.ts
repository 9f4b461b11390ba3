// The DRBD benches' common start in the qemu lab (test/vm): our built drbd agent bind-mounted over
// its own path in both VMs (one build for the whole run, through the uncached /ctl share), and r0
// up, connected and in sync, with node1 Primary and one block written.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE, NODES, RES, type Lab } from '../test/vm/lab.js';

export async function agentAndSyncedR0(lab: Lab, ours: string, agentBytes: Buffer): Promise<void> {
  for (const n of NODES) writeFileSync(join(lab.ctlDir(n), 'drbd-agent'), agentBytes);
  await Promise.all(
    NODES.map((n) =>
      lab.ok(n, ['sh', '-c', `install -D -m 755 /ctl/drbd-agent /run/ocfkit/drbd && mount --bind /run/ocfkit/drbd ${ours}`]),
    ),
  );
  await Promise.all(NODES.map((n) => lab.ok(n, ['sh', '-c', `drbdadm create-md --force ${RES} && drbdadm up ${RES}`])));
  await lab.waitFor('Connected', async () => (await lab.drbdState(1)).cstate === 'Connected', 60);
  await lab.ok(1, ['drbdadm', 'primary', '--force', RES]);
  await lab.waitFor(
    'UpToDate/UpToDate on both',
    async () =>
      (await Promise.all(NODES.map((n) => lab.drbdState(n)))).every((s) => s.cstate === 'Connected' && s.dstate === 'UpToDate/UpToDate'),
    180,
    1,
  );
  await lab.ok(1, ['dd', 'if=/dev/urandom', `of=${DEVICE}`, 'bs=4096', 'count=1', 'oflag=direct', 'status=none']);
}
