// The kernel runs something else than the resource files say: an edit never applied, or a change
// made with drbdsetup/drbdadm options that the next `drbdadm adjust` (or reboot) silently undoes.

import { describeAdjustStep } from '../../drbd/adjust.js';
import type { DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';

export function checkDrbdConfigDiffers(drbd: DrbdFacts): Finding[] {
  return Object.entries(drbd.adjust ?? {}).flatMap(([resource, steps]): Finding[] => {
    if (steps.length === 0) return [];
    const state = drbd.states?.find((candidate) => candidate.name === resource);
    const peerNames = Object.fromEntries(
      (state?.connections ?? [])
        .filter((connection) => connection.peerNodeId !== undefined && !connection.unnamed)
        .map((connection) => [String(connection.peerNodeId), connection.name]),
    );
    const changes = [...new Set(steps.map((step) => describeAdjustStep(step, peerNames)))];
    return [
      {
        check: 'drbd-config-differs',
        severity: 'warning',
        title: `DRBD ${resource}: the running configuration differs from the files (drbdadm adjust would change ${changes.length} thing${changes.length === 1 ? '' : 's'})`,
        why:
          `${changes.join('; ')}. The next "drbdadm adjust", a Pacemaker restart of the resource or a reboot applies the files, ` +
          'so a setting changed only at run time is lost then, and an edit not yet applied is not protecting you now. ' +
          '(A changed section is applied whole: at least one of the settings named differs.)',
        fix: [
          `drbdadm -d adjust ${resource}   (shows the commands; nothing is changed)`,
          `if the files are right: drbdadm adjust ${resource}; if the running values are: put them into /etc/drbd.d/${resource}.res`,
        ],
      },
    ];
  });
}
