// allow-two-primaries lets both nodes write at once: only safe with a cluster file system on top,
// and pointless when Pacemaker promotes a single node.

import { allPrimitives, type CibModel } from '../cib.js';
import { isClusterFileSystem } from './cluster-fs.js';
import { pacemakerDrbdResources, type DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';

function hasClusterFileSystem(cib: CibModel): boolean {
  return allPrimitives(cib).some(({ primitive }) => isClusterFileSystem(primitive) || ['o2cb', 'dlm', 'controld'].includes(primitive.type));
}

export function checkDrbdDualPrimary(drbd: DrbdFacts, cib: CibModel | undefined): Finding[] {
  if (!cib) return [];
  return pacemakerDrbdResources(cib).flatMap((managed): Finding[] => {
    const config = drbd.configs?.find((candidate) => candidate.name === managed.resource);
    if (!config || !['yes', 'true'].includes(config.settings['net.allow-two-primaries'] ?? 'no')) return [];
    const promotedMax = Number(managed.clone.meta['promoted-max'] ?? managed.clone.meta['master-max'] ?? '1');
    const fix = `remove allow-two-primaries from /etc/drbd.d/${managed.resource}.res, then drbdadm adjust ${managed.resource} on every node`;
    if (!hasClusterFileSystem(cib)) {
      return [
        {
          check: 'drbd-dual-primary',
          severity: promotedMax > 1 ? 'danger' : 'warning',
          title: `DRBD ${managed.resource} allows two Primaries but the CIB has no cluster file system (gfs2, ocfs2)`,
          why:
            'Two nodes that mount an ordinary file system (ext4, xfs) from the same DRBD device at once each overwrite the ' +
            "other's metadata: the file system is corrupted within seconds." +
            (promotedMax > 1
              ? ` ${managed.clone.id} has promoted-max=${promotedMax}, so Pacemaker will promote both.`
              : ' Any manual "drbdadm primary" on the second node is allowed too.'),
          fix: promotedMax > 1 ? [fix, `crm resource meta ${managed.clone.id} set promoted-max 1`] : [fix],
        },
      ];
    }
    if (promotedMax > 1) return [];
    return [
      {
        check: 'drbd-dual-primary',
        severity: 'warning',
        title: `DRBD ${managed.resource} allows two Primaries but ${managed.clone.id} promotes only one (promoted-max=${promotedMax})`,
        why: 'The setting only widens what a mistake can do: a manual promotion on the second node succeeds instead of being refused.',
        fix: [`${fix}   (or promoted-max=2 if both nodes should run the cluster file system)`],
      },
    ];
  });
}
