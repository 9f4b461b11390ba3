// stonith-enabled (the default) but no fence device: Pacemaker refuses to start resources.

import { allPrimitives, isFalse, type CibModel } from '../cib.js';
import type { Finding } from './finding.js';

export function checkNoStonithDevice(cib: CibModel): Finding[] {
  if (isFalse(cib.properties['stonith-enabled'])) return []; // reported by stonith-disabled
  if (allPrimitives(cib).some(({ primitive }) => primitive.standard === 'stonith')) return [];
  if (cib.resources.length === 0) return [];
  return [
    {
      check: 'no-stonith-device',
      severity: 'danger',
      title: 'fencing is enabled but no fence device is configured',
      why:
        'With stonith-enabled=true and no STONITH resource, Pacemaker starts no resource at all ("Resource start-up disabled ' +
        'since no STONITH resources have been defined"), and a failed node could never be fenced.',
      fix: [
        'add a fence device per node, e.g. crm configure primitive fence-NODE stonith:fence_ipmilan params pcmk_host_list=NODE ip=... username=... password=...',
        '(pcs: pcs stonith create fence-NODE fence_ipmilan pcmk_host_list=NODE ip=... username=... password=...)',
        'do not "fix" it with stonith-enabled=false: that trades this error for silent split brains',
      ],
    },
  ];
}
