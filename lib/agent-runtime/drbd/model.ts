// The one model every DRBD parser produces: the state of one DRBD resource as seen from this node.
// DRBD 8.4 and DRBD 9 outputs both map into it; DRBD's own state names are kept as they are printed,
// so a value in the model can be searched for in DRBD's documentation and kernel log.
//
// How 8.4 terms map: the 8.4 connection state (`cs:`) mixes two things that DRBD 9 keeps apart,
// whether the nodes talk (`Connected`, `Connecting`, `StandAlone`, ...) and what the replication
// does (`Established`, `SyncSource`, ...). `connectionStateOf84` splits it. `ro:Primary/Secondary`
// is role/peer role, `ds:UpToDate/Inconsistent` is disk/peer disk. An 8.4 resource has exactly
// one peer, and it has no name: DRBD 8.4's tools print the word "peer" in its place. The model
// keeps that word as the connection's name, like every other word DRBD prints, and marks the
// connection `unnamed`; messages name a peer through `peerLabel`.

export const ROLES = ['Primary', 'Secondary', 'Unknown'] as const;
export type Role = (typeof ROLES)[number];

/** Disk states of DRBD 8.4 and 9 (local `disk:` and peer `peer-disk:` alike). */
export const DISK_STATES = [
  'Diskless',
  'Attaching',
  'Detaching',
  'Failed',
  'Negotiating',
  'Inconsistent',
  'Outdated',
  'DUnknown',
  'Consistent',
  'UpToDate',
] as const;
export type DiskState = (typeof DISK_STATES)[number];

/** Whether the nodes talk to each other (DRBD 9 `connection:`). */
export const CONNECTION_STATES = [
  'StandAlone',
  'Disconnecting',
  'Unconnected',
  'Timeout',
  'BrokenPipe',
  'NetworkFailure',
  'ProtocolError',
  'TearDown',
  'Connecting',
  'Connected',
] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** What the replication of one volume to one peer does (DRBD 9 `replication:`). */
export const REPLICATION_STATES = [
  'Off',
  'Established',
  'StartingSyncS',
  'StartingSyncT',
  'WFBitMapS',
  'WFBitMapT',
  'WFSyncUUID',
  'SyncSource',
  'SyncTarget',
  'VerifyS',
  'VerifyT',
  'PausedSyncS',
  'PausedSyncT',
  'Ahead',
  'Behind',
] as const;
export type ReplicationState = (typeof REPLICATION_STATES)[number];

/** Replication states in which a resync moves (or is paused) and has a progress to report. */
export const RESYNC_STATES: readonly ReplicationState[] = ['SyncSource', 'SyncTarget', 'PausedSyncS', 'PausedSyncT'];

/** Why I/O of the resource is frozen. `unspecified`: DRBD 8.4 only says that it is. */
export const SUSPEND_REASONS = ['user', 'no-data', 'fencing', 'quorum', 'unspecified'] as const;
export type SuspendReason = (typeof SUSPEND_REASONS)[number];

/** Why a resync is held back: by an admin, by the peer, or by a `resync-after` dependency. */
export const RESYNC_SUSPEND_REASONS = ['user', 'peer', 'dependency'] as const;
export type ResyncSuspendReason = (typeof RESYNC_SUSPEND_REASONS)[number];

export interface DrbdState {
  /** Resource name (`r0`). */
  name: string;
  /** This node's id in the resource; DRBD 9 only. */
  nodeId?: number;
  role: Role;
  /** Empty when I/O flows. */
  suspended: SuspendReason[];
  /** Sorted by volume number. */
  volumes: Volume[];
  connections: Connection[];
}

export interface Volume {
  volume: number;
  /** The N of /dev/drbdN; not in the short `drbdsetup status`. */
  minor?: number;
  disk: DiskState;
  /** An intentionally diskless node (DRBD 9 `client:yes`); unknown unless the output says. */
  client?: boolean;
  sizeKiB?: number;
  /** KiB that differ from at least one peer: 8.4's `oos:`, else the largest peer `out-of-sync:`. */
  outOfSyncKiB?: number;
  /** DRBD 9 only; `false` means writes fail or freeze (`on-no-quorum`). */
  quorum?: boolean;
}

