// `ocfkit drbd status`: recognising DRBD outputs, the words, the JSON document (fixtures of real
// DRBD 8.4 and 9 states), and the live path with a fake machine.
import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  detectDrbdFormat,
  formatStatusText,
  parseDrbdText,
  splitBrainAdvice,
  statusDocument,
  withKernelLog,
} from '../../lib/admin/cli/drbd-report.js';
import { runDrbdStatus } from '../../lib/admin/cli/drbd-status.js';
import type { CommandResult } from '../../lib/admin/cli/system.js';
import type { DrbdState } from '../../lib/admin/drbd/index.js';
import { fakeIo as fakeMachine } from '../helpers/fake-io.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const read = (file: string) => readFileSync(`${FIXTURES}${file}`, 'utf8');
function states(file: string, kernelLog?: string): DrbdState[] {
  const result = parseDrbdText(read(file));
  if (!result.ok) throw new Error(`${file}: ${result.reason}`);
  return withKernelLog(result.resources, kernelLog === undefined ? undefined : read(kernelLog));
}

t.test('recognising the four outputs', async (t) => {
  t.equal(detectDrbdFormat(read('drbd-8.4/03-synced/node1/proc_drbd.txt')), 'proc');
  t.equal(detectDrbdFormat(read('drbd-9/03-synced-one-primary/node1/drbdsetup_status_json.txt')), 'json');
  t.equal(detectDrbdFormat(read('drbd-9/03-synced-one-primary/node1/drbdsetup_events2_now.txt')), 'events2');
  t.equal(detectDrbdFormat(read('drbd-8.4/events2-node1.log')), 'events2');
  t.equal(detectDrbdFormat(read('drbd-9/03-synced-one-primary/node1/drbdsetup_status.txt')), 'status');
  t.match(parseDrbdText('hello world'), { ok: false });
});

t.test('in words: in sync, resync with ETA, disconnected', async (t) => {
  t.equal(
    formatStatusText(states('drbd-9/03-synced-one-primary/node1/drbdsetup_status_json.txt')),
    'r0: Primary, UpToDate; connected and in sync\n',
  );
  t.equal(
    formatStatusText(states('drbd-8.4/02-syncing/node1/proc_drbd.txt')),
    'minor-0: Primary, UpToDate; resync 25% ETA 13s (SyncSource to the peer)\n',
  );
  t.match(
    formatStatusText(states('drbd-9/02-initial-sync/node1/drbdsetup_status.txt')),
    /^r0: Primary, UpToDate; resync 12% \(SyncSource to node2\)\n  also: resync 11\.8% \(SyncSource to node3\)\n$/,
  );
  t.match(formatStatusText(states('drbd-8.4/04-disconnected/node2/proc_drbd.txt')), /disconnected from the peer \(Connecting\)/);
  t.equal(formatStatusText([]), 'No DRBD resource is configured (up) on this node.\n');
});

