// `ocfkit drbd status`: recognising DRBD outputs, the words, the JSON document (fixtures of real
// DRBD 8.4 and 9 states), and the live path with a fake machine.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { detectDrbdFormat, formatStatusText, parseDrbdText, splitBrainAdvice, statusDocument, withKernelLog } from '../../lib/cli/drbd-report.js';
import { runDrbdStatus } from '../../lib/cli/drbd-status.js';
import type { CliIo, CommandResult } from '../../lib/cli/system.js';
import type { DrbdState } from '../../lib/drbd/index.js';

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
  t.equal(formatStatusText(states('drbd-9/03-synced-one-primary/node1/drbdsetup_status_json.txt')), 'r0: Primary, UpToDate; connected and in sync\n');
  t.equal(formatStatusText(states('drbd-8.4/02-syncing/node1/proc_drbd.txt')), 'minor-0: Primary, UpToDate; resync 25% ETA 13s (SyncSource to the peer)\n');
  t.match(formatStatusText(states('drbd-9/02-initial-sync/node1/drbdsetup_status.txt')), /^r0: Primary, UpToDate; resync 12% \(SyncSource to node2\)\n  also: resync 11\.8% \(SyncSource to node3\)\n$/);
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
  t.match(text, /on the peer: drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0\n      then on this node: drbdadm connect r0/);
  t.equal(statusDocument(primary).resources[0]?.splitBrain, true);

  // Both nodes were Primary during this DRBD 9 partition: the advice says how to decide.
  const bothPrimary = states('drbd-9/10-split-brain/node2/drbdsetup_status_json.txt', 'drbd-9/10-split-brain/node2/dmesg_drbd.txt');
  t.match(splitBrainAdvice(bothPrimary[0]!), [/This node is Primary\. If the service ran here since the split \(crm_mon shows/, /on node1: drbdadm disconnect r0/, /then on this node: drbdadm connect r0/, /swap the roles/]);
  const secondary = { ...bothPrimary[0]!, role: 'Secondary' as const };
  t.match(splitBrainAdvice(secondary), [/This node is Secondary: unless it holds changes you need, it is the one to discard its data/, /on this node: drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0/, /then on node1: drbdadm connect r0/, /swap the roles/]);
  t.same(splitBrainAdvice(states('drbd-9/03-synced-one-primary/node1/drbdsetup_status_json.txt')[0]!), []);
});

t.test('the JSON document keeps its shape', async (t) => {
  const document = statusDocument(states('drbd-9/02-initial-sync/node1/drbdsetup_status_json.txt'));
  t.same(Object.keys(document), ['resources']);
  const [resource] = document.resources;
  t.same(Object.keys(resource!), ['name', 'role', 'volumes', 'peers', 'splitBrain', 'summary']);
  t.same(Object.keys(resource!.volumes[0]!), ['volume', 'minor', 'disk']);
  t.same(Object.keys(resource!.peers[0]!), ['name', 'connection', 'role', 'volumes']);
  t.same(Object.keys(resource!.peers[0]!.volumes[0]!), ['volume', 'peerDisk', 'replication', 'donePercent']);
  t.match(resource, { name: 'r0', role: 'Primary', splitBrain: false, peers: [{ name: 'node2', connection: 'Connected', volumes: [{ replication: 'SyncSource', peerDisk: 'Inconsistent', donePercent: Number }] }] });
  const proc = statusDocument(states('drbd-8.4/03-synced/node1/proc_drbd.txt'));
  t.same(proc.resources[0]?.peers[0]?.volumes[0]?.donePercent, null, 'null, not missing, when not resyncing');
  t.equal(proc.resources[0]?.peers[0]?.name, 'peer', 'DRBD 8.4\'s one peer has no name: "peer", as its tools print it');
});

function fakeIo(commands: Record<string, CommandResult>, files: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    readText: async (path) => {
      if (path in files) return files[path]!;
      throw new Error(`ENOENT ${path}`);
    },
    writeText: async () => undefined,
    run: async (command, args) => commands[`${command} ${args.join(' ')}`] ?? commands[command] ?? { exitCode: undefined, stdout: '', stderr: '' },
    env: {},
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

t.test('live: events2 first, then drbdsetup status, then /proc/drbd, plus dmesg', async (t) => {
  const events = fakeIo({
    'drbdsetup events2 --now --statistics all': { exitCode: 0, stdout: read('drbd-8.4/11-split-brain/node1/drbdsetup_events2_now.txt'), stderr: '' },
    dmesg: { exitCode: 0, stdout: read('drbd-8.4/11-split-brain/node1/dmesg_drbd.txt'), stderr: '' },
  }, {});
  t.equal(await runDrbdStatus({ json: true }, events.io), 0);
  t.equal(JSON.parse(events.stdout()).resources[0].splitBrain, true);

  const procOnly = fakeIo({ drbdsetup: { exitCode: 20, stdout: '', stderr: 'no module' } }, { '/proc/drbd': read('drbd-8.4/02-syncing/node1/proc_drbd.txt') });
  t.equal(await runDrbdStatus({}, procOnly.io), 0);
  t.match(procOnly.stdout(), /resync 25% ETA 13s/);

  const nothing = fakeIo({}, {});
  t.equal(await runDrbdStatus({}, nothing.io), 1);
  t.match(nothing.stderr(), /cannot read the DRBD state here \(drbdsetup is not installed \(drbd-utils\); no \/proc\/drbd: the DRBD kernel module is not loaded\)/);
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
