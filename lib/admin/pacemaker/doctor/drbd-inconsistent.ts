// Inconsistent data that no resync is repairing stays unusable: this node cannot take over.

import { peerLabel, RESYNC_STATES, type ReplicationState } from '../../../agent-runtime/drbd/model.js';
import type { DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';

/** A resync runs, is paused, or is being set up. */
const SYNCING: readonly ReplicationState[] = [...RESYNC_STATES, 'StartingSyncS', 'StartingSyncT', 'WFBitMapS', 'WFBitMapT', 'WFSyncUUID'];

export function checkDrbdInconsistent(drbd: DrbdFacts): Finding[] {
  return (drbd.states ?? []).flatMap((state): Finding[] => {
    const inconsistent = state.volumes.filter((volume) => volume.disk === 'Inconsistent');
    const stuck = inconsistent.filter(
      (volume) =>
        !state.connections.some((connection) =>
          connection.peerVolumes.some((peerVolume) => peerVolume.volume === volume.volume && SYNCING.includes(peerVolume.replication)),
        ),
    );
    if (stuck.length === 0) return [];
    const volumes = stuck.map((volume) => volume.volume).join(', ');
    const connected = state.connections.filter((connection) => connection.state === 'Connected');
    const upToDatePeers = connected.filter((connection) => connection.peerVolumes.some((peerVolume) => peerVolume.peerDisk === 'UpToDate'));
    const fix =
      upToDatePeers.length > 0
        ? [`drbdadm invalidate ${state.name}   (on this node: fetch everything again from ${peerLabel(upToDatePeers[0]!)})`]
        : connected.length > 0
          ? [
              `a new resource that never had its initial sync: on the node whose data is to be kept (or any node, if empty): drbdadm primary --force ${state.name}`,
              'only when no node has data you need: it overwrites the peers',
            ]
          : [`drbdadm connect ${state.name}   (to a peer with UpToDate data; check the replication link first)`];
    return [
      {
        check: 'drbd-inconsistent',
        severity: 'danger',
        title: `DRBD ${state.name}: volume ${volumes} is Inconsistent and no resync is running`,
        why:
          'Inconsistent data is half-written and unusable: DRBD refuses to make this node Primary, so the resource has one ' +
          'copy fewer than you think, and if the node with the good data fails there is nothing to fail over to.',
        fix,
      },
    ];
  });
}
