// ocf:ocfkit:Filesystem — mounts, checks and unmounts one file system, a drop-in for
// ocf:heartbeat:Filesystem (same parameters, defaults and meaning).
import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { hostname } from 'node:os';
import { posix } from 'node:path';
import { defineAgent, exitReason, type ActionContext } from '../lib/agent-runtime/ocf/agent.js';
import { OCF, configError, genericError, installError, type OcfCode } from '../lib/agent-runtime/ocf/codes.js';
import type { ParamSpec } from '../lib/agent-runtime/ocf/params.js';
import {
  classifyDevice,
  fsckNeeded,
  mountDeviceArgs,
  CLUSTER_FSTYPES,
  NETWORK_FSTYPES,
  type DeviceSpec,
  type FsckPolicy,
} from '../lib/agent-runtime/filesystem/device.js';
import {
  bindMountIdentity,
  hasSubvolumeOption,
  isMountOfDevice,
  isMountOfNetworkSource,
  isReadOnly,
  mountAt,
  mountsToRelease,
  showsSubvolumeOf,
  type MountEntry,
  type MountTable,
} from '../lib/agent-runtime/filesystem/mountinfo.js';
import { parseSignalList, stopSignalFor } from '../lib/agent-runtime/filesystem/signals.js';
import { fstabMountPoints, systemDirectoryReason } from '../lib/agent-runtime/filesystem/system-dirs.js';
import {
  blockDeviceNumber,
  canonicalDirectory,
  realPath,
  deviceFromBlkid,
  deviceFromUdevLink,
  isDirectory,
  kernelSupportsFstype,
  mount,
  pathExists,
  readFstab,
  readMounts,
  readMountTable,
  umount,
  withMountPointLock,
} from '../lib/agent-runtime/sys/mounts.js';
import { processesUsingMounts, signalProcess } from '../lib/agent-runtime/sys/processes.js';
import { failureText, oneLine, run } from '../lib/agent-runtime/sys/run.js';
import { which } from '../lib/agent-runtime/sys/which.js';
import { setTimeout as sleep } from 'node:timers/promises';

const absolutePath = (v: string) => (v.startsWith('/') ? undefined : 'must be an absolute path');

