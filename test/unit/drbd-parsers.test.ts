// Every fixture file that is the output of a supported command, parsed and compared with what a
// human reads off it. The expected states are written out below per state and node (STATES); what
// each output format can show of that state is spelled out in expectedView (the short status
// hides a StandAlone 8.4 peer, only some formats carry node ids, ...). Resync progress moves
// between the commands of one capture, so it is listed per file (RESYNC).
import t, { type Test } from 'tap';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import {
  type ConnectionState,
  type DiskState,
  type DrbdState,
  type ReplicationState,
  type Role,
  parseDrbdadmCstate,
  parseDrbdadmDstate,
  parseDrbdadmRole,
  parseDrbdsetupStatusJson,
  parseDrbdsetupStatusText,
  parseEvents2,
  parseProcDrbd,
  parseProcDrbdVersion,
  parseShStatus,
} from '../../lib/admin/drbd/index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const NODE_IDS: Record<string, number> = { node1: 0, node2: 1, node3: 2 };

// ---------------------------------------------------------------------------------------------
// What each state looks like, read off the fixtures by hand.

/** [peer name, connection, peer role, peer disk, replication, resync-suspended] */
type Peer = [string, ConnectionState, Role, DiskState, ReplicationState, string?];
interface Running {
  role: Role;
  disk: DiskState;
  quorum?: false;
  peers: Peer[];
}
/** Not configured; `drbdadm dstate` still reads the on-disk metadata. */
interface Down {
  metadataDisk: DiskState;
}
type NodeState = Running | Down;

const p84 = {
  connected: (role: Role, disk: DiskState, replication: ReplicationState = 'Established'): Peer => [
    'peer',
    'Connected',
    role,
    disk,
    replication,
  ],
  standAlone: ['peer', 'StandAlone', 'Unknown', 'DUnknown', 'Off'] as Peer,
  connecting: ['peer', 'Connecting', 'Unknown', 'DUnknown', 'Off'] as Peer,
};
const connecting9 = (name: string): Peer => [name, 'Connecting', 'Unknown', 'DUnknown', 'Off'];
const standAlone9 = (name: string): Peer => [name, 'StandAlone', 'Unknown', 'DUnknown', 'Off'];
const synced84: Record<string, NodeState> = {
  node1: { role: 'Primary', disk: 'UpToDate', peers: [p84.connected('Secondary', 'UpToDate')] },
  node2: { role: 'Secondary', disk: 'UpToDate', peers: [p84.connected('Primary', 'UpToDate')] },
};
const synced9: Record<string, NodeState> = {
  node1: {
    role: 'Primary',
    disk: 'UpToDate',
    peers: [
      ['node2', 'Connected', 'Secondary', 'UpToDate', 'Established'],
      ['node3', 'Connected', 'Secondary', 'UpToDate', 'Established'],
    ],
  },
  node2: {
    role: 'Secondary',
    disk: 'UpToDate',
    peers: [
      ['node1', 'Connected', 'Primary', 'UpToDate', 'Established'],
      ['node3', 'Connected', 'Secondary', 'UpToDate', 'Established'],
    ],
  },
  node3: {
    role: 'Secondary',
    disk: 'UpToDate',
    peers: [
      ['node1', 'Connected', 'Primary', 'UpToDate', 'Established'],
      ['node2', 'Connected', 'Secondary', 'UpToDate', 'Established'],
    ],
  },
};
const inconsistent9 = (self: string): NodeState => ({
  role: 'Secondary',
  disk: 'Inconsistent',
  peers: ['node1', 'node2', 'node3']
    .filter((n) => n !== self)
    .map((n): Peer => [n, 'Connected', 'Secondary', 'Inconsistent', 'Established']),
});

