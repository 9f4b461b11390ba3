// The two sources that see a split brain happen, where status snapshots only show StandAlone:
// the continuous `drbdsetup events2 --timestamps` stream and the kernel log.
import t from 'tap';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import {
  type DrbdState,
  foldEvents2Stream,
  markSplitBrains,
  parseEvents2,
  parseProcDrbd,
  unresolvedSplitBrainsInKernelLog,
} from '../../lib/admin/drbd/index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const read = (file: string) => readFileSync(`${FIXTURES}${file}`, 'utf8');

/** [role, local disk, ...peers as "name state peerRole peerDisk replication [split brain]"] */
type Seen = [string, string, ...string[]];

function seen(state: DrbdState): Seen {
  return [
    state.role,
    state.volumes.map((volume) => volume.disk).join('/'),
    ...state.connections.map((connection) => {
      const volume = connection.peerVolumes[0];
      const words = [connection.name, connection.state, connection.peerRole, volume?.peerDisk ?? 'DUnknown', volume?.replication ?? 'Off'];
      if (connection.splitBrain !== undefined) words.push(connection.splitBrain ? 'split-brain' : 'no-split-brain');
      return words.join(' ');
    }),
  ];
}

/** The stream folded up to the moment a state was captured on that node, read off the log by hand. */
const STREAM_AT_STATE: [log: string, state: string, expected: Seen | 'none'][] = [
  ['drbd-8.4/events2-node1.log', '00-unconfigured', 'none'],
  ['drbd-8.4/events2-node1.log', '02-syncing', ['Primary', 'UpToDate', 'peer Connected Secondary Inconsistent SyncSource']],
  // 8.4's events2 destroys the connection object on `drbdadm disconnect`.
  ['drbd-8.4/events2-node1.log', '04-disconnected', ['Primary', 'UpToDate']],
  ['drbd-8.4/events2-node1.log', '08-link-down', ['Primary', 'UpToDate', 'peer Connecting Unknown DUnknown Off']],
  // ... and after a split brain too; the fold keeps that one, StandAlone.
  ['drbd-8.4/events2-node1.log', '11-split-brain', ['Primary', 'UpToDate', 'peer StandAlone Unknown DUnknown Off split-brain']],
  [
    'drbd-8.4/events2-node1.log',
    '12-split-brain-resolved',
    ['Primary', 'UpToDate', 'peer Connected Secondary UpToDate Established no-split-brain'],
  ],
  ['drbd-8.4/events2-node1.log', '13-down', 'none'],
  // node2's capture of 02 ended after its resync had finished.
  ['drbd-8.4/events2-node2.log', '02-syncing', ['Secondary', 'UpToDate', 'peer Connected Primary UpToDate Established']],
  ['drbd-8.4/events2-node2.log', '11-split-brain', ['Primary', 'UpToDate', 'peer StandAlone Unknown DUnknown Off split-brain']],
  [
    'drbd-8.4/events2-node2.log',
    '12-split-brain-resolved',
    ['Secondary', 'UpToDate', 'peer Connected Primary UpToDate Established no-split-brain'],
  ],
  [
    'drbd-9/events2-node1.log',
    '02-initial-sync',
    ['Primary', 'UpToDate', 'node2 Connected Secondary Inconsistent SyncSource', 'node3 Connected Secondary Inconsistent SyncSource'],
  ],
  [
    'drbd-9/events2-node1.log',
    '04-peer-link-down',
    ['Primary', 'UpToDate', 'node2 Connected Secondary UpToDate Established', 'node3 Connecting Unknown DUnknown Off'],
  ],
  [
    'drbd-9/events2-node1.log',
    '07-primary-quorum-lost',
    ['Primary', 'UpToDate', 'node2 Connecting Unknown DUnknown Off', 'node3 Connecting Unknown DUnknown Off'],
  ],
  [
    'drbd-9/events2-node1.log',
    '10-split-brain',
    ['Primary', 'UpToDate', 'node2 StandAlone Unknown DUnknown Off split-brain', 'node3 Connecting Unknown DUnknown Off'],
  ],
  [
    'drbd-9/events2-node1.log',
    '11-split-brain-resolved',
    [
      'Primary',
      'UpToDate',
      'node2 Connected Secondary UpToDate Established no-split-brain',
      'node3 Connected Secondary UpToDate Established',
    ],
  ],
  [
    'drbd-9/events2-node2.log',
    '10-split-brain',
    ['Primary', 'UpToDate', 'node1 StandAlone Unknown DUnknown Off split-brain', 'node3 Connecting Unknown Outdated Off'],
  ],
  // node3 was disconnected by an admin: StandAlone, but no split brain.
  [
    'drbd-9/events2-node3.log',
    '10-split-brain',
    ['Secondary', 'Outdated', 'node1 StandAlone Unknown DUnknown Off', 'node2 StandAlone Unknown DUnknown Off'],
  ],
  ['drbd-9/events2-node3.log', '12-down', 'none'],
];

