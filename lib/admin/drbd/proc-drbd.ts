// /proc/drbd. DRBD 8.4 prints one block per minor:
//
//   version: 8.4.11 (api:1/proto:86-101)
//    0: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----
//       ns:14420 nr:0 dw:0 dr:14420 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:51076
//   	[====>...............] sync'ed: 25.0% (51076/65496)K
//   	finish: 0:00:13 speed: 3,604 (3,604) K/sec
//
// (for a big device the sizes are in M, and the finish line is glued to it: see PROGRESS_LINE).
// DRBD 9 prints only its version there (status moved to `drbdsetup status`), so a DRBD 9
// /proc/drbd is refused rather than read as "nothing configured".
// /proc/drbd names minors, not resources; the caller may say which resource and volume a minor
// belongs to (from `drbdadm sh-minor` or the configuration), otherwise minor N becomes its own
// resource "minor-N" with volume 0.

import { fail, guarded, integerOf, parsedResources, words } from '../../agent-runtime/drbd/fields.js';
import { parseProcDrbdVersion } from '../../agent-runtime/drbd/proc-drbd-version.js';
import {
  type Connection,
  type DrbdParseResult,
  type DrbdState,
  type PeerVolume,
  type ResyncSuspendReason,
  type Role,
  type Volume,
  connectionStateOf84,
  isDiskState,
  isRole,
  peerNameOf,
} from '../../agent-runtime/drbd/model.js';

export interface MinorOwner {
  resource: string;
  volume: number;
}

/** One minor's block, before minors are grouped into resources. */
interface MinorStatus {
  minor: number;
  role: Role;
  peerRole: Role;
  ioSuspended: boolean;
  volume: Omit<Volume, 'volume'>;
  peerVolume: Omit<PeerVolume, 'volume'>;
  connection: Connection['state'];
}

// ` 0: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----`; the protocol letter is
// missing while StandAlone. Flags: s(uspended I/O) or r(unning), then the three resync-pause
// reasons a(fter dependency), p(eer), u(ser); the rest are not about state.
const MINOR_LINE =
  /^\s*(\d+): cs:(\S+)(?: ro:([^\s/]+)\/([^\s/]+) ds:([^\s/]+)\/([^\s/]+)\s+(?:[ABC]\s+)?([rs])([a-])([p-])([u-])\S*)?\s*$/;
