// A cluster file system without working fencing: DLM keeps a failed node's locks until it is
// fenced, so the first failure freezes the file system everywhere.

import { allPrimitives, isFalse, type CibModel } from '../cib.js';
import { clusterFileSystems, describeFileSystem } from './cluster-fs.js';
import type { Finding } from './finding.js';

export function checkClusterFsWithoutFencing(cib: CibModel): Finding[] {
  const fileSystems = clusterFileSystems(cib);
  if (fileSystems.length === 0) return [];
  const disabled = isFalse(cib.properties['stonith-enabled']);
  const hasDevice = allPrimitives(cib).some(({ primitive }) => primitive.standard === 'stonith');
  if (!disabled && hasDevice) return [];
  return [
    {
      check: 'cluster-fs-without-fencing',
      severity: 'danger',
      title: `${fileSystems.map(describeFileSystem).join(', ')} is a cluster file system, but ${disabled ? 'fencing is turned off (stonith-enabled=false)' : 'no fence device is configured'}`,
      why:
        "DLM hands a failed node's locks to the others only once that node has been fenced: before that nobody can know " +
        'whether it is still writing. Without fencing, the first node that fails or merely hangs freezes the file system on ' +
        'every other node (dlm_tool ls shows "wait fencing"), and a hung node that wakes up writes with locks the others ' +
        'believe are free.',
      fix: [
        'configure a fence device for every node, e.g. crm configure primitive fence-NODE stonith:fence_ipmilan params pcmk_host_list=NODE ip=... username=... password=...',
        'then: crm configure property stonith-enabled=true   (pcs: pcs property set stonith-enabled=true)',
      ],
    },
  ];
}
