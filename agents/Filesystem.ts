// ocf:ocfkit:Filesystem — mounts, checks and unmounts one file system, a drop-in for
// ocf:heartbeat:Filesystem (same parameters, defaults and meaning).
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { defineAgent, exitReason, type ActionContext } from '../lib/ocf/agent.js';
import { OCF, configError, genericError, installError, type OcfCode } from '../lib/ocf/codes.js';
import type { ParamSpec } from '../lib/ocf/params.js';
import {
  classifyDevice, fsckNeeded, mountDeviceArgs, CLUSTER_FSTYPES, NETWORK_FSTYPES, type DeviceSpec, type FsckPolicy,
} from '../lib/filesystem/device.js';
import { isMountOfDevice, isReadOnly, mountAt, mountsToRelease, type MountEntry } from '../lib/filesystem/mountinfo.js';
import { parseSignalList, stopSignalFor } from '../lib/filesystem/signals.js';
import {
  blockDeviceNumber, canonicalDirectory, realPath, deviceFromBlkid, deviceFromUdevLink, isDirectory, kernelSupportsFstype,
  mount, pathExists, readMounts, umount,
} from '../lib/sys/mounts.js';
import { processesUsingMounts, signalProcess } from '../lib/sys/processes.js';
import { run } from '../lib/sys/run.js';
import { which } from '../lib/sys/which.js';

const absolutePath = (v: string) => (v.startsWith('/') ? undefined : 'must be an absolute path');

const parameters = [
  {
    name: 'device', type: 'string', required: true,
    shortdesc: 'block device',
    longdesc: 'The block device to mount (e.g. /dev/drbd1), or "-U uuid" / "-L label" (also UUID=... / LABEL=...), '
      + 'a network source such as host:/export or //server/share, or the source directory of a bind mount.',
  },
  {
    name: 'directory', type: 'string', required: true, check: (v) => absolutePath(v) ?? (v.replace(/\/+$/, '') === '' ? 'cannot be /' : undefined),
    shortdesc: 'mount point',
    longdesc: 'The absolute path the file system is mounted on. It is created on start when missing.',
  },
  {
    name: 'fstype', type: 'string', required: true, check: (v) => (/^[a-z0-9][a-z0-9._+-]*$/i.test(v) ? undefined : 'is not a file system type name'),
    shortdesc: 'file system type',
    longdesc: 'The file system type as mount -t takes it (ext4, xfs, btrfs, nfs, ...). Use "none" with options "bind" for a bind mount.',
  },
  {
    name: 'options', type: 'string', default: '',
    shortdesc: 'mount options',
    longdesc: 'Options passed to mount with -o, comma separated (e.g. "noatime,errors=remount-ro").',
  },
  {
    name: 'statusfile_prefix', type: 'string', default: '.Filesystem_status/', reloadable: true,
    check: (v) => (v.startsWith('/') || v.split('/').includes('..') ? 'must be relative to the mount point' : undefined),
    shortdesc: 'status file prefix',
    longdesc: 'Where the OCF_CHECK_LEVEL=20 monitor writes and reads its status file, relative to the mount point; '
      + 'the node name is appended.',
  },
  {
    name: 'run_fsck', type: 'string', default: 'auto', choices: ['auto', 'force', 'no'], reloadable: true,
    shortdesc: 'run fsck before mounting',
    longdesc: 'auto: check file systems that have no journal (ext2, unknown types) before mounting; '
      + 'force: always check block devices; no: never check.',
  },
  {
    name: 'fast_stop', type: 'boolean', default: false, reloadable: true,
    shortdesc: 'give up stopping quickly',
    longdesc: 'When true, stop tries to unmount (signalling the users of the file system) for at most 6 seconds; '
      + 'when false it uses the whole stop timeout before it reports failure.',
  },
  {
    name: 'force_clones', type: 'boolean', default: false,
    shortdesc: 'allow a clone of a local file system',
    longdesc: 'A clone normally makes sense only for cluster and network file systems (gfs2, ocfs2, nfs, ...), '
      + 'and a cloned local file system would be corrupted by concurrent mounts. Set this to true if each node '
      + 'really mounts its own device (e.g. a local brick per node).',
  },
  {
    name: 'force_unmount', type: 'string', default: 'true', choices: ['true', 'safe', 'false'], reloadable: true,
    shortdesc: 'signal the users of the file system before unmounting',
    longdesc: 'true or safe: when the file system is busy, signal the processes that use it (found from /proc: '
      + 'open files, working directory, root, executable and mapped files on this very mount; never processes that '
      + 'merely sit in a parent directory). ocfkit never calls fuser, so true is as safe as upstream\'s "safe" '
      + '(no hang on a dead NFS server). false: never signal anything; a busy file system then fails the stop.',
  },
  {
    name: 'term_signals', type: 'string', default: 'TERM', reloadable: true,
    check: (v) => parseSignalList(v).error,
    shortdesc: 'signals for processes that keep the file system busy',
    longdesc: 'Space-separated signals sent, one per attempt, to the processes that keep the file system busy '
      + 'during the first half of the stop budget (the last one is repeated). In the second half they get KILL.',
  },
  {
    name: 'signal_delay', type: 'integer', default: 1, reloadable: true,
    check: (v) => (Number(v) >= 0 && Number(v) <= 60 ? undefined : 'must be between 0 and 60 seconds'),
    shortdesc: 'seconds between unmount attempts',
    longdesc: 'How long to wait after signalling the users of a busy file system before the next unmount attempt.',
  },
] as const satisfies readonly ParamSpec[];

