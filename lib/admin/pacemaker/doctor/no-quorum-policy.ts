// no-quorum-policy=ignore: a partition without quorum keeps (and starts) resources.

import { isFalse, type CibModel } from '../cib.js';
import type { Finding } from './finding.js';

export function checkNoQuorumPolicyIgnore(cib: CibModel, nodeCount: number | undefined): Finding[] {
  if (cib.properties['no-quorum-policy'] !== 'ignore') return [];
  const fencingOff = isFalse(cib.properties['stonith-enabled']);
  const twoNodes = nodeCount === 2;
  const dangerous = fencingOff || (nodeCount !== undefined && nodeCount > 2);
  return [
    {
      check: 'no-quorum-policy-ignore',
      severity: dangerous ? 'danger' : 'warning',
      title: 'no-quorum-policy=ignore: nodes without quorum keep running resources',
      why: twoNodes
        ? "On two nodes this is usually set because losing one node lost quorum. corosync's two_node: 1 solves that properly " +
          '(the survivor keeps quorum, after fencing the peer)' +
          (fencingOff
            ? '; with fencing also off, a cut cluster link makes both nodes run everything: DRBD split brain.'
            : '; with ignore, quorum no longer protects anything and only fencing stands between you and a split brain.')
        : 'A node that cannot see the majority of the cluster may be the one that is cut off; with ignore it keeps running and ' +
          'starting resources while the majority recovers them too.',
      fix: [
        twoNodes
          ? 'set two_node: 1 in the quorum section of corosync.conf on both nodes (and restart corosync)'
          : 'let the majority decide: keep an odd number of nodes or add a quorum device (corosync-qdevice)',
        'crm configure property no-quorum-policy=stop   (pcs: pcs property set no-quorum-policy=stop; freeze for GFS2/OCFS2)',
      ],
    },
  ];
}
