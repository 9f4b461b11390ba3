// `ocfkit drbd split-brain`: the generation-identifier and kernel-log handshake parsers on real
// outputs (DRBD 8.4 and 9), the proposal (nobody wrote, one side wrote, both wrote, three nodes
// with one split peer), the commands for each node, and --execute against a fake machine built
// from the captured outputs: what it runs, and when it refuses to run anything.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { runDrbdSplitBrain, type DrbdSplitBrainArgs, type SplitBrainHost } from '../../lib/admin/cli/drbd-split-brain.js';
import { parseDrbdText, withKernelLog } from '../../lib/admin/cli/drbd-report.js';
import { parseGenerationIds, sameGeneration, syncHandshakesInKernelLog } from '../../lib/admin/drbd/generation-ids.js';
import { hostsInDump, proposeVictim, resolutionSteps, splitBrainCases, type SplitBrainSide } from '../../lib/admin/drbd/split-brain.js';
import type { DrbdState } from '../../lib/admin/drbd/index.js';
import type { RunResult } from '../../lib/agent-runtime/sys/run.js';
import { fakeIo } from '../helpers/fake-io.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const read = (file: string) => readFileSync(`${FIXTURES}${file}`, 'utf8');

function liveState(dir: string): DrbdState {
  const parsed = parseDrbdText(read(`${dir}/drbdsetup_events2_all_now_stats.txt`), 'events2');
  if (!parsed.ok || parsed.resources.length !== 1) throw new Error(`${dir}: ${JSON.stringify(parsed)}`);
  return withKernelLog(parsed.resources, read(`${dir}/dmesg_drbd.txt`))[0]!;
}
function casesOf(dir: string, hereName: string, unnamedPeerName?: string) {
  const gis = parseGenerationIds(read(`${dir}/drbdadm_get_gi.txt`));
  if (!gis.ok) throw new Error(gis.reason);
  const state = liveState(dir);
  return {
    state,
    cases: splitBrainCases({
      state,
      handshakes: syncHandshakesInKernelLog(read(`${dir}/dmesg_drbd.txt`)),
      localGenerations: gis.sets,
      hereName,
      ...(unnamedPeerName ? { unnamedPeerName } : {}),
    }),
  };
}

t.test('get-gi and show-gi, DRBD 8.4 and 9', async (t) => {
  const split84 = parseGenerationIds(read('drbd-8.4/11-split-brain/node1/drbdadm_get_gi.txt'));
  t.same(split84, {
    ok: true,
    sets: [
      {
        current: '8D1E0E4945DA4E57',
        bitmap: '96B86968AA0A6913',
        history: ['45797A965A29CFE7', '45787A965A29CFE7'],
        consistent: true,
        upToDate: true,
        primary: true,
      },
    ],
  });
  t.same(parseGenerationIds(read('drbd-8.4/11-split-brain/node1/drbdadm_show_gi.txt')), split84, 'show-gi: the same, legend skipped');
  const nine = parseGenerationIds(read('drbd-9/10-split-brain/node2/drbdadm_get_gi.txt'));
  t.ok(
    nine.ok && nine.sets.length === 2 && nine.sets.every((set) => set.current === '41945817E156445F' && set.primary),
    'DRBD 9: one line per peer, 12 flags',
  );
  t.match(
    parseGenerationIds(read('drbd-9/00-unconfigured/node1/drbdadm_show_gi.txt')),
    { ok: true, sets: [{ current: '0000000000000004', primary: false }] },
    'before the first up: the "never seen peer" line skipped',
  );
  t.match(parseGenerationIds('Unknown command'), { ok: false });
  t.ok(sameGeneration('96B86968AA0A6913', '96B86968AA0A6912'), 'the lowest bit is the Primary flag, not the generation');
  t.notOk(sameGeneration('8D1E0E4945DA4E57', '703077AA1719E001'));
});

