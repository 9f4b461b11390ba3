// A DRBD promotable clone needs notify=true.

import { isTrue, promotableClones, type CibModel } from '../cib.js';
import type { Finding } from './finding.js';

export function checkDrbdNotify(cib: CibModel): Finding[] {
  return promotableClones(cib)
    .filter(
      (clone) =>
        clone.child.kind === 'primitive' && clone.child.standard === 'ocf' && clone.child.type === 'drbd' && !isTrue(clone.meta.notify),
    )
    .map((clone): Finding => ({
      check: 'drbd-notify',
      severity: 'danger',
      title: `DRBD clone ${clone.id} does not have notify=true`,
      why:
        'The DRBD agents learn about their peers (which node is being promoted, started, stopped) from Pacemaker notifications; ' +
        'without them they cannot tell whether the peer is outdated, and ocf:linbit:drbd refuses to start.',
      fix: [`crm resource meta ${clone.id} set notify true   (pcs: pcs resource meta ${clone.id} notify=true)`],
    }));
}
