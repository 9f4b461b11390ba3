// stonith-enabled=false: the cluster assumes an unreachable node is dead.

import { isFalse, type CibModel } from '../cib.js';
import type { Finding } from './finding.js';

export function checkStonithDisabled(cib: CibModel): Finding[] {
  if (!isFalse(cib.properties['stonith-enabled'])) return [];
  const quorumIgnored = cib.properties['no-quorum-policy'] === 'ignore';
  return [
    {
      check: 'stonith-disabled',
      severity: 'danger',
      title: 'fencing is turned off (stonith-enabled=false)',
      why:
        'Without fencing, a node that merely stops answering (a hung kernel, a cut cluster link) is assumed to be dead, and ' +
        'its resources are started elsewhere while it may still run them: two nodes mount the same file system or promote ' +
        'DRBD on both sides, which is a split brain with two diverging copies of the data.' +
        (quorumIgnored ? ' Together with no-quorum-policy=ignore, each half of a split cluster goes ahead on its own.' : ''),
      fix: [
        'configure a fence device for every node, e.g. crm configure primitive fence-NODE stonith:fence_ipmilan params pcmk_host_list=NODE ip=... username=... password=...',
        'then: crm configure property stonith-enabled=true   (pcs: pcs property set stonith-enabled=true)',
      ],
    },
  ];
}
