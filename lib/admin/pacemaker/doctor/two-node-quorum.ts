// Two nodes without two_node: 1 (or a quorum device): losing either node loses quorum.

import { quorumSettings, type CorosyncSection } from '../corosync-conf.js';
import type { Finding } from './finding.js';

export function checkTwoNodeQuorum(corosync: CorosyncSection, nodeCount: number | undefined): Finding[] {
  const quorum = quorumSettings(corosync);
  if (nodeCount !== 2 || quorum.twoNode || quorum.hasQdevice || quorum.provider !== 'corosync_votequorum') return [];
  return [
    {
      check: 'two-node-quorum',
      severity: 'warning',
      title: 'two nodes without two_node: 1: the survivor of a failure has no quorum',
      why:
        'Quorum is a majority of two votes, i.e. both nodes. When one fails, the other loses quorum and (no-quorum-policy=stop) ' +
        'stops everything: the cluster gives no high availability. The tempting fix, no-quorum-policy=ignore, is unsafe.',
      fix: [
        'add two_node: 1 to the quorum section of corosync.conf on both nodes, then restart corosync (or add a quorum device: corosync-qdevice)',
      ],
    },
  ];
}
