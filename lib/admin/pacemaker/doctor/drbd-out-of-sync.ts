// Blocks an online verify (`drbdadm verify`) found different stay different: DRBD only marks them
// out of sync, and only a reconnect resyncs them.

import { peerLabel, type Connection, type DrbdState } from '../../../agent-runtime/drbd/model.js';
import type { DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';

/** `drbdadm <command> r0:node2` for a named DRBD 9 connection, `r0` for the single 8.4 peer. */
export function connectionTarget(state: DrbdState, connection: Connection): string {
  return connection.unnamed ? state.name : `${state.name}:${connection.name}`;
}

export function checkDrbdOutOfSync(drbd: DrbdFacts): Finding[] {
  return (drbd.states ?? []).flatMap((state) =>
    state.connections.flatMap((connection): Finding[] => {
      // Both sides UpToDate and connected, yet blocks differ: only a verify leaves that behind
      // (a never-synced resource is Inconsistent, and drbd-inconsistent reports it).
      const upToDateHere = new Set(state.volumes.filter((volume) => volume.disk === 'UpToDate').map((volume) => volume.volume));
      const left = connection.peerVolumes.filter(
        (peerVolume) =>
          connection.state === 'Connected' &&
          peerVolume.replication === 'Established' &&
          peerVolume.peerDisk === 'UpToDate' &&
          upToDateHere.has(peerVolume.volume) &&
          (peerVolume.outOfSyncKiB ?? 0) > 0,
      );
      if (left.length === 0) return [];
      const target = connectionTarget(state, connection);
      const amount = left.map((peerVolume) => `${peerVolume.outOfSyncKiB} KiB in volume ${peerVolume.volume}`).join(', ');
      return [
        {
          check: 'drbd-out-of-sync',
          severity: 'warning',
          title: `DRBD ${state.name}: ${amount} out of sync with ${peerLabel(connection, { noun: true })} while connected`,
          why:
            'An online verify found blocks that differ between the nodes and only marked them; DRBD resyncs them on the next ' +
            'connect. Until then a failover to that node serves the old content of those blocks.',
          fix: [`drbdadm disconnect ${target} && drbdadm connect ${target}   (on this node; the resync starts at once)`],
        },
      ];
    }),
  );
}