const STATES: Record<string, Record<string, Record<string, NodeState>>> = {
  'drbd-8.4': {
    '00-unconfigured': { node1: { metadataDisk: 'Inconsistent' }, node2: { metadataDisk: 'Inconsistent' } },
    '01-connected-inconsistent': {
      node1: { role: 'Secondary', disk: 'Inconsistent', peers: [p84.connected('Secondary', 'Inconsistent')] },
      node2: { role: 'Secondary', disk: 'Inconsistent', peers: [p84.connected('Secondary', 'Inconsistent')] },
    },
    '02-syncing': {
      node1: { role: 'Primary', disk: 'UpToDate', peers: [p84.connected('Secondary', 'Inconsistent', 'SyncSource')] },
      node2: { role: 'Secondary', disk: 'Inconsistent', peers: [p84.connected('Primary', 'UpToDate', 'SyncTarget')] },
    },
    '03-synced': synced84,
    '04-disconnected': {
      node1: { role: 'Primary', disk: 'UpToDate', peers: [p84.standAlone] },
      node2: { role: 'Secondary', disk: 'UpToDate', peers: [p84.connecting] },
    },
    '05-disconnected-primary-written': {
      node1: { role: 'Primary', disk: 'UpToDate', peers: [p84.standAlone] },
      node2: { role: 'Secondary', disk: 'UpToDate', peers: [p84.connecting] },
    },
    '07-reconnected-synced': synced84,
    '08-link-down': {
      node1: { role: 'Primary', disk: 'UpToDate', peers: [p84.connecting] },
      node2: { role: 'Secondary', disk: 'UpToDate', peers: [p84.connecting] },
    },
    '09-link-restored': synced84,
    '11-split-brain': {
      node1: { role: 'Primary', disk: 'UpToDate', peers: [p84.standAlone] },
      node2: { role: 'Primary', disk: 'UpToDate', peers: [p84.standAlone] },
    },
    '12-split-brain-resolved': synced84,
    '13-down': { node1: { metadataDisk: 'Consistent' }, node2: { metadataDisk: 'Consistent' } },
  },
  'drbd-9': {
    '00-unconfigured': {
      node1: { metadataDisk: 'Inconsistent' },
      node2: { metadataDisk: 'Inconsistent' },
      node3: { metadataDisk: 'Inconsistent' },
    },
    '01-connected-inconsistent': { node1: inconsistent9('node1'), node2: inconsistent9('node2'), node3: inconsistent9('node3') },
    '02-initial-sync': {
      node1: {
        role: 'Primary',
        disk: 'UpToDate',
        peers: [
          ['node2', 'Connected', 'Secondary', 'Inconsistent', 'SyncSource'],
          ['node3', 'Connected', 'Secondary', 'Inconsistent', 'SyncSource'],
        ],
      },
      node2: {
        role: 'Secondary',
        disk: 'Inconsistent',
        peers: [
          ['node1', 'Connected', 'Primary', 'UpToDate', 'SyncTarget'],
          ['node3', 'Connected', 'Secondary', 'Inconsistent', 'Established', 'peer,dependency'],
        ],
      },
      node3: {
        role: 'Secondary',
        disk: 'Inconsistent',
        peers: [
          ['node1', 'Connected', 'Primary', 'UpToDate', 'SyncTarget'],
          ['node2', 'Connected', 'Secondary', 'Inconsistent', 'Established', 'peer,dependency'],
        ],
      },
    },
    '03-synced-one-primary': synced9,
    '04-peer-link-down': {
      node1: {
        role: 'Primary',
        disk: 'UpToDate',
        peers: [['node2', 'Connected', 'Secondary', 'UpToDate', 'Established'], connecting9('node3')],
      },
      node2: {
        role: 'Secondary',
        disk: 'UpToDate',
        peers: [['node1', 'Connected', 'Primary', 'UpToDate', 'Established'], connecting9('node3')],
      },
      node3: { role: 'Secondary', disk: 'UpToDate', quorum: false, peers: [connecting9('node1'), connecting9('node2')] },
    },
    '06-link-restored-synced': synced9,
    '07-primary-quorum-lost': {
      node1: { role: 'Primary', disk: 'UpToDate', quorum: false, peers: [connecting9('node2'), connecting9('node3')] },
      node2: {
        role: 'Secondary',
        disk: 'UpToDate',
        peers: [connecting9('node1'), ['node3', 'Connected', 'Secondary', 'UpToDate', 'Established']],
      },
      node3: {
        role: 'Secondary',
        disk: 'UpToDate',
        peers: [connecting9('node1'), ['node2', 'Connected', 'Secondary', 'UpToDate', 'Established']],
      },
    },
    '08-quorum-regained': synced9,
    '10-split-brain': {
      node1: { role: 'Primary', disk: 'UpToDate', peers: [standAlone9('node2'), connecting9('node3')] },
      node2: { role: 'Primary', disk: 'UpToDate', peers: [standAlone9('node1'), ['node3', 'Connecting', 'Unknown', 'Outdated', 'Off']] },
      node3: { role: 'Secondary', disk: 'Outdated', peers: [standAlone9('node1'), standAlone9('node2')] },
    },
    '11-split-brain-resolved': synced9,
    '12-down': { node1: { metadataDisk: 'Consistent' }, node2: { metadataDisk: 'Consistent' }, node3: { metadataDisk: 'Consistent' } },
  },
};

