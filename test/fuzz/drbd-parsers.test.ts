// Every parser, fed garbage: random bytes, every fixture cut off at every 7th offset, fixtures with
// their lines shuffled, and fixtures mutated at random. Each call must return `ok: true` with a
// model that only holds values DRBD has, or `ok: false` with a reason, never throw, and be quick.
// Reproducible: the seed is printed; set DRBD_FUZZ_SEED to replay one.
import t, { type Test } from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONNECTION_STATES,
  DISK_STATES,
  REPLICATION_STATES,
  RESYNC_STATES,
  ROLES,
  type DrbdState,
  foldEvents2Stream,
  parseDrbdadmCstate,
  parseDrbdadmDstate,
  parseDrbdadmRole,
  parseDrbdsetupStatusJson,
  parseDrbdsetupStatusText,
  parseEvents2,
  parseProcDrbd,
  parseProcDrbdVersion,
  parseShStatus,
  unresolvedSplitBrainsInKernelLog,
} from '../../lib/admin/drbd/index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const SEED = Number(process.env.DRBD_FUZZ_SEED ?? Date.now() % 2 ** 31);
/**
 * One parse of a few KiB using more CPU than this means something is quadratic or worse (CPU time,
 * not wall time: a busy machine must not fail it; a quadratic parse of such input costs seconds).
 */
const SLOWEST_ALLOWED_MS = 1000;
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const PARSERS: Record<string, (text: string) => unknown> = {
  parseProcDrbd: (text) => parseProcDrbd(text, new Map([[0, { resource: 'r0', volume: 0 }]])),
  parseProcDrbdVersion,
  parseDrbdadmRole,
  parseDrbdadmCstate,
  parseDrbdadmDstate,
  parseShStatus,
  parseDrbdsetupStatusText,
  parseDrbdsetupStatusJson,
  parseEvents2,
  foldEvents2Stream,
  unresolvedSplitBrainsInKernelLog,
};

/** mulberry32: small, seedable, good enough to pick mutations. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}
const random = randomSource(SEED);
const below = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[below(items.length)]!;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
const fixtureTexts = [
  ...new Set(
    ['drbd-8.4', 'drbd-9']
      .flatMap((version) => filesUnder(`${FIXTURES}${version}`))
      .filter((path) => /\/node\d\/[^/]+\.txt$/.test(path) && !path.endsWith('/ALL.txt') && !path.includes('dmesg'))
      .map((path) => readFileSync(path, 'utf8')),
  ),
];
const streams = filesUnder(FIXTURES)
  .filter((path) => /events2-node\d\.log$/.test(path))
  .map((path) => readFileSync(path, 'utf8'));

// Words that sit on the edges of the formats.
const TOKENS = [
  'role:Bogus',
  'disk:',
  ':',
  'role:Primary',
  'disk:Diskless',
  'client:yes',
  'quorum:maybe',
  '""',
  "'",
  '"',
  '#',
  '\\',
  '$(x)',
  '{',
  '}',
  '[',
  ']',
  ',',
  'null',
  'exists -',
  'exists',
  'change',
  'destroy connection',
  'volume:-1',
  'volume:99999999999999999999',
  'done:nan',
  'eta:1e999',
  'NaN',
  '-0',
  '\t',
  '    ',
  '\n',
  '_sh_status_process',
  '_volume=',
  'cs:Unconfigured',
  'replication:SyncSource',
  'peer-node-id:7',
  'name:',
  'Split-Brain detected but unresolved',
  'conn( A -> Connected )',
];

function mutated(text: string): string {
  const lines = text.split('\n');
  switch (below(7)) {
    case 0: {
      // one character replaced by any code unit
      const at = below(text.length + 1);
      return text.slice(0, at) + String.fromCharCode(below(0x250)) + text.slice(at + 1);
    }
    case 1: {
      // a range deleted
      const at = below(text.length + 1);
      return text.slice(0, at) + text.slice(at + 1 + below(40));
    }
    case 2: {
      // a line repeated
      const at = below(lines.length);
      lines.splice(at, 0, lines[at] ?? '');
      return lines.join('\n');
    }
    case 3: {
      // a word replaced
      const words = text.split(/( +)/);
      words[below(words.length)] = pick(TOKENS);
      return words.join('');
    }
    case 4: {
      // a token inserted anywhere
      const at = below(text.length + 1);
      return text.slice(0, at) + pick(TOKENS) + text.slice(at);
    }
    case 5: {
      // indentation changed
      const at = below(lines.length);
      lines[at] = ' '.repeat(below(9)) + (lines[at] ?? '').trimStart();
      return lines.join('\n');
    }
    default: {
      // a digit replaced
      return text.replace(/\d/, () => pick(['-1', '1.5', 'x', '', '4294967296', '0']));
    }
  }
}

function shuffled(text: string): string {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i > 0; i--) {
    const j = below(i + 1);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  return lines.join('\n');
}

function randomBytes(): string {
  const bytes = Buffer.alloc(below(3000));
  for (let i = 0; i < bytes.length; i++) bytes[i] = below(256);
  return bytes.toString(random() < 0.5 ? 'latin1' : 'utf8');
}

/** What is wrong with a parse result; "" when nothing is. */
function problemWith(result: unknown): string {
  if (Array.isArray(result)) return ''; // unresolvedSplitBrainsInKernelLog: any text is a log
  if (typeof result !== 'object' || result === null || !('ok' in result)) return 'not a result object';
  if (result.ok === false) {
    return 'reason' in result && typeof result.reason === 'string' && result.reason !== '' ? '' : 'ok:false without a reason';
  }
  if (result.ok !== true) return 'ok is neither true nor false';
  if (!('resources' in result)) return '';
  return (result.resources as DrbdState[]).map(problemWithState).find((problem) => problem !== '') ?? '';
}

