// allow-two-primaries needs fencing resource-and-stonith: with anything less, a broken replication
// link leaves both Primaries writing their own copy.

import { fencingPolicyOf, type DrbdResourceConfig } from '../../drbd/config.js';
import { isTrue } from '../cib.js';
import { isDrbd9, type DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';

const allowsTwoPrimaries = (config: DrbdResourceConfig) => isTrue(config.settings['net.allow-two-primaries']);

export function checkDrbdDualPrimaryFencing(drbd: DrbdFacts): Finding[] {
  return (drbd.configs ?? []).filter(allowsTwoPrimaries).flatMap((config): Finding[] => {
    const policy = fencingPolicyOf(config);
    if (policy === 'resource-and-stonith') return [];
    const drbd9 = isDrbd9(drbd, config);
    const fenceScript = drbd9 ? 'crm-fence-peer.9.sh' : 'crm-fence-peer.sh';
    return [
      {
        check: 'drbd-dual-primary-fencing',
        severity: 'danger',
        title: `DRBD ${config.name} allows two Primaries with fencing ${policy}, not resource-and-stonith`,
        why:
          'With two Primaries, when the replication link breaks both nodes are still writing. Only resource-and-stonith freezes ' +
          'I/O on both until the fence-peer handler has had the peer fenced, so that one side alone carries on; with ' +
          `${policy} both go on writing to their own copy, the cluster file system on each side believes it holds the locks, ` +
          "and on reconnect DRBD finds a split brain with two Primaries that it cannot resolve without throwing one node's writes away.",
        fix: [
          `${drbd9 ? 'net' : 'disk'} { fencing resource-and-stonith; } and handlers { fence-peer "/usr/lib/drbd/${fenceScript}"; } in /etc/drbd.d/${config.name}.res, then drbdadm adjust ${config.name} on every node`,
          '(ocfkit crm generate --dual-primary --drbd-res FILE writes the whole resource file)',
        ],
      },
    ];
  });
}
