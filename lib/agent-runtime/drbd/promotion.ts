// How suitable this node is for promotion (the score the agent publishes with
// `crm_attribute --promotion`), and what `monitor` reports. By default both reproduce the upstream
// ocf:linbit:drbd agent (drbd-utils 9.22) in every state of
// test/fixtures/pacemaker/upstream-drbd-score-table.md, so a cluster behaves the same after switching
// the provider.
//
// The score is computed like upstream does from `events2 --now`: first a few facts about the
// state (PromotionFacts), then the first matching row of PROMOTION_POLICY. The four base values
// are the `adjust_master_score` parameter (default "0 10 1000 10000"):
//   onlyConsistent  local data Consistent, nothing better known
//   onlyRemote      local data not up to date, but a peer's is (reads go over the network)
//   localOk         Secondary with UpToDate data, but some peer's data is unknown
//   best            UpToDate and Primary, or UpToDate with every peer's data known
// A score <= 0 means "remove the attribute": Pacemaker then does not promote this node.

import { OCF, ocfCodeName } from '../ocf/codes.js';
import { type DrbdState, peerLabel } from './model.js';

export interface MasterScores {
  onlyConsistent: number;
  onlyRemote: number;
  localOk: number;
  best: number;
}

export const DEFAULT_MASTER_SCORES: Readonly<MasterScores> = { onlyConsistent: 0, onlyRemote: 10, localOk: 1000, best: 10000 };

export interface PromotionOptions {
  /** From `adjust_master_score`; see parseAdjustMasterScore. */
  scores?: MasterScores;
  /**
   * `remove_master_score_if_peer_primary`: no score while connected to a healthy Primary peer.
   * `'unexpected'`: only when Pacemaker knows of no promoted instance (a Primary outside its control).
   */
  removeIfPeerPrimary?: boolean | 'unexpected';
  /** Whether Pacemaker reports a promoted instance on some node (`crm_resource --locate`). */
  pacemakerKnowsPromotedInstance?: boolean;
  /** `promoted-max` (`master-max`) of the clone; the 'unexpected' check applies to 1 only. */
  promotedMax?: number;
}

export type PromotionDecision =
  | { action: 'set'; score: number; reason: string }
  | { action: 'remove'; reason: string }
  /** Leave whatever score is published: the disks are in a transition (Attaching, Negotiating). */
  | { action: 'keep'; reason: string };

export interface AdjustMasterScore {
  scores: MasterScores;
  /** Why the value was not used, when it fell back to the default (the agent logs it). */
  problem?: string;
}

/** `adjust_master_score`: four non-decreasing whole numbers; anything else means the default. */
export function parseAdjustMasterScore(value: string | undefined): AdjustMasterScore {
  const fields = (value ?? '')
    .trim()
    .split(/\s+/)
    .filter((field) => field !== '');
  if (fields.length === 0) return { scores: { ...DEFAULT_MASTER_SCORES } };
  let problem: string | undefined;
  if (fields.length !== 4) problem = `needs 4 values, got ${fields.length}`;
  else if (fields.some((field) => !/^\d+$/.test(field))) problem = 'values must be whole numbers >= 0';
  else if (fields.some((field, i) => i > 0 && Number(field) < Number(fields[i - 1]))) problem = 'values must not decrease';
  if (problem) return { scores: { ...DEFAULT_MASTER_SCORES }, problem: `adjust_master_score '${value}': ${problem}; using the default` };
  const [onlyConsistent, onlyRemote, localOk, best] = fields.map(Number) as [number, number, number, number];
  return { scores: { onlyConsistent, onlyRemote, localOk, best } };
}

/** The state boiled down to what the policy looks at (upstream's status_* variables). */
interface PromotionFacts {
  primary: boolean;
  somePeerPrimary: boolean;
  /** Every volume is an intentionally diskless client (also true with no volumes, as upstream). */
  disklessClient: boolean;
  quorum: boolean;
  diskAllUpToDate: boolean;
  diskAllConsistent: boolean;
  diskInTransition: boolean;
  /** Some peer (not a diskless client) has UpToDate data on every volume. */
  somePeerAllUpToDate: boolean;
  /** Every peer that is not a diskless client has UpToDate data on every volume. */
  peersAllUpToDate: boolean;
  /** Some peer's disk state is DUnknown (or not reported) on some volume. */
  somePeerDiskUnknown: boolean;
}