t.test('split brain: found through the kernel log, with who discards what', async (t) => {
  const withoutLog = states('drbd-8.4/11-split-brain/node1/drbdsetup_events2_now.txt');
  t.equal(statusDocument(withoutLog).resources[0]?.splitBrain, false, 'a snapshot alone cannot tell a split brain from a disconnect');

  const primary = states('drbd-8.4/11-split-brain/node1/drbdsetup_events2_now.txt', 'drbd-8.4/11-split-brain/node1/dmesg_drbd.txt');
  const text = formatStatusText(primary);
  t.match(text, /^r0: Primary, UpToDate; split brain with the peer:/);
  t.match(text, /  To recover:\n    - decide which node's changes/);
  t.match(text, /keep this node's data and let the peer discard its changes/);
  t.match(
    text,
    /on the peer: drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0\n      then on this node: drbdadm connect r0/,
  );
  t.equal(statusDocument(primary).resources[0]?.splitBrain, true);

  // Both nodes were Primary during this DRBD 9 partition: the advice says how to decide.
  const bothPrimary = states('drbd-9/10-split-brain/node2/drbdsetup_status_json.txt', 'drbd-9/10-split-brain/node2/dmesg_drbd.txt');
  // Three nodes: the commands name the connection (what resolved this split brain on the real DRBD 9:
  // node2 `connect --discard-my-data r0:node1`, node1 `connect r0:node2`; test/fixtures/drbd-9/README.md).
  t.match(splitBrainAdvice(bothPrimary[0]!, 'node2'), [
    /This node is Primary\. If the service ran here since the split \(crm_mon shows/,
    '  on node1: drbdadm disconnect r0:node2; drbdadm secondary r0; drbdadm connect --discard-my-data r0:node2',
    '  then on this node: drbdadm connect r0:node1',
    /swap the roles/,
  ]);
  const secondary = { ...bothPrimary[0]!, role: 'Secondary' as const };
  t.same(splitBrainAdvice(secondary, 'node2'), [
    'This node is Secondary: unless it holds changes you need, it is the one to discard its data since the split.',
    '  on this node: drbdadm disconnect r0:node1; drbdadm secondary r0; drbdadm connect --discard-my-data r0:node1',
    '  then on node1: drbdadm connect r0:node2',
    "If this node's changes are the ones to keep, swap the roles: make it Primary and discard on node1 instead.",
  ]);
  t.equal(splitBrainAdvice(secondary)[2], '  then on node1: drbdadm connect r0:<this node>', 'without the local node name, a placeholder');
  t.same(splitBrainAdvice(states('drbd-9/03-synced-one-primary/node1/drbdsetup_status_json.txt')[0]!), []);
});

t.test('the JSON document keeps its shape', async (t) => {
  const document = statusDocument(states('drbd-9/02-initial-sync/node1/drbdsetup_status_json.txt'));
  t.same(Object.keys(document), ['resources']);
  const [resource] = document.resources;
  t.same(Object.keys(resource!), ['name', 'role', 'volumes', 'peers', 'splitBrain', 'summary']);
  t.same(Object.keys(resource!.volumes[0]!), ['volume', 'minor', 'disk', 'quorum']);
  t.same(Object.keys(resource!.peers[0]!), ['name', 'connection', 'role', 'volumes']);
  t.same(Object.keys(resource!.peers[0]!.volumes[0]!), ['volume', 'peerDisk', 'replication', 'donePercent', 'outOfSync']);
  t.match(resource, {
    name: 'r0',
    role: 'Primary',
    splitBrain: false,
    peers: [
      { name: 'node2', connection: 'Connected', volumes: [{ replication: 'SyncSource', peerDisk: 'Inconsistent', donePercent: Number }] },
    ],
  });
  const proc = statusDocument(states('drbd-8.4/03-synced/node1/proc_drbd.txt'));
  t.same(proc.resources[0]?.peers[0]?.volumes[0]?.donePercent, null, 'null, not missing, when not resyncing');
  t.equal(proc.resources[0]?.peers[0]?.name, 'peer', 'DRBD 8.4\'s one peer has no name: "peer", as its tools print it');
});

// Issue 10: quorum and out-of-sync were in the model but not in the document.
t.test("--json: each volume's quorum and each peer volume's outOfSync (KiB), null where not said", async (t) => {
  const quorumAndOutOfSync = (file: string) =>
    statusDocument(states(file)).resources.map((resource) => ({
      quorum: resource.volumes.map((volume) => volume.quorum),
      outOfSync: Object.fromEntries(resource.peers.map((peer) => [peer.name, peer.volumes.map((volume) => volume.outOfSync)])),
    }));
  // DRBD 9, node3's link down and 32 MiB written since: in every output that carries the counters.
  const linkDown = [{ quorum: [true], outOfSync: { node2: [0], node3: [32768] } }];
  t.same(quorumAndOutOfSync('drbd-9/04-peer-link-down/node1/drbdsetup_status_json.txt'), linkDown, 'status --json');
  t.same(quorumAndOutOfSync('drbd-9/04-peer-link-down/node1/drbdsetup_status_vs.txt'), linkDown, 'status --verbose --statistics');
  t.same(quorumAndOutOfSync('drbd-9/04-peer-link-down/node1/drbdsetup_events2_now_stats.txt'), linkDown, 'events2 --now --statistics');
  // Quorum lost on the Primary: even the short status says so; without --statistics no counters.
  t.same(quorumAndOutOfSync('drbd-9/07-primary-quorum-lost/node1/drbdsetup_events2_now_stats.txt'), [
    { quorum: [false], outOfSync: { node3: [0], node2: [0] } },
  ]);
  t.same(quorumAndOutOfSync('drbd-9/07-primary-quorum-lost/node1/drbdsetup_status.txt'), [
    { quorum: [false], outOfSync: { node2: [], node3: [] } },
  ]);
  t.same(
    quorumAndOutOfSync('drbd-9/03-synced-one-primary/node1/drbdsetup_events2_now.txt'),
    [{ quorum: [true], outOfSync: { node3: [null], node2: [null] } }],
    'events2 without --statistics',
  );
  t.same(
    quorumAndOutOfSync('drbd-9/03-synced-one-primary/node1/drbdsetup_status.txt'),
    [{ quorum: [null], outOfSync: { node2: [null], node3: [null] } }],
    'the short status leaves quorum:yes out',
  );
  // DRBD 8.4 has no quorum; its counters are in /proc/drbd (oos:), status --statistics and events2 --statistics.
  t.same(
    quorumAndOutOfSync('drbd-8.4/02-syncing/node1/proc_drbd.txt'),
    [{ quorum: [null], outOfSync: { peer: [51076] } }],
    '/proc/drbd oos:',
  );
  t.same(quorumAndOutOfSync('drbd-8.4/02-syncing/node1/drbdsetup_status_vs.txt'), [{ quorum: [null], outOfSync: { peer: [41188] } }]);
  t.same(quorumAndOutOfSync('drbd-8.4/02-syncing/node1/drbdsetup_events2_all_now_stats.txt'), [
    { quorum: [null], outOfSync: { peer: [35832] } },
  ]);
  t.same(quorumAndOutOfSync('drbd-8.4/02-syncing/node1/drbdsetup_events2_now.txt'), [{ quorum: [null], outOfSync: { peer: [null] } }]);
});

/** drbd status's machine: what its commands answer, and its files. */
const fakeIo = (commands: Record<string, CommandResult>, files: Record<string, string>) => fakeMachine(files, commands);

t.test('live: events2 first, then drbdsetup status, then /proc/drbd, plus dmesg', async (t) => {
  const events = fakeIo(
    {
      'drbdsetup events2 --now --statistics all': {
        exitCode: 0,
        stdout: read('drbd-8.4/11-split-brain/node1/drbdsetup_events2_now.txt'),
        stderr: '',
      },
      dmesg: { exitCode: 0, stdout: read('drbd-8.4/11-split-brain/node1/dmesg_drbd.txt'), stderr: '' },
    },
    {},
  );
  t.equal(await runDrbdStatus({ json: true }, events.io), 0);
  t.equal(JSON.parse(events.stdout()).resources[0].splitBrain, true);

  const procOnly = fakeIo(
    { drbdsetup: { exitCode: 20, stdout: '', stderr: 'no module' } },
    { '/proc/drbd': read('drbd-8.4/02-syncing/node1/proc_drbd.txt') },
  );
  t.equal(await runDrbdStatus({}, procOnly.io), 0);
  t.match(procOnly.stdout(), /resync 25% ETA 13s/);

  const nothing = fakeIo({}, {});
  t.equal(await runDrbdStatus({}, nothing.io), 1);
  t.match(
    nothing.stderr(),
    /cannot read the DRBD state here \(drbdsetup is not installed \(drbd-utils\); no \/proc\/drbd: the DRBD kernel module is not loaded\)/,
  );
});

t.test('--from, a resource filter, and garbage', async (t) => {
  const files = fakeIo({}, { 'status.json': read('drbd-9/03-synced-one-primary/node1/drbdsetup_status_json.txt'), 'junk.txt': 'hello\n' });
  t.equal(await runDrbdStatus({ from: 'status.json', resource: 'r0' }, files.io), 0);
  t.equal(await runDrbdStatus({ from: 'status.json', resource: 'r7' }, files.io), 1);
  t.match(files.stderr(), /no resource "r7" \(found: r0\)/);
  t.equal(await runDrbdStatus({ from: 'junk.txt' }, files.io), 1);
  t.match(files.stderr(), /this is not DRBD output I can read/);
  t.equal(await runDrbdStatus({ from: 'missing.txt' }, files.io), 1);
});

// Issue 10: names and messages from the input reached the terminal with their control characters.
t.test('control characters from the input never reach the terminal', async (t) => {
  const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
  // A resource name that would set the window title, ring the bell, clear the screen (C1 CSI) and delete.
  const hostile = 'r0\x1b]0;owned\x07\x9b2J\x7f';
  const statusText = `${hostile} role:Primary\n  disk:UpToDate\n  node2\x1b[8m role:Secondary\n    peer-disk:UpToDate\n`;
  const statusJson = read('drbd-9/03-synced-one-primary/node1/drbdsetup_status_json.txt').replace(
    '"name": "r0"',
    `"name": ${JSON.stringify(`${hostile}\nfake: line`)}`,
  );
  const io = fakeIo({}, { 'status.txt': statusText, 'status.json': statusJson, 'junk.txt': `\x1b[2Jhello\n` });

  t.equal(await runDrbdStatus({ from: 'status.txt' }, io.io), 0);
  t.notMatch(io.stdout(), RAW_CONTROL);
  t.match(io.stdout(), /^r0\\x1b\]0;owned\\x07\\x9b2J\\x7f: Primary, UpToDate; connected and in sync\n$/);

  const fromJson = fakeIo({}, { 'status.json': statusJson });
  t.equal(await runDrbdStatus({ from: 'status.json' }, fromJson.io), 0);
  t.notMatch(fromJson.stdout(), RAW_CONTROL);
  t.match(fromJson.stdout(), /^r0\\x1b\]0;owned\\x07\\x9b2J\\x7f\\x0afake: line: Primary/, 'a newline in a name stays on its line');

  // JSON.stringify escapes C0 but not DEL and C1: the document escapes them too, and still reads back the same.
  const json = fakeIo({}, { 'status.json': statusJson });
  t.equal(await runDrbdStatus({ from: 'status.json', json: true }, json.io), 0);
  t.notMatch(json.stdout(), RAW_CONTROL);
  t.equal(JSON.parse(json.stdout()).resources[0].name, `${hostile}\nfake: line`);

  t.equal(await runDrbdStatus({ from: 'status.txt', resource: 'r1\x1b[31m' }, io.io), 1);
  t.equal(await runDrbdStatus({ from: 'junk.txt' }, io.io), 1);
  t.notMatch(io.stderr(), RAW_CONTROL);
  t.match(io.stderr(), /no resource "r1\\x1b\[31m" \(found: r0\\x1b\]0;owned/);
});