type Ctx = ActionContext<typeof parameters>;

/** The parameters in the form the actions use them. */
function settingsOf(ctx: Ctx, mounts: readonly MountEntry[]) {
  const p = ctx.params;
  const given = p.directory.replace(/\/+$/, '');
  // Resolving symlinks stats the mount point, which hangs on a dead NFS server: only do it when
  // the directory as given is not a mount point already.
  const directory = mountAt(mounts, given) ? given : canonicalDirectory(given);
  return { ...p, directory, device: classifyDevice(p.device.trim(), p.fstype, p.options) };
}

// ---------------------------------------------------------------- validate

async function validate(ctx: Ctx): Promise<void> {
  const s = settingsOf(ctx, readMounts());
  if (ctx.meta.isClone && !s.force_clones && !CLUSTER_FSTYPES.has(s.fstype)) {
    throw configError(`a clone of ${s.fstype} would mount one local file system on several nodes; use a cluster file system or set force_clones=true`);
  }
  if (s.device.kind === 'bind' && !s.device.path.startsWith('/')) throw configError(`bind mount source '${s.device.path}' must be an absolute path`);
  if (!which('mount') || !which('umount')) throw installError('mount/umount not found (util-linux)');
  if (s.device.kind !== 'bind' && !(await fstypeAvailable(s.fstype))) {
    throw installError(`file system type ${s.fstype} is not supported by this node's kernel (not in /proc/filesystems and no module loads)`);
  }
  if (s.device.kind === 'block' && !pathExists(s.device.path)) {
    // Not fatal here: the device may appear later (a DRBD device exists only once the resource is up).
    ctx.log.warn(`device ${s.device.path} does not exist on this node (yet)`);
  }
  if (pathExists(s.directory) && !isDirectory(s.directory)) throw configError(`${s.directory} exists and is not a directory`);
}

async function fstypeAvailable(fstype: string): Promise<boolean> {
  if (kernelSupportsFstype(fstype) || which(`mount.${fstype}`)) return true;
  // A module that is not loaded yet: ask modprobe, as mount itself would.
  if (!which('modprobe')) return false;
  return (await run('modprobe', ['-q', '--', fstype], { timeoutMs: 10000 })).exitCode === 0 && kernelSupportsFstype(fstype);
}