function problemWithState(state: DrbdState): string {
  const count = (value: number | undefined) => value === undefined || (Number.isFinite(value) && value >= 0);
  if (typeof state.name !== 'string' || state.name === '') return 'resource without a name';
  if (!ROLES.includes(state.role)) return `role ${state.role}`;
  for (const volume of state.volumes) {
    if (!Number.isSafeInteger(volume.volume) || !DISK_STATES.includes(volume.disk)) return `volume ${JSON.stringify(volume)}`;
    if (!count(volume.sizeKiB) || !count(volume.outOfSyncKiB) || !count(volume.minor)) return `volume numbers ${JSON.stringify(volume)}`;
  }
  for (const connection of state.connections) {
    if (!CONNECTION_STATES.includes(connection.state) || !ROLES.includes(connection.peerRole))
      return `connection ${JSON.stringify(connection)}`;
    for (const peer of connection.peerVolumes) {
      if (!REPLICATION_STATES.includes(peer.replication) || !DISK_STATES.includes(peer.peerDisk))
        return `peer volume ${JSON.stringify(peer)}`;
      const progress = [peer.resyncDonePercent, peer.resyncEtaSeconds, peer.resyncKiBPerSecond];
      if (!progress.every(count) || !count(peer.outOfSyncKiB)) return `peer volume numbers ${JSON.stringify(peer)}`;
      if (!RESYNC_STATES.includes(peer.replication) && progress.some((value) => value !== undefined))
        return `progress outside a resync ${JSON.stringify(peer)}`;
    }
  }
  return '';
}

interface Tally {
  calls: number;
  problems: string[];
  slowestMs: number;
}

function feed(tally: Tally, input: string, origin: string, parsers = PARSERS): void {
  for (const [name, parse] of Object.entries(parsers)) {
    const started = cpuMs();
    let problem: string;
    try {
      problem = problemWith(parse(input));
    } catch (error) {
      problem = `threw ${(error as Error).stack?.split('\n').slice(0, 3).join(' | ')}`;
    }
    const elapsed = cpuMs() - started;
    tally.calls++;
    tally.slowestMs = Math.max(tally.slowestMs, elapsed);
    if (problem !== '' && tally.problems.length < 10)
      tally.problems.push(`${name} on ${origin} ${JSON.stringify(input.slice(0, 300))}: ${problem}`);
  }
}

function report(t: Test, tally: Tally, what: string): void {
  t.same(tally.problems, [], `${what}: ${tally.calls} parses, all returned a valid result (seed ${SEED})`);
  t.ok(tally.slowestMs < SLOWEST_ALLOWED_MS, `${what}: slowest parse ${tally.slowestMs.toFixed(1)} ms < ${SLOWEST_ALLOWED_MS} ms`);
}

t.comment(`fuzz seed ${SEED}`);

t.test('random bytes', async (t) => {
  const tally: Tally = { calls: 0, problems: [], slowestMs: 0 };
  for (let i = 0; i < 400; i++) feed(tally, randomBytes(), 'random bytes');
  report(t, tally, 'random bytes');
});

t.test('fixtures cut off at every 7th offset', async (t) => {
  const tally: Tally = { calls: 0, problems: [], slowestMs: 0 };
  for (const text of fixtureTexts) {
    for (let end = 0; end < text.length; end += 7) feed(tally, text.slice(0, end), `fixture cut at ${end}`);
  }
  report(t, tally, 'truncated fixtures');
});

t.test('events2 streams cut off at every 101st offset', async (t) => {
  const tally: Tally = { calls: 0, problems: [], slowestMs: 0 };
  for (const text of streams) {
    for (let end = 0; end < text.length; end += 101) {
      feed(tally, text.slice(0, end), `stream cut at ${end}`, { foldEvents2Stream, parseEvents2 });
    }
  }
  report(t, tally, 'truncated streams');
});

t.test('fixtures with shuffled lines', async (t) => {
  const tally: Tally = { calls: 0, problems: [], slowestMs: 0 };
  for (const text of fixtureTexts) {
    for (let i = 0; i < 3; i++) feed(tally, shuffled(text), 'shuffled fixture');
  }
  report(t, tally, 'shuffled fixtures');
});

t.test('mutated fixtures', async (t) => {
  const tally: Tally = { calls: 0, problems: [], slowestMs: 0 };
  for (const text of [...fixtureTexts, ...streams]) {
    for (let i = 0; i < 12; i++) {
      let input = text;
      for (let times = 1 + below(3); times > 0; times--) input = mutated(input);
      feed(tally, input, 'mutated fixture');
    }
  }
  report(t, tally, 'mutated fixtures');
});

t.test('the fuzzer notices a parser that throws', async (t) => {
  const tally: Tally = { calls: 0, problems: [], slowestMs: 0 };
  const saved = PARSERS.parseShStatus!;
  PARSERS.parseShStatus = () => {
    throw new Error('boom');
  };
  try {
    feed(tally, 'anything', 'self-check');
  } finally {
    PARSERS.parseShStatus = saved;
  }
  t.match(tally.problems, [/parseShStatus on self-check .*threw Error: boom/]);
  t.equal(problemWith({ ok: true, resources: [{ name: 'r0', role: 'Boss', suspended: [], volumes: [], connections: [] }] }), 'role Boss');
});
