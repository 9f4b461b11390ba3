// What an admin reads about a DRBD state: captured states and a few made-up ones.
import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  type DrbdParseResult,
  type DrbdState,
  describeDrbdState,
  markSplitBrains,
  parseDrbdsetupStatusText,
  parseEvents2,
  parseProcDrbd,
  unresolvedSplitBrainsInKernelLog,
} from '../../lib/admin/drbd/index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const read = (file: string) => readFileSync(`${FIXTURES}${file}`, 'utf8');

function only(result: DrbdParseResult): DrbdState {
  if (!result.ok || result.resources.length !== 1) throw new Error(`expected one resource: ${JSON.stringify(result)}`);
  return result.resources[0]!;
}
const proc84 = (file: string) => only(parseProcDrbd(read(file), new Map([[0, { resource: 'r0', volume: 0 }]])));

const SPLIT_BRAIN_RECOVERY = [
  "decide which node's changes since the split are thrown away (the victim); the other node (the survivor) keeps its data",
  'on the victim: drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0',
  'on the survivor: drbdadm connect r0',
];

t.test('captured states', async (t) => {
  t.same(describeDrbdState(proc84('drbd-8.4/03-synced/node1/proc_drbd.txt')), {
    summary: 'r0: Primary, UpToDate; connected and in sync',
    findings: [],
    recovery: [],
  });
  t.equal(
    describeDrbdState(proc84('drbd-8.4/02-syncing/node1/proc_drbd.txt')).summary,
    'r0: Primary, UpToDate; resync 25% ETA 13s (SyncSource to the peer)',
  );
  t.same(
    describeDrbdState(proc84('drbd-8.4/02-syncing/node2/proc_drbd.txt')).findings,
    ['resync 68.8% ETA 5s (SyncTarget from the peer)'],
    'a SyncTarget is Inconsistent by design: no extra finding',
  );
  t.same(describeDrbdState(only(parseDrbdsetupStatusText(read('drbd-9/02-initial-sync/node1/drbdsetup_status_vs.txt')))).findings, [
    'resync 12.3% ETA 3m27s (SyncSource to node2)',
    'resync 12.2% ETA 3m24s (SyncSource to node3)',
  ]);
  t.same(describeDrbdState(only(parseDrbdsetupStatusText(read('drbd-9/02-initial-sync/node2/drbdsetup_status_vs.txt')))).findings, [
    'resync 12.3% ETA 3m23s (SyncTarget from node1)',
    'peer node3 disk is Inconsistent (resync held back by peer, dependency)',
  ]);
  t.same(describeDrbdState(only(parseDrbdsetupStatusText(read('drbd-9/10-split-brain/node2/drbdsetup_status_vs.txt')))).findings, [
    'disconnected from node1 (StandAlone: not reconnecting by itself; a split brain if the kernel log says "Split-Brain detected")',
    'disconnected from node3 (Connecting); peer node3 disk is Outdated',
  ]);
  t.same(describeDrbdState(only(parseEvents2(read('drbd-9/07-primary-quorum-lost/node1/drbdsetup_events2_now.txt')))).findings, [
    'no quorum: writes fail or freeze until enough peers are reachable',
    'disconnected from node2 (Connecting)',
    'disconnected from node3 (Connecting)',
  ]);
  t.equal(
    describeDrbdState(only(parseEvents2(read('drbd-9/10-split-brain/node3/drbdsetup_events2_now.txt')))).summary,
    'r0: Secondary, Outdated; local disk is Outdated',
  );
  t.same(describeDrbdState(undefined), { summary: 'not configured on this node', findings: [], recovery: [] });
});

