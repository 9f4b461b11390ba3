// two_node: 1 turns on wait_for_all: after a full stop, one node alone never becomes quorate.

import { quorumSettings, type CorosyncSection } from '../corosync-conf.js';
import type { Finding } from './finding.js';

export function checkTwoNodeWaitForAll(corosync: CorosyncSection, nodeCount: number | undefined): Finding[] {
  const quorum = quorumSettings(corosync);
  if (nodeCount !== 2 || !quorum.twoNode || quorum.waitForAll === false) return [];
  return [
    {
      check: 'two-node-wait-for-all',
      severity: 'warning',
      title: `two_node: 1 implies wait_for_all${quorum.waitForAll ? ' (set explicitly)' : ''}: a node that boots alone waits for its peer`,
      why:
        'After both nodes were down (power loss, maintenance), the first one back does not become quorate and starts nothing until ' +
        'it has seen the other. That is on purpose (it cannot know whether the peer is running the service), but it looks like a ' +
        'hang when the peer is broken.',
      fix: [
        'when you are sure the peer is off (powered down, fenced): corosync-cmapctl -s quorum.cancel_wait_for_all u8 1   (pcs: pcs quorum unblock)',
        'keep wait_for_all on; turn it off (wait_for_all: 0) only with reliable fencing, or two nodes booting apart may each start the service',
      ],
    },
  ];
}
