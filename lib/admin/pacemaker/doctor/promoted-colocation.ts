// What uses DRBD must run where DRBD is Primary: colocated with the Promoted role, not just the clone.

import { allPrimitives, isPromotedRole, placementIds, promotableClones, type CibModel } from '../cib.js';
import type { Finding } from './finding.js';

/** Scores that make a colocation binding: INFINITY or any positive number. */
export function isPositiveScore(score: string): boolean {
  return /^\+?(INFINITY|inf)$/i.test(score) || (/^\+?\d+$/.test(score) && Number(score) > 0);
}

const DRBD_DEVICE = /^\/dev\/drbd(\d+|\/by-res\/.+|\/by-disk\/.+)$/;

export function checkColocationWithPromoted(cib: CibModel): Finding[] {
  const findings: Finding[] = [];
  const clones = promotableClones(cib);
  const cloneIds = new Set(clones.map((clone) => clone.id));
  const promotedName = /^pacemaker-[3-9]/.test(cib.validateWith ?? '') ? 'Promoted' : 'Master';

  // 1. Colocated with a promotable clone, but with any of its instances.
  for (const colocation of cib.colocations) {
    if (!cloneIds.has(colocation.withRsc) || !isPositiveScore(colocation.score) || isPromotedRole(colocation.withRscRole)) continue;
    findings.push({
      check: 'colocation-with-promoted',
      severity: 'danger',
      title: `${colocation.rsc} is colocated with ${colocation.withRsc} in any role, not with its ${promotedName} instance (${colocation.id})`,
      why:
        `Without the role, Pacemaker may place ${colocation.rsc} next to an Unpromoted (Secondary) instance, where the DRBD ` +
        'device cannot be opened: the mount fails, or the service runs on the node without the data.',
      fix: [
        `crm configure edit ${colocation.id}: "colocation ${colocation.id} inf: ${colocation.rsc} ${colocation.withRsc}:${promotedName}"`,
        `(pcs: pcs constraint delete ${colocation.id}; pcs constraint colocation add ${colocation.rsc} with ${promotedName} ${colocation.withRsc} INFINITY)`,
      ],
    });
  }

  // 2. A file system on a DRBD device that is not tied to any Promoted DRBD instance at all.
  if (clones.length === 0) return findings;
  for (const placed of allPrimitives(cib)) {
    const device = placed.primitive.params.device;
    if (placed.primitive.type !== 'Filesystem' || device === undefined || !DRBD_DEVICE.test(device)) continue;
    const ids = new Set(placementIds(placed));
    const tied = cib.colocations.some(
      (colocation) => ids.has(colocation.rsc) && cloneIds.has(colocation.withRsc) && isPositiveScore(colocation.score),
    );
    if (tied) continue;
    const top = placed.clone?.id ?? placed.group?.id ?? placed.primitive.id;
    findings.push({
      check: 'colocation-with-promoted',
      severity: 'danger',
      title: `${placed.primitive.id} mounts ${device} but is not colocated with a promoted DRBD instance`,
      why: 'Nothing keeps the mount on the node where DRBD is Primary: on any other node the device is read-only or absent, so the start fails or, worse, succeeds on stale data.',
      fix: [
        `crm configure colocation colo-${top}-with-drbd inf: ${top} DRBD-CLONE:${promotedName}   (pcs: pcs constraint colocation add ${top} with ${promotedName} DRBD-CLONE INFINITY)`,
      ],
    });
  }
  return findings;
}
