// What is colocated with the Promoted DRBD instance must also start after the promotion.

import { isPromotedRole, promotableClones, type CibModel, type CibResource } from '../cib.js';
import type { Finding } from './finding.js';
import { isPositiveScore } from './promoted-colocation.js';

/** The resource, its members (a group's, a clone's), and the group or clone around it. */
function relatedIds(cib: CibModel, id: string): Set<string> {
  const ids = new Set([id]);
  const add = (resource: CibResource) => {
    ids.add(resource.id);
    if (resource.kind === 'group') resource.members.forEach((member) => ids.add(member.id));
    if (resource.kind === 'clone') add(resource.child);
  };
  for (const resource of cib.resources) {
    const inside = (candidate: CibResource): boolean =>
      candidate.id === id ||
      (candidate.kind === 'group' && candidate.members.some((member) => member.id === id)) ||
      (candidate.kind === 'clone' && inside(candidate.child));
    if (resource.id === id) add(resource);
    else if (inside(resource)) ids.add(resource.id);
  }
  return ids;
}

export function checkOrderAfterPromote(cib: CibModel): Finding[] {
  const findings: Finding[] = [];
  const cloneIds = new Set(promotableClones(cib).map((clone) => clone.id));
  for (const colocation of cib.colocations) {
    if (!cloneIds.has(colocation.withRsc) || !isPromotedRole(colocation.withRscRole) || !isPositiveScore(colocation.score)) continue;
    const clone = colocation.withRsc;
    const related = relatedIds(cib, colocation.rsc);
    const orders = cib.orders.filter((order) => order.first === clone && related.has(order.then));
    const good = orders.find((order) => order.firstAction === 'promote' && order.kind !== 'Optional' && order.kind !== 'Serialize');
    if (good) continue;
    const afterStart = orders.find((order) => order.firstAction === 'start');
    const optional = orders.find((order) => order.firstAction === 'promote');
    const fix = [
      `crm configure order order-${clone}-promote-then-${colocation.rsc} Mandatory: ${clone}:promote ${colocation.rsc}:start`,
      `(pcs: pcs constraint order promote ${clone} then start ${colocation.rsc})`,
    ];
    findings.push({
      check: 'order-after-promote',
      severity: 'danger',
      title: afterStart
        ? `${colocation.rsc} is ordered after ${clone} starts, not after it is promoted (${afterStart.id})`
        : optional
          ? `${colocation.rsc} is ordered after ${clone}'s promotion only optionally (${optional.id}, kind=${optional.kind})`
          : `${colocation.rsc} must run with the promoted ${clone} (${colocation.id}) but nothing orders it after the promotion`,
      why:
        'Colocation says where, not when. Without "promote then start", Pacemaker may start the file system while DRBD is still ' +
        'Secondary (the mount fails and the resource is marked failed), and on a switchover it may demote DRBD before the ' +
        'file system is unmounted.' +
        (afterStart ? ' "start" of a DRBD clone only makes it Secondary.' : ''),
      fix: afterStart ? [`replace ${afterStart.id}: ${fix[0]}`, fix[1]!] : fix,
    });
  }
  return findings;
}
