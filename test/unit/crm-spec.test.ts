// Validating stack descriptions: every mistake is reported, in the words of the input's origin.
import t from 'tap';
import { renderDrbdResFile } from '../../lib/admin/crm/drbd-res.js';
import { validateClusterSpec, type SpecResult } from '../../lib/admin/crm/spec.js';
import { flagLabel, parseStackFile, stackFlagsToRaw } from '../../lib/admin/crm/stack-input.js';

const webFlags = {
  node: ['alice@10.0.0.1', 'bob@10.0.0.2'],
  drbdResource: 'r0',
  device: '/dev/drbd1',
  directory: '/srv/data',
  fstype: 'ext4',
  ip: '192.168.0.20/24',
  nic: 'eth0',
  service: ['ocf:heartbeat:apache:configfile=/etc/apache2/apache2.conf'],
  stonith: ['fence_ipmilan:pcmk_host_list=alice,ip=10.0.1.1'],
};

function errorsOf(result: SpecResult): string[] {
  return result.ok ? [] : result.errors;
}

t.test('the common case from flags', async (t) => {
  const result = validateClusterSpec(stackFlagsToRaw(webFlags), flagLabel);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  const { spec } = result;
  t.same(spec.nodes, [
    { name: 'alice', address: '10.0.0.1' },
    { name: 'bob', address: '10.0.0.2' },
  ]);
  t.equal(spec.provider, 'ocfkit');
  t.equal(spec.stickiness, 100);
  t.same(spec.stonith, [{ agent: { standard: 'stonith', type: 'fence_ipmilan' }, params: { pcmk_host_list: 'alice', ip: '10.0.1.1' } }]);
  const [stack] = spec.stacks;
  t.equal(stack?.name, 'r0', 'the stack is named after its DRBD resource');
  t.same(stack?.drbd, {
    resource: 'r0',
    device: '/dev/drbd1',
    minor: 1,
    metaDisk: 'internal',
    port: 7789,
    protocol: 'C',
    version: '9',
    quorum: false,
    fencing: 'resource-only',
  });
  t.same(stack?.ip, { address: '192.168.0.20', prefix: 24, nic: 'eth0' });
  t.same(stack?.services, [
    { agent: { standard: 'ocf', provider: 'heartbeat', type: 'apache' }, params: { configfile: '/etc/apache2/apache2.conf' } },
  ]);
});

t.test('garbage input names the flag to fix', async (t) => {
  const errors = errorsOf(
    validateClusterSpec(
      stackFlagsToRaw({ ...webFlags, ip: '192.168.0.300/24', device: undefined, fstype: 'ext 4', service: ['apache'] }),
      flagLabel,
    ),
  );
  t.match(
    [...errors].sort(),
    [
      /^--device: is missing$/,
      /^--fstype: "ext 4" is not a file system type$/,
      /^--ip: "192\.168\.0\.300" is not an IPv4 or IPv6 address$/,
      /^--service: "apache" is not an agent name/,
    ],
    'all problems at once',
  );
  t.equal(errors.length, 4);
});