/**
 * Resync progress per file and peer: [done %, ETA seconds, rate as printed: "3604K" (KiB/s, 8.4)
 * or "0.27M" (MiB/s, DRBD 9)]. Every file not listed shows no progress.
 */
const RESYNC: Record<string, Record<string, [number, number?, string?]>> = {
  'drbd-8.4/02-syncing/node1/proc_drbd': { peer: [25.0, 13, '3604K'] },
  'drbd-8.4/02-syncing/node1/drbdadm_sh_status': { peer: [56.3] },
  'drbd-8.4/02-syncing/node1/drbdadm_status': { peer: [31.45] },
  'drbd-8.4/02-syncing/node1/drbdsetup_status': { peer: [33.34] },
  'drbd-8.4/02-syncing/node1/drbdsetup_status_all': { peer: [35.23] },
  'drbd-8.4/02-syncing/node1/drbdsetup_status_vs': { peer: [37.11] },
  'drbd-8.4/02-syncing/node2/proc_drbd': { peer: [68.8, 5, '4044K'] },
  // sh-status said 100.0 while /proc/drbd and status said the SyncTarget was at 68-84 %.
  'drbd-8.4/02-syncing/node2/drbdadm_sh_status': { peer: [100.0] },
  'drbd-8.4/02-syncing/node2/drbdadm_status': { peer: [77.37] },
  'drbd-8.4/02-syncing/node2/drbdsetup_status': { peer: [79.88] },
  'drbd-8.4/02-syncing/node2/drbdsetup_status_all': { peer: [81.77] },
  'drbd-8.4/02-syncing/node2/drbdsetup_status_vs': { peer: [84.29] },
  'drbd-9/02-initial-sync/node1/drbdadm_status': { node2: [11.44], node3: [11.26] },
  'drbd-9/02-initial-sync/node1/drbdadm_status_noarg': { node2: [11.89], node3: [11.73] },
  'drbd-9/02-initial-sync/node1/drbdsetup_status': { node2: [11.98], node3: [11.84] },
  'drbd-9/02-initial-sync/node1/drbdsetup_status_all': { node2: [12.18], node3: [12.04] },
  'drbd-9/02-initial-sync/node1/drbdsetup_status_vs': { node2: [12.33, 207, '0.27M'], node3: [12.19, 204, '0.28M'] },
  'drbd-9/02-initial-sync/node1/drbdsetup_status_json': { node2: [12.76, 213, '0.26M'], node3: [12.61, 211, '0.26M'] },
  'drbd-9/02-initial-sync/node1/drbdsetup_status_json_vs': { node2: [13.3, 210, '0.26M'], node3: [13.15, 210, '0.26M'] },
  'drbd-9/02-initial-sync/node1/drbdsetup_events2_now': { node2: [13.82], node3: [13.59] },
  'drbd-9/02-initial-sync/node1/drbdsetup_events2_now_stats': { node2: [14.26, 188, '0.29M'], node3: [14.08, 190, '0.29M'] },
  'drbd-9/02-initial-sync/node1/drbdsetup_events2_all_now_stats': { node2: [15.05, 152, '0.36M'], node3: [14.82, 158, '0.34M'] },
  'drbd-9/02-initial-sync/node2/drbdadm_status': { node1: [10.22] },
  'drbd-9/02-initial-sync/node2/drbdadm_status_noarg': { node1: [10.85] },
  'drbd-9/02-initial-sync/node2/drbdsetup_status': { node1: [11.19] },
  'drbd-9/02-initial-sync/node2/drbdsetup_status_all': { node1: [11.54] },
  'drbd-9/02-initial-sync/node2/drbdsetup_status_vs': { node1: [12.25, 203, '0.28M'] },
  'drbd-9/02-initial-sync/node2/drbdsetup_status_json': { node1: [12.56, 212, '0.26M'] },
  'drbd-9/02-initial-sync/node2/drbdsetup_status_json_vs': { node1: [13.01, 213, '0.26M'] },
  'drbd-9/02-initial-sync/node2/drbdsetup_events2_now': { node1: [13.65] },
  'drbd-9/02-initial-sync/node2/drbdsetup_events2_now_stats': { node1: [14.46, 169, '0.32M'] },
  'drbd-9/02-initial-sync/node2/drbdsetup_events2_all_now_stats': { node1: [15.32, 162, '0.33M'] },
  'drbd-9/02-initial-sync/node3/drbdadm_status': { node1: [10.8] },
  'drbd-9/02-initial-sync/node3/drbdadm_status_noarg': { node1: [11.38] },
  'drbd-9/02-initial-sync/node3/drbdsetup_status': { node1: [12.25] },
  'drbd-9/02-initial-sync/node3/drbdsetup_status_all': { node1: [12.59] },
  'drbd-9/02-initial-sync/node3/drbdsetup_status_vs': { node1: [13.12, 212, '0.26M'] },
  'drbd-9/02-initial-sync/node3/drbdsetup_status_json': { node1: [13.68, 200, '0.28M'] },
  'drbd-9/02-initial-sync/node3/drbdsetup_status_json_vs': { node1: [14.28, 186, '0.29M'] },
  'drbd-9/02-initial-sync/node3/drbdsetup_events2_now': { node1: [14.84] },
  'drbd-9/02-initial-sync/node3/drbdsetup_events2_now_stats': { node1: [15.59, 146, '0.37M'] },
  'drbd-9/02-initial-sync/node3/drbdsetup_events2_all_now_stats': { node1: [16.36, 126, '0.42M'] },
};

