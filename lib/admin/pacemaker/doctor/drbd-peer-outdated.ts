// A peer marked Outdated cannot take over until it has resynced.

import { peerLabel } from '../../../agent-runtime/drbd/model.js';
import type { DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';
import { connectionTarget } from './drbd-out-of-sync.js';

export function checkDrbdPeerOutdated(drbd: DrbdFacts): Finding[] {
  return (drbd.states ?? []).flatMap((state) =>
    state.connections.flatMap((connection): Finding[] => {
      if (!connection.peerVolumes.some((peerVolume) => peerVolume.peerDisk === 'Outdated')) return [];
      const target = connectionTarget(state, connection);
      return [
        {
          check: 'drbd-peer-outdated',
          severity: 'warning',
          title: `DRBD ${state.name}: ${peerLabel(connection, { noun: true })} is Outdated (connection ${connection.state})`,
          why:
            'An Outdated node missed writes; DRBD and Pacemaker will not promote it, so while it stays so this resource has no ' +
            'failover target there. The status does not tell since when: if this lasts, the link or the peer needs attention.',
          fix:
            connection.state === 'Connected'
              ? ['the peer should resync now; if it does not, on the peer: drbdadm disconnect and drbdadm connect the resource']
              : [
                  `repair the replication link, then on ${peerLabel(connection)}: drbdadm connect ${state.name}   (and on this node: drbdadm connect ${target})`,
                ],
        },
      ];
    }),
  );
}
