// A DRBD state in the words an admin reads in `ocfkit drbd status` (and its --watch): a one-line
// summary, every finding worst first, and for a split brain the commands that resolve it.

import { type Connection, type DrbdState, type PeerVolume, RESYNC_STATES, peerLabel } from '../../agent-runtime/drbd/model.js';
import { splitBrainSteps } from '../../agent-runtime/drbd/split-brain-steps.js';

export interface DrbdDescription {
  /** `r0: Primary, UpToDate; resync 75% ETA 1m20s (SyncSource to node2)` */
  summary: string;
  /** Worst first; empty when all is well. */
  findings: string[];
  /** Commands that resolve the worst finding, each saying where to run it; often empty. */
  recovery: string[];
}

/**
 * `localNode`: this node's name as its DRBD peers know it (its host name); with several peers the
 * split-brain commands run on a peer have to name this node's connection.
 */
export function describeDrbdState(state: DrbdState | undefined, localNode?: string): DrbdDescription {
  if (!state) return { summary: 'not configured on this node', findings: [], recovery: [] };
  const findings = [
    ...state.connections
      .filter((connection) => connection.splitBrain)
      .map(
        (connection) =>
          `split brain with ${peerLabel(connection)}: both sides changed data while disconnected, and DRBD will not reconnect until one side discards its changes`,
      ),
    ...bothPrimaryFindings(state),
    ...localFindings(state),
    ...state.connections.flatMap((connection) => connectionFindings(state, connection)),
  ];
  const allGood = state.connections.length > 0 ? 'connected and in sync' : 'no peer connection reported';
  return {
    summary: `${state.name}: ${state.role}, ${disksOf(state)}; ${findings[0] ?? allGood}`,
    findings,
    recovery: state.connections.some((connection) => connection.splitBrain) ? splitBrainRecovery(state, localNode) : [],
  };
}

/** How messages name this node when its DRBD name is not known. */
export const THIS_NODE = '<this node>';

/**
 * Resolving a split brain, for someone who has not decided yet which side loses: with one peer
 * the same commands on either side; with several, for each connection in split brain both ways
 * round, since the commands name the other end.
 */
function splitBrainRecovery(state: DrbdState, localNode = THIS_NODE): string[] {
  const decide = "decide which node's changes since the split are thrown away (the victim); the other node (the survivor) keeps its data";
  if (state.connections.length <= 1) {
    const steps = splitBrainSteps(state, '', '');
    return [decide, `on the victim: ${steps.victim}`, `on the survivor: ${steps.survivor}`];
  }
  return [
    decide,
    ...state.connections
      .filter((connection) => connection.splitBrain)
      .flatMap((connection) => {
        const peer = connection.name;
        const hereLoses = splitBrainSteps(state, localNode, peer);
        const peerLoses = splitBrainSteps(state, peer, localNode);
        return [
          `if this node is the victim: here: ${hereLoses.victim}; then on ${peer}: ${hereLoses.survivor}`,
          `if ${peer} is the victim: on ${peer}: ${peerLoses.victim}; then here: ${peerLoses.survivor}`,
        ];
      }),
  ];
}

function bothPrimaryFindings(state: DrbdState): string[] {
  if (state.role !== 'Primary') return [];
  return state.connections
    .filter((connection) => connection.peerRole === 'Primary')
    .map((connection) => `this node and ${peerLabel(connection)} are both Primary`);
}

function localFindings(state: DrbdState): string[] {
  const findings: string[] = [];
  for (const volume of state.volumes) {
    if (volume.quorum === false)
      findings.push(`${volumeLabel(state, volume.volume)}no quorum: writes fail or freeze until enough peers are reachable`);
  }
  if (state.suspended.length > 0) findings.push(`I/O suspended (${state.suspended.join(', ')})`);
  const resyncingAsTarget = (volume: number) =>
    state.connections.some((connection) => connection.peerVolumes.some((peer) => peer.volume === volume && isResyncTarget(peer)));
  for (const volume of state.volumes) {
    if (volume.disk === 'UpToDate' || (volume.disk === 'Diskless' && volume.client) || resyncingAsTarget(volume.volume)) continue;
    findings.push(`${volumeLabel(state, volume.volume)}local disk is ${volume.disk}`);
  }
  return findings;
}

function connectionFindings(state: DrbdState, connection: Connection): string[] {
  if (connection.splitBrain) return [];
  if (connection.state !== 'Connected') {
    const knownDisks = [...new Set(connection.peerVolumes.map((peer) => peer.peerDisk))].filter((disk) => disk !== 'DUnknown');
    const why =
      connection.state === 'StandAlone'
        ? 'StandAlone: not reconnecting by itself; a split brain if the kernel log says "Split-Brain detected"'
        : connection.state;
    const peerDisk = knownDisks.length > 0 ? `; ${peerLabel(connection, { noun: true })} disk is ${knownDisks.join('/')}` : '';
    return [`disconnected from ${peerLabel(connection)} (${why})${peerDisk}`];
  }
  return connection.peerVolumes.flatMap((peer) => {
    const label = volumeLabel(state, peer.volume);
    if (isResyncing(peer)) return [`${label}${resyncWords(peerLabel(connection), peer)}`];
    if (peer.replication !== 'Established') return [`${label}replication ${peer.replication} with ${peerLabel(connection)}`];
    if (peer.peerDisk !== 'UpToDate' && !(peer.peerDisk === 'Diskless' && peer.peerClient)) {
      const heldBack = peer.resyncSuspended.length > 0 ? ` (resync held back by ${peer.resyncSuspended.join(', ')})` : '';
      return [`${label}${peerLabel(connection, { noun: true })} disk is ${peer.peerDisk}${heldBack}`];
    }
    return [];
  });
}

/** `resync 75% ETA 1m20s (SyncSource to node2)`, `resync paused at 40% (PausedSyncT from node3; held back by dependency)` */
function resyncWords(peerName: string, peer: PeerVolume): string {
  const paused = peer.replication.startsWith('Paused');
  const direction = isResyncTarget(peer) ? 'from' : 'to';
  const percent = peer.resyncDonePercent === undefined ? '' : ` ${paused ? 'at ' : ''}${Math.round(peer.resyncDonePercent * 10) / 10}%`;
  const eta = peer.resyncEtaSeconds === undefined || paused ? '' : ` ETA ${durationWords(peer.resyncEtaSeconds)}`;
  const heldBack = peer.resyncSuspended.length > 0 ? `; held back by ${peer.resyncSuspended.join(', ')}` : '';
  return `resync${paused ? ' paused' : ''}${percent}${eta} (${peer.replication} ${direction} ${peerName}${heldBack})`;
}

function isResyncing(peer: PeerVolume): boolean {
  return RESYNC_STATES.includes(peer.replication);
}

function isResyncTarget(peer: PeerVolume): boolean {
  return peer.replication === 'SyncTarget' || peer.replication === 'PausedSyncT';
}

/** 13 -> "13s", 80 -> "1m20s", 3725 -> "1h02m" */
export function durationWords(seconds: number): string {
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

function disksOf(state: DrbdState): string {
  const disks = new Set(state.volumes.map((volume) => volume.disk));
  if (disks.size <= 1) return [...disks][0] ?? 'no volumes';
  return state.volumes.map((volume) => `volume ${volume.volume} ${volume.disk}`).join(', ');
}

/** "" with one volume, "volume 1: " with several. */
function volumeLabel(state: DrbdState, volume: number): string {
  return state.volumes.length > 1 ? `volume ${volume}: ` : '';
}
