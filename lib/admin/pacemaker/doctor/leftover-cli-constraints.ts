// cli-ban-* / cli-prefer-* constraints left behind by `crm resource move|ban`, `pcs resource ban`.

import type { CibModel } from '../cib.js';
import type { Finding } from './finding.js';

export function checkLeftoverCliConstraints(cib: CibModel): Finding[] {
  return cib.locations
    .filter((location) => location.id.startsWith('cli-ban-') || location.id.startsWith('cli-prefer-'))
    .map((location): Finding => {
      const ban = location.id.startsWith('cli-ban-');
      const resource = location.rsc ?? location.id.replace(/^cli-(ban|prefer)-/, '').replace(/-on-.*$/, '');
      const node = location.node ?? 'its node';
      return {
        check: 'leftover-cli-constraints',
        severity: 'warning',
        title: ban ? `${resource} is banned from ${node} (${location.id})` : `${resource} is pinned to ${node} (${location.id})`,
        why:
          (ban
            ? `"crm resource move/ban" and "pcs resource ban" keep ${resource} off ${node} with a -INFINITY location constraint that stays after the move. `
            : `"crm resource move NODE" keeps ${resource} on ${node} with an INFINITY preference that stays after the move. `) +
          (ban
            ? `If the other node fails, ${resource} cannot come back to ${node}: there is no failover left.`
            : `${resource} will return to ${node} whenever it can, ignoring stickiness.`) +
          (location.expires ? ` It expires at ${location.expires}.` : ' It never expires.'),
        fix: [`crm resource clear ${resource}   (pcs: pcs resource clear ${resource}; or crm_resource --clear -r ${resource})`],
      };
    });
}
