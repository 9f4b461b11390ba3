// `ocfkit drbd status --watch` without the I/O: what changed between two states of the
// resources, one line per change (role changes, connections coming and going, disk states,
// resync progress, a split brain as it happens), and the resync progress bars of the redrawn
// screen. Pure.

import { durationWords } from './diagnosis.js';
import { type Connection, type DrbdState, type PeerVolume, RESYNC_STATES, peerLabel } from '../../agent-runtime/drbd/model.js';

/** The lines that tell what changed from `before` to `after`, in DRBD's own state names. */
export function describeChanges(before: DrbdState[], after: DrbdState[]): string[] {
  const lines: string[] = [];
  const old = new Map(before.map((state) => [state.name, state]));
  for (const state of after) {
    const previous = old.get(state.name);
    old.delete(state.name);
    if (!previous) {
      lines.push(`${state.name}: up, ${state.role}, ${state.volumes.map((volume) => volume.disk).join('/') || 'no volume yet'}`);
      continue;
    }
    lines.push(...resourceChanges(previous, state));
  }
  for (const gone of old.keys()) lines.push(`${gone}: down (the resource was taken down)`);
  return lines;
}

function resourceChanges(before: DrbdState, after: DrbdState): string[] {
  const name = after.name;
  const lines: string[] = [];
  if (before.role !== after.role) lines.push(`${name}: role ${before.role} -> ${after.role}`);
  const suspended = after.suspended.join(', ');
  if (before.suspended.join(', ') !== suspended)
    lines.push(suspended ? `${name}: I/O suspended (${suspended})` : `${name}: I/O flows again`);
  for (const volume of after.volumes) {
    const previous = before.volumes.find((candidate) => candidate.volume === volume.volume);
    const label = after.volumes.length > 1 ? `${name} volume ${volume.volume}` : name;
    if (!previous) continue;
    if (previous.disk !== volume.disk) lines.push(`${label}: disk ${previous.disk} -> ${volume.disk}`);
    if (previous.quorum !== undefined && volume.quorum !== undefined && previous.quorum !== volume.quorum) {
      lines.push(volume.quorum ? `${label}: has quorum` : `${label}: lost quorum (on-no-quorum decides: writes fail or freeze)`);
    }
  }
  const oldConnections = new Map(before.connections.map((connection) => [connectionKey(connection), connection]));
  for (const connection of after.connections) {
    const previous = oldConnections.get(connectionKey(connection));
    oldConnections.delete(connectionKey(connection));
    const peer = peerLabel(connection, { noun: true });
    if (!previous) {
      lines.push(`${name}: ${peer} added (${connection.state})`);
      continue;
    }
    if (previous.state !== connection.state) lines.push(`${name}: ${peer} ${previous.state} -> ${connection.state}`);
    if (previous.peerRole !== connection.peerRole && connection.peerRole !== 'Unknown')
      lines.push(`${name}: ${peer} is ${connection.peerRole}`);
    if (connection.splitBrain && !previous.splitBrain) {
      lines.push(
        `${name}: SPLIT BRAIN with ${peerLabel(connection)}: both sides changed data while disconnected; ocfkit drbd status ${name} says how to resolve it`,
      );
    }
    if (previous.splitBrain && connection.splitBrain === false) lines.push(`${name}: split brain with ${peerLabel(connection)} resolved`);
    for (const peerVolume of connection.peerVolumes) {
      const old = previous.peerVolumes.find((candidate) => candidate.volume === peerVolume.volume);
      if (old) lines.push(...peerVolumeChanges(name, connection, old, peerVolume, after.volumes.length > 1));
    }
  }
  for (const gone of oldConnections.values()) lines.push(`${name}: ${peerLabel(gone, { noun: true })} removed`);
  return lines;
}

function peerVolumeChanges(name: string, connection: Connection, before: PeerVolume, after: PeerVolume, manyVolumes: boolean): string[] {
  const label = `${name}${manyVolumes ? ` volume ${after.volume}` : ''}: ${peerLabel(connection, { noun: true })}`;
  const lines: string[] = [];
  if (before.replication !== after.replication) lines.push(`${label} replication ${before.replication} -> ${after.replication}`);
  if (before.peerDisk !== after.peerDisk) lines.push(`${label} disk ${before.peerDisk} -> ${after.peerDisk}`);
  // Progress: a line each time the resync moved on by a whole percent (DRBD reports every few seconds).
  if (
    RESYNC_STATES.includes(after.replication) &&
    after.resyncDonePercent !== undefined &&
    Math.floor(after.resyncDonePercent) !== Math.floor(before.resyncDonePercent ?? -1)
  ) {
    lines.push(`${label} resync ${progressWords(after)}`);
  }
  return lines;
}

function connectionKey(connection: Connection): string {
  return connection.peerNodeId === undefined ? connection.name : String(connection.peerNodeId);
}

/** `52.3% 340 KiB/s ETA 2m32s` (each part only when DRBD reports it). */
export function progressWords(peer: PeerVolume): string {
  const parts = [`${(peer.resyncDonePercent ?? 0).toFixed(1)}%`];
  if (peer.resyncKiBPerSecond !== undefined) parts.push(rateWords(peer.resyncKiBPerSecond));
  if (peer.resyncEtaSeconds !== undefined && !peer.replication.startsWith('Paused'))
    parts.push(`ETA ${durationWords(peer.resyncEtaSeconds)}`);
  if (peer.replication.startsWith('Paused')) parts.push('paused');
  return parts.join(' ');
}

/**
 * The progress bars of every running resync, for the redrawn screen:
 *   r0 -> node2  [##########..........]  52.3% 340 KiB/s ETA 2m32s
 */
export function progressBars(states: DrbdState[], width = 30): string[] {
  const lines: string[] = [];
  for (const state of states) {
    for (const connection of state.connections) {
      for (const peer of connection.peerVolumes) {
        if (!RESYNC_STATES.includes(peer.replication)) continue;
        const done = Math.max(0, Math.min(100, peer.resyncDonePercent ?? 0));
        const filled = Math.round((done / 100) * width);
        const arrow = peer.replication === 'SyncTarget' || peer.replication === 'PausedSyncT' ? '<-' : '->';
        const volume = state.volumes.length > 1 ? `/${peer.volume}` : '';
        lines.push(
          `${state.name}${volume} ${arrow} ${peerLabel(connection)}  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]  ${progressWords(peer)}`,
        );
      }
    }
  }
  return lines;
}

function rateWords(kibPerSecond: number): string {
  if (kibPerSecond >= 10 * 1024) return `${(kibPerSecond / 1024).toFixed(0)} MiB/s`;
  if (kibPerSecond >= 1024) return `${(kibPerSecond / 1024).toFixed(1)} MiB/s`;
  return `${Math.round(kibPerSecond)} KiB/s`;
}