t.test('events2 stream folded up to each captured state', async (t) => {
  for (const [log, stateName, expected] of STREAM_AT_STATE) {
    const node = /node\d/.exec(log)![0];
    const version = log.split('/')[0]!;
    // Timestamps sort as text; captured_at is written when the node's capture ended.
    const capturedAt = read(`${version}/${stateName}/${node}/captured_at`).trim().replace('Z', '');
    const lines = read(log)
      .split('\n')
      .filter((line) => line.slice(0, capturedAt.length) <= capturedAt);
    const result = foldEvents2Stream(lines.join('\n'));
    t.ok(result.ok, `${log} up to ${stateName}: parsed`);
    if (!result.ok) continue;
    t.same(result.resources.map(seen), expected === 'none' ? [] : [expected], `${log} up to ${stateName}`);
  }
});

t.test('a whole stream ends with everything down', async (t) => {
  for (const log of [
    'drbd-8.4/events2-node1.log',
    'drbd-8.4/events2-node2.log',
    'drbd-9/events2-node1.log',
    'drbd-9/events2-node2.log',
    'drbd-9/events2-node3.log',
  ]) {
    t.same(foldEvents2Stream(read(log)), { ok: true, resources: [] }, log);
  }
});

t.test('the stream carries progress and quorum as they change', async (t) => {
  const lines = read('drbd-9/events2-node1.log').split('\n');
  const upTo = (timestamp: string) => foldEvents2Stream(lines.filter((line) => line.slice(0, timestamp.length) <= timestamp).join('\n'));
  // The resync after the split brain starts with `done:0.00 ... eta:nan`: progress without an estimate.
  const resyncStart = upTo('2026-11-22T00:34:00.861477');
  t.same(resyncStart.ok && resyncStart.resources[0]!.connections[0]!.peerVolumes[0], {
    volume: 0,
    replication: 'SyncSource',
    peerDisk: 'Inconsistent',
    peerClient: false,
    resyncSuspended: [],
    outOfSyncKiB: 4096,
    resyncDonePercent: 0,
    resyncKiBPerSecond: 0,
  });
  const quorumLost = upTo('2026-11-22T00:32:13');
  t.same(quorumLost.ok && quorumLost.resources[0]!.volumes.map((volume) => volume.quorum), [false]);
  t.match(foldEvents2Stream('change resource name:r0 role:Primary\n'), { ok: false, reason: /unknown resource r0/ });
});

// -------------------------------------------------------------------------------------------------

/** `dmesg | grep -i drbd | tail -40` of each capture: which show a split brain still unresolved. */
const UNRESOLVED_IN_TAIL: Record<string, unknown[]> = {
  'drbd-8.4/11-split-brain/node1': [{ minor: 0 }],
  'drbd-8.4/11-split-brain/node2': [{ minor: 0 }],
  'drbd-9/10-split-brain/node1': [{ resource: 'r0', minor: 0, peer: 'node2' }],
  'drbd-9/10-split-brain/node2': [{ resource: 'r0', minor: 0, peer: 'node1' }],
};

