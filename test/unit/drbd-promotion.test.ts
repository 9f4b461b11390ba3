// The promotion score and monitor code must be those of the upstream ocf:linbit:drbd agent in
// every state of test/fixtures/pacemaker/upstream-drbd-score-table.md. The markdown table is read (by
// test/helpers/upstream-score-table.ts): each row's state becomes the `drbdsetup events2 --now` output
// DRBD 9 prints in that state (what the upstream agent reads), is parsed like any other output,
// and the decision is compared with the row. Then the same on the real captured states.
import t from 'tap';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import {
  type DrbdState,
  type PromotionOptions,
  monitorVerdictFor,
  parseAdjustMasterScore,
  parseEvents2,
  promotionScoreFor,
} from '../../lib/admin/drbd/index.js';
import { DELIBERATELY_NOT_UPSTREAM, events2Of, rowCase, rowState, scoreTableRows } from '../helpers/upstream-score-table.js';

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

t.test('upstream score table: upstream score and monitor code in every state', async (t) => {
  const rows = scoreTableRows();
  t.equal(rows.length, 41, 'all rows of the table were read');
  let previous: string | undefined;
  for (const row of rows) {
    let events2: string;
    const options: PromotionOptions = {};
    const c = rowCase(row.label);
    if (c.kind === 'unconfigured') {
      events2 = 'exists -\n'; // module loaded, no resource
    } else if (c.kind === 'same') {
      events2 = previous!;
      // When this table was made, Pacemaker knew of no promoted instance (the default).
      options.removeIfPeerPrimary = c.removeIfPeerPrimary === 'true' ? true : 'unexpected';
    } else {
      events2 = events2Of(c.state);
      if (c.adjustMasterScore !== undefined) options.scores = parseAdjustMasterScore(c.adjustMasterScore).scores;
    }
    previous = events2;
    const resource = onlyResource(events2);
    t.equal(scoreCell(resource, options), row.score, `${row.label}: score`);
    const expected = DELIBERATELY_NOT_UPSTREAM[row.label]?.rc ?? row.rc;
    t.equal(monitorVerdictFor(resource).code, expected, `${row.label}: monitor code`);
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
    // upstream: 8 for node1; we say 9 (writes fail with EIO, see 'monitor codes beyond upstream')
    '07-primary-quorum-lost': { node1: ['-', 9], node2: ['1000', 0], node3: ['1000', 0] },
    '08-quorum-regained': { node1: ['10000', 8], node2: ['10000', 0], node3: ['10000', 0] },
    '10-split-brain': { node1: ['10000', 8], node2: ['10000', 8], node3: ['-', 0] },
    '11-split-brain-resolved': { node1: ['10000', 8], node2: ['10000', 0], node3: ['10000', 0] },
    '12-down': { node1: ['-', 7], node2: ['-', 7], node3: ['-', 7] },
  },
};

t.test('captured states: upstream score and monitor code', async (t) => {
  for (const [version, states] of Object.entries(ON_FIXTURES)) {
    t.same(
      readdirSync(`${FIXTURES}${version}`).filter((entry) => /^\d\d-/.test(entry)),
      Object.keys(states),
      `${version}: every state`,
    );
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
  for (const [bad, why] of [
    ['100 10 1 0', /must not decrease/],
    ['1 2 3', /needs 4 values/],
    ['1 2 3 x', /whole numbers/],
    ['-1 2 3 4', /whole numbers/],
  ] as const) {
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
  t.match(monitorVerdictFor(read('drbd-8.4/02-syncing/node1/drbdsetup_events2_now.txt'), degraded), {
    code: 191,
    meaning: 'OCF_DEGRADED_PROMOTED',
    reason: /volume 0 SyncSource with the peer$/,
  });
  t.match(
    monitorVerdictFor(read('drbd-8.4/02-syncing/node1/drbdsetup_events2_now.txt')),
    { code: 8, meaning: 'OCF_RUNNING_PROMOTED', degradations: ['volume 0 SyncSource with the peer'] },
    'without degraded codes: as upstream',
  );
  // A Primary that lost quorum under on-no-quorum io-error fails every write: failed, whatever the
  // OCF version (upstream: 8). Under suspend-io the writes wait for quorum: degraded, not failed.
  const quorumLost = read('drbd-9/07-primary-quorum-lost/node1/drbdsetup_events2_now.txt');
  for (const options of [{}, degraded]) {
    t.match(monitorVerdictFor(quorumLost, options), {
      code: 9,
      meaning: 'OCF_FAILED_PROMOTED',
      reason: /^r0: Primary without quorum: writes to volume 0 fail with I\/O errors/,
    });
  }
  const quorumLostSuspended = onlyResource(
    readFileSync(`${FIXTURES}drbd-9/07-primary-quorum-lost/node1/drbdsetup_events2_now.txt`, 'utf8').replace(
      'suspended:no',
      'suspended:quorum',
    ),
  );
  t.match(monitorVerdictFor(quorumLostSuspended, degraded), { code: 191, reason: /I\/O suspended \(quorum\); volume 0 has no quorum/ });
  t.match(monitorVerdictFor(quorumLostSuspended), { code: 8 }, 'suspend-io with OCF 1.0: as upstream');
  t.match(monitorVerdictFor(read('drbd-9/04-peer-link-down/node2/drbdsetup_events2_now.txt'), degraded), {
    code: 190,
    meaning: 'OCF_DEGRADED',
    degradations: ['node3 is Connecting'],
  });
  t.match(monitorVerdictFor(read('drbd-9/03-synced-one-primary/node2/drbdsetup_events2_now.txt'), degraded), {
    code: 0,
    meaning: 'OCF_SUCCESS',
    degradations: [],
  });
  t.match(monitorVerdictFor(undefined), { code: 7, meaning: 'OCF_NOT_RUNNING' });

  const primaryWithoutData = onlyResource(events2Of(rowState('Primary/Diskless (detached); Connecting; Unknown/DUnknown')));
  t.match(monitorVerdictFor(primaryWithoutData), { code: 9, meaning: 'OCF_FAILED_PROMOTED', reason: /no UpToDate data/ });
  const primaryReadingRemotely = onlyResource(events2Of(rowState('Primary/Diskless (detached); Connected; Secondary/UpToDate')));
  t.match(monitorVerdictFor(primaryReadingRemotely), { code: 8 });
  const unknownRole = onlyResource('exists resource name:r0 role:Unknown suspended:no\nexists -\n');
  t.match(monitorVerdictFor(unknownRole), { code: 1, meaning: 'OCF_ERR_GENERIC' });
});
