// Issue 15: the DRBD settings admins tune (resync controller, checksums, activity log, congestion,
// DRBD 9 quorum) in `crm generate --drbd-res` and `-f`: each value checked against DRBD's range
// for the version, the combinations DRBD refuses refused, a one-line reason above each setting in
// the resource file, the costly ones warned about on standard error only.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { runCli } from '../../lib/admin/cli/app.js';
import { renderDrbdResFile } from '../../lib/admin/crm/drbd-res.js';
import { validateClusterSpec } from '../../lib/admin/crm/spec.js';
import { flagLabel, stackFlagsToRaw, type StackFlags } from '../../lib/admin/crm/stack-input.js';
import { fakeIo } from '../helpers/fake-io.js';

const TWO_NODES: StackFlags = {
  node: ['alice@10.0.0.1', 'bob@10.0.0.2'],
  drbdResource: 'r0',
  device: '/dev/drbd1',
  disk: '/dev/sdb1',
  directory: '/srv/data',
  fstype: 'ext4',
  withoutFencing: true,
};
const THREE_NODES: StackFlags = { ...TWO_NODES, node: [...TWO_NODES.node!, 'carol@10.0.0.3'] };

function errorsOf(flags: StackFlags): string[] {
  const result = validateClusterSpec(stackFlagsToRaw(flags), flagLabel);
  return result.ok ? [] : result.errors;
}

function resFile(flags: StackFlags): string {
  const result = validateClusterSpec(stackFlagsToRaw(flags), flagLabel);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  const res = renderDrbdResFile(result.spec.stacks[0]!, result.spec.nodes);
  if (!res.ok) throw new Error(res.errors.join('\n'));
  return res.text;
}