/** "3604K" -> 3604 KiB/s, "0.27M" -> 276 KiB/s: the model keeps KiB/s, rounded. */
function kibPerSecond(printed: string | undefined): number | undefined {
  if (printed === undefined) return undefined;
  const value = Number(printed.slice(0, -1));
  return printed.endsWith('M') ? Math.round(value * 1024) : value;
}

/** Out-of-sync KiB per peer, where a format reports it and it is not 0. */
const OUT_OF_SYNC: Record<string, Record<string, number>> = {
  'drbd-8.4/05-disconnected-primary-written/node1/proc_drbd': { peer: 12336 },
  'drbd-9/04-peer-link-down/node1/drbdsetup_status_vs': { node3: 32768 },
  'drbd-9/04-peer-link-down/node1/drbdsetup_status_json': { node3: 32768 },
  'drbd-9/04-peer-link-down/node2/drbdsetup_status_json_vs': { node3: 32768 },
  'drbd-9/10-split-brain/node1/drbdsetup_events2_now_stats': { node2: 2048, node3: 2048 },
};

// ---------------------------------------------------------------------------------------------
// Which file is which command, and what of the state each format can show.

type Format = 'proc' | 'role' | 'cstate' | 'dstate' | 'sh-status' | 'status-short' | 'status-verbose' | 'json' | 'events2';
const FORMAT_OF: Record<string, Format> = {
  proc_drbd: 'proc',
  drbdadm_role: 'role',
  drbdadm_cstate: 'cstate',
  drbdadm_cstate_node1: 'cstate',
  drbdadm_cstate_node2: 'cstate',
  drbdadm_cstate_node3: 'cstate',
  drbdadm_dstate: 'dstate',
  drbdadm_sh_status: 'sh-status',
  drbdadm_status: 'status-short',
  drbdadm_status_noarg: 'status-short',
  drbdsetup_status: 'status-short',
  drbdsetup_status_all: 'status-short',
  drbdsetup_status_vs: 'status-verbose',
  drbdsetup_status_json: 'json',
  drbdsetup_status_json_vs: 'json',
  drbdsetup_events2_now: 'events2',
  drbdsetup_events2_now_stats: 'events2',
  drbdsetup_events2_all_now: 'events2',
  drbdsetup_events2_all_now_stats: 'events2',
};
/** Captured outputs that are not state: identifiers, config, a removed command, the kernel log. */
const NOT_STATE = ['ALL', 'drbdadm_get_gi', 'drbdadm_show_gi', 'drbdsetup_show', 'drbdsetup_state', 'dmesg_drbd'];

