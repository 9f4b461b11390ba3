// The built drbd agent against the DRBD test double: monitor's exit code and the promotion score it
// publishes (through the stand-in crm_attribute) must be those of the upstream ocf:linbit:drbd
// agent in every row of test/fixtures/pacemaker/upstream-drbd-score-table.md (measured from upstream),
// and in every captured state of both DRBD versions, on every node.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import {
  OCF_1_1,
  PROBE,
  RECURRING,
  cmd,
  drbdDouble,
  inParallel,
  nodesOf,
  stateFolders,
  type DrbdVersion,
} from '../helpers/drbd-double/index.js';
import { DELIBERATELY_NOT_UPSTREAM, type Row, events2Of, rowCase, scoreTableRows } from '../helpers/upstream-score-table.js';

// ------------------------------------------------------------------------------------------------
// The table, read from the markdown file.

const ROWS = scoreTableRows();
const rowNamed = (label: string): Row => {
  const row = ROWS.find((r) => r.label === label);
  if (!row) throw new Error(`no row '${label}' in the upstream score table`);
  return row;
};

t.test('the upstream score table, row by row, through the agent and the stand-in crm_attribute', async (t) => {
  t.equal(ROWS.length, 41, 'every row of the table was read');
  const double = drbdDouble(t, { version: 'drbd-9', node: 'node1' });
  let previous: { state: string; params: Record<string, string> } | undefined;
  for (const [i, row] of ROWS.entries()) {
    let state: string;
    let params: Record<string, string> = {};
    let env: Record<string, string> = { ...RECURRING };
    const c = rowCase(row.label);
    if (c.kind === 'unconfigured') {
      state = double.resolve('00-unconfigured'); // the real capture: module loaded, `exists -`
      if (c.probe) env = { ...PROBE };
    } else if (c.kind === 'same') {
      state = previous!.state;
      // Pacemaker knew of no promoted instance when upstream was measured: no notify_promoted_uname.
      params = { remove_master_score_if_peer_primary: c.removeIfPeerPrimary };
    } else {
      state = double.customState(`row${i}`, events2Of(c.state));
      if (c.adjustMasterScore !== undefined) params = { adjust_master_score: c.adjustMasterScore };
    }
    previous = { state, params };
    double.setState(state);
    double.setScore('4711'); // a stale score: a '-' row must remove it
    const r = double.run('monitor', params, env);
    const deliberate = DELIBERATELY_NOT_UPSTREAM[row.label];
    t.equal(
      r.code,
      deliberate?.rc ?? row.rc,
      `${row.label}: monitor exit code${deliberate ? ` (upstream: ${row.rc}, a deliberate difference)` : ''}`,
    );
    t.equal(double.score() ?? '-', row.score, `${row.label}: published score`);
    const published = row.score === '-' ? cmd.removeScore : cmd.setScore(row.score);
    // A StandAlone connection (split brain or admin's disconnect?) sends the agent to the kernel log.
    const evidence = row.label.includes('StandAlone') ? [cmd.dmesg] : [];
    t.same(r.commands, [cmd.events2(), ...evidence, published], `${row.label}: exactly these commands`);
    if (deliberate) t.match(r.reason, deliberate.reason, `${row.label}: the exit reason says why`);
    else if (row.rc === 0 || row.rc === 7 || row.rc === 8) t.equal(r.reason, undefined, `${row.label}: no exit reason`);
  }
});

// ------------------------------------------------------------------------------------------------
// The captured states. Where a score-table row describes the node's state, the row's values are expected;
// the others (several peers, both Inconsistent) are worked out from upstream's rules, as noted.

interface Expect {
  /** The score-table row this node's state is an instance of. */
  row?: string;
  /** Without a row: [monitor rc, score]. */
  values?: [number, string];
  /** Monitor rc with OCF 1.1 (degraded codes understood). */
  rc11: number;
  /** Peers the kernel log says we are in split brain with, as the exit reason names them. */
  splitBrain?: string[];
  /** The exit reason, where ours differs from upstream's on purpose. */
  reason?: RegExp;
}

const UNCONFIGURED: Expect = { row: 'Unconfigured (module loaded, resource down)', rc11: 7 };
const P_SYNCED: Expect = { row: 'Primary/UpToDate; Connected; Secondary/UpToDate', rc11: 8 };
const S_SYNCED: Expect = { row: 'Secondary/UpToDate; Connected; Primary/UpToDate', rc11: 0 };
const S_PEER_UNKNOWN: Expect = { row: 'Secondary/UpToDate; Connecting; Unknown/DUnknown', rc11: 190 };
/** No row: nothing is UpToDate anywhere (as the Connecting row of Inconsistent: no score). */
const BOTH_INCONSISTENT: Expect = { values: [0, '-'], rc11: 190 };

