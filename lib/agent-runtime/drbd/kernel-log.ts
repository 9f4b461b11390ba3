// Split brain in the kernel log (dmesg, journalctl -k). Status outputs show only the StandAlone
// connection a split brain leaves behind, which looks exactly like an admin's `drbdadm disconnect`;
// the kernel says which it was:
//
//   8.4:  block drbd0: Split-Brain detected but unresolved, dropping connection!
//   9:    drbd r0/0 drbd0 node2: Split-Brain detected but unresolved, dropping connection!
//
// DRBD 9 with three nodes also leaves a split brain it never names so: after node1 and node2 both
// wrote while apart, node3 (which holds node2's writes) and node1 log only
//   drbd r0/0 drbd1 node3: uuid_compare()=split-brain-auto-recover by rule=bitmap-both
//   drbd r0/0 drbd1 node3: Ignore Split-Brain, for now, at least one side unstable
// and the connect is declined, StandAlone (test/fixtures/drbd-9-lab/README.md). The data has
// diverged all the same, so a split-brain verdict of the handshake counts as one too.
//
// It stays unresolved until DRBD reports it solved (`Split-Brain detected, manually solved. ...`,
// after `connect --discard-my-data`) or the connection to that peer is established again.

import { type DrbdState, connectionStateOf84 } from './model.js';

/** Where a split brain happened: DRBD 9 names resource and peer, DRBD 8.4 only the minor. */
export interface SplitBrainSighting {
  resource?: string;
  peer?: string;
  minor?: number;
}

// `drbd r0/0 drbd0 node2: ` (9, volume towards a peer), `drbd r0 node2: ` (9, connection),
// `block drbd0: ` (8.4, minor).
const PEER_DEVICE_PREFIX = /\bdrbd (\S+)\/\d+ drbd(\d+) (\S+): /;
const CONNECTION_PREFIX = /\bdrbd (\S+) (\S+): /;
const MINOR_PREFIX = /\bblock drbd(\d+): /;
const STATE_TRANSITION = /\bconn\( \S+ -> (\S+) \)/;
/** `Split-Brain detected, manually solved. ...`, `..., 1 primaries, automatically solved`, `... during attach, ... automatically resolved` */
const SPLIT_BRAIN_SOLVED = /Split-Brain detected(?: during attach)?, /;
/** The sync handshake's verdict (DRBD 9: `uuid_compare()=split-brain-auto-recover by rule=...`). */
const SPLIT_BRAIN_VERDICT = /\buuid_compare\(\)=split-brain/;

export function unresolvedSplitBrainsInKernelLog(kernelLog: string): SplitBrainSighting[] {
  const unresolved = new Map<string, SplitBrainSighting>();
  for (const line of kernelLog.split('\n')) {
    const sighting = sightingOf(line);
    if (!sighting) continue;
    const key = sighting.peer === undefined ? `minor ${sighting.minor}` : `${sighting.resource} ${sighting.peer}`;
    if (line.includes('Split-Brain detected but unresolved') || SPLIT_BRAIN_VERDICT.test(line)) {
      unresolved.set(key, sighting);
    } else if (SPLIT_BRAIN_SOLVED.test(line) || isConnectedTransition(line)) {
      unresolved.delete(key);
    }
  }
  return [...unresolved.values()];
}

/** The state with `splitBrain: true` on each connection an unresolved sighting points at. */
export function markSplitBrains(state: DrbdState, sightings: readonly SplitBrainSighting[]): DrbdState {
  const minors = new Set(state.volumes.flatMap((volume) => (volume.minor === undefined ? [] : [volume.minor])));
  const hit = (connectionName: string) =>
    sightings.some((sighting) =>
      sighting.peer === undefined
        ? sighting.minor !== undefined && minors.has(sighting.minor)
        : sighting.resource === state.name && sighting.peer === connectionName,
    );
  return {
    ...state,
    connections: state.connections.map((connection) => (hit(connection.name) ? { ...connection, splitBrain: true } : connection)),
  };
}

/** Which resource, peer or minor a kernel log line is about (its `drbd r0/0 drbd0 node2: ` prefix); undefined for other lines. */
export function sightingOf(line: string): SplitBrainSighting | undefined {
  const peerDevice = PEER_DEVICE_PREFIX.exec(line);
  if (peerDevice) return { resource: peerDevice[1]!, minor: Number(peerDevice[2]), peer: peerDevice[3]! };
  const minor = MINOR_PREFIX.exec(line);
  if (minor) return { minor: Number(minor[1]) };
  const connection = CONNECTION_PREFIX.exec(line);
  if (connection) return { resource: connection[1]!, peer: connection[2]! };
  return undefined;
}

function isConnectedTransition(line: string): boolean {
  const transition = STATE_TRANSITION.exec(line);
  return transition !== null && connectionStateOf84(transition[1]!)?.connection === 'Connected';
}
