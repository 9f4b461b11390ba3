// The promotion score and monitor code must be those of the upstream ocf:linbit:drbd agent in
// every state of test/fixtures/pacemaker/q5-drbd-score-table.md. The markdown table is read here:
// each row's state becomes the `drbdsetup events2 --now` output DRBD 9 prints in that state (what
// the upstream agent reads), is parsed like any other output, and the decision is compared with
// the row. Then the same on the real captured states.
import t from 'tap';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import {
  type DrbdState, type PromotionOptions, monitorVerdictFor, parseAdjustMasterScore, parseEvents2,
  promotionScoreFor,
} from '../../lib/drbd/index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

/** "-" when the score is removed (or never set), else the score. */
function scoreCell(state: DrbdState | undefined, options: PromotionOptions = {}): string {
  const decision = promotionScoreFor(state, options);
  if (decision.action === 'keep') return 'keep';
  return decision.action === 'set' ? String(decision.score) : '-';
}

function onlyResource(events2: string): DrbdState | undefined {
  const result = parseEvents2(events2);
  if (!result.ok) throw new Error(`test input did not parse: ${result.reason}`);
  return result.resources.find((resource) => resource.name === 'r0');
}

// -------------------------------------------------------------------------------------------------
// A row's state, as written in the table ("Secondary/UpToDate; Connected; Primary/UpToDate"),
// turned into the events2 snapshot of that state.

interface RowState {
  role: string;
  disk: string;
  client: boolean;
  peer?: { connection: string; role: string; disk: string };
  quorum: boolean;
}

function rowState(description: string): RowState {
  const [local, connection, peer, ...extras] = description.split('; ');
  const localMatch = /^(Primary|Secondary)\/(\w+)( \(detached\)| client)?$/.exec(local ?? '');
  if (!localMatch) throw new Error(`cannot read local state '${local}'`);
  const state: RowState = {
    role: localMatch[1]!, disk: localMatch[2]!, client: localMatch[3] === ' client',
    quorum: !extras.includes('quorum:no') && peer !== 'quorum:no',
  };
  if (connection !== 'no connection objects (no peer configured)') {
    const [peerRole, peerDisk] = (peer ?? '').split('/');
    if (!connection || !peerRole || !peerDisk) throw new Error(`cannot read peer state '${description}'`);
    state.peer = { connection, role: peerRole, disk: peerDisk };
  }
  return state;
}

function events2Of(state: RowState | 'unconfigured'): string {
  if (state === 'unconfigured') return 'exists -\n';
  const lines = [`exists resource name:r0 role:${state.role} suspended:no force-io-failures:no may_promote:no promotion_score:0`];
  if (state.peer) lines.push(`exists connection name:r0 peer-node-id:1 conn-name:node2 connection:${state.peer.connection} role:${state.peer.role}`);
  lines.push(`exists device name:r0 volume:0 minor:0 backing_dev:${state.client ? 'none' : '/dev/vda'} disk:${state.disk} client:${state.client ? 'yes' : 'no'} quorum:${state.quorum ? 'yes' : 'no'}`);
  if (state.peer) {
    const replication = state.peer.connection === 'Connected' ? 'Established' : 'Off';
    lines.push(`exists peer-device name:r0 peer-node-id:1 conn-name:node2 volume:0 replication:${replication} peer-disk:${state.peer.disk} peer-client:no resync-suspended:no`);
  }
  lines.push('exists -');
  return `${lines.join('\n')}\n`;
}

/** The rows that do not spell out a state the regular way. */
const SHORTHAND: Record<string, string> = {
  'Secondary/UpToDate no conn': 'Secondary/UpToDate; no connection objects (no peer configured)',
  'Sec/UpToDate no conn': 'Secondary/UpToDate; no connection objects (no peer configured)',
  'Primary/UpToDate connected': 'Primary/UpToDate; Connected; Secondary/UpToDate',
};

interface Row { label: string; rc: number; score: string }

function scoreTableRows(): Row[] {
  const lines = readFileSync(`${FIXTURES}pacemaker/q5-drbd-score-table.md`, 'utf8').split('\n').filter((line) => line.startsWith('|'));
  return lines.slice(2).map((line) => {
    const [label, rc, score] = line.split('|').slice(1, -1).map((cell) => cell.trim());
    return { label: label!, rc: Number(rc), score: score! };
  });
}

