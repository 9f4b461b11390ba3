// /proc/<pid>/mountinfo, parsed. The kernel's own table: unlike `mount` output it names every
// mount with its id, parent, device number and the mount's own root, which is what tells bind
// mounts, nested mounts and stacked mounts apart.

export interface MountEntry {
  readonly id: number;
  readonly parentId: number;
  /** "major:minor" of the file system's device (st_dev of every file on it). */
  readonly majorMinor: string;
  /** The directory of the file system that is mounted here ("/" unless it is a bind mount of a subtree). */
  readonly root: string;
  readonly mountPoint: string;
  readonly mountOptions: readonly string[];
  readonly fstype: string;
  readonly source: string;
  readonly superOptions: readonly string[];
}

/** The kernel escapes space, tab, newline and backslash in paths as \ooo. */
export function unescapeMountPath(path: string): string {
  // Almost no path has an escape: skip the regex for those (a node may list thousands of mounts).
  return path.includes('\\') ? path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))) : path;
}

/**
 * One line of mountinfo. A monitor reads the whole table but looks at one or two entries; with
 * thousands of mounts (container hosts) splitting every option list cost more than the rest of
 * the parse, so the option lists are split when first asked for.
 */
class MountLine implements MountEntry {
  #mountOptions: readonly string[] | undefined;
  #superOptions: readonly string[] | undefined;
  constructor(
    readonly id: number,
    readonly parentId: number,
    readonly majorMinor: string,
    readonly root: string,
    readonly mountPoint: string,
    private readonly rawMountOptions: string,
    readonly fstype: string,
    readonly source: string,
    private readonly rawSuperOptions: string,
  ) {}
  get mountOptions(): readonly string[] {
    return (this.#mountOptions ??= this.rawMountOptions.split(','));
  }
  get superOptions(): readonly string[] {
    return (this.#superOptions ??= this.rawSuperOptions.split(','));
  }
}

export function parseMountinfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const entry = parseMountLine(text.slice(start, end));
    if (entry) mounts.push(entry);
    start = end + 1;
  }
  return mounts;
}

function parseMountLine(line: string): MountEntry | undefined {
  // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
  const separator = line.indexOf(' - ');
  if (separator < 0) return undefined;
  const left = line.slice(0, separator).split(' ', 6);
  const right = line.slice(separator + 3).split(' ', 3);
  if (left.length < 6 || right.length < 3) return undefined;
  return new MountLine(
    Number(left[0]),
    Number(left[1]),
    left[2]!,
    unescapeMountPath(left[3]!),
    unescapeMountPath(left[4]!),
    left[5]!,
    right[0]!,
    unescapeMountPath(right[1]!),
    right[2]!,
  );
}