t.test('handshakes in the kernel log', async (t) => {
  const handshakes84 = syncHandshakesInKernelLog(read('drbd-8.4/dmesg-node1.txt'));
  t.same(
    handshakes84.map((h) => [h.verdict, h.splitBrain]),
    [
      ['0 by rule 10', false],
      ['2 by rule 30', false],
      ['1 by rule 70', false],
      ['1 by rule 70', false],
      ['100 by rule 90', true],
      ['100 by rule 90', true],
    ],
  );
  t.same(handshakes84[4], {
    minor: 0,
    verdict: '100 by rule 90',
    splitBrain: true,
    self: { current: '8D1E0E4945DA4E57', bitmap: '96B86968AA0A6913', bits: 512 },
    peerSide: { current: '703077AA1719E001', bitmap: '96B86968AA0A6912', bits: 512 },
  });
  const nine = syncHandshakesInKernelLog(read('drbd-9/10-split-brain/node1/dmesg_drbd.txt')).filter((h) => h.splitBrain);
  t.match(nine, [
    {
      resource: 'r0',
      peer: 'node2',
      minor: 0,
      verdict: 'split-brain-auto-recover by rule=bitmap-both',
      self: { bits: 512 },
      peerSide: { current: '41945817E156445F', bits: 512 },
    },
  ]);
});

const side = (node: string, here: boolean, changedKiB: number | undefined, current?: string): SplitBrainSide => ({
  node,
  here,
  role: 'Primary',
  ...(changedKiB === undefined ? {} : { changedKiB }),
  ...(current ? { currentAtDetection: current } : {}),
});

t.test('the proposal', async (t) => {
  // No changes on either side: safe either way, and both nodes pick the same victim.
  const a = side('node1', true, 0, '8D1E0E4945DA4E57');
  const b = side('node2', false, 0, '703077AA1719E001');
  const fromNode1 = proposeVictim(a, b);
  const fromNode2 = proposeVictim({ ...b, here: true }, { ...a, here: false });
  t.match(fromNode1, { safe: true, victim: 'peer', reason: /neither side wrote/ });
  t.equal(fromNode2.victim, 'here', 'node2 proposes itself, as node1 proposes node2');
  const secondary = proposeVictim(a, { ...b, currentAtDetection: '703077AA1719E000' });
  t.equal(secondary.victim, 'peer', 'the side that was Secondary at the detection');

  // One side changed: the other one discards, no choice needed.
  t.match(proposeVictim(side('node1', true, 2048), side('node2', false, 0)), {
    safe: true,
    victim: 'peer',
    reason: 'node2 wrote nothing since the split: discarding its side loses nothing',
  });
  t.match(
    proposeVictim(side('node1', true, 0), side('node2', false, undefined)),
    { safe: true, victim: 'here' },
    'this node wrote nothing: safe whatever the peer did',
  );

  // Both changed: the one with fewer changes is suggested, never chosen silently.
  t.same(proposeVictim(side('node1', true, 4096), side('node2', false, 1024)), {
    victim: 'peer',
    safe: false,
    reason:
      'both sides wrote since the split (node1: 4096 KiB, node2: 1024 KiB); node2 wrote less, but whichever side discards loses what it wrote',
  });
  t.match(proposeVictim(side('node1', true, 4096), side('node2', false, undefined)), {
    safe: false,
    victim: undefined,
    reason: /how much node2 wrote/,
  });
});

t.test('DRBD 8.4 split brain (real outputs): both wrote, the commands name the resource', async (t) => {
  const { state, cases } = casesOf('drbd-8.4/11-split-brain/node1', 'node1', 'node2');
  t.equal(cases.length, 1);
  const [splitCase] = cases;
  t.match(splitCase, {
    resource: 'r0',
    connection: 'peer',
    here: { node: 'node1', role: 'Primary', changedKiB: 2048, generation: { current: '8D1E0E4945DA4E57', base: '96B86968AA0A6913' } },
    peer: { node: 'node2', role: 'Primary', changedKiB: 2048, generation: { current: '703077AA1719E001', base: '96B86968AA0A6912' } },
    proposal: { safe: false },
  });
  const steps = resolutionSteps(state, splitCase!, 'peer');
  t.same(
    [steps.victimNode.node, steps.victim, steps.survivorNode.node, steps.survivor],
    ['node2', 'drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0', 'node1', 'drbdadm connect r0'],
  );
  t.same(steps.victimCommands[2], ['drbdadm', 'connect', '--discard-my-data', 'r0']);
  // The other node sees the same split brain, mirrored, and proposes the same victim.
  const mirrored = casesOf('drbd-8.4/11-split-brain/node2', 'node2', 'node1').cases[0]!;
  t.equal(mirrored.proposal.victim === 'here' ? 'node2' : 'node1', splitCase!.proposal.victim === 'here' ? 'node1' : 'node2');
});