t.test('q5 score table: upstream score and monitor code in every state', async (t) => {
  const rows = scoreTableRows();
  t.equal(rows.length, 41, 'all rows of the table were read');
  let previous: RowState | 'unconfigured' | undefined;
  for (const row of rows) {
    let state: RowState | 'unconfigured';
    const options: PromotionOptions = {};
    const same = /^same, remove_master_score_if_peer_primary=(true|unexpected)$/.exec(row.label);
    const adjusted = /^adjust_master_score='([^']*)'[^,]*, (.*)$/.exec(row.label);
    if (row.label.startsWith('Unconfigured')) {
      state = 'unconfigured';
    } else if (same) {
      state = previous!;
      // When this table was made, Pacemaker knew of no promoted instance (the default).
      options.removeIfPeerPrimary = same[1] === 'true' ? true : 'unexpected';
    } else if (adjusted) {
      state = rowState(SHORTHAND[adjusted[2]!] ?? adjusted[2]!);
      options.scores = parseAdjustMasterScore(adjusted[1]).scores;
    } else {
      state = rowState(row.label);
    }
    previous = state;
    const resource = onlyResource(events2Of(state));
    t.equal(scoreCell(resource, options), row.score, `${row.label}: score`);
    t.equal(monitorVerdictFor(resource).code, row.rc, `${row.label}: monitor code`);
  }
});

// -------------------------------------------------------------------------------------------------
// The captured states, seen through `events2 --now` like upstream sees them: [score, monitor code].
// Worked out by hand from the upstream agent's rules.

const ON_FIXTURES: Record<string, Record<string, Record<string, [string, number]>>> = {
  'drbd-8.4': {
    '00-unconfigured': { node1: ['-', 7], node2: ['-', 7] },
    '01-connected-inconsistent': { node1: ['-', 0], node2: ['-', 0] },
    '02-syncing': { node1: ['10000', 8], node2: ['10', 0] },
    '03-synced': { node1: ['10000', 8], node2: ['10000', 0] },
    '04-disconnected': { node1: ['10000', 8], node2: ['1000', 0] },
    '05-disconnected-primary-written': { node1: ['10000', 8], node2: ['1000', 0] },
    '07-reconnected-synced': { node1: ['10000', 8], node2: ['10000', 0] },
    '08-link-down': { node1: ['10000', 8], node2: ['1000', 0] },
    '09-link-restored': { node1: ['10000', 8], node2: ['10000', 0] },
    '11-split-brain': { node1: ['10000', 8], node2: ['10000', 8] },
    '12-split-brain-resolved': { node1: ['10000', 8], node2: ['10000', 0] },
    '13-down': { node1: ['-', 7], node2: ['-', 7] },
  },
  'drbd-9': {
    '00-unconfigured': { node1: ['-', 7], node2: ['-', 7], node3: ['-', 7] },
    '01-connected-inconsistent': { node1: ['-', 0], node2: ['-', 0], node3: ['-', 0] },
    '02-initial-sync': { node1: ['10000', 8], node2: ['10', 0], node3: ['10', 0] },
    '03-synced-one-primary': { node1: ['10000', 8], node2: ['10000', 0], node3: ['10000', 0] },
    '04-peer-link-down': { node1: ['10000', 8], node2: ['1000', 0], node3: ['-', 0] },
    '06-link-restored-synced': { node1: ['10000', 8], node2: ['10000', 0], node3: ['10000', 0] },
    '07-primary-quorum-lost': { node1: ['-', 8], node2: ['1000', 0], node3: ['1000', 0] },
    '08-quorum-regained': { node1: ['10000', 8], node2: ['10000', 0], node3: ['10000', 0] },
    '10-split-brain': { node1: ['10000', 8], node2: ['10000', 8], node3: ['-', 0] },
    '11-split-brain-resolved': { node1: ['10000', 8], node2: ['10000', 0], node3: ['10000', 0] },
    '12-down': { node1: ['-', 7], node2: ['-', 7], node3: ['-', 7] },
  },
};

t.test('captured states: upstream score and monitor code', async (t) => {
  for (const [version, states] of Object.entries(ON_FIXTURES)) {
    t.same(readdirSync(`${FIXTURES}${version}`).filter((entry) => /^\d\d-/.test(entry)), Object.keys(states), `${version}: every state`);
    for (const [stateName, nodes] of Object.entries(states)) {
      for (const [node, [score, code]] of Object.entries(nodes)) {
        const file = `${FIXTURES}${version}/${stateName}/${node}/drbdsetup_events2_now.txt`;
        t.ok(existsSync(file), `${file} exists`);
        const resource = onlyResource(readFileSync(file, 'utf8'));
        t.same([scoreCell(resource), monitorVerdictFor(resource).code], [score, code], `${version}/${stateName}/${node}`);
      }
    }
  }
});

