// Reading mount state from the kernel (no child process: a monitor must stay cheap) and
// changing it through mount/umount.
import { existsSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { parseMountinfo, type MountEntry } from '../filesystem/mountinfo.js';
import { run, type RunResult } from './run.js';

export function readMounts(): MountEntry[] {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
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

export const canonicalDirectory = realPath;

export function kernelSupportsFstype(fstype: string): boolean {
  try {
    return readFileSync('/proc/filesystems', 'utf8').split('\n').some((line) => line.split('\t').pop() === fstype);
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

export function mount(args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return run('mount', args, { timeoutMs });
}

export function umount(mountPoint: string, force: boolean, timeoutMs: number): Promise<RunResult> {
  return run('umount', force ? ['-f', mountPoint] : [mountPoint], { timeoutMs });
}