t.test('DRBD 8.4 split brain where node2 wrote nothing (captured in the VMs): both nodes propose node2', async (t) => {
  const dir = 'drbd-8.4/split-brain-one-side-unchanged';
  const fromNode1 = casesOf(`${dir}/node1`, 'node1', 'node2').cases[0]!;
  t.match(fromNode1, {
    here: { node: 'node1', role: 'Primary', changedKiB: 8, generation: { current: '2C31343F5B0022D9', base: 'B399D36A84C9E18F' } },
    peer: { node: 'node2', role: 'Secondary', changedKiB: 0, generation: { current: '9A9D30BC29F7501A', base: 'B399D36A84C9E18E' } },
    proposal: { victim: 'peer', safe: true },
  });
  const fromNode2 = casesOf(`${dir}/node2`, 'node2', 'node1').cases[0]!;
  t.match(fromNode2, {
    here: { role: 'Secondary', changedKiB: 0 },
    peer: { role: 'Primary', changedKiB: 8 },
    proposal: { victim: 'here', safe: true },
  });
  t.same(hostsInDump(read(`${dir}/node2/drbdadm_dump.txt`)), { thisHost: 'node2', hosts: ['node1', 'node2'] });
  // The command on node2: no choice needed, its three commands (disconnect skipped: StandAlone).
  const r = await cli({ execute: true, yes: true, wait: 0 }, fakeHost(`${dir}/node2`, 'node2'));
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /Proposal: node2 discards its changes: node2 wrote nothing since the split: discarding its side loses nothing\./);
  t.same(r.changing, ['drbdadm secondary r0', 'drbdadm connect --discard-my-data r0']);
});

t.test('DRBD 9, three nodes, one split peer: named connections, node3 untouched', async (t) => {
  const { state, cases } = casesOf('drbd-9/10-split-brain/node1', 'node1');
  t.equal(cases.length, 1, 'only the connection to node2 is in split brain (node3 is merely disconnected)');
  const [splitCase] = cases;
  t.match(splitCase, {
    connection: 'node2',
    here: { node: 'node1', changedKiB: 2048 },
    peer: { node: 'node2', role: 'Primary', changedKiB: 2048 },
  });
  const node2Loses = resolutionSteps(state, splitCase!, 'peer');
  t.equal(
    node2Loses.victim,
    'drbdadm disconnect r0:node1; drbdadm secondary r0; drbdadm connect --discard-my-data r0:node1',
    'run on node2',
  );
  t.equal(node2Loses.survivor, 'drbdadm connect r0:node2', 'run on node1');
  const node1Loses = resolutionSteps(state, splitCase!, 'here');
  t.same(node1Loses.victimCommands, [
    ['drbdadm', 'disconnect', 'r0:node2'],
    ['drbdadm', 'secondary', 'r0'],
    ['drbdadm', 'connect', '--discard-my-data', 'r0:node2'],
  ]);
  t.same(node1Loses.survivorCommands, [['drbdadm', 'connect', 'r0:node1']]);
  t.same(casesOf('drbd-9/10-split-brain/node3', 'node3').cases, [], 'node3: StandAlone by an admin disconnect, no split brain');
});

t.test('hosts in drbdadm dump', async (t) => {
  t.same(hostsInDump(read('drbd-doctor/dump-84-common.txt')), { thisHost: 'vm', hosts: ['vm', 'node2'] });
});

// ---------------------------------------------------------------- the command on a fake machine

const ok = (stdout: string): RunResult => ({ exitCode: 0, stdout, stderr: '' });
/** A machine whose DRBD answers as in a fixture directory; `after` answers once the given command ran. */
function fakeHost(
  dir: string,
  name: string,
  options: { answers?: Record<string, RunResult>; confirm?: boolean; after?: Record<string, RunResult> } = {},
) {
  const ran: string[] = [];
  const dump = `${FIXTURES}${dir}/drbdadm_dump.txt`;
  const answers: Record<string, RunResult> = {
    'drbdsetup events2 --now --statistics all': ok(read(`${dir}/drbdsetup_events2_all_now_stats.txt`)),
    dmesg: ok(read(`${dir}/dmesg_drbd.txt`)),
    'drbdadm get-gi r0': ok(read(`${dir}/drbdadm_get_gi.txt`)),
    'drbdadm dump r0': existsSync(dump) ? ok(readFileSync(dump, 'utf8')) : { exitCode: 1, stdout: '', stderr: 'no dump' },
    ...options.answers,
  };
  const host: SplitBrainHost = {
    async run(file, args) {
      const line = [file, ...args].join(' ');
      ran.push(line);
      if (options.after && ran.some((done) => done.startsWith('drbdadm connect')) && line in options.after) return options.after[line]!;
      if (line in answers) return answers[line]!;
      if (file === 'drbdadm') return ok('');
      return { exitCode: 1, stdout: '', stderr: `${line}: not faked` };
    },
    hostname: () => name,
    readText: async () => 'version: 8.4.11 (api:1/proto:86-101)\n',
    confirm: async () => options.confirm,
    sleep: async () => undefined,
  };
  return { host, ran };
}
async function cli(args: DrbdSplitBrainArgs, machine: ReturnType<typeof fakeHost>) {
  const { io, stdout, stderr } = fakeIo({});
  const code = await runDrbdSplitBrain({ wait: 5, ...args }, io, machine.host);
  const changing = machine.ran.filter((line) => /^drbdadm (disconnect|secondary|connect)/.test(line));
  return { code, stdout: stdout(), stderr: stderr(), changing };
}