t.test("values out of DRBD's range are refused with the range, per DRBD version", async (t) => {
  const cases: [StackFlags, RegExp][] = [
    [
      { cMaxRate: '5G' },
      /^--c-max-rate: "5G" is out of DRBD 9's range for c-max-rate: 0 to 4194304 KiB\/s \(a number, or with K, M or G: 100M\)$/,
    ],
    [{ cMaxRate: '100', drbdVersion: '8.4' }, /^--c-max-rate: "100" is out of DRBD 8\.4's range for c-max-rate: 250 to 4194304 KiB\/s/],
    [{ resyncRate: '5G', drbdVersion: '8.4' }, /^--resync-rate: "5G" is out of DRBD 8\.4's range for resync-rate: 1 to 4194304 KiB\/s/],
    [{ resyncRate: '0' }, /^--resync-rate: "0" is out of DRBD 9's range for resync-rate: 1 to 8388608/],
    [{ resyncRate: '100MB' }, /^--resync-rate: "100MB" is out of DRBD 9's range/],
    [{ cPlanAhead: '301' }, /^--c-plan-ahead: "301" is out of DRBD 9's range for c-plan-ahead: 0 to 300$/],
    [{ cFillTarget: '513M' }, /^--c-fill-target: "513M" is out of DRBD 9's range for c-fill-target: 0 to 1048576 sectors of 512 bytes/],
    [{ alExtents: '66' }, /^--al-extents: "66" is out of DRBD 9's range for al-extents: 67 to 65534$/],
    [{ alExtents: '1e3' }, /^--al-extents: "1e3" is out of/],
    [
      { protocol: 'A', onCongestion: 'pull-ahead', congestionFill: '11G' },
      /^--congestion-fill: "11G" is out of DRBD 9's range for congestion-fill: 0 to 20971520 sectors/,
    ],
    [{ protocol: 'A', onCongestion: 'pull-ahead', congestionExtents: '65535' }, /^--congestion-extents: "65535" is out of DRBD 9's range/],
    [{ csumsAlg: 'crc64' }, /^--csums-alg: "crc64" is not a checksum DRBD documents \(crc32c, crc32, .*sha256.*\)$/],
    [{ verifyAlg: 'SHA1' }, /^--verify-alg: "SHA1" is not a checksum DRBD documents/],
    [{ dataIntegrityAlg: 'md5 ' }, /^$/],
    [{ onCongestion: 'drop' }, /^--on-congestion: "drop" is not one of block, pull-ahead, disconnect$/],
  ];
  for (const [flags, expected] of cases) {
    const errors = errorsOf({ ...TWO_NODES, ...flags });
    t.match(errors.join('\n'), expected, JSON.stringify(flags));
  }
});

t.test('combinations DRBD refuses or silently ignores are refused', async (t) => {
  const cases: [StackFlags, RegExp][] = [
    [{ onCongestion: 'pull-ahead' }, /^--on-congestion: on-congestion pull-ahead needs protocol A \(DRBD refuses it with protocol C\)/],
    [{ onCongestion: 'disconnect', protocol: 'B' }, /needs protocol A \(DRBD refuses it with protocol B\)/],
    [{ congestionFill: '1G' }, /^--congestion-fill: congestion-fill only matters with on-congestion pull-ahead or disconnect$/],
    [{ protocol: 'A', onCongestion: 'block', congestionExtents: '100' }, /^--congestion-extents: congestion-extents only matters/],
    [
      { resyncRate: '40M', cMaxRate: '100M' },
      /^--c-max-rate: c-max-rate tunes the dynamic resync controller, which a fixed resync-rate turns off: give one or the other$/,
    ],
    [
      { cPlanAhead: '0' },
      /^--c-plan-ahead: c-plan-ahead 0 turns the dynamic resync controller off and resyncs at resync-rate \(by default 250 KiB\/s\)/,
    ],
    [{ cMinRate: '200M', cMaxRate: '100M' }, /^--c-min-rate: c-min-rate 200M is above c-max-rate 100M/],
    [
      { dualPrimary: true, protocol: 'A', fstype: 'ocfs2' },
      /^--protocol: dual-primary needs protocol C \(DRBD refuses allow-two-primaries with protocol A\)$/m,
    ],
    [
      { onNoQuorum: 'suspend-io' },
      /^--quorum: DRBD quorum needs at least three nodes|--on-no-quorum: on-no-quorum only matters with quorum on/m,
    ],
  ];
  for (const [flags, expected] of cases) t.match(errorsOf({ ...TWO_NODES, ...flags }).join('\n'), expected, JSON.stringify(flags));
  t.match(
    errorsOf({ ...THREE_NODES, quorum: false, onNoQuorum: 'io-error' }).join('\n'),
    /^--on-no-quorum: on-no-quorum only matters with quorum on$/,
  );
  t.same(errorsOf({ ...TWO_NODES, cMinRate: '0', cMaxRate: '0' }), [], 'c-max-rate 0 (DRBD 9: no limit) with c-min-rate 0 is fine');
});

t.test('a description file names the fields by their keys; quorum takes all or a count', async (t) => {
  const file = (drbd: Record<string, unknown>, nodes = ['alice@10.0.0.1', 'bob@10.0.0.2', 'carol@10.0.0.3']) =>
    validateClusterSpec({
      nodes,
      withoutFencing: true,
      stacks: [
        { drbd: { resource: 'r0', device: '/dev/drbd1', disk: '/dev/sdb1', ...drbd }, filesystem: { directory: '/srv', fstype: 'xfs' } },
      ],
    });
  const bad = file({ version: '8.4', onNoQuorum: 'io-error', alExtents: 10, csumsAlg: 42 }, ['alice@10.0.0.1', 'bob@10.0.0.2']);
  t.same(bad.ok ? [] : bad.errors, [
    'stacks[0].drbd.csumsAlg: "42" is not a checksum DRBD documents (crc32c, crc32, crct10dif, md4, md5, sha1, sha224, sha256, sha384, sha512, xxhash64)',
    'stacks[0].drbd.alExtents: "10" is out of DRBD 8.4\'s range for al-extents: 67 to 65534',
    'stacks[0].drbd.onNoQuorum: DRBD 8.4 has no on-no-quorum (it is a DRBD 9 quorum setting): use DRBD 9, or leave it out',
  ]);
  t.match(
    file({ quorum: 4 }).ok ? '' : (file({ quorum: 4 }) as { errors: string[] }).errors.join('\n'),
    /^stacks\[0\]\.drbd\.quorum: a quorum of 4 nodes: must be from 1 to the 3 nodes of the cluster$/,
  );
  t.match(
    file({ quorum: 'most' }).ok ? '' : (file({ quorum: 'most' }) as { errors: string[] }).errors.join('\n'),
    /must be true \(majority\), false \(off\), all, or a number of nodes/,
  );
  const all = file({ quorum: 'all', onNoQuorum: 'suspend-io' });
  t.ok(all.ok);
  const res = all.ok ? renderDrbdResFile(all.spec.stacks[0]!, all.spec.nodes) : undefined;
  t.match(
    res?.ok && res.text,
    /  options \{\n    # A node writes only while it sees every other node.*\n    quorum all;\n    # Without quorum, I\/O freezes until quorum returns.*\n    on-no-quorum suspend-io;\n(    #.*\n)*  \}/,
  );
  const two = file({ quorum: 2 });
  const twoRes = two.ok ? renderDrbdResFile(two.spec.stacks[0]!, two.spec.nodes) : undefined;
  t.match(twoRes?.ok && twoRes.text, /    quorum 2;\n    on-no-quorum io-error;/);
});

t.test('each setting goes into its section under a one-line reason; defaults write nothing', async (t) => {
  const plain = resFile(TWO_NODES);
  t.notMatch(plain, /c-|csums|verify-alg|al-extents|congestion|resync-rate|disk \{/, 'nothing tuned: DRBD 9 gets no disk section at all');
  const text = resFile({
    ...TWO_NODES,
    protocol: 'A',
    onCongestion: 'pull-ahead',
    congestionFill: '1G',
    congestionExtents: '2000',
    cPlanAhead: '20',
    cFillTarget: '1M',
    cMaxRate: '500M',
    cMinRate: '0',
    csumsAlg: 'crc32c',
    verifyAlg: 'sha256',
    alExtents: '6433',
  });
  const section = (name: string) => new RegExp(`\\n  ${name} \\{\\n([\\s\\S]*?)\\n  \\}`).exec(text)?.[1] ?? '';
  const settings = (body: string) => body.split('\n').map((line) => line.trim());
  const net = settings(section('net'));
  t.same(
    net.filter((line) => !line.startsWith('#')),
    [
      'protocol A;',
      'fencing resource-only;',
      'csums-alg crc32c;',
      'verify-alg sha256;',
      'on-congestion pull-ahead;',
      'congestion-fill 1G;',
      'congestion-extents 2000;',
    ],
  );
  const disk = settings(section('disk'));
  t.same(
    disk.filter((line) => !line.startsWith('#')),
    ['c-plan-ahead 20;', 'c-fill-target 1M;', 'c-max-rate 500M;', 'c-min-rate 0;', 'al-extents 6433;'],
  );
  for (const lines of [net, disk]) {
    lines.forEach((line, index) => {
      if (line.startsWith('#') || line === 'fencing resource-only;') return;
      t.match(lines[index - 1], /^# \S.*[.)]$/, `"${line}" has its reason on the line above`);
    });
  }
  t.match(text, /# Resync is never slowed down for application I\/O\.\n    c-min-rate 0;/);

  const fixed = resFile({ ...TWO_NODES, drbdVersion: '8.4', resyncRate: '40M' });
  t.match(
    fixed,
    /  disk \{\n    fencing resource-only;\n    # A fixed resync rate \(c-plan-ahead 0 turns the dynamic controller off\).*\n    c-plan-ahead 0;\n    resync-rate 40M;\n  \}/,
  );
});

t.test('the command line: 8.4 with quorum settings is a usage error (exit 2), nothing written; warnings on stderr only', async (t) => {
  const base = [
    'crm',
    'generate',
    '--node',
    'alice@10.0.0.1',
    '--node',
    'bob@10.0.0.2',
    '--drbd-resource',
    'r0',
    '--device',
    '/dev/drbd1',
    '--disk',
    '/dev/sdb1',
    '--directory',
    '/srv/data',
    '--fstype',
    'ext4',
    '--without-fencing',
    '--meta-data-dir',
    new URL('../../meta-data', import.meta.url).pathname,
  ];
  for (const quorum of [['--on-no-quorum', 'io-error'], ['--quorum'], ['--quorum', '--on-no-quorum', 'suspend-io']]) {
    const fake = fakeIo({});
    let wrote = false;
    fake.io.writeText = async () => void (wrote = true);
    const exit = await runCli([...base, '--drbd-version', '8.4', ...quorum, '--drbd-res', 'r0.res', '-o', 'out.crm'], fake.io);
    t.equal(exit, 2, `${quorum.join(' ')}: exit 2`);
    t.match(
      fake.stderr(),
      /^ocfkit: --(quorum|on-no-quorum).*: DRBD 8\.4 has no quorum \(it is DRBD 9's\); drop (it|them) or use --drbd-version 9\n/,
    );
    t.notOk(wrote, 'nothing written');
  }

  const fake = fakeIo({});
  fake.io.readText = (path) => readFile(path, 'utf8'); // the agents' meta-data
  const exit = await runCli([...base, '--data-integrity-alg', 'crc32c', '--drbd-res', '-'], fake.io);
  t.equal(exit, 0, fake.stderr());
  t.match(
    fake.stderr(),
    /^warning: r0: data-integrity-alg crc32c checksums every replicated write on both nodes: it costs CPU and latency on every write/m,
  );
  const res = fake.stdout().slice(fake.stdout().indexOf('# DRBD 9 resource'));
  t.match(res, /    # Every replicated write is checksummed end to end.*\n    data-integrity-alg crc32c;/);
  t.notMatch(res, /WARNING|warning:/, 'the resource file carries the reason, not the warning');
});