interface View {
  name: string;
  nodeId?: number;
  role: Role;
  disk: DiskState;
  quorum?: boolean;
  peers: { peer: Peer; peerNodeId?: number }[];
}

function viewOf(state: DrbdState): View {
  const view: View = {
    name: state.name,
    role: state.role,
    disk: state.volumes.map((volume) => volume.disk).join('/') as DiskState,
    peers: state.connections.map((connection) => {
      const volume = connection.peerVolumes.find((peerVolume) => peerVolume.volume === 0);
      const peer: Peer = [
        connection.name,
        connection.state,
        connection.peerRole,
        volume?.peerDisk ?? 'DUnknown',
        volume?.replication ?? 'Off',
      ];
      if (volume && volume.resyncSuspended.length > 0) peer.push(volume.resyncSuspended.join(','));
      return connection.peerNodeId === undefined ? { peer } : { peer, peerNodeId: connection.peerNodeId };
    }),
  };
  if (state.nodeId !== undefined) view.nodeId = state.nodeId;
  if (state.volumes[0]?.quorum !== undefined) view.quorum = state.volumes[0].quorum;
  return view;
}

function expectedView(version: string, node: string, format: Format, state: Running): View {
  const drbd9 = version === 'drbd-9';
  const text = format === 'status-short' || format === 'status-verbose';
  const view: View = { name: 'r0', role: state.role, disk: state.disk, peers: [] };
  if (drbd9 && (format === 'status-verbose' || format === 'json')) view.nodeId = NODE_IDS[node]!;
  // DRBD 9 reports quorum always in the long formats, only its loss in the short one.
  if (drbd9 && (format === 'status-verbose' || format === 'json' || format === 'events2')) view.quorum = state.quorum ?? true;
  if (drbd9 && format === 'status-short' && state.quorum === false) view.quorum = false;
  for (const peer of state.peers) {
    // The 8.4 status text leaves a StandAlone peer out altogether.
    if (!drbd9 && text && peer[1] === 'StandAlone') continue;
    // The short DRBD 9 status shows only the name of a peer that is not connected.
    const shown: Peer =
      drbd9 && format === 'status-short' && peer[1] !== 'Connected' ? [peer[0], peer[1], peer[2], 'DUnknown', peer[4]] : [...peer];
    if (drbd9 && (format === 'status-verbose' || format === 'json' || format === 'events2')) {
      view.peers.push({ peer: shown, peerNodeId: NODE_IDS[peer[0]]! });
    } else if (!drbd9 && format === 'events2') {
      view.peers.push({ peer: shown, peerNodeId: 0 }); // 8.4 calls its one peer node 0
    } else {
      view.peers.push({ peer: shown });
    }
  }
  return view;
}

// ---------------------------------------------------------------------------------------------

const minorOfR0 = new Map([[0, { resource: 'r0', volume: 0 }]]);