function promotionFactsOf(state: DrbdState): PromotionFacts {
  const diskVolumes = state.volumes.filter((volume) => !(volume.disk === 'Diskless' && volume.client === true));
  // Upstream counts Attaching and Negotiating as in transition without counting them as not up to
  // date; which is why they score like UpToDate in the upstream score table.
  const notUpToDate = ['Consistent', 'Diskless', 'Failed', 'Inconsistent', 'Outdated', 'Detaching'];
  const notConsistent = ['Diskless', 'Failed', 'Inconsistent', 'Outdated', 'Detaching'];

  let somePeerAllUpToDate = false;
  let somePeerNotAllUpToDate = false;
  let somePeerDiskUnknown = false;
  for (const connection of state.connections) {
    const peerVolumeOf = (volume: number) => connection.peerVolumes.find((peer) => peer.volume === volume);
    const perVolume = state.volumes.map((volume) => peerVolumeOf(volume.volume));
    if (perVolume.every((peer) => peer?.peerClient === true)) continue; // a diskless client peer
    if (perVolume.every((peer) => peer?.peerDisk === 'UpToDate')) somePeerAllUpToDate = true;
    else somePeerNotAllUpToDate = true;
    if (perVolume.some((peer) => peer === undefined || peer.peerDisk === 'DUnknown')) somePeerDiskUnknown = true;
  }
  return {
    primary: state.role === 'Primary',
    somePeerPrimary: state.connections.some((connection) => connection.peerRole === 'Primary'),
    disklessClient: diskVolumes.length === 0,
    // Upstream only looks at quorum on volumes with a disk.
    quorum: diskVolumes.every((volume) => volume.quorum !== false),
    diskAllUpToDate: diskVolumes.every((volume) => !notUpToDate.includes(volume.disk)),
    diskAllConsistent: diskVolumes.every((volume) => !notConsistent.includes(volume.disk)),
    diskInTransition: diskVolumes.some((volume) => volume.disk === 'Attaching' || volume.disk === 'Negotiating'),
    somePeerAllUpToDate,
    peersAllUpToDate: somePeerAllUpToDate && !somePeerNotAllUpToDate && !somePeerDiskUnknown,
    somePeerDiskUnknown,
  };
}

type Outcome = keyof MasterScores | `${keyof MasterScores} - 1` | 'remove' | 'keep';

interface PolicyRow {
  when: (facts: PromotionFacts, options: Required<Omit<PromotionOptions, 'scores'>>) => boolean;
  outcome: Outcome;
  reason: string;
}

/** The promotion policy: the first row whose condition holds decides. */
const PROMOTION_POLICY: readonly PolicyRow[] = [
  { when: (f) => !f.quorum, outcome: 'remove', reason: 'no quorum' },
  {
    when: (f, o) =>
      o.removeIfPeerPrimary !== false &&
      !f.primary &&
      f.somePeerPrimary &&
      f.somePeerAllUpToDate &&
      (o.removeIfPeerPrimary === true || (o.promotedMax === 1 && !o.pacemakerKnowsPromotedInstance)),
    outcome: 'remove',
    reason: 'a healthy peer is Primary (remove_master_score_if_peer_primary)',
  },
  {
    when: (f) => f.disklessClient && f.primary && f.somePeerAllUpToDate,
    outcome: 'best - 1',
    reason: 'diskless Primary with access to UpToDate data',
  },
  { when: (f) => f.disklessClient && f.peersAllUpToDate, outcome: 'best - 1', reason: 'diskless client, all peers UpToDate' },
  { when: (f) => f.disklessClient && f.somePeerAllUpToDate, outcome: 'localOk - 1', reason: 'diskless client, some peer UpToDate' },
  { when: (f) => f.disklessClient, outcome: 'remove', reason: 'diskless client without access to UpToDate data' },
  { when: (f) => f.diskAllUpToDate && f.primary, outcome: 'best', reason: 'Primary with UpToDate data' },
  { when: (f) => f.diskAllUpToDate && f.somePeerDiskUnknown, outcome: 'localOk', reason: "UpToDate, but some peer's data is unknown" },
  { when: (f) => f.diskAllUpToDate, outcome: 'best', reason: "UpToDate, every peer's data known" },
  { when: (f) => f.somePeerAllUpToDate, outcome: 'onlyRemote', reason: 'local data not UpToDate, a peer has UpToDate data' },
  { when: (f) => f.diskInTransition, outcome: 'keep', reason: 'disk state in transition' },
  { when: (f) => f.diskAllConsistent, outcome: 'onlyConsistent', reason: 'local data Consistent, nothing better known' },
  { when: () => true, outcome: 'remove', reason: 'no access to good data' },
];

/** The promotion score for `state`; `undefined` = the resource is not configured on this node. */
export function promotionScoreFor(state: DrbdState | undefined, options: PromotionOptions = {}): PromotionDecision {
  if (!state) return { action: 'remove', reason: 'not configured' };
  const scores = options.scores ?? DEFAULT_MASTER_SCORES;
  const policyOptions = {
    removeIfPeerPrimary: options.removeIfPeerPrimary ?? false,
    pacemakerKnowsPromotedInstance: options.pacemakerKnowsPromotedInstance ?? false,
    promotedMax: options.promotedMax ?? 1,
  };
  const facts = promotionFactsOf(state);
  const row = PROMOTION_POLICY.find((candidate) => candidate.when(facts, policyOptions))!;
  if (row.outcome === 'remove' || row.outcome === 'keep') return { action: row.outcome, reason: row.reason };
  const [base, minusOne] = row.outcome.split(' - ') as [keyof MasterScores, string | undefined];
  const score = scores[base] - (minusOne ? 1 : 0);
  return score > 0 ? { action: 'set', score, reason: row.reason } : { action: 'remove', reason: `${row.reason} (score ${score})` };
}