const SPLIT84 = 'drbd-8.4/11-split-brain/node1';

t.test('shown: both sides, the proposal, the commands for each node', async (t) => {
  const shown = await cli({}, fakeHost(SPLIT84, 'node1'));
  t.equal(shown.code, 0);
  t.equal(
    shown.stdout,
    [
      'r0: split brain between node1 (this node) and the peer: DRBD will not reconnect them until one discards its changes since the split',
      '  node1 (this node): Primary now; wrote 2048 KiB since the split (512 blocks out of sync); data generation 8D1E0E4945DA4E57, split off from 96B86968AA0A6913',
      '  the peer: Primary when DRBD detected the split brain; wrote 2048 KiB since the split (512 blocks out of sync, as of the detection, from the kernel log); data generation 703077AA1719E001, split off from 96B86968AA0A6912',
      '  Proposal: the peer discards its changes: both sides wrote since the split (node1: 2048 KiB, the peer: 2048 KiB); as much on each, but whichever side discards loses what it wrote.',
      '  Only you know whose writes matter: choose with --discard-on NODE or --keep NODE.',
      '  Commands (DRBD 8.4.11, one peer: the commands name the resource):',
      '    1. on the peer (discards its changes): drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0',
      '    2. on node1 (keeps its data): drbdadm connect r0',
      '  the peer is Primary: stop what uses the DRBD device there first (under Pacemaker: move the service away), or "drbdadm secondary" fails.',
      "  To run a node's part: ocfkit drbd split-brain r0 --discard-on peer --execute (on each of the two nodes)",
      '',
    ].join('\n'),
  );
  t.same(shown.changing, [], 'showing changes nothing');
  const kept = await cli({ keep: 'node1' }, fakeHost(SPLIT84, 'node1'));
  t.match(kept.stdout, /You chose: the peer discards its changes[\s\S]*1\. on the peer \(discards its changes\): drbdadm disconnect r0;/);
  t.match(
    (await cli({ discardOn: 'peer' }, fakeHost(SPLIT84, 'node1'))).stdout,
    /You chose: the peer discards/,
    '"peer" names DRBD 8.4\'s other node',
  );
  const wrong = await cli({ discardOn: 'node3' }, fakeHost(SPLIT84, 'node1'));
  t.equal(wrong.code, 1);
  t.equal(wrong.stderr, 'ocfkit drbd split-brain: --discard-on node3: not a side of the split brain of r0 (node1, the peer)\n');
});

t.test('--execute: refuses while both sides wrote and nobody chose; nothing run', async (t) => {
  const r = await cli({ execute: true, yes: true }, fakeHost(SPLIT84, 'node1'));
  t.equal(r.code, 1);
  t.match(
    r.stderr,
    /^ocfkit drbd split-brain: both sides wrote since the split .*: choose with --discard-on NODE or --keep NODE; nothing was run\n$/,
  );
  t.same(r.changing, []);
});

t.test('--execute on the victim: its three commands, then the connection watched', async (t) => {
  const connected = read(SPLIT84.replace('11-split-brain', '07-reconnected-synced') + '/drbdsetup_events2_now.txt');
  const machine = fakeHost(SPLIT84, 'node1', { after: { 'drbdsetup events2 --now --statistics r0': ok(connected) } });
  const r = await cli({ execute: true, yes: true, discardOn: 'node1' }, machine);
  t.equal(r.code, 0, r.stderr);
  // Found in the VMs: DRBD 8.4 refuses `disconnect` on the StandAlone connection a split brain leaves (exit 10).
  t.same(r.changing, ['drbdadm secondary r0', 'drbdadm connect --discard-my-data r0']);
  t.match(r.stdout, /^\$ drbdadm disconnect r0: not needed, the connection is StandAlone already$/m);
  t.match(
    r.stdout,
    /\$ drbdadm connect --discard-my-data r0\nWaiting up to 5 s for the connection to the peer .*\nConnected to the peer; in sync \(Connected Established, disks UpToDate\/UpToDate\)\.\n$/,
  );
});