t.test('split brain, with the commands that resolve it', async (t) => {
  const drbd84 = markSplitBrains(
    proc84('drbd-8.4/11-split-brain/node1/proc_drbd.txt'),
    unresolvedSplitBrainsInKernelLog(read('drbd-8.4/11-split-brain/node1/dmesg_drbd.txt')),
  );
  t.same(describeDrbdState(drbd84), {
    summary:
      'r0: Primary, UpToDate; split brain with the peer: both sides changed data while disconnected, and DRBD will not reconnect until one side discards its changes',
    findings: [
      'split brain with the peer: both sides changed data while disconnected, and DRBD will not reconnect until one side discards its changes',
    ],
    recovery: SPLIT_BRAIN_RECOVERY,
  });
  const drbd9 = markSplitBrains(
    only(parseEvents2(read('drbd-9/10-split-brain/node1/drbdsetup_events2_now.txt'))),
    unresolvedSplitBrainsInKernelLog(read('drbd-9/10-split-brain/node1/dmesg_drbd.txt')),
  );
  t.same(describeDrbdState(drbd9).findings, [
    'split brain with node2: both sides changed data while disconnected, and DRBD will not reconnect until one side discards its changes',
    'disconnected from node3 (Connecting)',
  ]);
  // Three nodes: `drbdadm connect r0` fails while the other connections are up, `disconnect r0`
  // drops them: the commands name the connection, both ways round.
  t.same(describeDrbdState(drbd9, 'node1').recovery, [
    SPLIT_BRAIN_RECOVERY[0],
    'if this node is the victim: here: drbdadm disconnect r0:node2; drbdadm secondary r0; drbdadm connect --discard-my-data r0:node2; then on node2: drbdadm connect r0:node1',
    'if node2 is the victim: on node2: drbdadm disconnect r0:node1; drbdadm secondary r0; drbdadm connect --discard-my-data r0:node1; then here: drbdadm connect r0:node2',
  ]);
  t.match(
    describeDrbdState(drbd9).recovery[1],
    /then on node2: drbdadm connect r0:<this node>$/,
    'without the local node name, a placeholder',
  );
});

// A made-up state: Primary connected to node2, one volume, with what each case changes.
function primaryWith(
  peer: Partial<DrbdState['connections'][number]>,
  peerVolume: Partial<DrbdState['connections'][number]['peerVolumes'][number]>,
): DrbdState {
  return {
    name: 'r0',
    role: 'Primary',
    suspended: [],
    volumes: [{ volume: 0, disk: 'UpToDate' }],
    connections: [
      {
        name: 'node2',
        state: 'Connected',
        peerRole: 'Secondary',
        peerVolumes: [{ volume: 0, replication: 'Established', peerDisk: 'UpToDate', resyncSuspended: [], ...peerVolume }],
        ...peer,
      },
    ],
  };
}

t.test('words for states the fixtures do not show', async (t) => {
  t.equal(
    describeDrbdState(primaryWith({}, { replication: 'SyncSource', peerDisk: 'Inconsistent', resyncDonePercent: 75, resyncEtaSeconds: 80 }))
      .summary,
    'r0: Primary, UpToDate; resync 75% ETA 1m20s (SyncSource to node2)',
  );
  t.equal(
    describeDrbdState(
      primaryWith({}, { replication: 'SyncSource', peerDisk: 'Inconsistent', resyncDonePercent: 1.04, resyncEtaSeconds: 3725 }),
    ).findings[0],
    'resync 1% ETA 1h02m (SyncSource to node2)',
  );
  t.equal(
    describeDrbdState(primaryWith({ state: 'Connecting', peerRole: 'Unknown' }, { replication: 'Off', peerDisk: 'Outdated' })).findings[0],
    'disconnected from node2 (Connecting); peer node2 disk is Outdated',
  );
  t.equal(
    describeDrbdState(
      primaryWith(
        {},
        {
          replication: 'PausedSyncS',
          peerDisk: 'Inconsistent',
          resyncDonePercent: 40,
          resyncEtaSeconds: 10,
          resyncSuspended: ['dependency'],
        },
      ),
    ).findings[0],
    'resync paused at 40% (PausedSyncS to node2; held back by dependency)',
  );
  t.same(describeDrbdState(primaryWith({ peerRole: 'Primary' }, {})).findings, ['this node and node2 are both Primary']);
  t.same(describeDrbdState({ ...primaryWith({}, {}), suspended: ['quorum'] }).findings, ['I/O suspended (quorum)']);
  const twoVolumes: DrbdState = {
    ...primaryWith({}, {}),
    volumes: [
      { volume: 0, disk: 'UpToDate' },
      { volume: 1, disk: 'Diskless' },
    ],
  };
  t.equal(describeDrbdState(twoVolumes).summary, 'r0: Primary, volume 0 UpToDate, volume 1 Diskless; volume 1: local disk is Diskless');
  t.equal(describeDrbdState({ ...primaryWith({}, {}), connections: [] }).summary, 'r0: Primary, UpToDate; no peer connection reported');
});
