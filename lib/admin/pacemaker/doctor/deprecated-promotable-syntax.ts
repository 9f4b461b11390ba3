// <master> resources and Master/Slave role names in a Pacemaker 2 CIB.

import { allPrimitives, type CibModel } from '../cib.js';
import type { Finding } from './finding.js';

/** pacemaker-3.x schemas belong to Pacemaker 2; a 1.1 cluster (pacemaker-2.x) has no other choice. */
function isPacemaker2Schema(validateWith: string | undefined): boolean {
  const match = /^pacemaker-(\d+)\./.exec(validateWith ?? '');
  return match !== null && Number(match[1]) >= 3;
}

export function checkDeprecatedPromotableSyntax(cib: CibModel): Finding[] {
  if (!isPacemaker2Schema(cib.validateWith)) return [];
  const masters = cib.resources
    .filter((resource) => resource.kind === 'clone' && resource.element === 'master')
    .map((resource) => resource.id);
  const legacyRoles = [
    ...allPrimitives(cib).flatMap(({ primitive }) =>
      primitive.operations
        .filter((op) => op.role === 'Master' || op.role === 'Slave')
        .map((op) => `${primitive.id} (${op.name} role=${op.role})`),
    ),
    ...cib.colocations
      .filter((colocation) => [colocation.rscRole, colocation.withRscRole].some((role) => role === 'Master' || role === 'Slave'))
      .map((colocation) => colocation.id),
    ...cib.locations.filter((location) => location.role === 'Master' || location.role === 'Slave').map((location) => location.id),
  ];
  const masterMeta = cib.resources
    .filter((resource) => resource.kind === 'clone' && ('master-max' in resource.meta || 'master-node-max' in resource.meta))
    .map((resource) => resource.id);
  if (masters.length === 0 && legacyRoles.length === 0 && masterMeta.length === 0) return [];
  const parts = [
    masters.length > 0 ? `ms/master resources: ${masters.join(', ')}` : '',
    masterMeta.length > 0 ? `master-max/master-node-max on ${masterMeta.join(', ')}` : '',
    legacyRoles.length > 0 ? `Master/Slave role names in ${[...new Set(legacyRoles)].join(', ')}` : '',
  ].filter(Boolean);
  return [
    {
      check: 'deprecated-promotable-syntax',
      severity: 'warning',
      title: `Pacemaker 1.1 spelling in a Pacemaker 2 cluster (${parts.join('; ')})`,
      why:
        'Pacemaker 2 still reads the old ms/Master/Slave spelling but has deprecated it; Pacemaker 3 drops it, so this ' +
        'configuration stops loading after an upgrade. Tools and documentation now use promotable clones and ' +
        'Promoted/Unpromoted, which makes mixed configurations hard to read.',
      fix: [
        'crm configure edit: "ms ID RSC meta master-max=1 ..." becomes "clone ID RSC meta promotable=true promoted-max=1 ...", and role=Master/Slave becomes role=Promoted/Unpromoted',
        'or regenerate the stack: ocfkit crm generate ... --pacemaker 2.1',
      ],
    },
  ];
}
