// A promotable resource needs one monitor per role, with different intervals.

import { isPromotedRole, isUnpromotedRole, promotableClones, type CibModel, type CibPrimitive } from '../cib.js';
import type { Finding } from './finding.js';

function describeInterval(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function checkPromotableMonitors(cib: CibModel): Finding[] {
  const findings: Finding[] = [];
  for (const clone of promotableClones(cib)) {
    const primitives: CibPrimitive[] = clone.child.kind === 'primitive' ? [clone.child] : clone.child.members;
    for (const primitive of primitives) {
      const monitors = primitive.operations.filter((op) => op.name === 'monitor' && op.intervalMs > 0);
      const promoted = monitors.filter((op) => isPromotedRole(op.role));
      const unpromoted = monitors.filter((op) => isUnpromotedRole(op.role) || op.role === undefined || op.role === 'Started');
      const intervals = new Map<number, string[]>();
      for (const op of monitors) intervals.set(op.intervalMs, [...(intervals.get(op.intervalMs) ?? []), op.role ?? '(any role)']);
      const duplicates = [...intervals].filter(([, roles]) => roles.length > 1);

      const promotedName = cib.validateWith && /^pacemaker-[3-9]/.test(cib.validateWith) ? 'Promoted' : 'Master';
      if (duplicates.length > 0) {
        const [interval, roles] = duplicates[0]!;
        findings.push({
          check: 'promotable-monitors',
          severity: 'danger',
          title: `${primitive.id}: monitors for ${roles.join(' and ')} share the interval ${describeInterval(interval)}`,
          why:
            'Pacemaker identifies a recurring operation by resource, name and interval, so two monitors with the same ' +
            'interval are one operation: one of them is dropped (crm_verify: "is duplicate of") and that role is never ' +
            'monitored. A failed DRBD instance in that role would go unnoticed.',
          fix: [
            `give the roles different intervals, e.g. op monitor role=${promotedName} interval=29s and op monitor role=${promotedName === 'Master' ? 'Slave' : 'Unpromoted'} interval=31s (crm configure edit ${primitive.id})`,
          ],
        });
      } else if (promoted.length === 0 || unpromoted.length === 0) {
        const missing = promoted.length === 0 ? promotedName : promotedName === 'Master' ? 'Slave' : 'Unpromoted';
        findings.push({
          check: 'promotable-monitors',
          severity: 'danger',
          title: `${primitive.id} (in promotable ${clone.id}) has no monitor for the ${missing} role`,
          why: `Pacemaker only checks what a monitor operation covers: a failure of the ${missing} instance would go unnoticed, and nothing is recovered.`,
          fix: [
            `add one, with an interval different from the other role's: crm configure edit ${primitive.id} (op monitor role=${missing} interval=... timeout=...)`,
          ],
        });
      }
    }
  }
  return findings;
}