const parameters = [
  {
    name: 'device',
    type: 'string',
    required: true,
    shortdesc: 'block device',
    longdesc:
      'The block device to mount (e.g. /dev/drbd1), or "-U uuid" / "-L label" (also UUID=... / LABEL=...), ' +
      'a network source such as host:/export or //server/share, or the source directory of a bind mount.',
  },
  {
    // `/` and the node's own directories are refused once the path is canonical (settingsOf).
    name: 'directory',
    type: 'string',
    required: true,
    check: absolutePath,
    shortdesc: 'mount point',
    longdesc: 'The absolute path the file system is mounted on. It is created on start when missing.',
  },
  {
    name: 'fstype',
    type: 'string',
    required: true,
    check: (v) => (/^[a-z0-9][a-z0-9._+-]*$/i.test(v) ? undefined : 'is not a file system type name'),
    shortdesc: 'file system type',
    longdesc: 'The file system type as mount -t takes it (ext4, xfs, btrfs, nfs, ...). Use "none" with options "bind" for a bind mount.',
  },
  {
    name: 'options',
    type: 'string',
    default: '',
    shortdesc: 'mount options',
    longdesc: 'Options passed to mount with -o, comma separated (e.g. "noatime,errors=remount-ro").',
  },
  {
    name: 'statusfile_prefix',
    type: 'string',
    default: '.Filesystem_status/',
    check: (v) => (v.startsWith('/') || v.split('/').includes('..') ? 'must be relative to the mount point' : undefined),
    shortdesc: 'status file prefix',
    longdesc:
      'Where the OCF_CHECK_LEVEL=20 monitor writes and reads its status file, relative to the mount point; ' +
      'the node name and a random suffix are appended (a name nobody can plant a symlink at), and the file is removed ' +
      'after the check. The directories of the prefix must be writable by root only, or the check fails.',
  },
  {
    name: 'run_fsck',
    type: 'string',
    default: 'auto',
    choices: ['auto', 'force', 'no'],
    shortdesc: 'run fsck before mounting',
    longdesc:
      'auto: check file systems that have no journal (ext2, unknown types) before mounting; ' +
      'force: always check block devices; no: never check.',
  },
  {
    name: 'fast_stop',
    type: 'boolean',
    default: false,
    shortdesc: 'give up stopping quickly',
    longdesc:
      'When true, stop tries to unmount (signalling the users of the file system) for at most 6 seconds; ' +
      'when false it uses the whole stop timeout before it reports failure.',
  },
  {
    name: 'force_clones',
    type: 'boolean',
    default: false,
    shortdesc: 'allow a clone of a local file system',
    longdesc:
      'A clone normally makes sense only for cluster and network file systems (gfs2, ocfs2, nfs, ...), ' +
      'and a cloned local file system would be corrupted by concurrent mounts. Set this to true if each node ' +
      'really mounts its own device (e.g. a local brick per node).',
  },
  {
    name: 'force_unmount',
    type: 'string',
    default: 'true',
    choices: ['true', 'safe', 'false'],
    shortdesc: 'signal the users of the file system before unmounting',
    longdesc:
      'true or safe: when the file system is busy, signal the processes that use it (found from /proc: ' +
      'open files, working directory, root, executable and mapped files on this very mount; never processes that ' +
      'merely sit in a parent directory). ocfkit never calls fuser, so true is as safe as upstream\'s "safe" ' +
      '(no hang on a dead NFS server). false: never signal anything; a busy file system then fails the stop.',
  },
  {
    name: 'term_signals',
    type: 'string',
    default: 'TERM',
    check: (v) => parseSignalList(v).error,
    shortdesc: 'signals for processes that keep the file system busy',
    longdesc:
      'Space-separated signals sent, one per attempt, to the processes that keep the file system busy ' +
      'during the first half of the stop budget (the last one is repeated). In the second half they get KILL.',
  },
  {
    name: 'signal_delay',
    type: 'integer',
    default: 1,
    check: (v) => (Number(v) >= 0 && Number(v) <= 60 ? undefined : 'must be between 0 and 60 seconds'),
    shortdesc: 'seconds between unmount attempts',
    longdesc: 'How long to wait after signalling the users of a busy file system before the next unmount attempt.',
  },
] as const satisfies readonly ParamSpec[];

type Ctx = ActionContext<typeof parameters>;

/**
 * The parameters in the form the actions use them, the directory canonical (as the kernel lists
 * it). Every action starts here, so none of them can act on the node's own directories: stop on
 * `/` would unmount everything and signal every process. For stop, the configuration error ends
 * it with 0 and nothing touched (see dispatch).
 */
function settingsOf(ctx: Ctx, mounts: MountTable) {
  const p = ctx.params;
  const directory = canonicalDirectory(p.directory, mounts);
  const systemReason = systemDirectoryReason(directory, fstabMountPoints(readFstab()));
  if (systemReason) {
    const named = directory === p.directory ? directory : `${p.directory} (that is ${directory})`;
    throw configError(`directory ${named} belongs to the node itself, a resource must not mount or unmount it: ${systemReason}`);
  }
  return { ...p, directory, device: classifyDevice(p.device.trim(), p.fstype, p.options) };
}

type Settings = ReturnType<typeof settingsOf>;

// ---------------------------------------------------------------- validate

async function validate(ctx: Ctx): Promise<void> {
  const s = settingsOf(ctx, readMountTable());
  if (ctx.meta.isClone && !s.force_clones && !CLUSTER_FSTYPES.has(s.fstype)) {
    throw configError(
      `a clone of ${s.fstype} would mount one local file system on several nodes; use a cluster file system or set force_clones=true`,
    );
  }
  if (s.device.kind === 'bind' && !s.device.path.startsWith('/'))
    throw configError(`bind mount source '${s.device.path}' must be an absolute path`);
  if (!which('mount') || !which('umount')) throw installError('mount/umount not found (util-linux)');
  if (s.device.kind !== 'bind' && !(await fstypeAvailable(s.fstype))) {
    throw installError(
      `file system type ${s.fstype} is not supported by this node's kernel (not in /proc/filesystems and no module loads)`,
    );
  }
  if (s.device.kind === 'block' && !pathExists(s.device.path)) {
    // Not fatal here: the device may appear later (a DRBD device exists only once the resource is up).
    ctx.log.warn(`device ${s.device.path} does not exist on this node (yet)`);
  }
  // stat on a mount point hangs on a dead NFS server; a mount point is a directory anyway.
  if (!mountAt(readMounts(), s.directory) && pathExists(s.directory) && !isDirectory(s.directory))
    throw configError(`${s.directory} exists and is not a directory`);
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
  const s = settingsOf(ctx, readMountTable());
  const devicePath = await resolveDevice(s.device);
  const isOurs = ourMountTest(s, devicePath);
  // Two starts at once (Pacemaker's retry after a timeout, an admin's --force-start) take turns,
  // so that the second finds the first one's mount instead of failing or stacking a second one.
  return withMountPointLock(s.directory, ctx.remainingMs() / 2, async () => {
    try {
      return await mountOurs(ctx, s, devicePath, isOurs);
    } catch (error) {
      const now = mountAt(readMounts(), s.directory);
      if (!now || !isOurs(now)) throw error;
      ctx.log.info(`${s.directory} is mounted (by a start that ran alongside this one)`);
      return OCF.SUCCESS;
    }
  });
}