const EXPECTED: Record<DrbdVersion, Record<string, Record<string, Expect>>> = {
  'drbd-8.4': {
    '00-unconfigured': { node1: UNCONFIGURED, node2: UNCONFIGURED },
    '01-connected-inconsistent': { node1: BOTH_INCONSISTENT, node2: BOTH_INCONSISTENT },
    '02-syncing': {
      node1: { row: 'Primary/UpToDate; Connected; Secondary/Inconsistent', rc11: 191 },
      node2: { row: 'Secondary/Inconsistent; Connected; Primary/UpToDate', rc11: 190 },
    },
    '03-synced': { node1: P_SYNCED, node2: S_SYNCED },
    '04-disconnected': { node1: { row: 'Primary/UpToDate; StandAlone; Unknown/DUnknown', rc11: 191 }, node2: S_PEER_UNKNOWN },
    '05-disconnected-primary-written': {
      node1: { row: 'Primary/UpToDate; StandAlone; Unknown/DUnknown', rc11: 191 },
      node2: S_PEER_UNKNOWN,
    },
    '07-reconnected-synced': { node1: P_SYNCED, node2: S_SYNCED },
    '08-link-down': { node1: { row: 'Primary/UpToDate; Connecting; Unknown/DUnknown', rc11: 191 }, node2: S_PEER_UNKNOWN },
    '09-link-restored': { node1: P_SYNCED, node2: S_SYNCED },
    '11-split-brain': {
      node1: { row: 'Primary/UpToDate; StandAlone; Unknown/DUnknown', rc11: 191, splitBrain: ['the peer'] },
      node2: { row: 'Primary/UpToDate; StandAlone; Unknown/DUnknown', rc11: 191, splitBrain: ['the peer'] },
    },
    '12-split-brain-resolved': { node1: P_SYNCED, node2: S_SYNCED },
    '13-down': { node1: UNCONFIGURED, node2: UNCONFIGURED },
  },
  'drbd-9': {
    '00-unconfigured': { node1: UNCONFIGURED, node2: UNCONFIGURED, node3: UNCONFIGURED },
    '01-connected-inconsistent': { node1: BOTH_INCONSISTENT, node2: BOTH_INCONSISTENT, node3: BOTH_INCONSISTENT },
    '02-initial-sync': {
      // Primary UpToDate, SyncSource to two Inconsistent peers.
      node1: { row: 'Primary/UpToDate; Connected; Secondary/Inconsistent', rc11: 191 },
      // Inconsistent; node1 Primary/UpToDate, the other peer Inconsistent: a peer has UpToDate data.
      node2: { row: 'Secondary/Inconsistent; Connected; Primary/UpToDate', rc11: 190 },
      node3: { row: 'Secondary/Inconsistent; Connected; Primary/UpToDate', rc11: 190 },
    },
    '03-synced-one-primary': {
      node1: P_SYNCED,
      node2: { row: 'Secondary/UpToDate; Connected; Primary/UpToDate', rc11: 0 },
      node3: { row: 'Secondary/UpToDate; Connected; Primary/UpToDate', rc11: 0 },
    },
    '04-peer-link-down': {
      // Primary; node2 Connected/UpToDate, node3 Connecting/DUnknown.
      node1: { row: 'Primary/UpToDate; Connecting; Unknown/DUnknown', rc11: 191 },
      // One peer's data unknown (node3): localOk.
      node2: { row: 'Secondary/UpToDate; Connecting; Unknown/DUnknown', rc11: 190 },
      // Cut off: both peers Connecting, quorum:no.
      node3: { values: [0, '-'], rc11: 190 },
    },
    '06-link-restored-synced': { node1: P_SYNCED, node2: S_SYNCED, node3: S_SYNCED },
    '07-primary-quorum-lost': {
      // Primary without quorum (both peers Connecting), on-no-quorum io-error: upstream says 8, ours 9
      // (every write fails there; Pacemaker must recover it); no score whatever else.
      node1: { values: [9, '-'], rc11: 9, reason: /^r0: Primary without quorum: / },
      node2: S_PEER_UNKNOWN,
      node3: S_PEER_UNKNOWN,
    },
    '08-quorum-regained': { node1: P_SYNCED, node2: S_SYNCED, node3: S_SYNCED },
    '10-split-brain': {
      // Primary; node2 StandAlone (split brain), node3 Connecting.
      node1: { row: 'Primary/UpToDate; StandAlone; Unknown/DUnknown', rc11: 191, splitBrain: ['node2'] },
      node2: { row: 'Primary/UpToDate; StandAlone; Unknown/DUnknown', rc11: 191, splitBrain: ['node1'] },
      // Outdated, both connections StandAlone by `drbdadm disconnect`: no split brain.
      node3: { values: [0, '-'], rc11: 190 },
    },
    '11-split-brain-resolved': { node1: P_SYNCED, node2: S_SYNCED, node3: S_SYNCED },
    '12-down': { node1: UNCONFIGURED, node2: UNCONFIGURED, node3: UNCONFIGURED },
  },
};