// ---------------------------------------------------------------- start

async function start(ctx: Ctx): Promise<OcfCode> {
  await validate(ctx);
  const mounts = readMounts();
  const s = settingsOf(ctx, mounts);
  const devicePath = await resolveDevice(s.device);
  const current = mountAt(mounts, s.directory);
  if (current) {
    if (mountedFromOurDevice(current, s.device, devicePath)) {
      ctx.log.info(`${s.directory} is already mounted`);
      return OCF.SUCCESS;
    }
    throw genericError(`${s.directory} already has ${current.source} (${current.fstype}) mounted on it`);
  }
  if (s.device.kind === 'block' || s.device.kind === 'uuid' || s.device.kind === 'label') {
    if (!devicePath) throw installError(`device ${ctx.params.device} not found on this node`);
    const majorMinor = blockDeviceNumber(devicePath);
    if (!majorMinor) throw installError(`${devicePath} is not a block device`);
    const elsewhere = readMounts().find((m) => isMountOfDevice(m, { path: realPath(devicePath), majorMinor }));
    if (elsewhere) throw genericError(`${devicePath} is already mounted on ${elsewhere.mountPoint}; it must be unmounted there first`);
  }
  if (s.device.kind === 'bind' && !isDirectory(s.device.path) && !pathExists(s.device.path)) {
    throw installError(`bind mount source ${s.device.path} does not exist`);
  }

  if (fsckNeeded(s.run_fsck as FsckPolicy, s.device, s.fstype) && devicePath) await checkFilesystem(ctx, devicePath, s.fstype);

  if (!pathExists(s.directory)) {
    ctx.log.info(`creating mount point ${s.directory}`);
    mkdirSync(s.directory, { recursive: true });
  }
  const args = [
    ...(s.device.kind === 'bind' ? [] : ['-t', s.fstype]),
    ...(s.options ? ['-o', s.options] : []),
    ...mountDeviceArgs(s.device),
    s.directory,
  ];
  const result = await mount(args, ctx.remainingMs());
  if (result.exitCode !== 0) throw genericError(`could not mount ${ctx.params.device} on ${s.directory}: ${oneLine(result.stderr) || `mount exit ${result.exitCode}`}`);
  // Believe the kernel, not mount's exit code.
  if (!mountAt(readMounts(), s.directory)) throw genericError(`mount reported success but ${s.directory} is not mounted`);
  ctx.log.info(`mounted ${ctx.params.device} on ${s.directory}`);
  return OCF.SUCCESS;
}

async function resolveDevice(device: DeviceSpec): Promise<string | undefined> {
  switch (device.kind) {
    case 'block': return pathExists(device.path) ? device.path : undefined;
    case 'uuid': return deviceFromUdevLink('uuid', device.uuid) ?? (await deviceFromBlkid('uuid', device.uuid));
    case 'label': return deviceFromUdevLink('label', device.label) ?? (await deviceFromBlkid('label', device.label));
    default: return undefined;
  }
}

/** Whether the mount at our directory is our device; true when that cannot be told cheaply. */
function mountedFromOurDevice(m: MountEntry, device: DeviceSpec, devicePath: string | undefined): boolean {
  if (device.kind === 'block' || ((device.kind === 'uuid' || device.kind === 'label') && devicePath)) {
    const majorMinor = devicePath ? blockDeviceNumber(devicePath) : undefined;
    return majorMinor === undefined || isMountOfDevice(m, { path: realPath(devicePath!), majorMinor });
  }
  if (device.kind === 'network') return m.source.replace(/\/+$/, '') === device.spec.replace(/\/+$/, '') || NETWORK_FSTYPES.has(m.fstype);
  return true;
}