async function mountOurs(ctx: Ctx, s: Settings, devicePath: string | undefined, isOurs: (m: MountEntry) => boolean): Promise<OcfCode> {
  const mounts = readMounts();
  const current = mountAt(mounts, s.directory);
  if (current) {
    if (isOurs(current)) {
      ctx.log.info(`${s.directory} is already mounted`);
      return OCF.SUCCESS;
    }
    throw genericError(`${s.directory} already has ${current.source} (${current.fstype}) mounted on it`);
  }
  if (s.device.kind === 'block' || s.device.kind === 'uuid' || s.device.kind === 'label') {
    if (!devicePath) throw installError(`device ${ctx.params.device} not found on this node`);
    const majorMinor = blockDeviceNumber(devicePath);
    if (!majorMinor) throw installError(`${devicePath} is not a block device`);
    // Mounting a local file system twice corrupts nothing (the kernel shares it), but it means
    // someone else uses it. Several btrfs subvolumes of one device are the exception, as upstream.
    const elsewhere =
      hasSubvolumeOption(s.options) && s.fstype === 'btrfs'
        ? undefined
        : mounts.find((m) => isMountOfDevice(m, { path: realPath(devicePath), majorMinor }));
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
  const timeoutMs = ctx.remainingMs();
  const result = await mount(args, timeoutMs);
  if (result.failure === 'timeout')
    throw genericError(`mount did not finish within ${seconds(timeoutMs)} s (mounting ${ctx.params.device} on ${s.directory})`);
  if (result.exitCode !== 0)
    throw genericError(
      `could not mount ${ctx.params.device} on ${s.directory}: ${oneLine(result.stderr) || `mount exit ${result.exitCode}`}`,
    );
  // Believe the kernel, not mount's exit code.
  const mounted = mountAt(readMounts(), s.directory);
  if (!mounted || !isOurs(mounted)) throw genericError(`mount reported success but ${s.directory} is not mounted`);
  ctx.log.info(`mounted ${ctx.params.device} on ${s.directory}`);
  return OCF.SUCCESS;
}

async function resolveDevice(device: DeviceSpec): Promise<string | undefined> {
  switch (device.kind) {
    case 'block':
      return pathExists(device.path) ? device.path : undefined;
    case 'uuid':
      return deviceFromUdevLink('uuid', device.uuid) ?? (await deviceFromBlkid('uuid', device.uuid));
    case 'label':
      return deviceFromUdevLink('label', device.label) ?? (await deviceFromBlkid('label', device.label));
    default:
      return undefined;
  }
}

/**
 * Tells this resource's mounts from anything else: the device (any name of it), the btrfs
 * subvolume the options ask for, the network export, the bind source, the tmpfs name. Start,
 * monitor and stop all decide with it, and stop releases nothing it rejects.
 */
function ourMountTest(s: Settings, devicePath: string | undefined): (m: MountEntry) => boolean {
  const device = s.device;
  switch (device.kind) {
    case 'block':
    case 'uuid':
    case 'label': {
      const path = devicePath ?? (device.kind === 'block' ? device.path : undefined);
      if (!path) return () => false; // no such UUID/label on this node: nothing mounted can be it
      const id = { path: realPath(path), majorMinor: blockDeviceNumber(path) };
      return (m) => (isMountOfDevice(m, id) || m.source === path) && showsSubvolumeOf(m, s.options);
    }
    case 'network':
      return (m) => isMountOfNetworkSource(m, device.spec, s.fstype);
    case 'bind': {
      const bind = bindMountIdentity(readMounts(), realPath(device.path));
      return (m) => bind !== undefined && m.majorMinor === bind.majorMinor && m.root === bind.root;
    }
    case 'pseudo':
      return (m) => m.fstype === s.fstype && m.source === device.name;
  }
}

async function checkFilesystem(ctx: Ctx, devicePath: string, fstype: string): Promise<void> {
  if (!which('fsck')) throw installError('fsck not found (util-linux)');
  ctx.log.info(`checking ${devicePath} (fsck -p)`);
  const timeoutMs = ctx.remainingMs();
  const r = await run('fsck', ['-t', fstype, '-p', devicePath], { timeoutMs });
  if (r.failure === 'timeout') throw genericError(`fsck of ${devicePath} did not finish within ${seconds(timeoutMs)} s`);
  // fsck: 0 clean, 1 errors corrected, 2 reboot advised, 4 and up uncorrected errors or failure.
  if (r.exitCode >= 4 || r.failure)
    throw genericError(`fsck of ${devicePath} failed (exit ${r.exitCode}): ${oneLine(r.stderr || r.stdout)}`);
}

// ---------------------------------------------------------------- monitor

async function monitor(ctx: Ctx): Promise<OcfCode> {
  const mounts = readMountTable();
  const s = settingsOf(ctx, mounts);
  const m = mounts.at(s.directory);
  if (!m) return OCF.NOT_RUNNING;
  if (!ourMountTest(s, await resolveDevice(s.device))(m)) {
    return broken(ctx, `${s.directory} is mounted from ${m.source} (${m.fstype}), not from ${ctx.params.device}`);
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

/**
 * Depth 20: write a fresh status file on the mount and read it back, bypassing the page cache.
 * Every step that touches the mount runs in a child the agent abandons at its deadline: on a
 * frozen (fsfreeze, as snapshot backups do) or hung file system the I/O sleeps uninterruptibly,
 * and the agent itself must not. Anyone who can write to the file system could plant a symlink
 * for root to write through, so the status directory must be root's own, the file gets a name
 * nobody can predict, is created with O_EXCL and is never opened through a symlink.
 * The steps run in one shell (STATUS_FILE_SCRIPT): each child spawned from Node costs ~5 ms of CPU.
 */
async function statusFileTest(ctx: Ctx, directory: string, prefix: string): Promise<void> {
  const host = hostname();
  const file = `${directory}/${prefix}${host}.${STATUS_FILE_MARK}${unpredictableHex(8)}`;
  const statusDir = posix.dirname(file);
  // Each directory between the mount point and the file, top down.
  const chain = posix
    .relative(directory, statusDir)
    .split('/')
    .filter(Boolean)
    .map((_, i, parts) => posix.join(directory, ...parts.slice(0, i + 1)));
  // Files of checks abandoned on a frozen file system appear once it thaws: the clean-up removes
  // this node's old ones, by this exact pattern.
  const oldFiles = `${host.replace(/[*?[\]\\]/g, '\\$&')}.${STATUS_FILE_MARK}${'?'.repeat(16)}`;
  const content = `${new Date().toISOString()} ${ctx.instance}\n`.padEnd(4096, ' ');

  const r = await run('sh', ['-c', STATUS_FILE_SCRIPT, 'sh', file, statusDir, oldFiles, ...chain], {
    input: content,
    timeoutMs: Math.max(1, ctx.remainingMs()),
  });
  const started = [...r.stdout.matchAll(/^step (\w+)$/gm)].map((m) => m[1]!);
  const status = new Map([...r.stdout.matchAll(/^done (\w+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  const failed = (step: string) => status.has(step) && status.get(step) !== 0;
  if (r.failure === 'timeout') {
    const steps: Record<string, string> = {
      check: `stat ${statusDir}`,
      mkdir: `mkdir ${statusDir}`,
      recheck: `stat ${statusDir}`,
      write: `write ${file}`,
      read: `read ${file}`,
      remove: `remove ${file}`,
      cleanup: `clean up ${statusDir}`,
    };
    const step = steps[started.at(-1) ?? ''] ?? 'status file I/O';
    throw genericError(`status file check on ${directory} timed out (${step}): the file system is frozen or hung`);
  }
  const unsafe = /^unsafe (.*)$/m.exec(r.stdout);
  if (unsafe) {
    const [type, uid, mode, ...name] = unsafe[1]!.split('|');
    throw genericError(
      `status directory ${name.join('|')} is not a directory that only root can write (${type}, uid ${uid}, mode ${mode}): not writing there`,
    );
  }
  if (failed('mkdir')) throw genericError(`cannot create ${statusDir}: ${oneLine(r.stderr)}`);
  if (failed('write')) throw genericError(`cannot write status file ${file}: ${oneLine(r.stderr)}`);
  if (!status.has('read')) throw genericError(`status file check on ${directory} failed: ${failureText(r)}`);
  if (!r.stdout.includes(`step read\n${content}\ndone read 0\n`))
    throw genericError(`status file ${file} did not read back what was written`);
}

/**
 * `bytes` random bytes as hex, from the kernel's CSPRNG, the source node:crypto uses too; read from
 * /dev/urandom because loading node:crypto costs ~4 ms of CPU, measured, a tenth of a monitor.
 */
function unpredictableHex(bytes: number): string {
  const buffer = Buffer.alloc(bytes);
  const fd = openSync('/dev/urandom', 'r');
  try {
    if (readSync(fd, buffer) !== bytes) throw genericError('short read from /dev/urandom');
  } finally {
    closeSync(fd);
  }
  return buffer.toString('hex');
}

/** Marks our status files, so that clean-up never takes a file of someone else's. */
const STATUS_FILE_MARK = 'ocfkit-status-';

/**
 * The steps of the depth-20 check, for `sh -c`. A constant: what varies comes as arguments only.
 * $1 the status file, $2 its directory, $3 the name pattern of this node's old status files, then
 * the directories from the mount point down to $2 (none when the file is on the mount point
 * itself); the content to write comes on stdin. It prints "step NAME" before each step and
 * "done NAME STATUS" after it, what the read step read on lines of its own between the two, and
 * "unsafe TYPE|UID|MODE|PATH" for a status directory that is not root's own, where it stops. It
 * also stops after a failed mkdir, write or read. Only mkdir and the write reach stderr.
 */
const STATUS_FILE_SCRIPT = `
begin() { printf 'step %s\\n' "$1"; }
end() { printf 'done %s %s\\n' "$1" "$2"; }
# Each of the directories given that exists must be a directory (not a symlink) that root owns
# and group and others cannot write.
check_chain() {
  [ $# -gt 0 ] || return 0
  stat -c '%F|%u|%a|%n' -- "$@" 2>/dev/null | while IFS='|' read -r type uid mode path; do
    case $type/$uid/$mode in
    directory/0/*[!0-7]*) ;;
    directory/0/?*) [ $((0$mode & 022)) -eq 0 ] && continue ;;
    esac
    printf 'unsafe %s|%s|%s|%s\\n' "$type" "$uid" "$mode" "$path"
    exit 1
  done
}
file=$1 statusdir=$2 oldfiles=$3
shift 3
begin check; check_chain "$@" || exit 1; end check 0
begin mkdir; mkdir -p -- "$statusdir"; s=$?; end mkdir $s; [ $s -eq 0 ] || exit 1
begin recheck; check_chain "$@" || exit 1; end recheck 0
begin write
dd of="$file" bs=4096 count=1 iflag=fullblock oflag=direct,sync,nofollow conv=excl
s=$?; end write $s; [ $s -eq 0 ] || exit 1
begin read; dd if="$file" bs=4096 count=1 iflag=direct,nofollow 2>/dev/null; s=$?; printf '\\n'; end read $s
begin remove; rm -f -- "$file" 2>/dev/null; end remove $?
[ $s -eq 0 ] && [ $# -gt 0 ] || exit 0
begin cleanup
find -P "$statusdir" -maxdepth 1 -type f -name "$oldfiles" -mmin +1 -delete 2>/dev/null
end cleanup $?
`;

// ---------------------------------------------------------------- stop

async function stop(ctx: Ctx): Promise<OcfCode> {
  const mounts = readMountTable();
  const s = settingsOf(ctx, mounts);
  const top = mounts.at(s.directory);
  if (!top) return OCF.SUCCESS;
  const isOurs = ourMountTest(s, await resolveDevice(s.device));
  if (!isOurs(top)) {
    // Not our file system: another resource's, the admin's. Our resource is not running here.
    if (mounts.entries.some((m) => m.mountPoint === s.directory && isOurs(m))) {
      throw genericError(
        `our file system on ${s.directory} is hidden under ${top.source} (${top.fstype}), which is not ours and is left alone`,
      );
    }
    ctx.log.warn(
      `${s.directory} has ${top.source} (${top.fstype}) mounted on it, which is not ${ctx.params.device}: leaving it alone, nothing of ours to stop`,
    );
    return OCF.SUCCESS;
  }

  const budgetMs = s.fast_stop ? Math.min(6000, ctx.remainingMs()) : ctx.remainingMs();
  const deadline = Date.now() + budgetMs;
  const signals = parseSignalList(s.term_signals).signals;
  const forceUmount = NETWORK_FSTYPES.has(s.fstype);
  const wholeDevice = s.device.kind === 'block' || s.device.kind === 'uuid' || s.device.kind === 'label';
  for (let attempt = 0; ; attempt++) {
    const remaining = mountsToRelease(readMounts(), s.directory, isOurs, wholeDevice);
    if (remaining.length === 0) break;
    for (const m of remaining) await umount(m.mountPoint, forceUmount, Math.max(1000, deadline - Date.now()));
    const still = mountsToRelease(readMounts(), s.directory, isOurs, wholeDevice);
    if (still.length === 0) break;
    if (Date.now() >= deadline) {
      throw genericError(
        `could not unmount ${still.map((m) => m.mountPoint).join(', ')}: still busy after ${Math.round(budgetMs / 1000)} s`,
      );
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
  if (users.length === 0)
    ctx.log.info(`${mounts[0]?.mountPoint} is busy but no process uses it (kernel users such as an NFS export or a loop device?)`);
  for (const u of users) {
    ctx.log.info(`sending ${signal} to ${u.pid} (${u.command}): ${u.how}`);
    signalProcess(u.pid, signal);
  }
}

const seconds = (ms: number) => Math.round(ms / 1000);

export default defineAgent({
  name: 'Filesystem',
  version: '1.0',
  shortdesc: 'Manages a mounted file system (drop-in for ocf:heartbeat:Filesystem)',
  longdesc: `Mounts a file system on start, unmounts it on stop, and tells whether it is mounted.

It takes the parameters of ocf:heartbeat:Filesystem with the same defaults and meaning, so a
configuration moves over by changing only the provider. Differences on purpose: whether the file
system is mounted is read from /proc/self/mountinfo (the monitor of a device path runs no program
at all); the monitor fails when the file system is mounted from another device or was remounted
read-only after I/O errors; stop releases only this resource's file system (its device, btrfs
subvolume, export or bind source, the mounts nested in it and its bind mounts elsewhere):
another file system on the directory is left alone and stop returns 0; the processes signalled on
a busy stop are only those that use these very mounts (never a parent directory), found without
fuser; a directory that resolves to / or to one of the node's own (/proc, /sys, /dev and below,
/run, /boot, /usr, /var, /var/lib, /etc, /tmp, ..., a mount point of /etc/fstab or a parent of
one) is refused with 6 by every action, and stop then returns 0 without touching anything; start
refuses a device that is mounted elsewhere, except further btrfs subvolumes (subvol=).

OCF_CHECK_LEVEL 10 reads the first 16 blocks of the device with direct I/O; 20 writes and reads
back a fresh status file on the file system (see statusfile_prefix) in child processes that are
abandoned at the operation's deadline, so a frozen or hung file system fails the monitor (1)
instead of hanging it.`,
  parameters,
  actions: [
    { name: 'start', timeout: 60 },
    { name: 'stop', timeout: 60 },
    { name: 'monitor', timeout: 40, interval: 20, depth: 0 },
    { name: 'meta-data', timeout: 5 },
    { name: 'validate-all', timeout: 5 },
  ],
  // No reload, as upstream: Pacemaker 2.1's legacy reload would need device, directory, fstype
  // and options marked unique, and pcs then refuses two file systems of one type. Every
  // parameter change restarts the resource.
  handlers: { start, stop, monitor, status: monitor },
  validate,
});