const valuesOf = (e: Expect): [number, string] => {
  if (e.values) return e.values;
  const row = rowNamed(e.row!);
  return [row.rc, row.score];
};

for (const version of ['drbd-8.4', 'drbd-9'] as const) {
  t.test(`${version}: every captured state on every node`, async (t) => {
    t.same(stateFolders(version), Object.keys(EXPECTED[version]), 'every state folder has expectations');
    const tasks: Array<() => Promise<void>> = [];
    for (const state of stateFolders(version)) {
      t.same(nodesOf(version, state), Object.keys(EXPECTED[version][state]!), `${state}: every node`);
      for (const node of nodesOf(version, state)) {
        tasks.push(() => checkCapturedState(t, version, state, node));
      }
    }
    // Each node has its own double: three agents at a time.
    await inParallel(3, tasks);
  });
}

async function checkCapturedState(t: Test, version: DrbdVersion, state: string, node: string): Promise<void> {
  const expect = EXPECTED[version][state]![node]!;
  const [rc, score] = valuesOf(expect);
  const name = `${version}/${state}/${node}`;
  const double = drbdDouble(t, { version, node, state });
  const standAlone = /connection:StandAlone/.test(
    readFileSync(
      `${double.state()}/${version === 'drbd-9' ? 'drbdsetup_events2_now_stats.txt' : 'drbdsetup_events2_all_now_stats.txt'}`,
      'utf8',
    ),
  );
  const published = score === '-' ? cmd.removeScore : cmd.setScore(score);
  // A StandAlone connection is the only reason to read the kernel log.
  const commands = standAlone ? [cmd.events2(), cmd.dmesg, published] : [cmd.events2(), published];

  for (const [kind, env] of [
    ['monitor', RECURRING],
    ['probe', PROBE],
  ] as const) {
    double.setScore('4711');
    const r = await double.runAsync('monitor', {}, env);
    t.equal(r.code, rc, `${name}: ${kind} exit code`);
    t.equal(double.score() ?? '-', score, `${name}: ${kind} score`);
    t.same(r.commands, commands, `${name}: ${kind} commands`);
    if (expect.splitBrain) {
      t.match(r.reason, new RegExp(`^r0: split brain with ${expect.splitBrain.join(', ')}; `), `${name}: ${kind} reports the split brain`);
    } else if (expect.reason) {
      t.match(r.reason, expect.reason, `${name}: ${kind} says why`);
    } else {
      t.equal(r.reason, undefined, `${name}: ${kind} has no exit reason`);
    }
  }

  const r11 = await double.runAsync('monitor', {}, { ...RECURRING, ...OCF_1_1 });
  t.equal(r11.code, expect.rc11, `${name}: monitor exit code with OCF 1.1`);
  t.equal(double.score() ?? '-', score, `${name}: the same score with OCF 1.1`);
  if (expect.rc11 === 190 || expect.rc11 === 191) {
    t.match(r11.reason, /^r0: /, `${name}: says why it is degraded`);
  }
  t.equal(double.stateName(), `${version}/${state}/${node}`, `${name}: monitor changed nothing`);
}

t.test('monitor without /proc/drbd (module not loaded): not running, nothing but the score removal', async (t) => {
  for (const env of [RECURRING, PROBE]) {
    const double = drbdDouble(t, { version: 'drbd-8.4', node: 'node1', state: '03-synced', moduleLoaded: false });
    double.setScore('10000');
    const r = double.run('monitor', {}, env);
    t.equal(r.code, 7);
    t.same(r.commands, [cmd.removeScore], 'no drbdsetup without the module, no modprobe in monitor');
    t.equal(double.score(), undefined);
  }
});
