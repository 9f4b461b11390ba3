// Reading mount state from the kernel (no child process: a monitor must stay cheap) and
// changing it through mount/umount.
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { posix } from 'node:path';
import { MountTable, parseMountinfo, type MountEntry } from '../filesystem/mountinfo.js';
import { normalizeDirectory } from '../filesystem/system-dirs.js';
import { run, type RunResult } from './run.js';

export function readMounts(): MountEntry[] {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** The same table, parsed only as far as asked (see MountTable): what a monitor needs. */
export function readMountTable(): MountTable {
  return new MountTable(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** "major:minor" of a block device node, as mountinfo spells it; undefined if it is not one. */
export function blockDeviceNumber(path: string): string | undefined {
  try {
    const st = statSync(path);
    if (!st.isBlockDevice()) return undefined;
    // Linux dev_t: major is bits 8-19 (and 32+), minor bits 0-7 and 20-31.
    const rdev = st.rdev;
    const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
    const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
    return `${major}:${minor}`;
  } catch {
    return undefined;
  }
}

/** /dev/disk/by-uuid and by-label, when udev keeps them; undefined where they do not exist. */
export function deviceFromUdevLink(kind: 'uuid' | 'label', value: string): string | undefined {
  const link = `/dev/disk/by-${kind}/${value}`;
  try {
    return realpathSync(link);
  } catch {
    return undefined;
  }
}

/** `blkid -t UUID=x -o device`: slower than the udev link, but works without udev. */
export async function deviceFromBlkid(kind: 'uuid' | 'label', value: string): Promise<string | undefined> {
  const r = await run('blkid', ['-l', '-t', `${kind === 'uuid' ? 'UUID' : 'LABEL'}=${value}`, '-o', 'device'], { timeoutMs: 10000 });
  const path = r.stdout.trim();
  return r.exitCode === 0 && path ? path : undefined;
}

/** The path with symlinks resolved, as the kernel lists it (/dev/disk/... -> /dev/sdb1); itself when it does not exist. */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The directory as the kernel will name it once mounted: `.`, `..`, `//` and symlinks resolved
 * (the normalised path where it does not exist yet). A mount point is never stat'ed itself —
 * that hangs on a dead NFS server — only the directories above it, so a directory that is
 * already a mount point under its own name costs nothing. Never throws.
 */
export function canonicalDirectory(given: string, mounts: MountTable): string {
  const normal = normalizeDirectory(given);
  // `..` after a symlink means the symlink's parent to the kernel, so only realpath gets it right.
  if (given.split('/').includes('..')) {
    try {
      return realpathSync(given);
    } catch {
      // not there (yet): fall through to the lexical form
    }
  }
  return resolveBelowMounts(normal, mounts);
}

function resolveBelowMounts(normal: string, mounts: MountTable): string {
  if (normal === '/' || mounts.at(normal)) return normal;
  const parent = resolveBelowMounts(posix.dirname(normal), mounts);
  const path = posix.join(parent, posix.basename(normal));
  if (mounts.at(path)) return path;
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path; // missing (start creates it) or a dangling symlink (mkdir will say so)
  }
}

export function readFstab(): string {
  try {
    return readFileSync('/etc/fstab', 'utf8');
  } catch {
    return '';
  }
}

export function kernelSupportsFstype(fstype: string): boolean {
  try {
    return readFileSync('/proc/filesystems', 'utf8')
      .split('\n')
      .some((line) => line.split('\t').pop() === fstype);
  } catch {
    return false;
  }
}

export function pathExists(path: string): boolean {
  return existsSync(path);
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function mountNamespaceOf(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/**
 * Runs `action` while holding a lock named after `key` (a mount point), so that two operations
 * on one mount point — Pacemaker retrying a start while the first still runs, an admin's
 * crm_resource --force-start — never both mount it. A lock whose holder died (killed at its
 * timeout) is taken over. Waits at most `timeoutMs`, then runs `action` anyway: refusing would
 * fail an operation for a mere slowness of the other one.
 */
export async function withMountPointLock<T>(key: string, timeoutMs: number, action: () => Promise<T>): Promise<T> {
  // /run is root's alone (/run/lock and /tmp let any user plant the lock and stall us).
  const lockDir = existsSync('/run') ? '/run' : '/tmp';
  // node:crypto loaded here, not at start-up (~4 ms of CPU that a monitor does not need).
  const file = `${lockDir}/ocfkit-Filesystem-${process.getBuiltinModule('node:crypto').createHash('sha256').update(key).digest('hex').slice(0, 16)}.lock`;
  const until = Date.now() + timeoutMs;
  let held = false;
  while (!held && Date.now() < until) {
    held = tryLock(file);
    if (!held) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await action();
  } finally {
    if (held) {
      try {
        unlinkSync(file);
      } catch {
        // removed by someone who took it over
      }
    }
  }
}

function tryLock(file: string): boolean {
  try {
    const fd = openSync(file, 'wx', 0o600);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch {
    const holder = Number(readFileSafe(file).trim());
    if (holder > 0 && !processAlive(holder)) {
      try {
        unlinkSync(file);
      } catch {
        // another waiter took it over first
      }
    }
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function mount(args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return run('mount', args, { timeoutMs });
}

export function umount(mountPoint: string, force: boolean, timeoutMs: number): Promise<RunResult> {
  return run('umount', force ? ['-f', mountPoint] : [mountPoint], { timeoutMs });
}