t.test('kernel log: unresolved split brains', async (t) => {
  for (const version of ['drbd-8.4', 'drbd-9']) {
    for (const stateName of readdirSync(`${FIXTURES}${version}`).filter((entry) => /^\d\d-/.test(entry))) {
      for (const node of ['node1', 'node2', 'node3']) {
        const file = `${version}/${stateName}/${node}/dmesg_drbd.txt`;
        if (!existsSync(`${FIXTURES}${file}`)) continue;
        t.same(unresolvedSplitBrainsInKernelLog(read(file)), UNRESOLVED_IN_TAIL[`${version}/${stateName}/${node}`] ?? [], file);
      }
    }
    for (const node of ['node1', 'node2', 'node3']) {
      const file = `${version}/dmesg-${node}.txt`;
      if (!existsSync(`${FIXTURES}${file}`)) continue;
      // Whole boots: the split brain was resolved before the end.
      t.same(unresolvedSplitBrainsInKernelLog(read(file)), [], `${file}: resolved by the end`);
      const untilSplitBrain = read(file).split('\n');
      const cut = untilSplitBrain.findIndex((line) => line.includes('Split-Brain detected but unresolved'));
      if (cut >= 0) {
        t.equal(
          unresolvedSplitBrainsInKernelLog(untilSplitBrain.slice(0, cut + 1).join('\n')).length,
          1,
          `${file}: unresolved right after it`,
        );
      }
    }
  }
  // DRBD 9 also counts a later established connection to that peer as resolved.
  const reconnected = [
    '[  1.0] drbd r0/0 drbd0 node2: Split-Brain detected but unresolved, dropping connection!',
    '[  2.0] drbd r0 node2: conn( Connecting -> Connected ) peer( Unknown -> Secondary ) [connected]',
  ];
  t.same(unresolvedSplitBrainsInKernelLog(reconnected.join('\n')), []);
  t.same(unresolvedSplitBrainsInKernelLog(reconnected[0]!), [{ resource: 'r0', minor: 0, peer: 'node2' }]);
});

t.test('kernel log evidence marks the StandAlone connection as a split brain', async (t) => {
  const sightings = unresolvedSplitBrainsInKernelLog(read('drbd-8.4/11-split-brain/node1/dmesg_drbd.txt'));
  const proc = parseProcDrbd(read('drbd-8.4/11-split-brain/node1/proc_drbd.txt'), new Map([[0, { resource: 'r0', volume: 0 }]]));
  t.same(proc.ok && proc.resources.map((state) => seen(markSplitBrains(state, sightings))), [
    ['Primary', 'UpToDate', 'peer StandAlone Unknown DUnknown Off split-brain'],
  ]);
  const adminDisconnect = parseProcDrbd(
    read('drbd-8.4/04-disconnected/node1/proc_drbd.txt'),
    new Map([[0, { resource: 'r0', volume: 0 }]]),
  );
  const noEvidence = unresolvedSplitBrainsInKernelLog(read('drbd-8.4/04-disconnected/node1/dmesg_drbd.txt'));
  t.same(
    adminDisconnect.ok && adminDisconnect.resources.map((state) => seen(markSplitBrains(state, noEvidence))),
    [['Primary', 'UpToDate', 'peer StandAlone Unknown DUnknown Off']],
    'an admin disconnect is no split brain',
  );

  const drbd9 = parseEvents2(read('drbd-9/10-split-brain/node1/drbdsetup_events2_now.txt'));
  const sightings9 = unresolvedSplitBrainsInKernelLog(read('drbd-9/10-split-brain/node1/dmesg_drbd.txt'));
  t.same(drbd9.ok && drbd9.resources.map((state) => seen(markSplitBrains(state, sightings9))), [
    ['Primary', 'UpToDate', 'node2 StandAlone Unknown DUnknown Off split-brain', 'node3 Connecting Unknown DUnknown Off'],
  ]);
  t.same(
    drbd9.ok && drbd9.resources.map((state) => seen(markSplitBrains({ ...state, name: 'r1' }, sightings9))[2]),
    ['node2 StandAlone Unknown DUnknown Off'],
    'a sighting for another resource marks nothing',
  );
});