// The resync progress (drbd_proc.c, drbd_syncer_progress). The sizes left/total are in K, or in M
// (shifted down by 10 bits) for resyncs of more than 4 GiB (1 GiB in older 8.x); G and T are
// accepted too, in case a version goes further. After the M form the kernel's own DRBD 8.4 (the
// one in mainline Linux, e.g. Debian's) prints no line break, so the finish line follows on the
// same line: `[>....] sync'ed:  0.2% (8180/8192)Mfinish: 1:05:12 speed: 2,120 (2,050) K/sec`.
// The finish line has a third speed with proc_details ("(3s -- average)"), `want:` on a
// SyncTarget, and " (stalled)" when nothing moved for a while (older 8.4: a line `stalled` instead).
const PROGRESS_LINE = /^\s*\[[=>.]*\] (?:sync'ed|verified): *(\d+(?:\.\d+)?)% \((\d+)\/(\d+)\)[KMGT]\s*(finish: .*)?$/;
const FINISH_LINE =
  /^\s*finish: (\d+):(\d\d):(\d\d) speed: ([\d,]+) \(([\d,]+)(?: -- [\d,]+)?\)(?: want: [\d,]+)? K\/sec(?: \(stalled\))?\s*$/;
const STALLED_LINE = /^\s*stalled\s*$/;
// Lines only printed with /proc/drbd details switched on; they say nothing about state.
const DETAIL_LINE = /^\s+(resync:|act_log:|blocked on activity log:)/;

export function parseProcDrbd(text: string, minorOwners: ReadonlyMap<number, MinorOwner> = new Map()): DrbdParseResult {
  return guarded(() => {
    const version = parseProcDrbdVersion(text);
    if (!version.ok) return fail(version.reason);
    if (version.version.major !== 8) {
      return fail(`DRBD ${version.version.major} /proc/drbd has no per-resource status; use drbdsetup status --json or events2`);
    }
    const minors = readMinors(text.split('\n').slice(1));
    return parsedResources(groupIntoResources(minors, minorOwners));
  });
}

function readMinors(lines: string[]): MinorStatus[] {
  const minors: MinorStatus[] = [];
  for (const line of lines) {
    if (line.trim() === '' || /^(srcversion|GIT-hash):/.test(line) || DETAIL_LINE.test(line)) continue;
    const minorLine = MINOR_LINE.exec(line);
    if (minorLine) {
      const status = readMinorLine(minorLine);
      if (status) minors.push(status);
      continue;
    }
    const current = minors.at(-1);
    if (!current) fail(`unexpected line before the first minor: '${line.trim()}'`);
    readDetailLine(line, current);
  }
  return minors;
}

/** `undefined` for an allocated but unconfigured minor (`cs:Unconfigured`). */
function readMinorLine(match: RegExpExecArray): MinorStatus | undefined {
  const [, minor, cstate, role, peerRole, disk, peerDisk, ioFlag, afterFlag, peerFlag, userFlag] = match;
  if (cstate === 'Unconfigured' && role === undefined) return undefined;
  const where = `minor ${minor}`;
  const states = connectionStateOf84(cstate!);
  if (!states) fail(`${where}: unknown connection state '${cstate}'`);
  if (role === undefined) fail(`${where}: no ro:/ds: fields`);
  for (const [value, what] of [
    [role, 'role'],
    [peerRole, 'peer role'],
  ] as const) {
    if (!isRole(value!)) fail(`${where}: unknown ${what} '${value}'`);
  }
  for (const [value, what] of [
    [disk, 'disk state'],
    [peerDisk, 'peer disk state'],
  ] as const) {
    if (!isDiskState(value!)) fail(`${where}: unknown ${what} '${value}'`);
  }
  const resyncSuspended: ResyncSuspendReason[] = [];
  if (userFlag === 'u') resyncSuspended.push('user');
  if (peerFlag === 'p') resyncSuspended.push('peer');
  if (afterFlag === 'a') resyncSuspended.push('dependency');
  return {
    minor: Number(minor),
    role: role as Role,
    peerRole: peerRole as Role,
    ioSuspended: ioFlag === 's',
    volume: { minor: Number(minor), disk: disk as Volume['disk'] },
    peerVolume: { replication: states.replication, peerDisk: peerDisk as Volume['disk'], resyncSuspended },
    connection: states.connection,
  };
}

function readDetailLine(line: string, status: MinorStatus): void {
  const where = `minor ${status.minor}`;
  if (/^\s+ns:/.test(line)) {
    const oos = words(line).find((word) => word.startsWith('oos:'));
    if (oos === undefined) fail(`${where}: counter line without oos:`);
    status.volume.outOfSyncKiB = integerOf(oos.slice('oos:'.length), where);
    status.peerVolume.outOfSyncKiB = status.volume.outOfSyncKiB;
    return;
  }
  const progress = PROGRESS_LINE.exec(line);
  if (progress) {
    status.peerVolume.resyncDonePercent = Number(progress[1]);
    const finishOnSameLine = progress[4];
    if (finishOnSameLine !== undefined && !readFinish(finishOnSameLine, status)) fail(`${where}: unexpected resync line '${line.trim()}'`);
    return;
  }
  if (readFinish(line, status) || STALLED_LINE.test(line)) return;
  fail(`${where}: unexpected line '${line.trim()}'`);
}

/** The ETA and current speed of a `finish:` line; false when `text` is none. */
function readFinish(text: string, status: MinorStatus): boolean {
  const finish = FINISH_LINE.exec(text);
  if (!finish) return false;
  const [, hours, minutes, seconds, currentSpeed] = finish;
  status.peerVolume.resyncEtaSeconds = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  status.peerVolume.resyncKiBPerSecond = Number(currentSpeed!.replaceAll(',', ''));
  return true;
}

function groupIntoResources(minors: MinorStatus[], minorOwners: ReadonlyMap<number, MinorOwner>): DrbdState[] {
  const resources = new Map<string, DrbdState>();
  for (const status of minors) {
    const owner = minorOwners.get(status.minor) ?? { resource: `minor-${status.minor}`, volume: 0 };
    let resource = resources.get(owner.resource);
    if (!resource) {
      resource = { name: owner.resource, role: status.role, suspended: [], volumes: [], connections: [] };
      resources.set(owner.resource, resource);
    }
    if (resource.volumes.some((volume) => volume.volume === owner.volume)) {
      fail(`minors of resource ${owner.resource} claim the same volume ${owner.volume}`);
    }
    // 8.4 keeps role and connection per minor, but changes them for the whole resource at once.
    if (status.role === 'Primary') resource.role = 'Primary';
    if (status.ioSuspended && resource.suspended.length === 0) resource.suspended.push('unspecified');
    resource.volumes.push({ volume: owner.volume, ...status.volume });
    let peer = resource.connections[0];
    if (!peer) {
      peer = { ...peerNameOf(undefined), state: status.connection, peerRole: status.peerRole, peerVolumes: [] };
      resource.connections.push(peer);
    }
    peer.peerVolumes.push({ volume: owner.volume, ...status.peerVolume });
  }
  return [...resources.values()];
}
