// Protocol A or B acknowledges a write before it is on the peer's disk; a failover loses those writes.

import type { CibModel } from '../cib.js';
import { protocolOf } from '../../drbd/config.js';
import { pacemakerDrbdResources, type DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';

const LOST: Record<string, string> = {
  A: 'protocol A acknowledges a write once it is on the local disk and in the local TCP send buffer: every write still in flight to the peer',
  B: "protocol B acknowledges a write once the peer has received it, not written it: writes in the peer's memory if both nodes fail (a power cut)",
};

export function checkDrbdAsyncProtocol(drbd: DrbdFacts, cib: CibModel | undefined): Finding[] {
  return pacemakerDrbdResources(cib).flatMap((managed): Finding[] => {
    const config = drbd.configs?.find((candidate) => candidate.name === managed.resource);
    const protocol = config ? protocolOf(config).toUpperCase() : 'C';
    if (!LOST[protocol]) return [];
    return [
      {
        check: 'drbd-async-protocol',
        severity: 'warning',
        title: `DRBD ${managed.resource} (managed by ${managed.clone.id}) replicates with protocol ${protocol}`,
        why:
          `On failover the application already saw these writes succeed, and the promoted peer does not have them: ${LOST[protocol]}. ` +
          'A database loses committed transactions. Use A only for long-distance links where that loss is accepted.',
        fix: [`net { protocol C; }   in /etc/drbd.d/${managed.resource}.res, then drbdadm adjust ${managed.resource} on every node`],
      },
    ];
  });
}
