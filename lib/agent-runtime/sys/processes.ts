// Which processes really use a given set of mounts, from /proc alone (no fuser/lsof: they stat
// paths and hang on a dead NFS server). A process counts only if one of its open files (by the
// exact mount id in fdinfo), its cwd, root, executable or a mapped file lies on one of those
// mounts — never because it sits in a parent directory or on another mount of the same device.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mountContaining, type MountEntry } from '../filesystem/mountinfo.js';
import { mountNamespaceOf } from './mounts.js';

export interface ProcessUse {
  readonly pid: number;
  readonly command: string;
  /** How it uses the mount, e.g. "fd 3 /srv/data/log", "cwd /srv/data". */
  readonly how: string;
}

export function processesUsingMounts(targets: readonly MountEntry[], allMounts: readonly MountEntry[]): ProcessUse[] {
  const targetIds = new Set(targets.map((m) => m.id));
  const onTarget = (path: string) => {
    const m = mountContaining(allMounts, path.replace(/ \(deleted\)$/, ''));
    return m !== undefined && targetIds.has(m.id);
  };
  const ourNamespace = mountNamespaceOf('self');
  const protectedPids = new Set([1, process.pid, process.ppid]);
  const users: ProcessUse[] = [];

  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (protectedPids.has(pid)) continue;
    // Processes in other mount namespaces hold their own copies of the mount, which do not keep ours busy.
    if (mountNamespaceOf(pid) !== ourNamespace) continue;
    const how = firstUse(pid, targetIds, onTarget);
    if (how) users.push({ pid, command: commandOf(pid), how });
  }
  return users;
}

function firstUse(pid: number, targetIds: Set<number>, onTarget: (path: string) => boolean): string | undefined {
  for (const link of ['cwd', 'root', 'exe']) {
    const path = safeReadlink(`/proc/${pid}/${link}`);
    if (path && path.startsWith('/') && onTarget(path)) return `${link} ${path}`;
  }
  for (const fd of safeReaddir(`/proc/${pid}/fd`)) {
    const mntId = /^mnt_id:\s*(\d+)/m.exec(safeRead(`/proc/${pid}/fdinfo/${fd}`));
    if (mntId && targetIds.has(Number(mntId[1]))) return `fd ${fd} ${safeReadlink(`/proc/${pid}/fd/${fd}`) ?? ''}`.trim();
  }
  for (const line of safeRead(`/proc/${pid}/maps`).split('\n')) {
    const slash = line.indexOf(' /');
    if (slash >= 0 && onTarget(line.slice(slash + 1))) return `mapped ${line.slice(slash + 1)}`;
  }
  return undefined;
}

function commandOf(pid: number): string {
  const cmdline = safeRead(`/proc/${pid}/cmdline`).split('\0').filter(Boolean).join(' ');
  return cmdline || safeRead(`/proc/${pid}/comm`).trim();
}

export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // it exited meanwhile
  }
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function safeReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
