// A DRBD state in the words an admin reads in `ocfkit explain`, the agent's log and
// `ocf-exit-reason`: a one-line summary, every finding worst first, and for a split brain the
// commands that resolve it.

import { type Connection, type DrbdState, type PeerVolume, RESYNC_STATES, peerLabel } from './model.js';

export interface DrbdDescription {
  /** `r0: Primary, UpToDate; resync 75% ETA 1m20s (SyncSource to node2)` */
  summary: string;
  /** Worst first; empty when all is well. */
  findings: string[];
  /** Commands that resolve the worst finding, each saying where to run it; often empty. */
  recovery: string[];
}

export function describeDrbdState(state: DrbdState | undefined): DrbdDescription {
  if (!state) return { summary: 'not configured on this node', findings: [], recovery: [] };
  const findings = [
    ...state.connections.filter((connection) => connection.splitBrain).map((connection) =>
      `split brain with ${peerLabel(connection)}: both sides changed data while disconnected, and DRBD will not reconnect until one side discards its changes`),
    ...bothPrimaryFindings(state),
    ...localFindings(state),
    ...state.connections.flatMap((connection) => connectionFindings(state, connection)),
  ];
  const allGood = state.connections.length > 0 ? 'connected and in sync' : 'no peer connection reported';
  return {
    summary: `${state.name}: ${state.role}, ${disksOf(state)}; ${findings[0] ?? allGood}`,
    findings,
    recovery: state.connections.some((connection) => connection.splitBrain) ? splitBrainRecovery(state.name) : [],
  };
}

/** Resolving a split brain: one node (the victim) gives up the changes it made since the split. */
function splitBrainRecovery(resource: string): string[] {
  return [
    'decide which node\'s changes since the split are thrown away (the victim); the other node (the survivor) keeps its data',
    `on the victim: drbdadm disconnect ${resource}; drbdadm secondary ${resource}; drbdadm connect --discard-my-data ${resource}`,
    `on the survivor: drbdadm connect ${resource}`,
  ];
}

function bothPrimaryFindings(state: DrbdState): string[] {
  if (state.role !== 'Primary') return [];
  return state.connections.filter((connection) => connection.peerRole === 'Primary').map((connection) =>
    `this node and ${peerLabel(connection)} are both Primary`);
}

function localFindings(state: DrbdState): string[] {
  const findings: string[] = [];
  for (const volume of state.volumes) {
    if (volume.quorum === false) findings.push(`${volumeLabel(state, volume.volume)}no quorum: writes fail or freeze until enough peers are reachable`);
  }
  if (state.suspended.length > 0) findings.push(`I/O suspended (${state.suspended.join(', ')})`);
  const resyncingAsTarget = (volume: number) => state.connections.some((connection) =>
    connection.peerVolumes.some((peer) => peer.volume === volume && isResyncTarget(peer)));
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
    const why = connection.state === 'StandAlone'
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
function durationWords(seconds: number): string {
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
