// `ocfkit crm generate` output loaded exactly as its header says, into a CIB file (CIB_file=...
// for crmsh and cibadmin, pcs -f for the pcs script; no cluster needed), with and without a fence
// device, with resource and operation defaults; then crm_verify -x on the result. Also: what
// crmsh keeps of the header in the CIB, and the DRBD resource files checked by the drbdadm that
// their header names.

import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeBinary } from '../../scripts/runtime.mjs';

const REPO = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'ocfk-crm-gen-load-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const bundle = join(REPO, 'dist', 'tmp', `ocfkit-crm-gen-load-test-${process.pid}.mjs`);
t.teardown(() => rmSync(bundle, { force: true }));
execFileSync(join(REPO, 'node_modules/.bin/esbuild'), [
  join(REPO, 'lib/admin/cli/main.ts'),
  '--bundle',
  '--platform=node',
  '--format=esm',
  `--outfile=${bundle}`,
  '--log-level=warning',
  "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
]);

function ocfkit(args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(runtimeBinary(REPO), [bundle, ...args], { cwd: work, encoding: 'utf8' });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function run(command: string, args: string[], env: Record<string, string> = {}): { status: number; output: string } {
  const result = spawnSync(command, args, { cwd: work, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status ?? -1, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '') };
}

/**
 * A fresh CIB file, Pacemaker's own empty one (pcs needs its crm_feature_set); have-quorum spares
 * crm_verify the "no quorum" warning of a file without nodes.
 */
const EMPTY_CIB = execFileSync('cibadmin', ['--empty'], { encoding: 'utf8' }).replace('<cib ', '<cib have-quorum="1" ');
let cibCount = 0;
function freshCib(): string {
  const path = join(work, `cib-${++cibCount}.xml`);
  writeFileSync(path, EMPTY_CIB);
  return path;
}

const STACK = [
  '--provider',
  'heartbeat',
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
  '/srv/www',
  '--fstype',
  'ext4',
  '--ip',
  '192.168.0.20/24',
  '--nic',
  'eth0',
];
const FENCED = [
  '--stonith',
  'fence_ipmilan:pcmk_host_list=alice,ip=10.0.1.1,username=admin,password=secret',
  '--stonith',
  'fence_ipmilan:pcmk_host_list=bob,ip=10.0.1.2,username=admin,password=secret',
];
const DEFAULTS = [
  '--rsc-default',
  'migration-threshold=1',
  '--rsc-default',
  'failure-timeout=10min',
  '--op-default',
  'timeout=60s',
  '--op-default',
  'record-pending=true',
];

/** Loads one generated file as its header says; resolves to the CIB file. */
function load(format: 'crm' | 'pcs' | 'cib', file: string): { cib: string; status: number; output: string } {
  const cib = freshCib();
  const env = { CIB_file: cib };
  if (format === 'crm') return { cib, ...run('crm', ['configure', 'load', 'update', file], env) };
  if (format === 'cib')
    return { cib, ...run('cibadmin', ['--modify', '--allow-create', '--scope', 'configuration', '--xml-file', file], env) };
  return { cib, ...run('sh', [file], { CIB: cib }) };
}

function query(cib: string, xpath: string): string {
  return run('cibadmin', ['--query', '--xpath', xpath], { CIB_file: cib }).output;
}

t.test('without a fence device, nothing is generated unless the admin says the cluster runs without fencing', async (t) => {
  const output = join(work, 'refused.crm');
  const refused = ocfkit(['crm', 'generate', ...STACK, '-o', output]);
  t.equal(refused.status, 1, 'refused');
  t.match(
    refused.stderr,
    /--stonith: no fence device is configured: describe one .* or, for a cluster that really has none, say so with --without-fencing/,
  );
  t.notOk(existsSync(output), 'nothing written');
  const contradiction = ocfkit(['crm', 'generate', ...STACK, ...FENCED, '--without-fencing']);
  t.equal(contradiction.status, 1);
  t.match(contradiction.stderr, /--without-fencing: contradicts the fence devices given with --stonith/);
  const negated = ocfkit(['crm', 'generate', ...STACK, '--no-stonith']);
  t.equal(negated.status, 0, '--no-stonith means the same');
  t.match(negated.stdout, /stonith-enabled=false/);
});

for (const fencing of ['fenced', 'without fencing'] as const) {
  for (const format of ['crm', 'pcs', 'cib'] as const) {
    t.test(`${format}, ${fencing}: loads as printed, and crm_verify finds nothing`, async (t) => {
      const file = join(work, `${fencing.replace(/ /g, '-')}.${format}`);
      const generated = ocfkit([
        'crm',
        'generate',
        ...STACK,
        ...(fencing === 'fenced' ? FENCED : ['--without-fencing']),
        ...DEFAULTS,
        '--format',
        format,
        '-o',
        file,
      ]);
      t.equal(generated.status, 0, `generated${generated.status === 0 ? '' : `\n${generated.stderr}`}`);
      if (fencing === 'fenced') t.equal(generated.stderr, '', 'no warning');
      else t.match(generated.stderr, /^warning: this cluster runs without fencing \(stonith-enabled=false\), as asked/);

      const loaded = load(format, file);
      t.equal(loaded.status, 0, `loaded${loaded.status === 0 ? '' : `\n${loaded.output}`}`);
      t.notMatch(loaded.output, /ERROR/, 'no error from the loader');
      const verify = run('crm_verify', ['-x', loaded.cib, '-V']);
      t.equal(verify.status, 0, `crm_verify -x${verify.status === 0 ? '' : `\n${verify.output}`}`);
      // Without fencing, Pacemaker notes once that it trusts unseen nodes to be down: that is
      // what was asked for; nothing else may be reported.
      const said = verify.output
        .split('\n')
        .filter((line) => line.trim() !== '' && !(fencing === 'without fencing' && /Blind faith: not fencing unseen nodes/.test(line)));
      t.same(said, [], 'crm_verify says nothing else');

      t.match(query(loaded.cib, "//nvpair[@name='stonith-enabled']"), fencing === 'fenced' ? /value="true"/ : /value="false"/);
      t.match(query(loaded.cib, '//rsc_defaults'), /name="migration-threshold" value="1"/);
      t.match(query(loaded.cib, '//rsc_defaults'), /name="failure-timeout" value="10min"/);
      t.match(query(loaded.cib, '//op_defaults'), /name="timeout" value="60s"/);
      t.match(query(loaded.cib, '//op_defaults'), /name="record-pending" value="true"/);
      const whole = run('cibadmin', ['--query'], { CIB_file: loaded.cib }).output;
      t.notMatch(whole, /WARNING/, 'no warning lands in the CIB');
    });
  }
}

// Dual-primary with a shared VG between DRBD and GFS2 (issue 16): DLM + lvmlockd cloned as one
// group, LVM-activate cloned, each step ordered after the one below it on the same node.
const SHARED_VG = [
  '--node',
  'alice@10.0.0.1',
  '--node',
  'bob@10.0.0.2',
  '--name',
  'shared',
  '--drbd-resource',
  'r1',
  '--device',
  '/dev/drbd2',
  '--disk',
  '/dev/sdc1',
  '--dual-primary',
  '--shared-vg',
  'vg_shared/data',
  '--directory',
  '/srv/shared',
  '--fstype',
  'gfs2',
  ...FENCED,
];
for (const format of ['crm', 'pcs', 'cib'] as const) {
  t.test(`${format}, dual-primary on a shared VG: loads as printed, and crm_verify finds nothing`, async (t) => {
    const file = join(work, `shared-vg.${format}`);
    const generated = ocfkit(['crm', 'generate', ...SHARED_VG, '--format', format, '-o', file]);
    t.equal(generated.status, 0, `generated${generated.status === 0 ? '' : `\n${generated.stderr}`}`);
    t.equal(generated.stderr, '', 'no warning');
    const loaded = load(format, file);
    t.equal(loaded.status, 0, `loaded${loaded.status === 0 ? '' : `\n${loaded.output}`}`);
    t.notMatch(loaded.output, /ERROR/, 'no error from the loader');
    const verify = run('crm_verify', ['-x', loaded.cib, '-V']);
    t.equal(verify.status, 0, `crm_verify -x${verify.status === 0 ? '' : `\n${verify.output}`}`);
    t.same(
      verify.output.split('\n').filter((line) => line.trim() !== ''),
      [],
      'crm_verify says nothing',
    );
    // One cloned group, DLM first; the LV and the file system cloned, interleaved. (XPath: each
    // loader orders attributes its own way.)
    const has = (xpath: string) => run('cibadmin', ['--query', '--xpath', xpath], { CIB_file: loaded.cib }).status === 0;
    t.ok(
      has("//clone[@id='locking-clone']/group[@id='locking']/primitive[1][@id='dlm' and @provider='pacemaker' and @type='controld']"),
      'locking-clone: DLM first',
    );
    t.ok(
      has("//clone[@id='locking-clone']/group[@id='locking']/primitive[2][@id='lvmlockd' and @provider='heartbeat' and @type='lvmlockd']"),
      'then lvmlockd',
    );
    for (const clone of ['locking-clone', 'lvm-shared-clone', 'fs-shared-clone'])
      t.ok(has(`//clone[@id='${clone}']/meta_attributes/nvpair[@name='interleave' and @value='true']`), `${clone}: interleave=true`);
    for (const [name, value] of [
      ['vgname', 'vg_shared'],
      ['lvname', 'data'],
      ['vg_access_mode', 'lvmlockd'],
      ['activation_mode', 'shared'],
    ])
      t.ok(
        has(`//primitive[@id='lvm-shared' and @type='LVM-activate']//nvpair[@name='${name}' and @value='${value}']`),
        `LVM-activate ${name}=${value}`,
      );
    t.ok(has("//primitive[@id='fs-shared']//nvpair[@name='device' and @value='/dev/vg_shared/data']"), 'GFS2 on the LV');
    for (const [first, action, then] of [
      ['drbd-r1-clone', 'promote', 'lvm-shared-clone'],
      ['locking-clone', 'start', 'lvm-shared-clone'],
      ['lvm-shared-clone', 'start', 'fs-shared-clone'],
    ])
      t.ok(
        has(
          `//rsc_order[@first='${first}' and @first-action='${action}' and @then='${then}' and @then-action='start' and @kind='Mandatory']`,
        ),
        `${then} starts after ${first} ${action}s`,
      );
    for (const [rsc, withRsc, role] of [
      ['lvm-shared-clone', 'drbd-r1-clone', 'Promoted'],
      ['lvm-shared-clone', 'locking-clone', undefined],
      ['fs-shared-clone', 'lvm-shared-clone', undefined],
    ])
      t.ok(
        has(
          `//rsc_colocation[@rsc='${rsc}' and @with-rsc='${withRsc}' and @score='INFINITY'${role ? ` and @with-rsc-role='${role}'` : ''}]`,
        ),
        `${rsc} with ${withRsc}${role ? ` (${role})` : ''}`,
      );
  });
}

t.test('a shared VG without dual-primary, or with a bad name: refused, nothing written', async (t) => {
  const withoutDual = SHARED_VG.filter((arg) => arg !== '--dual-primary');
  for (const [name, args, reason] of [
    [
      'without --dual-primary',
      withoutDual,
      /--shared-vg: a shared volume group \(lvmlockd\) is generated only on dual-primary DRBD: add --dual-primary/,
    ],
    ['not VG/LV', SHARED_VG.map((arg) => (arg === 'vg_shared/data' ? 'vg_shared' : arg)), /--shared-vg: "vg_shared" is not VG\/LV/],
    [
      'a bad LV name',
      SHARED_VG.map((arg) => (arg === 'vg_shared/data' ? 'vg_shared/-data' : arg)),
      /--shared-vg: "-data" is not a valid logical volume name/,
    ],
  ] as const) {
    const output = join(work, `shared-vg-refused-${name.replace(/\W+/g, '-')}.crm`);
    const refused = ocfkit(['crm', 'generate', ...args, '-o', output]);
    t.equal(refused.status, 1, `${name}: refused (exit 1)`);
    t.match(refused.stderr, /^ocfkit crm generate: nothing was generated:/, `${name}: nothing was generated`);
    t.match(refused.stderr, reason, `${name}: says why`);
    t.notOk(existsSync(output), `${name}: nothing written`);
  }
});

t.test('crmsh keeps the header in the CIB: it must hold no warning that outlives its cause', async (t) => {
  // A fence device that does not name every node draws a warning; crmsh would attach the
  // header, warning included, to the first resource, where it would stay after the fix.
  const file = join(work, 'partial.crm');
  const generated = ocfkit(['crm', 'generate', ...STACK, '--stonith', FENCED[1]!, '-o', file]);
  t.equal(generated.status, 0, 'generated');
  t.match(generated.stderr, /^warning: no fence device lists bob in pcmk_host_list/m, 'the warning is on stderr');
  const loaded = load('crm', file);
  t.equal(loaded.status, 0, loaded.output);
  const stored = run('cibadmin', ['--query'], { CIB_file: loaded.cib }).output;
  t.match(stored, /<!--# Generated by ocfkit crm generate/, 'crmsh did store the header');
  t.notMatch(stored, /WARNING|warning/i, 'but no warning with it');
});

t.test('values crmsh cannot carry are refused before anything is written', async (t) => {
  // Each of these made crmsh stop halfway ("No closing quotation"), leaving part of the block.
  const cases: [string, string, RegExp][] = [
    [
      'trailing backslash',
      'ocf:heartbeat:apache:configfile=/etc/apache2/a.conf\\',
      /--service: ".*" ends with a backslash: crmsh could not load it/,
    ],
    ['backslash before a quote', 'ocf:heartbeat:apache:configfile=/etc/a\\"b', /has a backslash before a double quote/],
    ['line break', 'ocf:heartbeat:apache:configfile=/etc/a\nb', /contains a line break/],
    ['tab', 'ocf:heartbeat:apache:configfile=/etc/a\tb', /contains a control character/],
    ['non-ASCII', 'ocf:heartbeat:apache:configfile=/etc/\u00e9.conf', /non-ASCII/],
  ];
  for (const [name, service, reason] of cases) {
    const output = join(work, `bad-${name.replace(/\W+/g, '-')}.crm`);
    const run = ocfkit(['crm', 'generate', ...STACK, ...FENCED, '--service', service, '-o', output]);
    t.equal(run.status, 1, `${name}: refused`);
    t.match(run.stderr, reason, `${name}: says why`);
    t.notOk(existsSync(output), `${name}: nothing written`);
  }
  // What crmsh can carry goes through unchanged: quotes, spaces, a backslash inside.
  const file = join(work, 'quotes.crm');
  const fine = ocfkit([
    'crm',
    'generate',
    ...STACK,
    ...FENCED,
    '--mount-options',
    'noatime',
    '--service',
    `ocf:heartbeat:apache:configfile=/etc/it's "x" a\\b c`,
    '-o',
    file,
  ]);
  t.equal(fine.status, 0, fine.stderr);
  const loaded = load('crm', file);
  t.equal(loaded.status, 0, loaded.output);
  t.match(query(loaded.cib, "//nvpair[@name='configfile']"), /value="\/etc\/it(&apos;|')s (&quot;|")x(&quot;|") a\\b c"/);
});

t.test('the DRBD resource file names the drbdadm that reads it, and that one does', async (t) => {
  for (const [version, drbdadm] of [
    ['9', 'drbdadm'],
    ['8.4', '/usr/lib/drbd/drbdadm-84'],
  ] as const) {
    for (const metaDisk of [undefined, '/dev/sdc1', '/dev/sdc1[0]']) {
      const res = join(work, `r0-${version}-${metaDisk === undefined ? 'internal' : metaDisk.replace(/\W+/g, '-')}.res`);
      const description = join(work, `stack-${version}.json`);
      writeFileSync(
        description,
        JSON.stringify({
          nodes: ['alice@10.0.0.1', 'bob@10.0.0.2'],
          withoutFencing: true,
          provider: 'heartbeat',
          stacks: [
            {
              drbd: {
                resource: 'r0',
                device: '/dev/drbd1',
                disk: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1',
                version,
                ...(metaDisk ? { metaDisk } : {}),
              },
              filesystem: { directory: '/srv', fstype: 'ext4' },
            },
          ],
        }),
      );
      const generated = ocfkit(['crm', 'generate', '-f', description, '--drbd-res', res]);
      t.equal(generated.status, 0, 'generated');
      const text = readFileSync(res, 'utf8');
      t.match(
        text,
        version === '9'
          ? /^# For DRBD 9 .*check it with drbdadm -c FILE dump\.$/m
          : /^# drbdadm, \/usr\/lib\/drbd\/drbdadm-84; check it with \/usr\/lib\/drbd\/drbdadm-84 -c FILE dump\.$/m,
      );
      t.ok(existsSync(drbdadm.split(' ')[0]!.startsWith('/') ? drbdadm : '/usr/sbin/drbdadm'), `${drbdadm} is installed`);
      const dump = run(drbdadm, ['-c', res, 'dump', 'all']);
      t.equal(dump.status, 0, `${drbdadm} -c FILE dump accepts it${dump.status === 0 ? '' : `\n${dump.output}\n${text}`}`);
      t.match(dump.output, /disk\s+"\/dev\/disk\/by-path\/pci-0000:00:1f\.2-ata-1";/);
      t.match(
        dump.output,
        metaDisk === undefined
          ? /meta-disk\s+internal;/
          : metaDisk.endsWith('[0]')
            ? /meta-disk\s+\/dev\/sdc1 \[0\];/
            : /meta-disk\s+\/dev\/sdc1;/,
      );
    }
  }
});
