// GFS2 and OCFS2 lock through the kernel DLM: Pacemaker must run dlm_controld (ocf:pacemaker:controld)
// as a clone, on every node that mounts them.

import { allPrimitives, type CibModel } from '../cib.js';
import { clusterFileSystems, describeFileSystem, isDlm } from './cluster-fs.js';
import type { Finding } from './finding.js';

export function checkClusterFsWithoutDlm(cib: CibModel): Finding[] {
  const fileSystems = clusterFileSystems(cib);
  if (fileSystems.length === 0) return [];
  const dlm = allPrimitives(cib).filter(({ primitive }) => isDlm(primitive));
  if (dlm.some((placed) => placed.clone !== undefined)) return [];
  const named = fileSystems.map(describeFileSystem).join(', ');
  const fix = [
    'crm configure primitive dlm ocf:pacemaker:controld op monitor interval=10s timeout=20s; crm configure clone dlm-clone dlm meta interleave=true',
    '(pcs: pcs resource create dlm ocf:pacemaker:controld op monitor interval=10s timeout=20s clone interleave=true)',
    'then colocate and order the file system clone after it: order dlm-clone:start FS-CLONE:start, colocation FS-CLONE with dlm-clone (ocfkit crm generate --dual-primary writes all of it)',
  ];
  const unclonedId = dlm[0]?.primitive.id;
  return [
    {
      check: 'cluster-fs-without-dlm',
      severity: 'danger',
      title: unclonedId
        ? `DLM (${unclonedId}) runs on one node only, but ${named} is a cluster file system`
        : `${named} is a cluster file system, but the CIB runs no DLM (ocf:pacemaker:controld clone)`,
      why:
        'GFS2 (lock_dlm) and OCFS2 take every lock through the kernel DLM, whose cluster side is dlm_controld. Without it on a ' +
        'node the mount fails there (gfs2: "dlm_new_lockspace error"); started outside Pacemaker, DLM neither stops in order ' +
        "with the file system nor hears from Pacemaker's fencing, so a failed node can leave the survivors hanging." +
        (unclonedId ? ` A primitive runs on one node; every node that mounts the file system needs its own.` : ''),
      fix: unclonedId
        ? [
            `crm configure clone dlm-clone ${unclonedId} meta interleave=true   (pcs: pcs resource clone ${unclonedId} interleave=true)`,
            fix[2]!,
          ]
        : fix,
    },
  ];
}
