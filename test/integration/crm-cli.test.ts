// The `ocfkit` command line end to end, as the bundled executable: help texts, completion,
// `crm generate` from flags and files (and the DRBD resource file, checked by drbdadm itself),
// garbage input that must generate nothing, `drbd status` on saved outputs.

import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeBinary } from '../../scripts/runtime.mjs';

const REPO = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'ocfk-crm-cli-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

// Inside the checkout (dist/ is build output), as the real dist/bin/ocfkit: the CLI finds
// meta-data/ and package.json from where it is.
const bundle = join(REPO, 'dist', 'tmp', `ocfkit-crm-cli-test-${process.pid}.mjs`);
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

function ocfkit(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(runtimeBinary(REPO), [bundle, ...args], {
    cwd: work,
    input,
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '100' },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const WEB = [
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
  '--service',
  'ocf:heartbeat:apache:configfile=/etc/apache2/apache2.conf',
  '--stonith',
  'fence_ipmilan:pcmk_host_list=alice,ip=10.0.1.1,username=admin,password=secret',
  '--stonith',
  'fence_ipmilan:pcmk_host_list=bob,ip=10.0.1.2,username=admin,password=secret',
];

t.test('help reads well', async (t) => {
  const top = ocfkit(['--help']);
  t.equal(top.status, 0);
  t.match(top.stdout, /^ocfkit <command> \[options\]\n\nTools for Pacemaker clusters of DRBD stacks/);
  for (const command of ['ocfkit crm', 'ocfkit drbd', 'ocfkit doctor', 'ocfkit completion'])
    t.match(top.stdout, new RegExp(`\\n  ${command} `));
  const generate = ocfkit(['crm', 'generate', '--help']);
  t.equal(generate.status, 0);
  for (const group of ['Cluster:', 'DRBD:', 'File system and services:', 'Input and output:']) t.match(generate.stdout, `\n${group}\n`);
  t.match(generate.stdout, /The classic two-node web server:\n  ocfkit crm generate --node alice@10\.0\.0\.1/);
  t.notMatch(
    generate.stdout
      .split('\n')
      .filter((line) => line.length > 100)
      .join('\n'),
    /./,
    'no line wider than the terminal',
  );
  t.match(ocfkit(['doctor', '--help']).stdout, /Exit status: 0 nothing dangerous found; 1 at least one dangerous finding; 2/);
  t.match(ocfkit(['drbd', 'status', '--help']).stdout, /"volumes": \[\{"volume", "peerDisk", "replication",/);
  t.match(ocfkit(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
});

t.test('usage errors say what to do', async (t) => {
  const none = ocfkit([]);
  t.equal(none.status, 2);
  t.match(none.stderr, /Name a command: crm generate, drbd status or doctor/);
  const typo = ocfkit(['docter']);
  t.equal(typo.status, 2);
  t.match(typo.stderr, /Did you mean doctor\?/);
  const conflict = ocfkit(['crm', 'generate', '-f', 'x.yaml', '--device', '/dev/drbd1']);
  t.equal(conflict.status, 2);
  t.match(conflict.stderr, /Arguments file and device are mutually exclusive/);
});

t.test('a usage error is one clear message, before anything is done', async (t) => {
  // These ended in "ocfkit: a is not a function" (a repeated --format became a list), or printed
  // the command's own errors and then yargs' (the command ran despite the usage error).
  const cases: [string, string[], string][] = [
    ['invalid format', ['--format', 'xml'], 'ocfkit: --format: "xml" is not one of crm, pcs, cib\nRun with --help for usage.\n'],
    ['format in capitals', ['--format', 'CRM'], 'ocfkit: --format: "CRM" is not one of crm, pcs, cib\nRun with --help for usage.\n'],
    [
      'format twice',
      ['--format', 'crm', '--format', 'pcs'],
      'ocfkit: --format is given 2 times (crm, pcs): give it once\nRun with --help for usage.\n',
    ],
    [
      'pacemaker twice',
      ['--pacemaker', '2.1', '--pacemaker', '1.1'],
      'ocfkit: --pacemaker is given 2 times (2.1, 1.1): give it once\nRun with --help for usage.\n',
    ],
    ['unknown flag', ['--stonith-device', 'x'], 'ocfkit: unknown option: --stonith-device\nRun with --help for usage.\n'],
  ];
  for (const [name, flags, message] of cases) {
    for (const base of [[], WEB]) {
      const output = join(work, `usage-${name.replace(/\W+/g, '-')}-${base.length}.crm`);
      const res = join(work, `usage-${name.replace(/\W+/g, '-')}-${base.length}.res`);
      const run = ocfkit(['crm', 'generate', ...base, ...flags, '--provider', 'heartbeat', '-o', output, '--drbd-res', res]);
      const what = `${name}${base.length > 0 ? ', complete stack' : ', no stack'}`;
      t.equal(run.status, 2, `${what}: exit status 2`);
      t.equal(run.stderr, message, `${what}: one message`);
      t.equal(run.stdout, '', `${what}: nothing on stdout`);
      // --stonith-device used to be reported after both files had been written.
      t.notOk(existsSync(output) || existsSync(res), `${what}: no file written`);
    }
  }
});

t.test('the output files are written all or nothing, through a temporary file', async (t) => {
  const res = join(work, 'missing-directory', 'r0.res');
  const output = join(work, 'all-or-nothing.crm');
  const run = ocfkit(['crm', 'generate', ...WEB, '--provider', 'heartbeat', '-o', output, '--drbd-res', res]);
  t.equal(run.status, 1);
  t.match(run.stderr, /^ocfkit crm generate: nothing was generated:\n  - cannot write .*missing-directory\/r0\.res: ENOENT/);
  t.notOk(existsSync(output), 'the configuration was not written either');
  t.same(
    readdirSync(work).filter((name) => name.includes('.tmp')),
    [],
    'no temporary file left behind',
  );
  const same = ocfkit(['crm', 'generate', ...WEB, '--provider', 'heartbeat', '-o', output, '--drbd-res', output]);
  t.equal(same.status, 1);
  t.match(same.stderr, /--output and --drbd-res both name/);
});

t.test('shell completion from yargs', async (t) => {
  const script = ocfkit(['completion']);
  t.equal(script.status, 0);
  t.match(script.stdout, /complete -o bashdefault -o default -F _ocfkit_yargs_completions ocfkit/);
  t.same(ocfkit(['--get-yargs-completions', 'crm', '']).stdout.split('\n').filter(Boolean), ['generate']);
  t.match(ocfkit(['--get-yargs-completions', 'crm', 'generate', '--format', '']).stdout, /crm\npcs\ncib/);
  t.match(ocfkit(['--get-yargs-completions', '']).stdout, /crm\ndrbd\ndoctor\ncompletion/);
});

t.test('crm generate from flags, with the DRBD resource file', async (t) => {
  const res = join(work, 'r0.res');
  const crm = ocfkit(['crm', 'generate', ...WEB, '--provider', 'heartbeat', '--drbd-res', res]);
  t.equal(crm.status, 0, crm.stderr);
  t.equal(crm.stderr, '', 'no warnings for a complete configuration');
  t.match(crm.stdout, /^primitive drbd-r0 ocf:linbit:drbd \\$/m);
  t.match(crm.stdout, /^colocation colo-g-r0-with-drbd-r0-promoted inf: g-r0 drbd-r0-clone:Promoted$/m);
  const dump = spawnSync('drbdadm', ['-c', res, '-d', 'dump', 'all'], { encoding: 'utf8' });
  t.equal(dump.status, 0, `drbdadm accepts the resource file\n${dump.stderr}`);
  t.match(dump.stdout, /fence-peer\s+\/usr\/lib\/drbd\/crm-fence-peer\.9\.sh;/);

  const broken = join(work, 'broken.res');
  writeFileSync(broken, readFileSync(res, 'utf8').replace('device    /dev/drbd1;', 'device    /dev/drbd1'));
  t.not(spawnSync('drbdadm', ['-c', broken, '-d', 'dump', 'all']).status, 0, 'and drbdadm does reject a broken one');

  const res84 = join(work, 'r0-84.res');
  t.equal(ocfkit(['crm', 'generate', ...WEB, '--provider', 'heartbeat', '--drbd-version', '8.4', '--drbd-res', res84]).status, 0);
  const dump84 = spawnSync('/usr/lib/drbd/drbdadm-84', ['-c', res84, '-d', 'dump', 'all'], { encoding: 'utf8' });
  t.equal(dump84.status, 0, `drbdadm (8.4) accepts the 8.4 resource file\n${dump84.stderr}`);

  const pcs = ocfkit(['crm', 'generate', ...WEB, '--provider', 'heartbeat', '--format', 'pcs', '--pacemaker', '1.1']);
  t.match(pcs.stdout, /^pcs -f "\$CIB" resource master drbd-r0-clone drbd-r0 master-max=1/m);
  const output = join(work, 'web.cib.xml');
  t.equal(ocfkit(['crm', 'generate', ...WEB, '--provider', 'heartbeat', '--format', 'cib', '-o', output]).stdout, '');
  t.match(readFileSync(output, 'utf8'), /^<\?xml version="1\.0"\?>\n<!-- Generated by ocfkit crm generate/);
});

t.test('link-local replication addresses with their interface: drbdadm reads what the CLI accepts', async (t) => {
  const linkLocal = ['--node', 'alice@fe80::1%eth0', '--node', 'bob@fe80::2%br-lan.10', ...WEB.slice(4)];
  for (const [version, drbdadm] of [
    ['9', 'drbdadm'],
    ['8.4', '/usr/lib/drbd/drbdadm-84'],
  ] as const) {
    const res = join(work, `link-local-${version}.res`);
    const run = ocfkit(['crm', 'generate', ...linkLocal, '--provider', 'heartbeat', '--drbd-version', version, '--drbd-res', res]);
    t.equal(run.status, 0, run.stderr);
    const dump = spawnSync(drbdadm, ['-c', res, '-d', 'dump', 'all'], { encoding: 'utf8' });
    t.equal(dump.status, 0, `DRBD ${version}: drbdadm accepts the resource file\n${dump.stderr}`);
    t.match(dump.stdout, /address\s+ipv6 \[fe80::2%br-lan\.10\]:7789;/);
  }
});

t.test("every example's DRBD resource file is accepted by drbdadm", async (t) => {
  for (const example of ['web-2node', 'drbd9-3node-quorum', 'ocfs2-dual-primary', 'two-stacks-2node']) {
    const dump = spawnSync('drbdadm', ['-c', join(REPO, 'crm-examples', example, 'drbd.res'), '-d', 'dump', 'all'], { encoding: 'utf8' });
    t.equal(dump.status, 0, `${example}/drbd.res\n${dump.stderr}`);
  }
});

t.test('crm generate from a YAML file and from stdin', async (t) => {
  const yaml = join(REPO, 'crm-examples/web-2node/stack.yaml');
  const fromFile = ocfkit(['crm', 'generate', '-f', yaml]);
  t.equal(fromFile.status, 0, fromFile.stderr);
  t.equal(fromFile.stdout, readFileSync(join(REPO, 'crm-examples/web-2node/pacemaker-2.1.crm'), 'utf8'), 'the CLI and crm-examples agree');
  const fromStdin = ocfkit(
    ['crm', 'generate', '-f', '-', '--provider', 'linbit', '--format', 'cib'],
    readFileSync(join(REPO, 'crm-examples/two-stacks-2node/stack.json'), 'utf8'),
  );
  t.equal(fromStdin.status, 0, fromStdin.stderr);
  t.match(fromStdin.stdout, /type="drbd" provider="linbit"|provider="linbit" type="drbd"/);
});

t.test('garbage in, nothing out, and a clear reason', async (t) => {
  const cases: [string, string[], RegExp][] = [
    ['bad IP', ['--ip', '192.168.0.300/24'], /--ip: "192\.168\.0\.300" is not an IPv4 or IPv6 address/],
    [
      'a VIP with a zone index',
      ['--ip', 'fe80::20%eth0/64'],
      /--ip: "fe80::20%eth0" has a zone index: a virtual IP takes its interface from --nic/,
    ],
    ['a zone index drbdadm cannot read', ['--node', 'alice@fe80::1%a:b'], /--node: "fe80::1%a:b": the zone index "a:b"/],
    ['unknown agent', ['--service', 'ocf:heartbeat:apachee'], /unknown agent ocf:heartbeat:apachee: its meta-data could not be read/],
    ['missing device', ['--device', ''], /--device: is missing/],
    [
      'typo in a parameter',
      ['--service', 'ocf:heartbeat:apache:configfle=/etc/a.conf'],
      /has no parameter "configfle" \(did you mean "configfile"\?\)/,
    ],
    ['ext4 on two primaries', ['--dual-primary', 'true'], /--fstype: dual-primary mounts the file system on two nodes at once/],
    ['no nodes', ['--node', 'alice'], /--node: a DRBD cluster needs at least two nodes/],
    ['DRBD syntax as the disk', ['--disk', 'internal; disk { } #'], /--disk: "internal; disk \{ \} #" is not a block device path/],
    [
      'a value crmsh cannot load',
      ['--mount-options', 'noatime\\'],
      /--mount-options: "noatime\\\\" ends with a backslash: crmsh could not load it/,
    ],
  ];
  for (const [name, change, reason] of cases) {
    const args = [...WEB];
    for (let index = 0; index < change.length; index += 2) {
      const flag = change[index]!;
      const position = args.indexOf(flag);
      if (position >= 0 && flag !== '--service' && flag !== '--node') args.splice(position, 2, flag, change[index + 1]!);
      else if (flag === '--node') args.splice(0, 4, flag, change[index + 1]!);
      else args.push(flag, change[index + 1]!);
    }
    const output = join(work, `garbage-${name.replace(/\W+/g, '-')}.crm`);
    const res = join(work, `garbage-${name.replace(/\W+/g, '-')}.res`);
    const run = ocfkit(['crm', 'generate', ...args, '--provider', 'heartbeat', '-o', output, '--drbd-res', res]);
    t.equal(run.status, 1, `${name}: exit status 1`);
    t.equal(run.stdout, '', `${name}: nothing on stdout`);
    t.notOk(existsSync(output) || existsSync(res), `${name}: no file written`);
    t.match(run.stderr, /^ocfkit crm generate: nothing was generated:\n  - /, `${name}: says so`);
    t.match(run.stderr, reason, `${name}: says why`);
  }
  const badYaml = join(work, 'bad.yaml');
  writeFileSync(
    badYaml,
    'nodes: [alice, bob]\nstacks:\n  - drbd: { resource: r0 }\n    filesystem: { directory: /srv, fstype: ext4 }\n    ip: 10.0.0.300\n',
  );
  const fromFile = ocfkit(['crm', 'generate', '-f', badYaml]);
  t.equal(fromFile.status, 1);
  t.match(fromFile.stderr, /stacks\[0\]\.drbd\.device: is missing/);
  t.match(fromFile.stderr, /stacks\[0\]\.ip: "10\.0\.0\.300" is not an IPv4 or IPv6 address/);
});

t.test('no fence device: refused, unless the admin says --without-fencing', async (t) => {
  const unfenced = WEB.filter((arg, index, all) => arg !== '--stonith' && all[index - 1] !== '--stonith');
  const refused = ocfkit(['crm', 'generate', ...unfenced, '--provider', 'heartbeat']);
  t.equal(refused.status, 1);
  t.equal(refused.stdout, '');
  t.match(refused.stderr, /^ocfkit crm generate: nothing was generated:\n  - --stonith: no fence device is configured/);
  const run = ocfkit(['crm', 'generate', ...unfenced, '--without-fencing', '--provider', 'heartbeat']);
  t.equal(run.status, 0);
  t.match(run.stderr, /^warning: this cluster runs without fencing \(stonith-enabled=false\), as asked/m);
  t.notMatch(run.stdout, /WARNING/, 'not in the crmsh block: crmsh would keep it in the CIB');
  t.match(run.stdout, /stonith-enabled=false/);
});

t.test('drbd status on saved outputs', async (t) => {
  const fixtures = join(REPO, 'test/fixtures');
  const text = ocfkit(['drbd', 'status', '--from', join(fixtures, 'drbd-8.4/02-syncing/node2/drbdsetup_status.txt')]);
  t.equal(text.status, 0, text.stderr);
  t.match(text.stdout, /^r0: Secondary, Inconsistent|^r0: Secondary/);
  const json = ocfkit(
    ['drbd', 'status', '--json', '--from', '-'],
    readFileSync(join(fixtures, 'drbd-9/02-initial-sync/node1/drbdsetup_status_json.txt'), 'utf8'),
  );
  t.equal(json.status, 0, json.stderr);
  t.match(JSON.parse(json.stdout), {
    resources: [{ name: 'r0', role: 'Primary', splitBrain: false, peers: [{ name: 'node2' }, { name: 'node3' }] }],
  });
  const split = ocfkit([
    'drbd',
    'status',
    '--from',
    join(fixtures, 'drbd-8.4/11-split-brain/node2/drbdsetup_events2_now.txt'),
    '--kernel-log',
    join(fixtures, 'drbd-8.4/11-split-brain/node2/dmesg_drbd.txt'),
  ]);
  t.match(split.stdout, /split brain with the peer:/);
  t.match(split.stdout, /drbdadm connect --discard-my-data r0/);
});