function checkState(t: Test, file: string, version: string, node: string, format: Format, text: string, state: NodeState): void {
  const drbd9 = version === 'drbd-9';
  if (format === 'proc' && drbd9) {
    const result = parseProcDrbd(text, minorOfR0);
    t.match(result, { ok: false, reason: /DRBD 9 \/proc\/drbd has no per-resource status/ });
    t.same(parseProcDrbdVersion(text), { ok: true, version: { major: 9, minor: 2, patch: 19 } });
    return;
  }
  if (format === 'sh-status' && drbd9) {
    t.match(parseShStatus(text), { ok: false, reason: /sh-status does not exist/ });
    return;
  }
  if (format === 'role') return checkRole(t, version, text, state);
  if (format === 'cstate') return checkCstate(t, file, version, text, state);
  if (format === 'dstate') return checkDstate(t, version, text, state);

  const parse = {
    proc: (input: string) => parseProcDrbd(input, minorOfR0),
    'sh-status': parseShStatus,
    'status-short': parseDrbdsetupStatusText,
    'status-verbose': parseDrbdsetupStatusText,
    json: parseDrbdsetupStatusJson,
    events2: parseEvents2,
  }[format];
  const result = parse(text);
  if (!result.ok) {
    t.fail(`parse failed: ${result.reason}`);
    return;
  }
  if ('metadataDisk' in state) {
    t.same(result.resources, [], 'nothing configured');
    return;
  }
  t.equal(result.resources.length, 1, 'one resource');
  const resource = result.resources[0]!;
  t.same(viewOf(resource), expectedView(version, node, format, state), 'role, disks, peers');
  t.same(
    resource.connections.map((connection) => connection.unnamed ?? false),
    resource.connections.map(() => !drbd9),
    drbd9 ? 'DRBD 9 peers have names' : 'the DRBD 8.4 peer has none: marked unnamed',
  );

  const key = file.replace(/\.txt$/, '');
  const resync = RESYNC[key] ?? {};
  const outOfSync = OUT_OF_SYNC[key] ?? {};
  for (const connection of resource.connections) {
    const volume = connection.peerVolumes[0];
    const [percent, eta, rate] = resync[connection.name] ?? [];
    t.equal(volume?.resyncDonePercent, percent, `${connection.name}: resync done %`);
    t.equal(volume?.resyncEtaSeconds, eta, `${connection.name}: resync ETA`);
    t.equal(volume?.resyncKiBPerSecond, kibPerSecond(rate), `${connection.name}: resync rate`);
    if (outOfSync[connection.name] !== undefined) {
      t.equal(volume?.outOfSyncKiB, outOfSync[connection.name], `${connection.name}: out of sync`);
    }
  }
  t.same(
    Object.keys(resync).filter((peer) => !resource.connections.some((c) => c.name === peer)),
    [],
    'every peer with progress is there',
  );
}

function checkRole(t: Test, version: string, text: string, state: NodeState): void {
  const expected =
    'metadataDisk' in state ? [] : version === 'drbd-9' ? [{ role: state.role }] : [{ role: state.role, peerRole: state.peers[0]![2] }];
  t.same(parseDrbdadmRole(text), { ok: true, roles: expected });
}

function checkCstate(t: Test, file: string, version: string, text: string, state: NodeState): void {
  if ('metadataDisk' in state) {
    t.same(parseDrbdadmCstate(text), { ok: true, connections: [] });
    return;
  }
  // `drbdadm cstate r0:node2` asks for one connection; plain `cstate r0` lists all in config order.
  const onePeer = /drbdadm_cstate_(node\d)/.exec(file)?.[1];
  const peers = state.peers.filter((peer) => onePeer === undefined || peer[0] === onePeer);
  const expected = peers.map(([, connection, , , replication]) =>
    version === 'drbd-8.4' && connection === 'Connected' && replication !== 'Established' ? { connection, replication } : { connection },
  );
  t.same(parseDrbdadmCstate(text), { ok: true, connections: expected });
}

function checkDstate(t: Test, version: string, text: string, state: NodeState): void {
  const result = parseDrbdadmDstate(text);
  if ('metadataDisk' in state) {
    t.same(result, { ok: true, volumes: [{ disk: state.metadataDisk, peerDisks: [] }] });
    return;
  }
  // DRBD 9 lists peers in kernel order, unrelated to any name: compare them as a set.
  const sorted = (disks: DiskState[]) => (version === 'drbd-9' ? [...disks].sort() : disks);
  t.ok(result.ok, 'parsed');
  if (!result.ok) return;
  t.same(
    result.volumes.map((volume) => ({ disk: volume.disk, peerDisks: sorted(volume.peerDisks) })),
    [{ disk: state.disk, peerDisks: sorted(state.peers.map((peer) => peer[3])) }],
  );
}

