// The DRBD settings admins tune in the resource file: the resync controller, checksums, the
// activity log, congestion on long-distance links, DRBD 9 quorum. Each is declared once here
// (its DRBD name, which is also its command-line flag; its section; its range in DRBD 8.4 and 9
// as drbdsetup's help lists them; why one sets it), so validation, the resource file and the
// command line cannot drift apart. Unset means DRBD's own default, which is not written. Pure.

import type { DrbdVersion } from './spec.js';

type Fail = (path: string, message: string) => void;

/** Amounts take DRBD's unit suffixes K, M, G; a bare number is in the option's own unit. */
type AmountUnit = 'KiB/s' | 'sectors';
type Range = Record<DrbdVersion, readonly [number, number]>;

type OptionValue =
  | { kind: 'amount'; unit: AmountUnit; range: Range }
  | { kind: 'count'; range: Range }
  | { kind: 'algorithm' }
  | { kind: 'choice'; choices: readonly string[] };

interface TuningOption {
  /** The key in a description file (camelCase of the DRBD name). */
  key: TuningKey;
  /** DRBD's name: the resource file's keyword and the command-line flag (--c-max-rate). */
  drbdName: string;
  section: 'disk' | 'net' | 'options';
  value: OptionValue;
  /** The one-line comment above the setting in the resource file. */
  reason: (value: string) => string;
  /** The --help text. */
  describe: string;
  drbd9Only?: true;
}

export const TUNING_KEYS = [
  'resyncRate',
  'cPlanAhead',
  'cFillTarget',
  'cMaxRate',
  'cMinRate',
  'csumsAlg',
  'verifyAlg',
  'dataIntegrityAlg',
  'alExtents',
  'onCongestion',
  'congestionFill',
  'congestionExtents',
  'onNoQuorum',
] as const;
export type TuningKey = (typeof TUNING_KEYS)[number];

/** The tuned settings of one resource, each a validated DRBD word (`100M`, `crc32c`). */
export type DrbdTuning = Partial<Record<TuningKey, string>> & {
  /** DRBD 9 `quorum` other than majority: every node, or at least this many. */
  quorum?: 'all' | number;
};

const BOTH = (min: number, max: number): Range => ({ '9': [min, max], '8.4': [min, max] });

/**
 * The checksum names DRBD's documentation uses for csums-alg, verify-alg and data-integrity-alg.
 * Which ones the kernel really offers (/proc/crypto) is only known on the node itself.
 */
export const DRBD_ALGORITHMS = [
  'crc32c',
  'crc32',
  'crct10dif',
  'md4',
  'md5',
  'sha1',
  'sha224',
  'sha256',
  'sha384',
  'sha512',
  'xxhash64',
] as const;
export const ON_CONGESTION = ['block', 'pull-ahead', 'disconnect'] as const;
export const ON_NO_QUORUM = ['io-error', 'suspend-io'] as const;

