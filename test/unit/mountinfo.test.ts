// mountinfo parsing and the decisions made from it: which mount a path is on, what stop releases.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { isMountOfDevice, mountAt, mountContaining, mountsToRelease, parseMountinfo } from '../../lib/filesystem/mountinfo.js';
import { classifyDevice, fsckNeeded } from '../../lib/filesystem/device.js';
import { parseSignalList, stopSignalFor } from '../../lib/filesystem/signals.js';

// A table shaped like a node running ocfkit: / on vda, our DRBD file system at /srv/data with a
// nested mount, a bind mount of it elsewhere, a bind mount of a root-fs directory, and a path with a space.
const TABLE = `
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 0:26 / /proc rw,nosuid shared:5 - proc proc rw
40 22 147:1 / /srv/data rw,relatime shared:20 - ext4 /dev/drbd1 rw
41 40 7:3 / /srv/data/nested rw,relatime shared:21 - ext4 /dev/loop3 rw
42 22 147:1 /www /var/www rw,relatime shared:20 - ext4 /dev/drbd1 rw
43 22 254:0 /srv/src /mnt/bind rw,relatime shared:1 - ext4 /dev/vda rw
44 22 0:45 / /mnt/with\\040space ro,relatime - btrfs /dev/loop5 rw
`;
const mounts = parseMountinfo(TABLE);

t.test('parses every field, unescaping paths', async (t) => {
  t.equal(mounts.length, 7);
  const spaced = mounts.find((m) => m.id === 44)!;
  t.equal(spaced.mountPoint, '/mnt/with space');
  t.same(spaced.mountOptions, ['ro', 'relatime']);
  t.equal(spaced.fstype, 'btrfs');
  t.equal(mounts.find((m) => m.id === 42)!.root, '/www', 'the root of a bind mount');
  t.ok(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).some((m) => m.mountPoint === '/'), 'the live table parses');
  t.same(parseMountinfo('garbage\n\n1 2 3\n'), [], 'garbage lines are skipped');
});

t.test('which mount a path is on: the deepest, never the parent', async (t) => {
  t.equal(mountContaining(mounts, '/srv/data/file')!.id, 40);
  t.equal(mountContaining(mounts, '/srv/data/nested/x')!.id, 41);
  t.equal(mountContaining(mounts, '/srv/other')!.id, 22, '/srv/other is on the root fs');
  t.equal(mountContaining(mounts, '/srv/database')!.id, 22, 'a sibling with a common prefix is not inside');
  t.equal(mountAt(mounts, '/srv/data')!.id, 40);
});

t.test('what a stop must release', async (t) => {
  const ids = (dir: string, whole: boolean) => mountsToRelease(mounts, dir, whole).map((m) => m.id);
  t.same(ids('/srv/data', true), [41, 42, 40], 'nested first, then the bind mount of our device, then ours');
  t.same(ids('/srv/data', false), [41, 40], 'without whole-device ownership, only what is under the directory');
  t.same(ids('/mnt/bind', false), [43], 'a bind-mount resource never takes / (same device) with it');
  t.same(ids('/mnt/bind', true), [43], 'and even claiming the device, mounts containing the directory stay');
  t.same(ids('/not/mounted', true), []);
});

t.test('device identity covers btrfs anonymous device numbers', async (t) => {
  const btrfs = mounts.find((m) => m.id === 44)!;
  t.ok(isMountOfDevice(btrfs, { path: '/dev/loop5', majorMinor: '7:5' }));
  t.notOk(isMountOfDevice(btrfs, { path: '/dev/loop6', majorMinor: '7:6' }));
  t.ok(isMountOfDevice(mounts.find((m) => m.id === 40)!, { path: '/dev/drbd/by-res/r0/0', majorMinor: '147:1' }));
});

t.test('device forms of ocf:heartbeat:Filesystem', async (t) => {
  t.same(classifyDevice('/dev/drbd1', 'ext4', ''), { kind: 'block', path: '/dev/drbd1' });
  t.same(classifyDevice('-U 1234-ab', 'ext4', ''), { kind: 'uuid', uuid: '1234-ab' });
  t.same(classifyDevice('UUID=1234-ab', 'xfs', ''), { kind: 'uuid', uuid: '1234-ab' });
  t.same(classifyDevice('-L data', 'ext4', ''), { kind: 'label', label: 'data' });
  t.same(classifyDevice('nfs1:/export', 'nfs', ''), { kind: 'network', spec: 'nfs1:/export' });
  t.same(classifyDevice('//srv/share', 'cifs', ''), { kind: 'network', spec: '//srv/share' });
  t.same(classifyDevice('/srv/src', 'none', 'bind'), { kind: 'bind', path: '/srv/src' });
  t.same(classifyDevice('tmpfs', 'tmpfs', 'size=1m'), { kind: 'pseudo', name: 'tmpfs' });
  const block = classifyDevice('/dev/sdb1', 'ext2', '');
  t.equal(fsckNeeded('auto', block, 'ext2'), true);
  t.equal(fsckNeeded('auto', block, 'ext4'), false);
  t.equal(fsckNeeded('force', block, 'xfs'), true);
  t.equal(fsckNeeded('no', block, 'ext2'), false);
  t.equal(fsckNeeded('force', classifyDevice('nfs1:/x', 'nfs', ''), 'nfs'), false, 'never fsck a network source');
});

t.test('the stop signal schedule', async (t) => {
  t.same(parseSignalList('TERM sigint HUP').signals, ['SIGTERM', 'SIGINT', 'SIGHUP']);
  t.match(parseSignalList('TERM FOO').error, /unknown signal FOO/);
  t.match(parseSignalList('  ').error, /at least one/);
  const sigs = parseSignalList('INT TERM').signals;
  t.equal(stopSignalFor(sigs, 0, 0, 10000), 'SIGINT');
  t.equal(stopSignalFor(sigs, 1, 1000, 10000), 'SIGTERM');
  t.equal(stopSignalFor(sigs, 5, 3000, 10000), 'SIGTERM', 'the last one repeats');
  t.equal(stopSignalFor(sigs, 6, 5000, 10000), 'SIGKILL', 'second half of the budget: KILL');
});
