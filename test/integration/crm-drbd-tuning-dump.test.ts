// Issue 15: every DRBD setting `crm generate --drbd-res` can write is read by DRBD's own parser.
// A matrix generated from the option table itself (lib/admin/crm/drbd-tuning.ts): each option at the
// ends of its range and in every spelling, each checksum and choice, all of them together, DRBD
// 9 quorum policies; for DRBD 9 (drbdadm) and 8.4 (drbd-utils' /usr/lib/drbd/drbdadm-84). All
// cases of a version go into one file as separate resources: one drbdadm run reads them all.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderDrbdResFile } from '../../lib/admin/crm/drbd-res.js';
import { DRBD_ALGORITHMS, TUNING_OPTIONS, type TuningKey } from '../../lib/admin/crm/drbd-tuning.js';
import { validateClusterSpec, type DrbdVersion } from '../../lib/admin/crm/spec.js';

const DRBDADM: Record<DrbdVersion, string> = { '9': 'drbdadm', '8.4': '/usr/lib/drbd/drbdadm-84' };
const work = mkdtempSync(join(tmpdir(), 'ocfk-drbd-tuning-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

type Case = { name: string; drbd: Record<string, unknown>; nodes?: number };

/** What a case needs besides itself: congestion settings need protocol A and a congestion policy. */
function withPrerequisites(key: TuningKey, value: string): Record<string, unknown> {
  if (key === 'congestionFill' || key === 'congestionExtents') return { protocol: 'A', onCongestion: 'pull-ahead', [key]: value };
  if (key === 'onCongestion') return value === 'block' ? { [key]: value } : { protocol: 'A', [key]: value };
  return { [key]: value };
}

/** Spellings of an amount: bare, and with the largest suffix that divides it exactly. */
function spellings(amount: number, unit: 'KiB/s' | 'sectors'): string[] {
  const perSuffix: [string, number][] =
    unit === 'KiB/s'
      ? [
          ['G', 1024 * 1024],
          ['M', 1024],
          ['K', 1],
        ]
      : [
          ['G', 2048 * 1024],
          ['M', 2048],
          ['K', 2],
        ];
  const suffixed = perSuffix.find(([, size]) => amount > 0 && amount % size === 0);
  return suffixed ? [String(amount), `${amount / suffixed[1]}${suffixed[0]}`] : [String(amount)];
}

function casesFor(version: DrbdVersion): Case[] {
  const cases: Case[] = [];
  const extremes: Partial<Record<TuningKey, string>>[] = [{}, {}];
  for (const option of TUNING_OPTIONS) {
    if (option.drbd9Only && version !== '9') continue;
    const { value } = option;
    let values: string[];
    if (value.kind === 'algorithm') values = [...DRBD_ALGORITHMS];
    else if (value.kind === 'choice') values = [...value.choices];
    else {
      // c-plan-ahead 0 is what a fixed resync-rate writes, not a value of its own.
      const [min, max] = value.range[version];
      const low = option.key === 'cPlanAhead' ? Math.max(min, 1) : min;
      values = value.kind === 'amount' ? [...spellings(low, value.unit), ...spellings(max, value.unit)] : [String(low), String(max)];
      extremes[0]![option.key] = String(low);
      extremes[1]![option.key] = String(max);
    }
    for (const text of values) {
      cases.push({ name: `${option.drbdName} ${text}`, drbd: withPrerequisites(option.key, text), ...(option.drbd9Only && { nodes: 3 }) });
    }
  }
  // Everything at once, at each end: the dynamic controller, and the fixed rate instead.
  for (const [index, values] of extremes.entries()) {
    const { resyncRate, ...dynamic } = values;
    const common = { protocol: 'A', onCongestion: 'pull-ahead', csumsAlg: 'crc32c', verifyAlg: 'sha256', dataIntegrityAlg: 'md5' };
    cases.push({ name: `all at ${index === 0 ? 'min' : 'max'}, dynamic`, drbd: { ...common, ...dynamic } });
    const { cPlanAhead: _p, cFillTarget: _f, cMaxRate: _m, ...fixed } = dynamic;
    cases.push({ name: `all at ${index === 0 ? 'min' : 'max'}, fixed rate`, drbd: { ...common, ...fixed, resyncRate } });
  }
  if (version === '9') {
    for (const quorum of ['majority', 'all', 1, 3]) {
      for (const onNoQuorum of ['io-error', 'suspend-io'])
        cases.push({ name: `quorum ${quorum} ${onNoQuorum}`, drbd: { quorum, onNoQuorum }, nodes: 3 });
    }
    cases.push({
      name: 'three nodes, everything',
      drbd: { quorum: 'all', onNoQuorum: 'suspend-io', protocol: 'A', onCongestion: 'disconnect', congestionFill: '10G', resyncRate: '8G' },
      nodes: 3,
    });
  } else {
    cases.push({ name: 'dual-primary and tuning', drbd: { protocol: 'C', csumsAlg: 'sha1', cMaxRate: '1G' }, nodes: 2 });
  }
  return cases;
}

for (const version of ['9', '8.4'] as const) {
  t.test(`DRBD ${version}: ${DRBDADM[version]} -c FILE dump reads every setting the generator writes`, async (t) => {
    const cases = casesFor(version);
    const texts: string[] = [];
    const expected: { name: string; resource: string; settings: string[] }[] = [];
    for (const [index, { name, drbd, nodes = 2 }] of cases.entries()) {
      const resource = `t${index}`;
      const raw = {
        nodes: ['alice', 'bob', 'carol'].slice(0, nodes).map((node, n) => `${node}@10.0.${index}.${n + 1}`),
        withoutFencing: true,
        stacks: [
          {
            drbd: { resource, device: `/dev/drbd${index}`, disk: `/dev/sdb${index}`, port: 7000 + index, version, ...drbd },
            filesystem: { directory: `/srv/${resource}`, fstype: 'xfs' },
          },
        ],
      };
      const spec = validateClusterSpec(raw);
      if (!spec.ok) {
        t.fail(`${name}: the generator refuses it: ${spec.errors.join('; ')}`);
        continue;
      }
      const res = renderDrbdResFile(spec.spec.stacks[0]!, spec.spec.nodes);
      if (!res.ok) {
        t.fail(`${name}: ${res.errors.join('; ')}`);
        continue;
      }
      texts.push(res.text);
      const settings = res.text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) =>
          /^(c-|resync-rate|csums-alg|verify-alg|data-integrity-alg|al-extents|on-congestion|congestion-|quorum|on-no-quorum|protocol)/.test(
            line,
          ),
        );
      expected.push({ name, resource, settings });
    }
    const file = join(work, `matrix-${version}.res`);
    writeFileSync(file, texts.join('\n'));
    const dump = spawnSync(DRBDADM[version], ['-c', file, 'dump', 'all'], { encoding: 'utf8' });
    t.equal(dump.status, 0, `${cases.length} resources accepted${dump.status === 0 ? '' : `:\n${dump.stderr}`}`);
    // drbdadm echoes what it parsed: every setting of every case must come back, in its resource.
    const dumped = new Map(
      [...dump.stdout.matchAll(/^resource (\S+) \{\n([\s\S]*?)^\}/gm)].map((match) => [match[1]!, match[2]!.replace(/\s+/g, ' ')]),
    );
    for (const { name, resource, settings } of expected) {
      const body = dumped.get(resource) ?? '';
      const missing = settings.filter((setting) => !body.includes(setting.replace(/\s+/g, ' ')));
      t.same(missing, [], `${name}: drbdadm kept ${settings.join(' ')}`);
    }
  });
}