export const TUNING_OPTIONS: readonly TuningOption[] = [
  {
    key: 'resyncRate',
    drbdName: 'resync-rate',
    section: 'disk',
    value: { kind: 'amount', unit: 'KiB/s', range: { '9': [1, 8388608], '8.4': [1, 4194304] } },
    reason: () => 'A fixed resync rate (c-plan-ahead 0 turns the dynamic controller off): resync takes this much of the link, no more.',
    describe: 'A fixed resync rate in KiB/s (or 40M): turns the dynamic resync controller off',
  },
  {
    key: 'cPlanAhead',
    drbdName: 'c-plan-ahead',
    section: 'disk',
    value: { kind: 'count', range: BOTH(0, 300) },
    reason: () => "The dynamic resync controller plans this far ahead, in tenths of a second (about ten times the link's round trip).",
    describe: 'Dynamic resync controller: how far it plans ahead, in 0.1 s (1-300; a fixed rate is --resync-rate)',
  },
  {
    key: 'cFillTarget',
    drbdName: 'c-fill-target',
    section: 'disk',
    value: { kind: 'amount', unit: 'sectors', range: BOTH(0, 1048576) },
    reason: () => 'The dynamic resync controller keeps this much resync data in flight (512-byte sectors, or K/M/G bytes).',
    describe: 'Dynamic resync controller: resync data kept in flight, in 512-byte sectors (or 1M)',
  },
  {
    key: 'cMaxRate',
    drbdName: 'c-max-rate',
    section: 'disk',
    value: { kind: 'amount', unit: 'KiB/s', range: { '9': [0, 4194304], '8.4': [250, 4194304] } },
    reason: () => 'Resync takes at most this much of the link per second, leaving the rest to the applications.',
    describe: 'Dynamic resync controller: the most a resync takes of the link, in KiB/s (or 100M)',
  },
  {
    key: 'cMinRate',
    drbdName: 'c-min-rate',
    section: 'disk',
    value: { kind: 'amount', unit: 'KiB/s', range: BOTH(0, 4194304) },
    reason: (value) =>
      value === '0'
        ? 'Resync is never slowed down for application I/O.'
        : 'While applications write, resync slows down, but to no less than this per second.',
    describe: 'The rate resync slows down to while applications do I/O, in KiB/s (or 4M; 0: never slow down)',
  },
  {
    key: 'csumsAlg',
    drbdName: 'csums-alg',
    section: 'net',
    value: { kind: 'algorithm' },
    reason: () => 'Resync sends a checksum first and the block only when it differs: less traffic, more CPU.',
    describe: `Checksum-based resync, e.g. crc32c (one of ${DRBD_ALGORITHMS.join(', ')})`,
  },
  {
    key: 'verifyAlg',
    drbdName: 'verify-alg',
    section: 'net',
    value: { kind: 'algorithm' },
    reason: () => 'Online verify (drbdadm verify) compares the nodes block by block with this checksum.',
    describe: 'The checksum of online verify (drbdadm verify), e.g. crc32c',
  },
  {
    key: 'dataIntegrityAlg',
    drbdName: 'data-integrity-alg',
    section: 'net',
    value: { kind: 'algorithm' },
    reason: () => 'Every replicated write is checksummed end to end: catches corruption on the way, costs CPU on every write.',
    describe: 'Checksum every replicated write end to end, e.g. crc32c (costs CPU and latency: for diagnosis)',
  },
  {
    key: 'alExtents',
    drbdName: 'al-extents',
    section: 'disk',
    value: { kind: 'count', range: BOTH(67, 65534) },
    reason: () => 'Activity log size in 4 MiB extents: more means fewer meta-data writes but a longer resync after a Primary crash.',
    describe: 'Activity log size in 4 MiB extents (67-65534)',
  },
  {
    key: 'onCongestion',
    drbdName: 'on-congestion',
    section: 'net',
    value: { kind: 'choice', choices: ON_CONGESTION },
    reason: (value) =>
      ({
        'pull-ahead':
          'On a congested long-distance link the peer falls behind (Ahead/Behind) instead of writes slowing down; it resyncs later.',
        disconnect: 'On a congested link the peer is disconnected instead of writes slowing down.',
        block: "On a congested link writes wait for it (DRBD's default).",
      })[value] ?? '',
    describe: 'What a congested link does with protocol A: block, pull-ahead (long-distance links) or disconnect',
  },
  {
    key: 'congestionFill',
    drbdName: 'congestion-fill',
    section: 'net',
    value: { kind: 'amount', unit: 'sectors', range: BOTH(0, 20971520) },
    reason: () => 'The link counts as congested with this much data in flight (512-byte sectors, or K/M/G bytes).',
    describe: 'With --on-congestion: congested with this much in flight, in 512-byte sectors (or 1G)',
  },
  {
    key: 'congestionExtents',
    drbdName: 'congestion-extents',
    section: 'net',
    value: { kind: 'count', range: BOTH(67, 65534) },
    reason: () => 'The link counts as congested with this many activity-log extents in use.',
    describe: 'With --on-congestion: congested with this many activity-log extents in use (67-65534)',
  },
  {
    key: 'onNoQuorum',
    drbdName: 'on-no-quorum',
    section: 'options',
    value: { kind: 'choice', choices: ON_NO_QUORUM },
    drbd9Only: true,
    reason: (value) =>
      value === 'suspend-io'
        ? 'Without quorum, I/O freezes until quorum returns (or the node is fenced).'
        : 'Without quorum, writes fail with an I/O error: the application stops and Pacemaker recovers it elsewhere.',
    describe: 'DRBD 9: what a node without quorum does, io-error (default) or suspend-io',
  },
];