t.test('--execute on a victim whose connection still tries to connect: disconnect first', async (t) => {
  const r = await cli(
    { execute: true, yes: true, discardOn: 'node1', wait: 0 },
    fakeHost(SPLIT84, 'node1', {
      answers: {
        'drbdsetup events2 --now --statistics all': ok(read('drbd-8.4/08-link-down/node1/drbdsetup_events2_all_now_stats.txt')),
      },
    }),
  );
  t.equal(r.code, 0, r.stderr);
  t.same(r.changing, ['drbdadm disconnect r0', 'drbdadm secondary r0', 'drbdadm connect --discard-my-data r0']);
});

t.test('--execute on the survivor: connect only; says when the other side has not run yet', async (t) => {
  const r = await cli(
    { execute: true, yes: true, keep: 'node1' },
    fakeHost(SPLIT84, 'node1', {
      answers: {
        'drbdsetup events2 --now --statistics r0': ok(read('drbd-8.4/08-link-down/node1/drbdsetup_events2_now.txt')),
      },
    }),
  );
  t.equal(r.code, 0, r.stderr);
  t.same(r.changing, ['drbdadm connect r0']);
  t.match(
    r.stdout,
    /This node's part is done; the connection is not up yet \(.*\)\. Now run on the peer: drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0\n$/,
  );
});

t.test('--execute refuses when the state changed after it was shown, and without a terminal or --yes', async (t) => {
  // The role changed between the display and the execution.
  const events = read(`${SPLIT84}/drbdsetup_events2_all_now_stats.txt`);
  let reads = 0;
  const machine = fakeHost(SPLIT84, 'node1');
  const realRun = machine.host.run;
  machine.host.run = async (file, args, options) => {
    if ([file, ...args].join(' ') === 'drbdsetup events2 --now --statistics all' && ++reads > 1) {
      return ok(events.replace('role:Primary', 'role:Secondary'));
    }
    return realRun(file, args, options);
  };
  const changed = await cli({ execute: true, yes: true, discardOn: 'node1' }, machine);
  t.equal(changed.code, 1);
  t.equal(
    changed.stderr,
    'ocfkit drbd split-brain: the state changed since it was shown (node1 was Primary, is Secondary); nothing was run\n',
  );
  t.same(changed.changing, []);

  const noTerminal = await cli({ execute: true, discardOn: 'node1' }, fakeHost(SPLIT84, 'node1'));
  t.equal(noTerminal.code, 1);
  t.match(noTerminal.stderr, /standard input is not a terminal: add --yes/);
  t.same(noTerminal.changing, []);
  const declined = await cli({ execute: true, discardOn: 'node1' }, fakeHost(SPLIT84, 'node1', { confirm: false }));
  t.match(declined.stderr, /not confirmed; nothing was run/);
  t.same(declined.changing, []);
  const confirmed = await cli({ execute: true, discardOn: 'node1' }, fakeHost(SPLIT84, 'node1', { confirm: true }));
  t.equal(confirmed.changing.length, 2, 'confirmed on the terminal: runs');

  const resolved = await cli({ execute: true, yes: true }, fakeHost('drbd-8.4/12-split-brain-resolved/node1', 'node1'));
  t.equal(resolved.code, 1);
  t.equal(resolved.stderr, 'ocfkit drbd split-brain: no split brain on this node (r0); nothing was run\n');
  t.same(resolved.changing, []);
});

t.test('a failing command stops the rest', async (t) => {
  const r = await cli(
    { execute: true, yes: true, discardOn: 'node1' },
    fakeHost(SPLIT84, 'node1', {
      answers: {
        'drbdadm secondary r0': { exitCode: 11, stdout: '', stderr: '1: State change failed: (-12) Device is held open by someone' },
      },
    }),
  );
  t.equal(r.code, 1);
  t.same(r.changing, ['drbdadm secondary r0']);
  t.match(r.stdout, /Device is held open by someone/);
  t.match(r.stderr, /drbdadm secondary r0 exited 11; the remaining commands were not run/);
});
