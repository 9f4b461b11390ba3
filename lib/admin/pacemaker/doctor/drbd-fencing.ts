// A DRBD resource Pacemaker manages needs resource-level fencing and the crm-fence-peer handlers:
// they keep Pacemaker from promoting a node whose data is outdated. DRBD 9 quorum on three or more
// nodes does that work instead (LINBIT's agent advises one or the other), so it needs neither.

import { fencingPolicyOf, handlersOf } from '../../drbd/config.js';
import { isDrbd9, pacemakerDrbdResources, type DrbdFacts } from './drbd-facts.js';
import type { CibModel } from '../cib.js';
import type { Finding } from './finding.js';

const FENCING_POLICIES = ['resource-only', 'resource-and-stonith'];

export function checkDrbdFencing(drbd: DrbdFacts, cib: CibModel | undefined): Finding[] {
  const findings: Finding[] = [];
  for (const managed of pacemakerDrbdResources(cib)) {
    const config = drbd.configs?.find((candidate) => candidate.name === managed.resource);
    if (!config) continue;
    const drbd9 = isDrbd9(drbd, config);
    if (drbd9 && config.nodeCount >= 3 && (config.settings['options.quorum'] ?? 'off') !== 'off') continue;
    const section = drbd9 ? 'net' : 'disk';
    const fenceScript = drbd9 ? 'crm-fence-peer.9.sh' : 'crm-fence-peer.sh';
    const unfence = drbd9
      ? { handler: 'unfence-peer', script: 'crm-unfence-peer.9.sh' }
      : { handler: 'after-resync-target', script: 'crm-unfence-peer.sh' };
    const policy = fencingPolicyOf(config);
    const handlers = handlersOf(config);
    const fencePeer = handlers['fence-peer'];
    const where = `in the resource file of ${managed.resource} (/etc/drbd.d/${managed.resource}.res), then drbdadm adjust ${managed.resource} on every node`;
    if (!FENCING_POLICIES.includes(policy)) {
      findings.push({
        check: 'drbd-fencing',
        severity: 'danger',
        title: `DRBD ${managed.resource} (managed by ${managed.clone.id}) has fencing ${policy}`,
        why:
          'Without resource-level fencing, when the replication link fails the Primary keeps writing and nothing marks the peer ' +
          'outdated in Pacemaker: if the Primary then dies, Pacemaker may promote the peer with stale data, or both sides ' +
          'write and you have a split brain.',
        fix: [`${section} { fencing resource-only; }   ${where}`],
      });
    }
    if (!fencePeer || !/crm-fence-peer/.test(fencePeer) || !handlers[unfence.handler]) {
      findings.push({
        check: 'drbd-fencing',
        severity: fencePeer ? 'warning' : 'danger',
        title:
          !fencePeer || !/crm-fence-peer/.test(fencePeer)
            ? `DRBD ${managed.resource} (managed by ${managed.clone.id}) has ${fencePeer ? `fence-peer "${fencePeer}"` : 'no fence-peer handler'}, not crm-fence-peer`
            : `DRBD ${managed.resource} has no ${unfence.handler} handler to lift the fencing constraint`,
        why:
          "The fence-peer handler is what turns DRBD's fencing into a Pacemaker constraint that keeps the outdated peer from " +
          'being promoted; without the unfence handler that constraint stays after the resync, and the peer can never be ' +
          'promoted until someone removes it by hand.',
        fix: [`handlers { fence-peer "/usr/lib/drbd/${fenceScript}"; ${unfence.handler} "/usr/lib/drbd/${unfence.script}"; }   ${where}`],
      });
    }
  }
  return findings;
}