const covered = new Set<Format>();
for (const [version, states] of Object.entries(STATES)) {
  t.test(version, async (t) => {
    const stateDirs = readdirSync(`${FIXTURES}${version}`).filter((entry) => /^\d\d-/.test(entry));
    t.same(stateDirs, Object.keys(states), 'every captured state has expectations');
    for (const [stateName, nodes] of Object.entries(states)) {
      for (const [node, state] of Object.entries(nodes)) {
        const dir = `${FIXTURES}${version}/${stateName}/${node}`;
        t.ok(existsSync(dir), `${dir} exists`);
        for (const fileName of readdirSync(dir)
          .filter((name) => name.endsWith('.txt'))
          .sort()) {
          const stem = fileName.slice(0, -'.txt'.length);
          if (NOT_STATE.includes(stem)) continue;
          const format = FORMAT_OF[stem];
          const file = `${version}/${stateName}/${node}/${fileName}`;
          if (!format) {
            t.fail(`${file}: no parser assigned to this command`);
            continue;
          }
          covered.add(format);
          t.test(file, async (t) => checkState(t, file, version, node, format, readFileSync(`${FIXTURES}${file}`, 'utf8'), state));
        }
      }
    }
  });
}
t.test('every format was exercised', async (t) => {
  t.same([...covered].sort(), [...new Set(Object.values(FORMAT_OF))].sort());
});

// ---------------------------------------------------------------------------------------------
// Details the fixtures do not show.

t.test('/proc/drbd', async (t) => {
  const twoVolumes = [
    'version: 8.4.11 (api:1/proto:86-101)',
    'GIT-hash: 0123456789abcdef build by someone@somewhere, 2020-01-01 00:00:00',
    ' 0: cs:PausedSyncT ro:Secondary/Primary ds:Inconsistent/UpToDate C r-p---',
    '    ns:0 nr:10 dw:10 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:2048',
    "\t[=>..................] sync'ed: 10.5% (2048/2288)K",
    '\tfinish: 1:02:03 speed: 1,234 (1,000) want: 2,000 K/sec',
    ' 1: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C s--u--',
    '    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0',
    ' 2: cs:Unconfigured',
    '',
  ].join('\n');
  const owners = new Map([
    [0, { resource: 'web', volume: 0 }],
    [1, { resource: 'web', volume: 1 }],
  ]);
  const result = parseProcDrbd(twoVolumes, owners);
  t.same(result, {
    ok: true,
    resources: [
      {
        name: 'web',
        role: 'Secondary',
        suspended: ['unspecified'],
        volumes: [
          { volume: 0, minor: 0, disk: 'Inconsistent', outOfSyncKiB: 2048 },
          { volume: 1, minor: 1, disk: 'UpToDate', outOfSyncKiB: 0 },
        ],
        connections: [
          {
            name: 'peer',
            unnamed: true,
            state: 'Connected',
            peerRole: 'Primary',
            peerVolumes: [
              {
                volume: 0,
                replication: 'PausedSyncT',
                peerDisk: 'UpToDate',
                resyncSuspended: ['peer'],
                outOfSyncKiB: 2048,
                resyncDonePercent: 10.5,
                resyncEtaSeconds: 3723,
                resyncKiBPerSecond: 1234,
              },
              { volume: 1, replication: 'Established', peerDisk: 'UpToDate', resyncSuspended: ['user'], outOfSyncKiB: 0 },
            ],
          },
        ],
      },
    ],
  });
  t.match(parseProcDrbd(twoVolumes.replace('cs:PausedSyncT', 'cs:Bogus')), { ok: false, reason: /unknown connection state 'Bogus'/ });
  t.match(parseProcDrbd('hello'), { ok: false, reason: /not \/proc\/drbd/ });
  const unmapped = parseProcDrbd(twoVolumes);
  t.same(unmapped.ok && unmapped.resources.map((r) => r.name), ['minor-0', 'minor-1'], 'unmapped minors stand alone');
});

t.test('sh-status reads shell words the way a shell would, and runs nothing', async (t) => {
  const quoted = [
    "_res_name='r0' # a comment",
    '_volume=0 _minor="0"',
    '_cstate=Connected _role=Secondary _peer=Primary',
    '_disk=Up"To"Date _pdsk=UpTo\\',
    'Date',
    '_flags_susp= _flags_aftr_isp= _flags_peer_isp= _flags_user_isp=',
    '_resynced_percent=',
    '_sh_status_process',
  ].join('\n');
  const result = parseShStatus(quoted);
  t.same(result.ok && result.resources.map((r) => [r.name, r.role, r.volumes[0]?.disk, r.connections[0]?.peerVolumes[0]?.peerDisk]), [
    ['r0', 'Secondary', 'UpToDate', 'UpToDate'],
  ]);
  t.match(parseShStatus(quoted.replace('_sh_status_process', 'rm -rf /')), { ok: false, reason: /unexpected shell command/ });
  t.match(parseShStatus(quoted.replace("'r0'", '$(reboot)')), { ok: false, reason: /shell syntax/ });
  t.match(parseShStatus(quoted.replace("'r0'", "'r0")), { ok: false, reason: /unterminated/ });
  t.match(parseShStatus('_res_name=r0\n'), { ok: false, reason: /no _sh_status_process/ });
});

