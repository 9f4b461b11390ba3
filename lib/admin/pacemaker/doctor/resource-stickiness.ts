// Without stickiness, resources move back to a node as soon as it returns.

import { allPrimitives, type CibModel } from '../cib.js';
import type { Finding } from './finding.js';

export function checkResourceStickiness(cib: CibModel): Finding[] {
  if (cib.resources.length === 0) return [];
  const defaultStickiness = cib.resourceDefaults['resource-stickiness'];
  if (defaultStickiness !== undefined && defaultStickiness !== '0') return [];
  const sticky = allPrimitives(cib).some(({ primitive, group, clone }) =>
    [primitive.meta, group?.meta, clone?.meta].some(
      (meta) => meta?.['resource-stickiness'] !== undefined && meta['resource-stickiness'] !== '0',
    ),
  );
  if (sticky) return [];
  return [
    {
      check: 'resource-stickiness',
      severity: 'advice',
      title: 'no resource stickiness: resources move back when a failed node returns',
      why: 'Every move is a short outage (unmount, demote, promote, mount, restart). Without stickiness the recovered node pulls its resources back, which is a second outage nobody asked for.',
      fix: ['crm configure rsc_defaults resource-stickiness=100   (pcs: pcs resource defaults update resource-stickiness=100)'],
    },
  ];
}