// ---------------------------------------------------------------------------------------------
// monitor

/** The codes a drbd monitor can return. */
export type MonitorCode = (typeof OCF)[
  'SUCCESS' | 'ERR_GENERIC' | 'NOT_RUNNING' | 'RUNNING_PROMOTED' | 'FAILED_PROMOTED' | 'DEGRADED' | 'DEGRADED_PROMOTED'];

export interface MonitorVerdict {
  code: MonitorCode;
  /** The OCF name of the code. */
  meaning: string;
  /** For the log or `ocf-exit-reason:`. */
  reason: string;
  /** What is not as it should be, also when the code does not say so (degraded codes off). */
  degradations: string[];
}

export interface MonitorOptions {
  /** Pacemaker understands 190/191 (2.1+); without it degraded states report 0/8, as upstream. */
  degradedCodes?: boolean;
}

/**
 * What `monitor` returns for `state` (`undefined` = not configured here). Upstream returns only
 * 7, 8 and 0; we add 1 for a role DRBD itself does not know, 9 for a Primary whose data is
 * reachable neither locally nor through a connected peer (I/O to it fails) or that has lost
 * quorum without its I/O being suspended (on-no-quorum io-error: writes fail), and, when the caller
 * says Pacemaker supports them, 190/191 for running but degraded.
 */
export function monitorVerdictFor(state: DrbdState | undefined, options: MonitorOptions = {}): MonitorVerdict {
  const verdict = (code: MonitorCode, reason: string, degradations: string[] = []): MonitorVerdict => ({
    code,
    meaning: ocfCodeName(code),
    reason,
    degradations,
  });
  if (!state) return verdict(OCF.NOT_RUNNING, 'not configured');
  if (state.role === 'Unknown') return verdict(OCF.ERR_GENERIC, `${state.name}: DRBD reports an Unknown local role`);
  const promoted = state.role === 'Primary';
  const unreachable = volumesWithoutGoodData(state);
  if (promoted && unreachable.length > 0) {
    return verdict(
      OCF.FAILED_PROMOTED,
      `${state.name}: Primary, but volume ${unreachable.join(', ')} has no UpToDate data here or on a connected peer`,
    );
  }
  // DRBD 9 quorum: a Primary without it fails every write with EIO (`on-no-quorum io-error`), or
  // freezes them (`suspend-io`, the resource is then suspended for quorum). Failed writes are lost
  // to the application (a file system above aborts its journal), so this Primary can no longer
  // serve: 9 makes Pacemaker recover it (demote, stop the stack above) and promote a node of the
  // majority, where upstream's 8 left it promoted and the service broken. Frozen writes resume when
  // quorum returns, so that stays running-but-degraded.
  const withoutQuorum = state.volumes.filter((volume) => volume.quorum === false).map((volume) => volume.volume);
  if (promoted && withoutQuorum.length > 0 && !state.suspended.includes('quorum')) {
    return verdict(
      OCF.FAILED_PROMOTED,
      `${state.name}: Primary without quorum: writes to volume ${withoutQuorum.join(', ')} fail with I/O errors (on-no-quorum io-error)`,
    );
  }
  const degradations = degradationsOf(state);
  if (degradations.length > 0 && options.degradedCodes) {
    return verdict(promoted ? OCF.DEGRADED_PROMOTED : OCF.DEGRADED, `${state.name}: ${degradations.join('; ')}`, degradations);
  }
  return verdict(promoted ? OCF.RUNNING_PROMOTED : OCF.SUCCESS, `${state.name}: ${state.role}`, degradations);
}

function volumesWithoutGoodData(state: DrbdState): number[] {
  return state.volumes
    .filter(
      (volume) =>
        volume.disk !== 'UpToDate' &&
        !state.connections.some(
          (connection) =>
            connection.state === 'Connected' &&
            connection.peerVolumes.some((peer) => peer.volume === volume.volume && peer.peerDisk === 'UpToDate'),
        ),
    )
    .map((volume) => volume.volume);
}

function degradationsOf(state: DrbdState): string[] {
  const found: string[] = [];
  if (state.suspended.length > 0) found.push(`I/O suspended (${state.suspended.join(', ')})`);
  for (const volume of state.volumes) {
    if (volume.quorum === false) found.push(`volume ${volume.volume} has no quorum`);
    if (volume.disk !== 'UpToDate' && !(volume.disk === 'Diskless' && volume.client)) {
      found.push(`volume ${volume.volume} disk is ${volume.disk}`);
    }
  }
  for (const connection of state.connections) {
    if (connection.splitBrain) found.push(`split brain with ${peerLabel(connection)}`);
    else if (connection.state !== 'Connected') found.push(`${peerLabel(connection)} is ${connection.state}`);
    for (const peer of connection.peerVolumes) {
      if (peer.replication !== 'Established' && peer.replication !== 'Off') {
        found.push(`volume ${peer.volume} ${peer.replication} with ${peerLabel(connection)}`);
      }
    }
  }
  return found;
}