export interface Connection {
  /** The peer's host name (DRBD 9), or "peer", the placeholder DRBD 8.4 prints (see `unnamed`). */
  name: string;
  /**
   * DRBD 8.4: the peer has no name, `name` is the placeholder "peer". Messages say "the peer"
   * (`peerLabel`); the JSON document and matches against DRBD's own output keep `name`.
   */
  unnamed?: true;
  peerNodeId?: number;
  state: ConnectionState;
  peerRole: Role;
  /** One entry per volume the output reports for this peer; a missing volume is `DUnknown`. */
  peerVolumes: PeerVolume[];
  /**
   * An unresolved split brain with this peer. Status snapshots cannot tell a split brain from an
   * admin's `drbdadm disconnect` (both end StandAlone), so only the events2 stream and the kernel
   * log set this; `undefined` means "no evidence either way".
   */
  splitBrain?: boolean;
}

export interface PeerVolume {
  volume: number;
  replication: ReplicationState;
  peerDisk: DiskState;
  /** The peer is an intentionally diskless node (DRBD 9 `peer-client:yes`). */
  peerClient?: boolean;
  /** Empty when the resync may run. */
  resyncSuspended: ResyncSuspendReason[];
  outOfSyncKiB?: number;
  /** Only while the replication state is one of RESYNC_STATES. */
  resyncDonePercent?: number;
  resyncEtaSeconds?: number;
  /** The recent resync rate (8.4 `speed:`, DRBD 9 `dbdt1:` / `db1/dt1`). */
  resyncKiBPerSecond?: number;
}

/** What DRBD 8.4's tools print where DRBD 9 prints the peer's name (`conn-name:peer`, `  peer role:...`). */
export const UNNAMED_PEER_NAME = 'peer';

/**
 * The name fields of a connection whose name DRBD printed as `printed` (`undefined`: not printed,
 * as 8.4 events2 does for a StandAlone connection). "peer" is DRBD 8.4's placeholder; a DRBD 9
 * host really called "peer" is then also `unnamed`, which only changes the wording of messages.
 */
export function peerNameOf(printed: string | undefined): Pick<Connection, 'name' | 'unnamed'> {
  return printed === undefined || printed === UNNAMED_PEER_NAME ? { name: UNNAMED_PEER_NAME, unnamed: true } : { name: printed };
}

/**
 * How every message (exit reasons, log lines, `ocfkit drbd status`) names a peer. DRBD 9 peers
 * have host names; a DRBD 8.4 peer has none, and interpolating its placeholder name gave
 * "peer peer is still Primary" and "split brain with peer". So:
 *
 *   peerLabel(c)                    node2       | the peer    "split brain with node2"
 *   peerLabel(c, { noun: true })    peer node2  | the peer    "peer node2 is still Primary"
 */
export function peerLabel(connection: Pick<Connection, 'name' | 'unnamed'>, options: { noun?: boolean } = {}): string {
  if (connection.unnamed) return 'the peer';
  return options.noun ? `peer ${connection.name}` : connection.name;
}

/** What every parser returns: never an exception, garbage gives `ok: false` and why. */
export type Parsed<T> = ({ ok: true } & T) | { ok: false; reason: string };
export type DrbdParseResult = Parsed<{ resources: DrbdState[] }>;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
export function isDiskState(value: string): value is DiskState {
  return (DISK_STATES as readonly string[]).includes(value);
}
export function isConnectionState(value: string): value is ConnectionState {
  return (CONNECTION_STATES as readonly string[]).includes(value);
}
export function isReplicationState(value: string): value is ReplicationState {
  return (REPLICATION_STATES as readonly string[]).includes(value);
}

/**
 * Splits a DRBD 8.4 connection state (`cs:` in /proc/drbd, `drbdadm cstate`, sh-status `_cstate`)
 * into the DRBD 9 pair. States before the handshake are connection states (WFConnection and
 * WFReportParams are what DRBD 9 calls Connecting); from `Connected` on, the nodes are connected
 * and the name says what the replication does (8.4 `Connected` is DRBD 9 `Established`).
 * `undefined` for words that are neither, such as `Unconfigured`.
 */
export function connectionStateOf84(cstate: string): { connection: ConnectionState; replication: ReplicationState } | undefined {
  if (cstate === 'WFConnection' || cstate === 'WFReportParams') {
    return { connection: 'Connecting', replication: 'Off' };
  }
  if (cstate === 'Connected') return { connection: 'Connected', replication: 'Established' };
  if (isConnectionState(cstate)) return { connection: cstate, replication: 'Off' };
  if (isReplicationState(cstate) && cstate !== 'Off') {
    return { connection: 'Connected', replication: cstate };
  }
  return undefined;
}