t.test('more garbage', async (t) => {
  const check = (flags: object, pattern: RegExp) =>
    t.match(errorsOf(validateClusterSpec(stackFlagsToRaw({ ...webFlags, ...flags }), flagLabel)).join('\n'), pattern);
  check({ device: '/dev/sdb1' }, /--device: "\/dev\/sdb1" is not a DRBD device \(expected \/dev\/drbdN/);
  check({ ip: '192.168.0.20/33' }, /--ip: must be a whole number from 1 to 32/);
  check({ ip: '127.0.0.1/8' }, /cannot be a service address/);
  check({ ip: 'fd00::20/64' }, /^$/);
  check({ node: ['alice'] }, /--node: a DRBD cluster needs at least two nodes/);
  check({ node: ['alice', 'alice'] }, /node "alice" is listed twice/);
  check({ node: ['alice@10.0.0.999', 'bob'] }, /"10\.0\.0\.999" is not an IPv4 or IPv6 address/);
  check({ directory: 'srv/data' }, /--directory: "srv\/data" is not an absolute path/);
  check({ directory: '/' }, /cannot mount over \//);
  check({ dualPrimary: true }, /--fstype: dual-primary mounts the file system on two nodes at once.*ext4 would be corrupted/);
  check({ drbdVersion: '8.4', node: ['a', 'b', 'c'] }, /--drbd-version: DRBD 8\.4 replicates between exactly two nodes/);
  check({ quorum: true }, /--quorum: DRBD quorum needs at least three nodes/);
  check({ stonith: ['ocf:heartbeat:IPaddr2'] }, /--stonith: "ocf:heartbeat:IPaddr2" is not a stonith agent/);
  check({ service: ['stonith:fence_ipmilan'] }, /fence devices go into the stonith list/);
  check({ nic: 'eth0', ip: undefined }, /--ip: is missing/);
  check({ stickiness: '-5' }, /--stickiness: must be a whole number/);
  check({ provider: 'suse' }, /--provider: "suse" is not one of ocfkit, heartbeat, linbit/);
});

// Addresses are read by the agents' own parser (lib/agent-runtime/ip/address.ts): what the CLI
// writes into a configuration, the agent accepts.
t.test('addresses: what the CLI accepted and the agents accept still passes', async (t) => {
  const accepted = (flags: object) => validateClusterSpec(stackFlagsToRaw({ ...webFlags, ...flags }), flagLabel);
  for (const ip of ['192.168.0.20/24', '10.1.2.3', 'fd00::20/64', 'FD00:213:0::20/64', '2001:db8::192.168.0.20/96', '172.16.0.1/12']) {
    t.same(errorsOf(accepted({ ip })), [], `--ip ${ip}`);
  }
  t.same(errorsOf(accepted({ ip: 'fe80::20/64', nic: 'eth0' })), [], 'a link-local VIP with its interface');
  for (const address of ['10.0.0.1', 'fd00::1', 'FD00:0::1', '::ffff:10.0.0.1', '2001:db8::10.0.0.1']) {
    t.same(errorsOf(accepted({ node: [`alice@${address}`, 'bob@10.0.0.2'] })), [], `--node alice@${address}`);
  }
});

t.test('addresses: a DRBD node may name the interface of a link-local address, a VIP may not', async (t) => {
  // drbdadm reads `address ipv6 [fe80::1%eth0]:7789` (checked with drbdadm -c FILE dump), and a
  // link-local address is of no use without its interface.
  const linkLocal = validateClusterSpec(
    stackFlagsToRaw({ ...webFlags, node: ['alice@fe80::1%eth0', 'bob@fe80::2%br-lan.10'], disk: '/dev/sdb1' }),
    flagLabel,
  );
  if (!linkLocal.ok) throw new Error(linkLocal.errors.join('\n'));
  const res = renderDrbdResFile(linkLocal.spec.stacks[0]!, linkLocal.spec.nodes);
  t.match(res.ok && res.text, /on alice \{ node-id 0; address ipv6 \[fe80::1%eth0\]:7789; \}/);
  t.match(res.ok && res.text, /on bob {3}\{ node-id 1; address ipv6 \[fe80::2%br-lan\.10\]:7789; \}/);

  const check = (flags: object, pattern: RegExp) =>
    t.match(errorsOf(validateClusterSpec(stackFlagsToRaw({ ...webFlags, ...flags }), flagLabel)).join('\n'), pattern);
  // Once accepted (node:net), refused by drbdadm or by the IPaddr2 agent.
  check({ node: ['alice@fe80::1%a:b', 'bob'] }, /^--node: "fe80::1%a:b": the zone index "a:b" is not an interface name or number/);
  check({ node: ['alice@fe80::1%', 'bob'] }, /^--node: "fe80::1%": the zone index "" is not an interface name/);
  check({ node: ['alice@10.0.0.1%eth0', 'bob'] }, /^--node: "10\.0\.0\.1%eth0" has a zone index, which only an IPv6 address takes$/);
  check({ ip: 'fe80::20%eth0/64' }, /^--ip: "fe80::20%eth0" has a zone index: a virtual IP takes its interface from --nic instead$/);
  check({ ip: 'fe80::20/64', nic: undefined }, /^--ip: fe80::20 is a link-local address: name its interface with --nic$/);
  check({ ip: '224.0.0.5/24' }, /^--ip: 224\.0\.0\.5 cannot be a service address: 224\.0\.0\.5 is a multicast address$/);
  check({ ip: '::1/128' }, /^--ip: ::1 cannot be a service address: ::1 is the loopback address$/);
  check({ ip: '::ffff:10.0.0.5/96' }, /--ip: ::ffff:10\.0\.0\.5 cannot be a service address: .* give the IPv4 address itself/);
  check({ ip: '127.0.0.5/8' }, /^--ip: 127\.0\.0\.5 cannot be a service address: it is a loopback address$/);
  // Refused before and still refused, in the same words.
  check({ ip: ' 10.0.0.5' }, /^--ip: " 10\.0\.0\.5" is not an IPv4 or IPv6 address$/);
  check({ node: ['alice@010.0.0.1', 'bob'] }, /^--node: "010\.0\.0\.1" is not an IPv4 or IPv6 address$/);

  // In a file, the message names the field to use instead.
  const fromFile = validateClusterSpec({
    nodes: ['a', 'b'],
    withoutFencing: true,
    stacks: [
      {
        name: 'web',
        drbd: { resource: 'r0', device: '/dev/drbd0' },
        filesystem: { directory: '/srv/www', fstype: 'ext4' },
        ip: 'fe80::5%eth0',
      },
      {
        name: 'db',
        drbd: { resource: 'r1', device: '/dev/drbd1' },
        filesystem: { directory: '/srv/db', fstype: 'ext4' },
        ip: 'FD00::5/64',
      },
      {
        name: 'log',
        drbd: { resource: 'r2', device: '/dev/drbd2' },
        filesystem: { directory: '/srv/log', fstype: 'ext4' },
        ip: 'fd00:0::5/64',
      },
    ],
  });
  t.match(errorsOf(fromFile), [
    'stacks[0].ip: "fe80::5%eth0" has a zone index: a virtual IP takes its interface from stacks[0].ip.nic instead',
    'stacks[].ip: virtual IP "fd00::5" is used by two stacks',
  ]);
});

t.test('three nodes on DRBD 9 get quorum by default; dual-primary forces resource-and-stonith', async (t) => {
  const three = validateClusterSpec(stackFlagsToRaw({ ...webFlags, node: ['a', 'b', 'c'] }), flagLabel);
  t.equal(three.ok && three.spec.stacks[0]?.drbd?.quorum, true);
  const dual = validateClusterSpec(stackFlagsToRaw({ ...webFlags, dualPrimary: true, fstype: 'ocfs2' }), flagLabel);
  t.equal(dual.ok && dual.spec.stacks[0]?.drbd?.fencing, 'resource-and-stonith');
  const refused = validateClusterSpec(
    stackFlagsToRaw({ ...webFlags, dualPrimary: true, fstype: 'gfs2', drbdFencing: 'resource-only' }),
    flagLabel,
  );
  t.match(errorsOf(refused).join('\n'), /--drbd-fencing: dual-primary needs "resource-and-stonith"/);
});

t.test('a shared VG: VG/LV or { vg, lv }, on dual-primary DRBD only, one VG per stack', async (t) => {
  const dualFlags = { ...webFlags, dualPrimary: true, fstype: 'gfs2', ip: undefined, nic: undefined, service: undefined };
  const flags = validateClusterSpec(stackFlagsToRaw({ ...dualFlags, sharedVg: 'vg_shared/data' }), flagLabel);
  t.same(flags.ok && flags.spec.stacks[0]?.sharedVg, { vg: 'vg_shared', lv: 'data' });
  const plain = validateClusterSpec(stackFlagsToRaw(dualFlags), flagLabel);
  t.equal(plain.ok && plain.spec.stacks[0]?.sharedVg, undefined, 'none unless asked');

  t.same(errorsOf(validateClusterSpec(stackFlagsToRaw({ ...webFlags, sharedVg: 'vg/lv' }), flagLabel)), [
    '--shared-vg: a shared volume group (lvmlockd) is generated only on dual-primary DRBD: add --dual-primary, or drop it',
  ]);
  for (const [value, reason] of [
    ['vg', /"vg" is not VG\/LV/],
    ['vg/lv/x', /"vg\/lv\/x" is not VG\/LV/],
    ['-vg/lv', /"-vg" is not a valid volume group name/],
    ['vg/..', /"\.\." is not a valid logical volume name/],
    ['vg/l v', /"l v" is not a valid logical volume name/],
  ] as const) {
    t.match(errorsOf(validateClusterSpec(stackFlagsToRaw({ ...dualFlags, sharedVg: value }), flagLabel)), [reason], value);
  }

  const stack = (name: string, minor: number, vg: unknown) => ({
    name,
    dualPrimary: true,
    sharedVg: vg,
    drbd: { resource: name, device: `/dev/drbd${minor}` },
    filesystem: { directory: `/srv/${name}`, fstype: 'gfs2' },
  });
  const file = { nodes: ['alice', 'bob'], withoutFencing: true };
  const objects = validateClusterSpec({ ...file, stacks: [stack('a', 1, { vg: 'vga', lv: 'data' }), stack('b', 2, 'vgb/data')] });
  t.same(objects.ok && objects.spec.stacks.map((s) => s.sharedVg), [
    { vg: 'vga', lv: 'data' },
    { vg: 'vgb', lv: 'data' },
  ]);
  t.same(errorsOf(validateClusterSpec({ ...file, stacks: [stack('a', 1, 'vg/one'), stack('b', 2, { vg: 'vg', lv: 'two' })] })), [
    'stacks[].sharedVg: shared volume group "vg" is used by two stacks',
  ]);
  t.same(errorsOf(validateClusterSpec({ ...file, stacks: [stack('a', 1, { vg: 'vg', volume: 'x' })] })), [
    'stacks[0].sharedVg.volume: unknown setting (known here: vg, lv)',
    'stacks[0].sharedVg.lv: is missing',
  ]);
  t.same(errorsOf(validateClusterSpec({ ...file, stacks: [{ ...stack('a', 1, 'vg/lv'), dualPrimary: false }] })), [
    'stacks[0].sharedVg: a shared volume group (lvmlockd) is generated only on dual-primary DRBD: add stacks[0].dualPrimary, or drop it',
  ]);
});

t.test('files: unknown keys, paths in messages, several stacks', async (t) => {
  const raw = {
    nodes: ['alice', 'bob'],
    stacks: [
      { name: 'web', drbd: { resource: 'r0', device: '/dev/drbd0' }, filesytem: { directory: '/srv/www', fstype: 'ext4' } },
      { name: 'web', drbd: { resource: 'r0', device: '/dev/drbd0' }, filesystem: { directory: '/srv/db', fstype: 'xfs' } },
    ],
  };
  const errors = errorsOf(validateClusterSpec(raw));
  t.match(errors.join('\n'), /stacks\[0\]\.filesytem: unknown setting \(known here: name, drbd, filesystem/);
  t.match(errors.join('\n'), /stacks\[0\]\.filesystem\.directory: is missing/);

  const duplicates = errorsOf(validateClusterSpec({ ...raw, stacks: [raw.stacks[1], raw.stacks[1]] })).join('\n');
  t.match(duplicates, /stack name "web" is used by two stacks/);
  t.match(duplicates, /DRBD resource "r0" is used by two stacks/);
  t.match(duplicates, /DRBD device "0" is used by two stacks/);
  t.match(duplicates, /mount point "\/srv\/db" is used by two stacks/);

  const two = validateClusterSpec({
    nodes: [{ name: 'alice' }, { name: 'bob' }],
    withoutFencing: true,
    stacks: [
      { name: 'web', drbd: { resource: 'r0', device: '/dev/drbd0' }, filesystem: { directory: '/srv/www', fstype: 'ext4' } },
      { name: 'db', drbd: { resource: 'r1', device: '/dev/drbd1' }, filesystem: { directory: '/srv/db', fstype: 'xfs' } },
    ],
  });
  t.same(two.ok && two.spec.stacks.map((stack) => stack.drbd?.port), [7789, 7790], 'ports count up per stack');
  t.match(errorsOf(validateClusterSpec([])), ['the stack description must be an object (a JSON/YAML mapping)']);
});

t.test('description files: JSON or YAML', async (t) => {
  t.match(parseStackFile('{"nodes": ["a", "b"]}', 'x.json'), { ok: true, raw: { nodes: ['a', 'b'] } });
  t.match(parseStackFile('{"nodes": [', 'x.json'), { ok: false, reason: /x\.json is not valid JSON/ });
  t.match(parseStackFile('nodes:\n  - a\n  - b\n', 'x.yaml'), { ok: true, raw: { nodes: ['a', 'b'] } });
  t.match(parseStackFile('nodes: [a, b]\nnodes: [c]\n', 'x.yaml'), { ok: false, reason: /^x\.yaml: line 2: Map keys must be unique$/ });
});

const sharedFlags = {
  node: ['alice', 'bob'],
  name: 'web',
  device: '/dev/mapper/mpatha',
  directory: '/srv/data',
  fstype: 'xfs',
  ip: '192.168.0.20/24',
  service: ['systemd:nginx'],
  stonith: ['fence_ipmilan:pcmk_host_list=alice,ip=10.0.1.1'],
};

t.test('shared storage: no --drbd-resource, --device is any block device', async (t) => {
  const raw = stackFlagsToRaw(sharedFlags);
  t.same(
    (raw.stacks as object[])[0],
    {
      filesystem: { device: '/dev/mapper/mpatha', directory: '/srv/data', fstype: 'xfs' },
      services: ['systemd:nginx'],
      name: 'web',
      ip: { address: '192.168.0.20/24' },
    },
    'no drbd part',
  );
  const result = validateClusterSpec(raw, flagLabel);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  const [stack] = result.spec.stacks;
  t.equal(stack?.drbd, undefined);
  t.same(stack?.filesystem, { device: '/dev/mapper/mpatha', directory: '/srv/data', fstype: 'xfs' });
  for (const device of [
    '/dev/sdb1',
    '/dev/disk/by-id/wwn-0x5000c500a1b2c3d4',
    '-U 0b3f9d7e-1c2a-4e5f-8a9b-0c1d2e3f4a5b',
    '-Ufoo',
    '-L data',
  ]) {
    t.ok(validateClusterSpec(stackFlagsToRaw({ ...sharedFlags, device }), flagLabel).ok, `${device} is accepted`);
  }
});

t.test('shared storage: mistakes', async (t) => {
  const check = (flags: object, pattern: RegExp) =>
    t.match(errorsOf(validateClusterSpec(stackFlagsToRaw({ ...sharedFlags, ...flags }), flagLabel)).join('\n'), pattern);
  check({ device: 'sdb1' }, /^--device: "sdb1" is not a block device \(an absolute path under \/dev/);
  check({ device: '/dev/sdb 1' }, /^--device: "\/dev\/sdb 1" is not a block device/);
  check({ device: '-X foo' }, /--device: "-X foo" is not a block device/);
  check({ device: undefined }, /^--device: is missing$/);
  check({ device: '/dev/drbd1' }, /--device: "\/dev\/drbd1" is a DRBD device: name its DRBD resource too \(--drbd-resource/);
  check({ name: undefined }, /^--name: is missing \(a stack without DRBD/);
  // A DRBD-only flag makes it a DRBD stack, which needs --drbd-resource and a DRBD device.
  check({ disk: '/dev/sdb1' }, /--drbd-resource: is missing[^]*--device: "\/dev\/mapper\/mpatha" is not a DRBD device/);
  check({ drbdVersion: '8.4' }, /--drbd-resource: is missing/);
  check({ quorum: true }, /--drbd-resource: is missing/);
  check({ dualPrimary: true, fstype: 'gfs2' }, /--drbd-resource: is missing/);

  const file = (stack: object) => errorsOf(validateClusterSpec({ nodes: ['a', 'b'], withoutFencing: true, stacks: [stack] })).join('\n');
  t.match(
    file({ name: 'db', filesystem: { device: '/dev/sdc', directory: '/srv/db', fstype: 'ocfs2' }, dualPrimary: true }),
    /stacks\[0\]\.dualPrimary: dual-primary is a DRBD setting/,
  );
  t.match(file({ name: 'db', filesystem: { directory: '/srv/db', fstype: 'xfs' } }), /^stacks\[0\]\.filesystem\.device: is missing$/);
  t.match(file({ name: 'db' }), /stacks\[0\]\.filesystem\.device: is missing/);
  t.match(
    file({ drbd: { resource: 'r0', device: '/dev/drbd0' }, filesystem: { device: '/dev/sdc', directory: '/srv/db', fstype: 'xfs' } }),
    /stacks\[0\]\.filesystem\.device: the file system of a DRBD stack is on drbd\.device/,
  );
  t.equal(file({ name: 'db', filesystem: { device: '/dev/sdc', directory: '/srv/db', fstype: 'xfs' } }), '', 'a file stack without drbd');

  const two = errorsOf(
    validateClusterSpec({
      nodes: ['a', 'b'],
      withoutFencing: true,
      stacks: [
        { name: 'one', filesystem: { device: '/dev/sdc', directory: '/srv/one', fstype: 'xfs' } },
        { name: 'two', filesystem: { device: '/dev/sdc', directory: '/srv/two', fstype: 'xfs' } },
        { drbd: { resource: 'r0', device: '/dev/drbd0' }, filesystem: { directory: '/srv/three', fstype: 'xfs' } },
      ],
    }),
  );
  t.same(
    two,
    ['stacks[].filesystem.device: shared device "/dev/sdc" is used by two stacks'],
    'shared and DRBD stacks mix; a device serves one stack',
  );
});

t.test('fencing: a fence device, or the explicit word that there is none', async (t) => {
  const { stonith: _stonith, ...unfenced } = webFlags;
  t.match(errorsOf(validateClusterSpec(stackFlagsToRaw(unfenced), flagLabel)), [
    /^--stonith: no fence device is configured: .* say so with --without-fencing/,
  ]);
  const without = validateClusterSpec(stackFlagsToRaw({ ...unfenced, withoutFencing: true }), flagLabel);
  t.match(without, { ok: true, spec: { stonith: [], withoutFencing: true } });
  t.match(
    validateClusterSpec(stackFlagsToRaw({ ...unfenced, stonith: [false] }), flagLabel),
    { ok: true, spec: { withoutFencing: true } },
    '--no-stonith',
  );
  t.match(errorsOf(validateClusterSpec(stackFlagsToRaw({ ...webFlags, withoutFencing: true }), flagLabel)), [
    /^--without-fencing: contradicts the fence devices given with --stonith/,
  ]);
});

t.test('resource and operation defaults: known names, valid values', async (t) => {
  const ok = validateClusterSpec(
    stackFlagsToRaw({
      ...webFlags,
      rscDefault: ['migration-threshold=1', 'failure-timeout=10min'],
      opDefault: ['timeout=60s', 'on-fail=restart'],
    }),
    flagLabel,
  );
  t.match(ok, {
    ok: true,
    spec: {
      resourceDefaults: [
        ['migration-threshold', '1'],
        ['failure-timeout', '10min'],
      ],
      operationDefaults: [
        ['timeout', '60s'],
        ['on-fail', 'restart'],
      ],
    },
  });
  const fromFile = validateClusterSpec({
    nodes: ['a', 'b'],
    withoutFencing: true,
    rscDefaults: { 'migration-threshold': 'INFINITY' },
    opDefaults: { timeout: '2min' },
    stacks: [{ drbd: { resource: 'r0', device: '/dev/drbd0' }, filesystem: { directory: '/srv', fstype: 'ext4' } }],
  });
  t.match(fromFile, {
    ok: true,
    spec: { resourceDefaults: [['migration-threshold', 'INFINITY']], operationDefaults: [['timeout', '2min']] },
  });
  const bad = errorsOf(
    validateClusterSpec(
      stackFlagsToRaw({
        ...webFlags,
        rscDefault: [
          'migration-threshold=one',
          'resource-stickiness=5',
          'migration-thresold=1',
          'novalue',
          'failure-timeout=1',
          'failure-timeout=2',
        ],
        opDefault: ['timeout=soon', 'interval=10s'],
      }),
      flagLabel,
    ),
  ).join('\n');
  t.match(bad, /--rsc-default: migration-threshold: "one" is not a count of failures/);
  t.match(bad, /--rsc-default: resource-stickiness: set it with --stickiness/);
  t.match(bad, /--rsc-default: "migration-thresold" is not one of migration-threshold, /);
  t.match(bad, /--rsc-default: "novalue" is not NAME=VALUE/);
  t.match(bad, /--rsc-default: failure-timeout is given twice/);
  t.match(bad, /--op-default: timeout: "soon" is not a time such as 60s/);
  t.match(bad, /--op-default: "interval" is not one of timeout, on-fail, record-pending/);
});

t.test('values crmsh cannot load are refused, wherever they are', async (t) => {
  const check = (flags: object, pattern: RegExp) =>
    t.match(errorsOf(validateClusterSpec(stackFlagsToRaw({ ...webFlags, ...flags }), flagLabel)).join('\n'), pattern);
  check({ service: ['ocf:heartbeat:apache:configfile=/x\\'] }, /^--service: ".*" ends with a backslash: crmsh could not load it$/);
  check({ stonith: ['fence_ipmilan:pcmk_host_list=alice,ip=10.0.1.1,password=a\nb'] }, /^--stonith: ".*" contains a line break/);
  check({ mountOptions: 'noatime\\' }, /^--mount-options: "noatime\\\\" ends with a backslash/);
  check({ directory: '/srv/caf\u00e9' }, /^--directory: ".*" contains a non-ASCII character/);
  const file = errorsOf(
    validateClusterSpec({
      nodes: ['a', 'b'],
      stonith: [{ agent: 'fence_ipmilan', params: { password: 'x\\"y' } }],
      stacks: [{ drbd: { resource: 'r0', device: '/dev/drbd0' }, filesystem: { directory: '/srv', fstype: 'ext4' } }],
    }),
  );
  t.match(file, [/^stonith\[0\]\.params\.password: .* has a backslash before a double quote/]);
  t.equal(
    errorsOf(
      validateClusterSpec(stackFlagsToRaw({ ...webFlags, service: [`ocf:heartbeat:apache:configfile=/etc/it's "x" a\\b c`] }), flagLabel),
    ).length,
    0,
    'quotes, spaces and an inner backslash are fine',
  );
});

t.test('the backing disk and meta-disk are device paths, not DRBD syntax', async (t) => {
  const drbd = (settings: object) =>
    validateClusterSpec({
      nodes: ['a', 'b'],
      withoutFencing: true,
      stacks: [{ drbd: { resource: 'r0', device: '/dev/drbd0', ...settings }, filesystem: { directory: '/srv', fstype: 'ext4' } }],
    });
  t.match(drbd({ metaDisk: 'internal; disk { on-io-error pass_on; } #' }), {
    ok: false,
    errors: [
      /^stacks\[0\]\.drbd\.metaDisk: "internal; disk .*" is not internal, a device \(\/dev\/sdc1\) or an indexed device \(\/dev\/sdc1\[0\]\)$/,
    ],
  });
  t.match(drbd({ disk: '/dev/sdb1; }' }), {
    ok: false,
    errors: [/^stacks\[0\]\.drbd\.disk: "\/dev\/sdb1; \}" is not a block device path/],
  });
  t.match(drbd({ disk: '/dev/../etc/passwd' }), { ok: false, errors: [/is not a block device path/] });
  t.match(drbd({ disk: '/dev/sdb1', metaDisk: '/dev/sdb1' }), {
    ok: false,
    errors: [/metaDisk: "\/dev\/sdb1" is the backing disk itself/],
  });
  t.match(errorsOf(validateClusterSpec(stackFlagsToRaw({ ...webFlags, disk: '/dev/sdb1;' }), flagLabel)), [
    /^--disk: "\/dev\/sdb1;" is not a block device path/,
  ]);
  t.match(drbd({ metaDisk: '/dev/sdc1' }), { ok: true, spec: { stacks: [{ drbd: { metaDisk: { device: '/dev/sdc1' } } }] } });
  t.match(drbd({ metaDisk: '/dev/sdc1[3]' }), { ok: true, spec: { stacks: [{ drbd: { metaDisk: { device: '/dev/sdc1', index: 3 } } }] } });
  t.match(drbd({ metaDisk: '/dev/sdc1 [3]', disk: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1' }), { ok: true });
  t.match(drbd({}), { ok: true, spec: { stacks: [{ drbd: { metaDisk: 'internal' } }] } });
});
