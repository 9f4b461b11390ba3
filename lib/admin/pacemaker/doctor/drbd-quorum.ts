// DRBD 9 with three or more nodes can decide by majority which partition may write; without
// quorum, any partition with a Primary keeps writing.

import { isDrbd9, pacemakerDrbdResources, type DrbdFacts } from './drbd-facts.js';
import type { CibModel } from '../cib.js';
import type { Finding } from './finding.js';

export function checkDrbdQuorum(drbd: DrbdFacts, cib: CibModel | undefined): Finding[] {
  return pacemakerDrbdResources(cib).flatMap((managed): Finding[] => {
    const config = drbd.configs?.find((candidate) => candidate.name === managed.resource);
    if (!config || config.nodeCount < 3 || !isDrbd9(drbd, config)) return [];
    const quorum = config.settings['options.quorum'] ?? 'off';
    if (quorum !== 'off') return [];
    return [
      {
        check: 'drbd-quorum',
        severity: 'danger',
        title: `DRBD ${managed.resource} has ${config.nodeCount} nodes but no quorum`,
        why:
          'With three or more nodes DRBD 9 can refuse writes in a partition that lost the majority. Without quorum, a Primary ' +
          'cut off from both peers keeps writing while the others may promote one of them: two diverging copies, a split brain.',
        fix: [
          `options { quorum majority; on-no-quorum io-error; }   in /etc/drbd.d/${managed.resource}.res, then drbdadm adjust ${managed.resource} on every node`,
        ],
      },
    ];
  });
}