/** How the kernel writes a path in mountinfo: space, tab, newline and backslash as \ooo. */
export function escapeMountPath(path: string): string {
  return path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/**
 * mountinfo as read, parsed only as far as asked. A monitor needs the mounts at its directory and
 * the directories above it; a container host lists thousands of mounts, and parsing every line of
 * them cost a monitor more CPU than everything else it does. So `at` finds a directory's lines
 * by searching the text for the path as the kernel writes it (a native string search), and parses
 * only those; `entries` parses the whole table, once, for what needs all of it (stop).
 */
export class MountTable {
  #entries: MountEntry[] | undefined;
  constructor(private readonly text: string) {}

  get entries(): readonly MountEntry[] {
    return (this.#entries ??= parseMountinfo(this.text));
  }

  /** The same answer as mountAt(this.entries, dir): the mount visible at `dir`, the last one of a stack. */
  at(dir: string): MountEntry | undefined {
    if (this.#entries) return mountAt(this.#entries, dir);
    // The path can also be a line's root or source: each line that has it somewhere is parsed and checked.
    const needle = ` ${escapeMountPath(dir)} `;
    let found: MountEntry | undefined;
    for (let hit = this.text.indexOf(needle); hit >= 0;) {
      const start = this.text.lastIndexOf('\n', hit) + 1;
      let end = this.text.indexOf('\n', hit);
      if (end < 0) end = this.text.length;
      const entry = parseMountLine(this.text.slice(start, end));
      if (entry?.mountPoint === dir) found = entry;
      hit = this.text.indexOf(needle, end);
    }
    return found;
  }
}

/** The mount visible at `dir`: with stacked mounts on one directory, the last one wins. */
export function mountAt(mounts: readonly MountEntry[], dir: string): MountEntry | undefined {
  for (let i = mounts.length - 1; i >= 0; i--) if (mounts[i]!.mountPoint === dir) return mounts[i];
  return undefined;
}

export function isUnder(path: string, dir: string): boolean {
  return dir === '/' ? path.startsWith('/') : path === dir || path.startsWith(`${dir}/`);
}

/**
 * The mount a path lives on: the one with the longest mount point that contains it (the last
 * one listed, among stacked mounts). This is what decides which mount a process really uses,
 * never its parent's.
 */
export function mountContaining(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    if (isUnder(path, m.mountPoint) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/**
 * Everything that must go for our file system at `dir` to be released, in unmount order (children
 * before their parents, the top of a stack first). Ours are the mounts at `dir` that `isOurs`
 * accepts; with them go the mounts nested below them (by the kernel's parent ids, so a mount that
 * an earlier mount of ours merely hides is not one) and — when `otherMountsOfDevice` (we mounted a
 * whole device) — the bind mounts of our tree elsewhere, which keep the device open (DRBD could
 * not demote). Never a mount that contains `dir` (its parent, `/`), another subvolume of the same
 * btrfs, or anything at `dir` that is not ours.
 */
export function mountsToRelease(
  mounts: readonly MountEntry[],
  dir: string,
  isOurs: (m: MountEntry) => boolean,
  otherMountsOfDevice: boolean,
): MountEntry[] {
  const atDir = mounts.filter((m) => m.mountPoint === dir && isOurs(m));
  if (atDir.length === 0) return [];
  const elsewhere = otherMountsOfDevice
    ? mounts.filter((m) => m.mountPoint !== dir && !isUnder(dir, m.mountPoint) && atDir.some((ours) => showsPartOf(m, ours)))
    : [];
  const roots = new Set([...atDir, ...elsewhere].map((m) => m.id));
  const nested = mounts.filter((m) => !roots.has(m.id) && m.mountPoint !== dir && descendsFrom(mounts, m, roots));
  const depth = (m: MountEntry) => ancestorsOf(mounts, m).length;
  return [...atDir, ...elsewhere, ...nested].sort((a, b) => depth(b) - depth(a) || b.id - a.id);
}

/** Whether mount `m` shows (part of) the tree that `ours` shows: the same file system, subvolume and a subtree of its root. */
export function showsPartOf(m: MountEntry, ours: MountEntry): boolean {
  return m.majorMinor === ours.majorMinor && subvolumeIdOf(m) === subvolumeIdOf(ours) && isUnder(m.root, ours.root);
}

/** The btrfs subvolume a mount shows (`subvolid=` of its super options); undefined for other file systems. */
export function subvolumeIdOf(m: MountEntry): string | undefined {
  return m.superOptions.find((o) => o.startsWith('subvolid='))?.slice('subvolid='.length);
}

/** The btrfs subvolume a mount shows by path (`subvol=/a`). */
export function subvolumePathOf(m: MountEntry): string | undefined {
  return m.superOptions.find((o) => o.startsWith('subvol='))?.slice('subvol='.length);
}

function ancestorsOf(mounts: readonly MountEntry[], m: MountEntry): MountEntry[] {
  const byId = new Map(mounts.map((e) => [e.id, e]));
  const chain: MountEntry[] = [];
  for (let p = byId.get(m.parentId); p && !chain.includes(p) && p.id !== m.id; p = byId.get(p.parentId)) chain.push(p);
  return chain;
}

function descendsFrom(mounts: readonly MountEntry[], m: MountEntry, ancestorIds: ReadonlySet<number>): boolean {
  return ancestorsOf(mounts, m).some((a) => ancestorIds.has(a.id));
}

/**
 * Whether a mount is of the given block device. Most file systems report the device's own number;
 * btrfs (and others with several devices) report an anonymous 0:N, so the source path decides.
 */
export function isMountOfDevice(m: MountEntry, device: { readonly path: string; readonly majorMinor?: string }): boolean {
  return m.majorMinor === device.majorMinor || m.source === device.path;
}

/** With `subvol=` or `subvolid=` in the options, whether the mount shows that btrfs subvolume; true without them. */
export function showsSubvolumeOf(m: MountEntry, options: string): boolean {
  const wanted = options.split(',');
  const path = wanted.find((o) => o.startsWith('subvol='))?.slice('subvol='.length);
  const id = wanted.find((o) => o.startsWith('subvolid='))?.slice('subvolid='.length);
  if (path !== undefined && subvolumePathOf(m) !== `/${path.replace(/^\/+|\/+$/g, '')}`) return false;
  return id === undefined || subvolumeIdOf(m) === id;
}

export function hasSubvolumeOption(options: string): boolean {
  return options.split(',').some((o) => o.startsWith('subvol=') || o.startsWith('subvolid='));
}

/**
 * Whether a mount is of the network source `spec` (host:/export, //server/share). The kernel may
 * list the server by address where the admin wrote a name, so the same file system type and
 * export path are enough; another export on the directory is not ours.
 */
export function isMountOfNetworkSource(m: MountEntry, spec: string, fstype: string): boolean {
  const norm = (s: string) => s.replace(/\/+$/, '');
  if (norm(m.source) === norm(spec)) return true;
  const family = (t: string) => t.replace(/4$/, '');
  const exportPath = (s: string) => norm(s.startsWith('//') ? s.slice(s.indexOf('/', 2)) : s.slice(s.lastIndexOf(':') + 1));
  return family(m.fstype) === family(fstype) && exportPath(m.source) === exportPath(spec);
}

/**
 * What a bind mount of `source` (canonical) looks like in mountinfo: the device of the mount the
 * source lives on, and the source's path inside that file system as the mount's root.
 */
export function bindMountIdentity(mounts: readonly MountEntry[], source: string): { majorMinor: string; root: string } | undefined {
  const host = mountContaining(mounts, source);
  if (!host) return undefined;
  const inside = host.mountPoint === '/' ? source : source.slice(host.mountPoint.length);
  const root = `${host.root.replace(/\/+$/, '')}${inside}` || '/';
  return { majorMinor: host.majorMinor, root };
}

export function isReadOnly(m: MountEntry): boolean {
  return m.mountOptions.includes('ro') || m.superOptions.includes('ro');
}
