// A split brain on three real DRBD 9 nodes (test/fixtures/drbd-9-lab/README.md): node1 and node2
// both wrote while node1 was cut off; node3 holds node2's writes, so node1<->node3 has diverged too,
// though its kernel log never says "Split-Brain detected". The advice must name both connections.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { formatStatusText, parseDrbdText, withKernelLog } from '../../lib/admin/cli/drbd-report.js';
import { runDrbdStatus } from '../../lib/admin/cli/drbd-status.js';
import { describeDrbdState, unresolvedSplitBrainsInKernelLog, type DrbdState } from '../../lib/admin/drbd/index.js';
import { fakeIo } from '../helpers/fake-io.js';

const LAB = new URL('../fixtures/drbd-9-lab/split-brain-three-nodes/', import.meta.url).pathname;
const read = (file: string) => readFileSync(`${LAB}${file}`, 'utf8');
function stateOf(node: string, resolved = false): DrbdState {
  const suffix = resolved ? '_resolved' : '';
  const parsed = parseDrbdText(read(`${node}/drbdsetup_status_json${suffix}.txt`));
  if (!parsed.ok) throw new Error(parsed.reason);
  return withKernelLog(parsed.resources, read(`${node}/dmesg_drbd${suffix}.txt`))[0]!;
}
const splitPeers = (state: DrbdState) => state.connections.filter((c) => c.splitBrain).map((c) => c.name);

t.test('the kernel log: "uuid_compare()=split-brain" without "Split-Brain detected" is a split brain too', async (t) => {
  t.same(
    unresolvedSplitBrainsInKernelLog(read('node1/dmesg_drbd.txt'))
      .map((s) => s.peer)
      .sort(),
    ['node2', 'node3'],
  );
  t.same(splitPeers(stateOf('node1')), ['node2', 'node3'], 'node1: diverged from both peers');
  t.same(splitPeers(stateOf('node2')), ['node1'], 'node2: only node1; node3 stays healthy');
  t.same(splitPeers(stateOf('node3')), ['node1'], 'node3: node1, which logged only "Ignore Split-Brain, for now"');
  for (const node of ['node1', 'node2', 'node3']) {
    t.same(splitPeers(stateOf(node, true)), [], `${node}: nothing left after the resolution ("manually solved", then Connected)`);
  }
});

t.test('the victim discards towards every peer it diverged from; the survivors reconnect to it', async (t) => {
  const node1 = stateOf('node1');
  const { findings, recovery } = describeDrbdState(node1, 'node1');
  t.match(findings, [/^split brain with node2:/, /^split brain with node3:/]);
  // What resolved it in the VMs, in this order (README): every line was run as printed, exit 0.
  t.same(
    recovery.filter((line) => line.startsWith('if this node is the victim')),
    [
      'if this node is the victim: here: drbdadm disconnect r0:node2; drbdadm secondary r0; drbdadm connect --discard-my-data r0:node2; then on node2: drbdadm connect r0:node1',
      'if this node is the victim: here: drbdadm disconnect r0:node3; drbdadm secondary r0; drbdadm connect --discard-my-data r0:node3; then on node3: drbdadm connect r0:node1',
    ],
  );
  t.notMatch(recovery.join('\n'), /r0:node2 .*on node3|drbdadm disconnect r0(;|$)/m, 'nothing touches node2<->node3 or the whole resource');
});

// The agent names this node by its host name (DRBD matches `on NAME` against uname -n); the
// command-line tool printed "r0:<this node>" in the very same commands.
t.test('ocfkit drbd status (live) names this node in the commands a peer runs', async (t) => {
  const here = hostname();
  const earlier = new URL('../fixtures/drbd-9/10-split-brain/node1/', import.meta.url).pathname;
  const machine = fakeIo(
    {},
    {
      'drbdsetup events2 --now --statistics all': {
        exitCode: 0,
        stdout: readFileSync(`${earlier}drbdsetup_events2_all_now_stats.txt`, 'utf8'),
        stderr: '',
      },
      dmesg: { exitCode: 0, stdout: readFileSync(`${earlier}dmesg_drbd.txt`, 'utf8'), stderr: '' },
    },
  );
  t.equal(await runDrbdStatus({ resource: 'r0' }, machine.io), 0);
  t.match(machine.stdout(), `then on node2: drbdadm connect r0:${here}`);
  t.notMatch(machine.stdout(), /<this node>/);
  t.match(formatStatusText([stateOf('node1')]), 'r0:<this node>', 'a saved output (--from), from any node, keeps the placeholder');
});