t.test('status text: several resources and volumes, a diskless client, suspended I/O', async (t) => {
  const text = [
    'r0 role:Secondary suspended:quorum,user',
    '  volume:0 disk:UpToDate',
    '  volume:1 disk:Diskless client:yes',
    '  node2 role:Primary',
    '    volume:0 peer-disk:UpToDate',
    '    volume:1 replication:PausedSyncT peer-disk:UpToDate done:40.00 resync-suspended:user',
    '',
    'r1 role:Primary',
    '  disk:UpToDate',
    '',
  ].join('\n');
  const result = parseDrbdsetupStatusText(text);
  t.ok(result.ok);
  if (!result.ok) return;
  t.same(
    result.resources.map((r) => r.name),
    ['r0', 'r1'],
  );
  t.same(result.resources[0]!.suspended, ['quorum', 'user']);
  t.same(
    result.resources[0]!.volumes.map((v) => [v.volume, v.disk, v.client]),
    [
      [0, 'UpToDate', undefined],
      [1, 'Diskless', true],
    ],
  );
  t.same(
    result.resources[0]!.connections[0]!.peerVolumes.map((v) => [v.volume, v.replication, v.resyncDonePercent, v.resyncSuspended]),
    [
      [0, 'Established', undefined, []],
      [1, 'PausedSyncT', 40, ['user']],
    ],
  );
  t.match(parseDrbdsetupStatusText(text.replace('role:Primary\n  disk', 'role:Primry\n  disk')), {
    ok: false,
    reason: /unknown role 'Primry'/,
  });
  t.match(parseDrbdsetupStatusText(' r0 role:Primary'), { ok: false, reason: /unexpected indentation/ });
});

t.test('JSON: paused resync has no ETA; malformed documents are refused', async (t) => {
  const text = readFileSync(`${FIXTURES}drbd-9/02-initial-sync/node2/drbdsetup_status_json.txt`, 'utf8');
  const paused = text
    .replace('"replication-state": "SyncTarget"', '"replication-state": "PausedSyncT"')
    .replace('"estimated-seconds-to-finish": 212', '"estimated-seconds-to-finish": 987654321');
  const result = parseDrbdsetupStatusJson(paused);
  t.same(result.ok && result.resources[0]!.connections[0]!.peerVolumes[0], {
    volume: 0,
    replication: 'PausedSyncT',
    peerDisk: 'UpToDate',
    peerClient: false,
    resyncSuspended: [],
    outOfSyncKiB: 57272,
    resyncDonePercent: 12.56,
    resyncKiBPerSecond: 266,
  });
  t.match(parseDrbdsetupStatusJson(text.slice(0, 200)), { ok: false, reason: /not valid JSON/ });
  t.match(parseDrbdsetupStatusJson('{}'), { ok: false, reason: /array/ });
  t.match(parseDrbdsetupStatusJson(text.replace('"peer_devices"', '"peer-devices"')), {
    ok: false,
    reason: /'peer_devices' is not an array/,
  });
});

t.test('events2 --now must be complete', async (t) => {
  const text = readFileSync(`${FIXTURES}drbd-9/03-synced-one-primary/node1/drbdsetup_events2_now.txt`, 'utf8');
  t.match(parseEvents2(text.replace('exists -\n', '')), { ok: false, reason: /incomplete/ });
  t.match(parseEvents2(`${text}change resource name:r0 role:Secondary\n`), { ok: false, reason: /after 'exists -'/ });
  t.match(parseEvents2(text.replace('exists device', 'exists dvice')), { ok: false, reason: /unknown object 'dvice'/ });
  t.match(parseEvents2(text.replace('disk:UpToDate client', 'disk:UpToDat client')), { ok: false, reason: /unknown disk state/ });
});