async function checkFilesystem(ctx: Ctx, devicePath: string, fstype: string): Promise<void> {
  if (!which('fsck')) throw installError('fsck not found (util-linux)');
  ctx.log.info(`checking ${devicePath} (fsck -p)`);
  const r = await run('fsck', ['-t', fstype, '-p', devicePath], { timeoutMs: ctx.remainingMs() });
  // fsck: 0 clean, 1 errors corrected, 2 reboot advised, 4 and up uncorrected errors or failure.
  if (r.exitCode >= 4 || r.failure) throw genericError(`fsck of ${devicePath} failed (exit ${r.exitCode}): ${oneLine(r.stderr || r.stdout)}`);
}

// ---------------------------------------------------------------- monitor

async function monitor(ctx: Ctx): Promise<OcfCode> {
  const mounts = readMounts();
  const s = settingsOf(ctx, mounts);
  const m = mountAt(mounts, s.directory);
  if (!m) return OCF.NOT_RUNNING;
  if (s.device.kind === 'block') {
    const majorMinor = blockDeviceNumber(s.device.path);
    if (majorMinor !== undefined && !isMountOfDevice(m, { path: realPath(s.device.path), majorMinor })) {
      return broken(ctx, `${s.directory} is mounted from ${m.source}, not from ${s.device.path}`);
    }
  }
  if (isReadOnly(m) && !s.options.split(',').includes('ro')) {
    return broken(ctx, `${s.directory} is mounted read-only (the kernel does that after I/O errors), although options do not ask for ro`);
  }
  if (ctx.checkLevel >= 10 && ctx.checkLevel < 20) await readTest(ctx, s.device, m);
  if (ctx.checkLevel >= 20) await statusFileTest(ctx, s.directory, s.statusfile_prefix);
  return OCF.SUCCESS;
}

function broken(ctx: Ctx, reason: string): OcfCode {
  exitReason(ctx.log, reason);
  return OCF.ERR_GENERIC;
}

/** Depth 10: read the first 16 blocks of the device, bypassing the page cache. */
async function readTest(ctx: Ctx, device: DeviceSpec, m: MountEntry): Promise<void> {
  const path = device.kind === 'block' ? device.path : m.source.startsWith('/dev/') ? m.source : undefined;
  if (!path) return; // network file systems and bind mounts have no device to read
  const r = await run('dd', [`if=${path}`, 'of=/dev/null', 'bs=4096', 'count=16', 'iflag=direct'], { timeoutMs: ctx.remainingMs() });
  if (r.exitCode !== 0) throw genericError(`read test of ${path} failed: ${r.failure === 'timeout' ? 'timed out' : oneLine(r.stderr)}`);
}

/** Depth 20: write a status file on the mount and read it back, bypassing the page cache. */
async function statusFileTest(ctx: Ctx, directory: string, prefix: string): Promise<void> {
  const file = `${directory}/${prefix}${hostname()}`;
  const parent = file.slice(0, file.lastIndexOf('/'));
  const content = `${new Date().toISOString()} ${ctx.instance}\n`.padEnd(4096, ' ');
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw genericError(`cannot create ${parent}: ${(e as Error).message}`);
  }
  const timeoutMs = Math.max(1000, ctx.remainingMs() / 2);
  const written = await run('dd', [`of=${file}`, 'bs=4096', 'count=1', 'oflag=direct,sync'], { input: content, timeoutMs });
  if (written.exitCode !== 0) throw genericError(`cannot write status file ${file}: ${written.failure === 'timeout' ? 'timed out' : oneLine(written.stderr)}`);
  const read = await run('dd', [`if=${file}`, 'bs=4096', 'count=1', 'iflag=direct'], { timeoutMs });
  if (read.exitCode !== 0 || read.stdout !== content) throw genericError(`status file ${file} did not read back what was written`);
}

// ---------------------------------------------------------------- stop

