// The DRBD benches' common start in the qemu lab (test/vm): our built drbd agent bind-mounted over
// its own path in both VMs (one build for the whole run, through the uncached /ctl share), and r0
// up, connected and in sync, with node1 Primary and one block written.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE, GUEST_PATH, NODES, PROJECT, RES, type Lab } from '../test/vm/lab.js';

/**
 * The environment Pacemaker 2.1 gives a recurring monitor of r0 (a promotable clone of two with
 * notify) on `node`, every `intervalMs`; crm_attribute is the lab's stub for both agents.
 */
export function monitorEnv(node: string, intervalMs: number): Record<string, string> {
  return {
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RA_VERSION_MAJOR: '1',
    OCF_RA_VERSION_MINOR: '1',
    OCF_RESOURCE_INSTANCE: 'drbd_r0',
    OCF_RESOURCE_TYPE: 'drbd',
    OCF_RESKEY_drbd_resource: RES,
    OCF_RESKEY_CRM_meta_clone_max: '2',
    OCF_RESKEY_CRM_meta_clone_node_max: '1',
    OCF_RESKEY_CRM_meta_promoted_max: '1',
    OCF_RESKEY_CRM_meta_promoted_node_max: '1',
    OCF_RESKEY_CRM_meta_master_max: '1',
    OCF_RESKEY_CRM_meta_master_node_max: '1',
    OCF_RESKEY_CRM_meta_notify: 'true',
    OCF_RESKEY_CRM_meta_globally_unique: 'false',
    OCF_RESKEY_CRM_meta_on_node: node,
    OCF_RESKEY_CRM_meta_interval: String(intervalMs),
    OCF_RESKEY_CRM_meta_timeout: '20000',
    OCF_RESKEY_CRM_meta_name: 'monitor',
    CRM_ATTRIBUTE_STUB_DIR: '/run/stub',
    PATH: `${PROJECT}/test/vm/stubs:${GUEST_PATH}`,
  };
}

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
