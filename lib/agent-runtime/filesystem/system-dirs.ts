// The node's own directories, which a Filesystem resource must never mount on or unmount: stop
// releases everything mounted at and below its directory, so `directory=/` (or `/.`, `/tmp/..`, a
// symlink to `/`) would take the whole node down with it. Paths here are canonical (no `.`, `..`,
// `//` or symlinks): the agent resolves them first.
import { posix } from 'node:path';

/** Kernel and udev trees: nothing below them belongs to a resource. */
const KERNEL_TREES = ['/proc', '/sys', '/dev'];

/**
 * The operating system's own directories. Directories an admin commonly gives to a cluster file
 * system (/home, /srv, /opt, /mnt, /media and everything deeper, /var/lib/mysql, ...) are not
 * here: they are refused only when the node's own /etc/fstab mounts them.
 */
const SYSTEM_DIRECTORIES = new Set([
  '/',
  '/bin',
  '/boot',
  '/boot/efi',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/root',
  '/run',
  '/run/lock',
  '/run/user',
  '/sbin',
  '/tmp',
  '/usr',
  '/usr/local',
  '/var',
  '/var/cache',
  '/var/lib',
  '/var/log',
  '/var/tmp',
]);

/** The path without `.`, `..`, repeated or trailing slashes (lexically: symlinks are the caller's business). */
export function normalizeDirectory(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

/**
 * The mount points /etc/fstab has the node mount by itself (at boot); `noauto` entries are left
 * out, as admins list cluster file systems that way to be able to type `mount /data`.
 */
export function fstabMountPoints(fstab: string): string[] {
  const points: string[] = [];
  for (const line of fstab.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 3 || !fields[1]!.startsWith('/')) continue; // swap ("none") and garbage
    if ((fields[3] ?? '').split(',').includes('noauto')) continue;
    points.push(normalizeDirectory(fields[1]!.replace(/\\040/g, ' ')));
  }
  return points;
}

/** Why `dir` (canonical) belongs to the node itself, or undefined when a resource may use it. */
export function systemDirectoryReason(dir: string, hostMountPoints: readonly string[]): string | undefined {
  if (dir === '/') return 'it is the root directory';
  const tree = KERNEL_TREES.find((top) => dir === top || dir.startsWith(`${top}/`));
  if (tree) return `${tree} belongs to the kernel`;
  if (SYSTEM_DIRECTORIES.has(dir)) return 'it is a directory of the operating system';
  if (hostMountPoints.includes(dir)) return '/etc/fstab mounts it at boot';
  const below = hostMountPoints.find((p) => p.startsWith(`${dir}/`));
  if (below) return `/etc/fstab mounts ${below} below it at boot`;
  return undefined;
}
