// Validating stack descriptions: every mistake is reported, in the words of the input's origin.
import t from 'tap';
import { validateClusterSpec, type SpecResult } from '../../lib/crm/spec.js';
import { flagLabel, parseStackFile, stackFlagsToRaw } from '../../lib/crm/stack-input.js';

const webFlags = {
  node: ['alice@10.0.0.1', 'bob@10.0.0.2'],
  drbdResource: 'r0', device: '/dev/drbd1', directory: '/srv/data', fstype: 'ext4',
  ip: '192.168.0.20/24', nic: 'eth0', service: ['ocf:heartbeat:apache:configfile=/etc/apache2/apache2.conf'],
  stonith: ['fence_ipmilan:pcmk_host_list=alice,ip=10.0.1.1'],
};

function errorsOf(result: SpecResult): string[] {
  return result.ok ? [] : result.errors;
}

t.test('the common case from flags', async (t) => {
  const result = validateClusterSpec(stackFlagsToRaw(webFlags), flagLabel);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  const { spec } = result;
  t.same(spec.nodes, [{ name: 'alice', address: '10.0.0.1' }, { name: 'bob', address: '10.0.0.2' }]);
  t.equal(spec.provider, 'ocfkit');
  t.equal(spec.stickiness, 100);
  t.same(spec.stonith, [{ agent: { standard: 'stonith', type: 'fence_ipmilan' }, params: { pcmk_host_list: 'alice', ip: '10.0.1.1' } }]);
  const [stack] = spec.stacks;
  t.equal(stack?.name, 'r0', 'the stack is named after its DRBD resource');
  t.same(stack?.drbd, { resource: 'r0', device: '/dev/drbd1', minor: 1, metaDisk: 'internal', port: 7789, protocol: 'C', version: '9', quorum: false, fencing: 'resource-only' });
  t.same(stack?.ip, { address: '192.168.0.20', prefix: 24, nic: 'eth0' });
  t.same(stack?.services, [{ agent: { standard: 'ocf', provider: 'heartbeat', type: 'apache' }, params: { configfile: '/etc/apache2/apache2.conf' } }]);
});

t.test('garbage input names the flag to fix', async (t) => {
  const errors = errorsOf(validateClusterSpec(stackFlagsToRaw({ ...webFlags, ip: '192.168.0.300/24', device: undefined, fstype: 'ext 4', service: ['apache'] }), flagLabel));
  t.match([...errors].sort(), [
    /^--device: is missing$/,
    /^--fstype: "ext 4" is not a file system type$/,
    /^--ip: "192\.168\.0\.300" is not an IPv4 or IPv6 address$/,
    /^--service: "apache" is not an agent name/,
  ], 'all problems at once');
  t.equal(errors.length, 4);
});

t.test('more garbage', async (t) => {
  const check = (flags: object, pattern: RegExp) => t.match(errorsOf(validateClusterSpec(stackFlagsToRaw({ ...webFlags, ...flags }), flagLabel)).join('\n'), pattern);
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

t.test('three nodes on DRBD 9 get quorum by default; dual-primary forces resource-and-stonith', async (t) => {
  const three = validateClusterSpec(stackFlagsToRaw({ ...webFlags, node: ['a', 'b', 'c'] }), flagLabel);
  t.equal(three.ok && three.spec.stacks[0]?.drbd.quorum, true);
  const dual = validateClusterSpec(stackFlagsToRaw({ ...webFlags, dualPrimary: true, fstype: 'ocfs2' }), flagLabel);
  t.equal(dual.ok && dual.spec.stacks[0]?.drbd.fencing, 'resource-and-stonith');
  const refused = validateClusterSpec(stackFlagsToRaw({ ...webFlags, dualPrimary: true, fstype: 'gfs2', drbdFencing: 'resource-only' }), flagLabel);
  t.match(errorsOf(refused).join('\n'), /--drbd-fencing: dual-primary needs "resource-and-stonith"/);
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
    stacks: [
      { name: 'web', drbd: { resource: 'r0', device: '/dev/drbd0' }, filesystem: { directory: '/srv/www', fstype: 'ext4' } },
      { name: 'db', drbd: { resource: 'r1', device: '/dev/drbd1' }, filesystem: { directory: '/srv/db', fstype: 'xfs' } },
    ],
  });
  t.same(two.ok && two.spec.stacks.map((stack) => stack.drbd.port), [7789, 7790], 'ports count up per stack');
  t.match(errorsOf(validateClusterSpec([])), ['the stack description must be an object (a JSON/YAML mapping)']);
});

t.test('description files: JSON or YAML', async (t) => {
  t.match(parseStackFile('{"nodes": ["a", "b"]}', 'x.json'), { ok: true, raw: { nodes: ['a', 'b'] } });
  t.match(parseStackFile('{"nodes": [', 'x.json'), { ok: false, reason: /x\.json is not valid JSON/ });
  t.match(parseStackFile('nodes:\n  - a\n  - b\n', 'x.yaml'), { ok: true, raw: { nodes: ['a', 'b'] } });
  t.match(parseStackFile('nodes: &anchor [a]\n', 'x.yaml'), { ok: false, reason: /x\.yaml: line 1: anchors/ });
});