const OPTION_BY_KEY = new Map(TUNING_OPTIONS.map((option) => [option.key, option]));
export function tuningOption(key: TuningKey): TuningOption {
  return OPTION_BY_KEY.get(key)!;
}

const AMOUNT = /^(\d{1,10})([KMG]?)$/;
const MULTIPLIER: Record<AmountUnit, Record<string, number>> = {
  'KiB/s': { '': 1, K: 1, M: 1024, G: 1024 * 1024 },
  sectors: { '': 1, K: 2, M: 2048, G: 2048 * 1024 },
};

/** An amount in the option's own unit; undefined when the text is not one. */
function amountOf(text: string, unit: AmountUnit): number | undefined {
  const match = AMOUNT.exec(text);
  return match ? Number(match[1]) * MULTIPLIER[unit][match[2]!]! : undefined;
}

function describeRange(option: TuningOption, [min, max]: readonly [number, number]): string {
  if (option.value.kind !== 'amount') return `${min} to ${max}`;
  const unit = option.value.unit === 'KiB/s' ? 'KiB/s' : 'sectors of 512 bytes';
  return `${min} to ${max} ${unit} (a number, or with K, M or G: ${option.value.unit === 'KiB/s' ? '100M' : '1M'})`;
}

/** One value: the DRBD word to write, or undefined after reporting why not. */
function readValue(option: TuningOption, raw: unknown, path: string, version: DrbdVersion, fail: Fail): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    fail(path, 'must be a single value');
    return undefined;
  }
  const text = String(raw).trim();
  const { value } = option;
  switch (value.kind) {
    case 'algorithm':
      if ((DRBD_ALGORITHMS as readonly string[]).includes(text)) return text;
      fail(path, `"${text}" is not a checksum DRBD documents (${DRBD_ALGORITHMS.join(', ')})`);
      return undefined;
    case 'choice':
      if (value.choices.includes(text)) return text;
      fail(path, `"${text}" is not one of ${value.choices.join(', ')}`);
      return undefined;
    case 'count':
    case 'amount': {
      const [min, max] = value.range[version];
      const amount = value.kind === 'amount' ? amountOf(text, value.unit) : /^\d{1,10}$/.test(text) ? Number(text) : undefined;
      if (amount === undefined || amount < min || amount > max) {
        fail(path, `"${text}" is out of DRBD ${version}'s range for ${option.drbdName}: ${describeRange(option, [min, max])}`);
        return undefined;
      }
      return text;
    }
  }
}

/** DRBD 9 `quorum`: true/majority, false/off, all, or a node count. */
export function readQuorum(
  raw: unknown,
  path: string,
  fallback: boolean,
  nodeCount: number,
  fail: Fail,
): { on: boolean; policy?: 'all' | number } {
  if (raw === undefined || raw === null) return { on: fallback };
  if (raw === true || raw === 'true' || raw === 'yes' || raw === 'majority') return { on: true };
  if (raw === false || raw === 'false' || raw === 'no' || raw === 'off') return { on: false };
  if (raw === 'all') return { on: true, policy: 'all' };
  const count = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
  if (count === undefined || !Number.isInteger(count)) {
    fail(path, 'must be true (majority), false (off), all, or a number of nodes');
    return { on: fallback };
  }
  if (count < 1 || count > Math.min(32, nodeCount)) {
    fail(path, `a quorum of ${count} nodes: must be from 1 to the ${nodeCount} nodes of the cluster`);
    return { on: fallback };
  }
  return { on: true, policy: count };
}

export interface TuningContext {
  version: DrbdVersion;
  protocol: 'A' | 'B' | 'C';
  quorum: boolean;
}

/**
 * Reads every tuning key of a raw `drbd` mapping, checks each value against DRBD's range for the
 * version, and refuses the combinations DRBD refuses or silently ignores.
 */
