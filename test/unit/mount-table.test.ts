// MountTable.at answers what mountAt(parseMountinfo(text), dir) answers, without parsing the lines
// of other directories (a monitor on a node with thousands of mounts; see lib/agent-runtime/filesystem/mountinfo.ts).
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { MountTable, escapeMountPath, mountAt, parseMountinfo, unescapeMountPath } from '../../lib/agent-runtime/filesystem/mountinfo.js';

// The traps of a text search: the directory also appearing as another line's root or source, a
// directory that is a prefix of another, stacked mounts (the last one is visible), escaped
// characters, and a last line without its newline.
const TABLE = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '40 22 147:1 / /srv/data rw,relatime shared:20 - ext4 /dev/drbd1 rw',
  '41 22 254:0 /srv/data /mnt/bind-of-data rw,relatime shared:1 - ext4 /dev/vda rw',
  '45 22 0:50 / /mnt/named-like-data rw - tmpfs /srv/data rw',
  '46 22 7:9 / /srv/data2 rw - ext4 /dev/loop9 rw',
  '47 40 7:7 / /srv/data rw,relatime - xfs /dev/loop7 rw',
  '48 22 0:45 / /mnt/with\\040space ro,relatime - btrfs /dev/loop5 rw',
  '49 22 0:46 / /mnt/back\\134slash\\011tab rw - tmpfs none rw',
  '50 22 0:47 / /srv/stacked rw - tmpfs first rw',
  '51 50 0:48 / /srv/stacked rw - tmpfs second rw',
].join('\n');

const sameAnswer = (t: Test, text: string, dir: string) => {
  const expected = mountAt(parseMountinfo(text), dir);
  t.equal(new MountTable(text).at(dir)?.id, expected?.id, `${JSON.stringify(dir)}: ${expected ? `entry ${expected.id}` : 'not mounted'}`);
};

t.test('the same answer as mountAt over the parsed table', async (t) => {
  const dirs = [
    ...parseMountinfo(TABLE).map((m) => m.mountPoint),
    '/srv',
    '/srv/dat',
    '/srv/data/',
    '/mnt/with',
    '/mnt/with space/x',
    '/not/mounted',
    '/dev/vda',
    'rw',
  ];
  for (const dir of dirs) sameAnswer(t, TABLE, dir);
  const table = new MountTable(TABLE);
  t.equal(table.at('/srv/data')?.fstype, 'xfs', 'of two mounts on /srv/data, the one on top');
  t.equal(table.at('/srv/stacked')?.source, 'second');
  t.equal(table.at('/mnt/back\\slash\ttab')?.id, 49, 'escaped characters in the mount point');
  t.equal(table.at('/mnt/named-like-data')?.source, '/srv/data');
  t.equal(table.entries.length, 10, 'entries: every line');
});

t.test('the live table: every mount point', async (t) => {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const m of parseMountinfo(text)) sameAnswer(t, text, m.mountPoint);
});

t.test('escapeMountPath writes what the kernel writes', async (t) => {
  t.equal(escapeMountPath('/a b\tc\nd\\e'), '/a\\040b\\011c\\012d\\134e');
  t.equal(unescapeMountPath(escapeMountPath('/a b\tc\nd\\e\\040')), '/a b\tc\nd\\e\\040');
});