async function stop(ctx: Ctx): Promise<OcfCode> {
  const mounts = readMounts();
  const s = settingsOf(ctx, mounts);
  if (!mountAt(mounts, s.directory)) return OCF.SUCCESS;
  if (ctx.checkLevel >= 20) await run('rm', ['-f', '--', `${s.directory}/${s.statusfile_prefix}${hostname()}`], { timeoutMs: 2000 });

  const budgetMs = s.fast_stop ? Math.min(6000, ctx.remainingMs()) : ctx.remainingMs();
  const deadline = Date.now() + budgetMs;
  const signals = parseSignalList(s.term_signals).signals;
  const forceUmount = NETWORK_FSTYPES.has(s.fstype);
  const wholeDevice = s.device.kind === 'block' || s.device.kind === 'uuid' || s.device.kind === 'label';
  for (let attempt = 0; ; attempt++) {
    const remaining = mountsToRelease(readMounts(), s.directory, wholeDevice);
    if (remaining.length === 0) break;
    for (const m of remaining) await umount(m.mountPoint, forceUmount, Math.max(1000, deadline - Date.now()));
    const still = mountsToRelease(readMounts(), s.directory, wholeDevice);
    if (still.length === 0) break;
    if (Date.now() >= deadline) {
      throw genericError(`could not unmount ${still.map((m) => m.mountPoint).join(', ')}: still busy after ${Math.round(budgetMs / 1000)} s`);
    }
    if (s.force_unmount !== 'false') {
      const signal = stopSignalFor(signals, attempt, Date.now() - (deadline - budgetMs), budgetMs);
      signalUsers(ctx, still, signal);
    }
    await sleep(Math.min(s.signal_delay * 1000, Math.max(0, deadline - Date.now())) || 100);
  }
  ctx.log.info(`unmounted ${s.directory}`);
  return OCF.SUCCESS;
}

function signalUsers(ctx: Ctx, mounts: MountEntry[], signal: NodeJS.Signals): void {
  const users = processesUsingMounts(mounts, readMounts());
  if (users.length === 0) ctx.log.info(`${mounts[0]?.mountPoint} is busy but no process uses it (kernel users such as an NFS export or a loop device?)`);
  for (const u of users) {
    ctx.log.info(`sending ${signal} to ${u.pid} (${u.command}): ${u.how}`);
    signalProcess(u.pid, signal);
  }
}

// ---------------------------------------------------------------- reload

async function reload(ctx: Ctx): Promise<OcfCode> {
  // Only the parameters marked reloadable change, and each of them is read afresh by every action.
  await validate(ctx);
  return OCF.SUCCESS;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const oneLine = (text: string) => text.trim().split('\n').join(' / ');

export default defineAgent({
  name: 'Filesystem',
  version: '1.0',
  shortdesc: 'Manages a mounted file system (drop-in for ocf:heartbeat:Filesystem)',
  longdesc: `Mounts a file system on start, unmounts it on stop, and tells whether it is mounted.

It takes the parameters of ocf:heartbeat:Filesystem with the same defaults and meaning, so a
configuration moves over by changing only the provider. Differences on purpose: whether the file
system is mounted is read from /proc/self/mountinfo (a monitor runs no program at all); the
monitor fails when the file system is mounted from another device or was remounted read-only
after I/O errors; the processes signalled on a busy stop are only those that use this very mount
(never a parent directory or a bind mount elsewhere), found without fuser.

OCF_CHECK_LEVEL 10 reads the first 16 blocks of the device with direct I/O; 20 writes and reads
back a status file on the file system (see statusfile_prefix).`,
  parameters,
  actions: [
    { name: 'start', timeout: 60 },
    { name: 'stop', timeout: 60 },
    { name: 'monitor', timeout: 40, interval: 20, depth: 0 },
    { name: 'reload', timeout: 5 },
    { name: 'meta-data', timeout: 5 },
    { name: 'validate-all', timeout: 5 },
  ],
  handlers: { start, stop, monitor, status: monitor, reload },
  validate,
});