export function readDrbdTuning(raw: Record<string, unknown>, path: string, context: TuningContext, fail: Fail): DrbdTuning {
  const tuning: DrbdTuning = {};
  const at = (key: TuningKey) => `${path}.${key}`;
  for (const option of TUNING_OPTIONS) {
    if (raw[option.key] === undefined || raw[option.key] === null) continue;
    if (option.drbd9Only && context.version !== '9') {
      fail(at(option.key), `DRBD 8.4 has no ${option.drbdName} (it is a DRBD 9 quorum setting): use DRBD 9, or leave it out`);
      continue;
    }
    const value = readValue(option, raw[option.key], at(option.key), context.version, fail);
    if (value !== undefined) tuning[option.key] = value;
  }

  // A fixed rate and the dynamic controller exclude each other: DRBD silently ignores the one not in effect.
  if (tuning.resyncRate !== undefined) {
    for (const key of ['cPlanAhead', 'cFillTarget', 'cMaxRate'] as const) {
      if (tuning[key] !== undefined) {
        fail(
          at(key),
          `${tuningOption(key).drbdName} tunes the dynamic resync controller, which a fixed resync-rate turns off: give one or the other`,
        );
      }
    }
  }
  // c-plan-ahead 0 alone would resync at the default resync-rate, 250 KiB/s: a resync of days.
  if (tuning.cPlanAhead === '0' && tuning.resyncRate === undefined) {
    fail(
      at('cPlanAhead'),
      'c-plan-ahead 0 turns the dynamic resync controller off and resyncs at resync-rate (by default 250 KiB/s): give the fixed rate as resync-rate instead',
    );
  }
  const rate = (key: 'cMinRate' | 'cMaxRate') => (tuning[key] === undefined ? undefined : amountOf(tuning[key], 'KiB/s'));
  const minRate = rate('cMinRate');
  const maxRate = rate('cMaxRate');
  if (minRate !== undefined && maxRate !== undefined && maxRate > 0 && minRate > maxRate) {
    fail(at('cMinRate'), `c-min-rate ${tuning.cMinRate} is above c-max-rate ${tuning.cMaxRate}: resync could never slow down to it`);
  }
  // DRBD refuses on-congestion pull-ahead/disconnect with protocol B or C (the kernel rejects the net options).
  if (tuning.onCongestion !== undefined && tuning.onCongestion !== 'block' && context.protocol !== 'A') {
    fail(
      at('onCongestion'),
      `on-congestion ${tuning.onCongestion} needs protocol A (DRBD refuses it with protocol ${context.protocol}): set the protocol to A`,
    );
  }
  for (const key of ['congestionFill', 'congestionExtents'] as const) {
    if (tuning[key] !== undefined && (tuning.onCongestion === undefined || tuning.onCongestion === 'block')) {
      fail(at(key), `${tuningOption(key).drbdName} only matters with on-congestion pull-ahead or disconnect`);
    }
  }
  if (tuning.onNoQuorum !== undefined && context.version === '9' && !context.quorum) {
    fail(at('onNoQuorum'), 'on-no-quorum only matters with quorum on');
  }
  return tuning;
}

/** The tuned settings of one section, each under its one-line reason, as resource-file lines. */
export function tuningLines(tuning: DrbdTuning | undefined, section: TuningOption['section']): string[] {
  if (!tuning) return [];
  const lines: string[] = [];
  for (const option of TUNING_OPTIONS) {
    const value = tuning[option.key];
    if (option.section !== section || value === undefined || option.key === 'onNoQuorum') continue;
    lines.push(`# ${option.reason(value)}`);
    if (option.key === 'resyncRate') lines.push('c-plan-ahead 0;');
    lines.push(`${option.drbdName} ${value};`);
  }
  return lines;
}

/** What the admin should know before installing the file: warnings for standard error. */
export function tuningWarnings(resource: string, tuning: DrbdTuning | undefined): string[] {
  const warnings: string[] = [];
  if (tuning?.dataIntegrityAlg !== undefined) {
    warnings.push(
      `${resource}: data-integrity-alg ${tuning.dataIntegrityAlg} checksums every replicated write on both nodes: it costs CPU and ` +
        'latency on every write (and reports false errors with applications that change a buffer while it is written). ' +
        'DRBD recommends it for finding the cause of corruption, not for everyday use.',
    );
  }
  if (tuning?.onCongestion === 'pull-ahead' || tuning?.onCongestion === 'disconnect') {
    warnings.push(
      `${resource}: with on-congestion ${tuning.onCongestion} the peer is Outdated while it lags behind: if the Primary fails then, ` +
        'the cluster cannot promote the peer without losing the writes it had not received yet (fencing keeps it from doing so silently).',
    );
  }
  return warnings;
}
