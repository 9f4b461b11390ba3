// Helpers the parsers share: reading DRBD's `key:value` words and state names, strictly. A word
// the parser does not understand is an error, not a guess: the agent decides promotion on these
// values, and "unknown" must reach it as `ok: false` rather than as a made-up state.

import {
  type ConnectionState,
  type DiskState,
  type DrbdParseResult,
  type DrbdState,
  type ReplicationState,
  type ResyncSuspendReason,
  type Role,
  type SuspendReason,
  RESYNC_STATES,
  RESYNC_SUSPEND_REASONS,
  SUSPEND_REASONS,
  isConnectionState,
  isDiskState,
  isReplicationState,
  isRole,
} from './model.js';

/** Thrown inside a parser, turned into `{ ok: false, reason }` at its entry point. */
export class DrbdFormatError extends Error {}

export function fail(reason: string): never {
  throw new DrbdFormatError(reason);
}

/** Runs a parser body; a format error becomes `ok: false`, anything else is a bug and propagates. */
export function guarded<T extends { ok: true }>(body: () => T): T | { ok: false; reason: string } {
  try {
    return body();
  } catch (error) {
    if (error instanceof DrbdFormatError) return { ok: false, reason: error.message };
    throw error;
  }
}

/** `role:Primary disk:UpToDate` -> Map; the value keeps any further colons (`peer:ipv4:1.2.3.4`). */
export function keyValues(words: readonly string[], where: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const word of words) {
    const colon = word.indexOf(':');
    if (colon <= 0) fail(`${where}: expected key:value, got '${word}'`);
    fields.set(word.slice(0, colon), word.slice(colon + 1));
  }
  return fields;
}

export function words(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '');
}

export function roleOf(value: string, where: string): Role {
  return isRole(value) ? value : fail(`${where}: unknown role '${value}'`);
}
export function diskStateOf(value: string, where: string): DiskState {
  return isDiskState(value) ? value : fail(`${where}: unknown disk state '${value}'`);
}
export function connectionStateOf(value: string, where: string): ConnectionState {
  return isConnectionState(value) ? value : fail(`${where}: unknown connection state '${value}'`);
}
export function replicationStateOf(value: string, where: string): ReplicationState {
  return isReplicationState(value) ? value : fail(`${where}: unknown replication state '${value}'`);
}

export function integerOf(value: string, where: string): number {
  return /^\d{1,15}$/.test(value) ? Number(value) : fail(`${where}: not a whole number: '${value}'`);
}

/** A non-negative decimal (`12.33`, `0.27`); `nan` (events2 at the start of a resync) is unknown. */
export function decimalOf(value: string, where: string): number | undefined {
  if (value === 'nan') return undefined;
  return /^\d{1,15}(\.\d+)?$/.test(value) ? Number(value) : fail(`${where}: not a number: '${value}'`);
}

export function yesNoOf(value: string, where: string): boolean {
  if (value === 'yes') return true;
  if (value === 'no') return false;
  return fail(`${where}: expected yes or no, got '${value}'`);
}

/** `suspended:no` or a comma list of reasons (`suspended:user,quorum`). */
export function suspendReasonsOf(value: string, where: string): SuspendReason[] {
  if (value === 'no') return [];
  if (value === 'yes') return ['unspecified'];
  return value
    .split(',')
    .map((reason) =>
      (SUSPEND_REASONS as readonly string[]).includes(reason)
        ? (reason as SuspendReason)
        : fail(`${where}: unknown suspend reason '${reason}'`),
    );
}

/** `resync-suspended:no` or a comma list (`resync-suspended:peer,dependency`). */
export function resyncSuspendReasonsOf(value: string, where: string): ResyncSuspendReason[] {
  if (value === 'no') return [];
  return value
    .split(',')
    .map((reason) =>
      (RESYNC_SUSPEND_REASONS as readonly string[]).includes(reason)
        ? (reason as ResyncSuspendReason)
        : fail(`${where}: unknown resync-suspended reason '${reason}'`),
    );
}

/** MiB/s as DRBD 9 prints resync rates -> KiB/s as the model (and DRBD 8.4) keeps them. */
export function kibPerSecondOfMiB(mibPerSecond: number): number {
  return Math.round(mibPerSecond * 1024);
}

/**
 * The normal form every parser returns: volumes and peer volumes sorted, resync progress only
 * while a resync runs (events2 and sh-status leave stale values behind), and the volume's
 * out-of-sync amount filled in from its peers when the output reports it per peer only.
 */
export function normalized(state: DrbdState): DrbdState {
  const byVolume = (a: { volume: number }, b: { volume: number }) => a.volume - b.volume;
  const connections = state.connections.map((connection) => ({
    ...connection,
    peerVolumes: connection.peerVolumes
      .map((peerVolume) => {
        if (RESYNC_STATES.includes(peerVolume.replication)) return peerVolume;
        const { resyncDonePercent, resyncEtaSeconds, resyncKiBPerSecond, ...rest } = peerVolume;
        return rest;
      })
      .sort(byVolume),
  }));
  const volumes = state.volumes
    .map((volume) => {
      if (volume.outOfSyncKiB !== undefined) return volume;
      const perPeer = connections
        .flatMap((connection) => connection.peerVolumes)
        .filter((peerVolume) => peerVolume.volume === volume.volume)
        .flatMap((peerVolume) => (peerVolume.outOfSyncKiB === undefined ? [] : [peerVolume.outOfSyncKiB]));
      return perPeer.length === 0 ? volume : { ...volume, outOfSyncKiB: Math.max(...perPeer) };
    })
    .sort(byVolume);
  return { ...state, volumes, connections };
}

export function parsedResources(resources: DrbdState[]): DrbdParseResult & { ok: true } {
  return { ok: true, resources: resources.map(normalized) };
}
