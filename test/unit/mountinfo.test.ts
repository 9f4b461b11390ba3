// mountinfo parsing and the decisions made from it: which mount a path is on, what stop releases.
import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  bindMountIdentity,
  isMountOfDevice,
  isMountOfNetworkSource,
  mountAt,
  mountContaining,
  mountsToRelease,
  parseMountinfo,
  showsSubvolumeOf,
} from '../../lib/agent-runtime/filesystem/mountinfo.js';
import { fstabMountPoints, normalizeDirectory, systemDirectoryReason } from '../../lib/agent-runtime/filesystem/system-dirs.js';
import { classifyDevice, fsckNeeded } from '../../lib/agent-runtime/filesystem/device.js';
import { parseSignalList, stopSignalFor } from '../../lib/agent-runtime/filesystem/signals.js';

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
  t.ok(
    parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).some((m) => m.mountPoint === '/'),
    'the live table parses',
  );
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
  const ids = (dir: string, whole: boolean) => mountsToRelease(mounts, dir, () => true, whole).map((m) => m.id);
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
  t.ok(
    isMountOfDevice(
      mounts.find((m) => m.id === 40)!,
      { path: '/dev/drbd/by-res/r0/0', majorMinor: '147:1' },
    ),
  );
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

t.test('stop releases only our file system: never another one on our directory, never another btrfs subvolume', async (t) => {
  const table = parseMountinfo(`
22 1 254:0 / / rw - ext4 /dev/vda rw
50 22 7:1 / /srv/data rw - ext4 /dev/loop1 rw
51 50 7:2 / /srv/data/nested rw - ext4 /dev/loop2 rw
52 22 7:1 /www /var/www rw - ext4 /dev/loop1 rw
60 22 0:39 /sa /mnt/a rw - btrfs /dev/loop0 rw,subvolid=256,subvol=/sa
61 22 0:39 /sb /mnt/b rw - btrfs /dev/loop0 rw,subvolid=257,subvol=/sb
62 22 0:39 /sa/x /mnt/c rw - btrfs /dev/loop0 rw,subvolid=256,subvol=/sa
63 22 0:39 / /mnt/top rw - btrfs /dev/loop0 rw,subvolid=5,subvol=/
70 22 254:0 /old /srv/shadowed rw - ext4 /dev/vda rw
`);
  const ids = (dir: string, ours: (source: string) => boolean, whole = true) =>
    mountsToRelease(table, dir, (m) => ours(m.source), whole).map((m) => m.id);
  t.same(
    ids('/srv/data', (src) => src === '/dev/loop9'),
    [],
    'another device on our directory: nothing, nor its nested or bind mounts',
  );
  t.same(
    ids('/srv/data', (src) => src === '/dev/loop1'),
    [51, 52, 50],
    'our device: nested, its bind mount elsewhere, then ours',
  );
  t.same(
    ids('/mnt/a', (src) => src === '/dev/loop0'),
    [62, 60],
    'subvolume a and its bind mount; subvolume b stays',
  );
  t.same(
    ids('/mnt/top', (src) => src === '/dev/loop0'),
    [63],
    'the top-level subvolume does not take the other subvolumes along',
  );
  const hidden = parseMountinfo(`
22 1 254:0 / / rw - ext4 /dev/vda rw
80 22 254:0 /x /srv/d/inner rw - ext4 /dev/vda rw
81 22 7:1 / /srv/d rw - ext4 /dev/loop1 rw
`);
  t.same(
    mountsToRelease(hidden, '/srv/d', () => true, true).map((m) => m.id),
    [81],
    'a mount ours merely hides (mounted before it) is not nested in ours',
  );
});

t.test('which mount is ours: btrfs subvolume, network export, bind source', async (t) => {
  const [sa, sb, nfs, bind] = parseMountinfo(`
60 22 0:39 /sa /mnt/a rw - btrfs /dev/loop0 rw,subvolid=256,subvol=/sa
61 22 0:39 /sb /mnt/b rw - btrfs /dev/loop0 rw,subvolid=257,subvol=/sb
90 22 0:50 / /mnt/nfs rw - nfs4 10.0.0.1:/export/data rw
43 22 254:0 /srv/src /mnt/bind rw - ext4 /dev/vda rw
`);
  t.ok(showsSubvolumeOf(sa!, 'noatime,subvol=sa'));
  t.ok(showsSubvolumeOf(sa!, 'subvol=/sa/'));
  t.notOk(showsSubvolumeOf(sb!, 'subvol=sa'));
  t.ok(showsSubvolumeOf(sb!, 'subvolid=257'));
  t.ok(showsSubvolumeOf(sb!, 'noatime'), 'without a subvolume option any subvolume is the default one');
  t.ok(isMountOfNetworkSource(nfs!, 'nfs1:/export/data/', 'nfs'), 'the server by name, the kernel lists its address');
  t.notOk(isMountOfNetworkSource(nfs!, 'nfs1:/export/other', 'nfs'), 'another export is not ours');
  t.notOk(isMountOfNetworkSource(nfs!, '//nfs1/export/data', 'cifs'), 'another file system type is not ours');
  t.same(bindMountIdentity(mounts, '/srv/src'), { majorMinor: '254:0', root: '/srv/src' });
  t.same(bindMountIdentity(mounts, '/srv/data/www'), { majorMinor: '147:1', root: '/www' });
  t.equal(bind!.root, bindMountIdentity(mounts, '/srv/src')!.root);
});

t.test('directories of the node itself are never a resource directory', async (t) => {
  for (const given of ['/.', '/tmp/..', '//', '/', '/srv/..', '///.//']) t.equal(normalizeDirectory(given), '/', `${given} is /`);
  t.equal(normalizeDirectory('/srv//data/'), '/srv/data');
  t.equal(normalizeDirectory('/srv/./x/../data'), '/srv/data');
  const fstab = fstabMountPoints(`# comment
UUID=1 / ext4 defaults 0 1
UUID=2 /home ext4 defaults 0 2
/dev/vdb1 /srv/backup xfs defaults 0 2
/dev/drbd1 /srv/cluster ext4 noauto 0 0
/swapfile none swap sw 0 0
`);
  t.same(fstab, ['/', '/home', '/srv/backup']);
  const refused = [
    '/',
    '/proc',
    '/proc/sys/fs/binfmt_misc',
    '/sys/fs/cgroup',
    '/dev',
    '/dev/shm',
    '/run',
    '/boot',
    '/usr',
    '/var',
    '/var/lib',
    '/etc',
    '/tmp',
    '/home',
    '/srv',
  ];
  for (const dir of refused) t.ok(systemDirectoryReason(dir, fstab), `${dir} is refused: ${systemDirectoryReason(dir, fstab)}`);
  for (const dir of ['/srv/data', '/srv/cluster', '/var/lib/mysql', '/mnt', '/opt/app', '/var/tmp/ocfkit-x/mnt', '/home2']) {
    t.equal(systemDirectoryReason(dir, fstab), undefined, `${dir} may be a resource directory`);
  }
  t.equal(systemDirectoryReason('/home', []), undefined, "/home is the node's own only when its fstab mounts it");
});