// -------------------------------------------------------------------------------------------------

t.test('adjust_master_score', async (t) => {
  t.same(parseAdjustMasterScore('5 50 500 5000'), { scores: { onlyConsistent: 5, onlyRemote: 50, localOk: 500, best: 5000 } });
  t.same(parseAdjustMasterScore(undefined), { scores: { onlyConsistent: 0, onlyRemote: 10, localOk: 1000, best: 10000 } });
  for (const [bad, why] of [['100 10 1 0', /must not decrease/], ['1 2 3', /needs 4 values/], ['1 2 3 x', /whole numbers/], ['-1 2 3 4', /whole numbers/]] as const) {
    const result = parseAdjustMasterScore(bad);
    t.same(result.scores, { onlyConsistent: 0, onlyRemote: 10, localOk: 1000, best: 10000 }, `'${bad}' falls back to the default`);
    t.match(result.problem, why);
  }
});

t.test('remove_master_score_if_peer_primary=unexpected keeps the score when Pacemaker knows the Primary', async (t) => {
  const resource = onlyResource(events2Of(rowState('Secondary/UpToDate; Connected; Primary/UpToDate')));
  t.equal(scoreCell(resource, { removeIfPeerPrimary: 'unexpected', pacemakerKnowsPromotedInstance: true }), '10000');
  t.equal(scoreCell(resource, { removeIfPeerPrimary: 'unexpected', promotedMax: 2 }), '10000', 'only checked with one promoted instance');
  const unhealthyPeer = onlyResource(events2Of(rowState('Secondary/UpToDate; Connected; Primary/Inconsistent')));
  t.equal(scoreCell(unhealthyPeer, { removeIfPeerPrimary: true }), '10000', 'an unhealthy Primary peer does not count');
});

t.test('a disk in transition next to one that is not up to date leaves the score alone', async (t) => {
  const twoVolumes = [
    'exists resource name:r0 role:Secondary suspended:no',
    'exists device name:r0 volume:0 minor:0 disk:Attaching client:no quorum:yes',
    'exists device name:r0 volume:1 minor:1 disk:Consistent client:no quorum:yes',
    'exists -',
  ].join('\n');
  t.match(promotionScoreFor(onlyResource(twoVolumes)), { action: 'keep' });
});

t.test('monitor codes beyond upstream', async (t) => {
  const read = (file: string) => onlyResource(readFileSync(`${FIXTURES}${file}`, 'utf8'));
  const degraded = { degradedCodes: true };
  t.match(monitorVerdictFor(read('drbd-8.4/02-syncing/node1/drbdsetup_events2_now.txt'), degraded),
    { code: 191, meaning: 'OCF_DEGRADED_PROMOTED', reason: /volume 0 SyncSource with peer/ });
  t.match(monitorVerdictFor(read('drbd-8.4/02-syncing/node1/drbdsetup_events2_now.txt')),
    { code: 8, meaning: 'OCF_RUNNING_PROMOTED', degradations: ['volume 0 SyncSource with peer'] }, 'without degraded codes: as upstream');
  t.match(monitorVerdictFor(read('drbd-9/07-primary-quorum-lost/node1/drbdsetup_events2_now.txt'), degraded),
    { code: 191, reason: /volume 0 has no quorum/ });
  t.match(monitorVerdictFor(read('drbd-9/04-peer-link-down/node2/drbdsetup_events2_now.txt'), degraded),
    { code: 190, meaning: 'OCF_DEGRADED', degradations: ['node3 is Connecting'] });
  t.match(monitorVerdictFor(read('drbd-9/03-synced-one-primary/node2/drbdsetup_events2_now.txt'), degraded),
    { code: 0, meaning: 'OCF_SUCCESS', degradations: [] });
  t.match(monitorVerdictFor(undefined), { code: 7, meaning: 'OCF_NOT_RUNNING' });

  const primaryWithoutData = onlyResource(events2Of(rowState('Primary/Diskless (detached); Connecting; Unknown/DUnknown')));
  t.match(monitorVerdictFor(primaryWithoutData), { code: 9, meaning: 'OCF_FAILED_PROMOTED', reason: /no UpToDate data/ });
  const primaryReadingRemotely = onlyResource(events2Of(rowState('Primary/Diskless (detached); Connected; Secondary/UpToDate')));
  t.match(monitorVerdictFor(primaryReadingRemotely), { code: 8 });
  const unknownRole = onlyResource('exists resource name:r0 role:Unknown suspended:no\nexists -\n');
  t.match(monitorVerdictFor(unknownRole), { code: 1, meaning: 'OCF_ERR_GENERIC' });
});
