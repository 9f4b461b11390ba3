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
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const left = line.slice(0, separator).split(' ');
    const right = line.slice(separator + 3).split(' ');
    if (left.length < 6 || right.length < 3) continue;
    mounts.push({
      id: Number(left[0]),
      parentId: Number(left[1]),
      majorMinor: left[2]!,
      root: unescapeMountPath(left[3]!),
      mountPoint: unescapeMountPath(left[4]!),
      mountOptions: left[5]!.split(','),
      fstype: right[0]!,
      source: unescapeMountPath(right[1]!),
      superOptions: right[2]!.split(','),
    });
  }
  return mounts;
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
 * Everything that must go for `dir`'s file system to be released, in unmount order: mounts nested
 * below it (deepest first), then — when `otherMountsOfDevice` (we mounted a whole device) — other
 * mounts of the same file system elsewhere (bind mounts keep the device open, so DRBD could not
 * demote), then the mounts at `dir` itself (top of the stack first). A mount that contains `dir`
 * (its parent, `/`) is never part of it, whatever device it is on: a bind-mount resource shares
 * its device with the root file system.
 */
export function mountsToRelease(mounts: readonly MountEntry[], dir: string, otherMountsOfDevice: boolean): MountEntry[] {
  const atDir = mounts.filter((m) => m.mountPoint === dir);
  if (atDir.length === 0) return [];
  const devices = new Set(atDir.map((m) => m.majorMinor));
  const nested = mounts.filter((m) => m.mountPoint !== dir && isUnder(m.mountPoint, dir));
  const elsewhere = otherMountsOfDevice
    ? mounts.filter((m) => devices.has(m.majorMinor) && !isUnder(m.mountPoint, dir) && !isUnder(dir, m.mountPoint) )
    : [];
  const deepestFirst = (a: MountEntry, b: MountEntry) => b.mountPoint.split('/').length - a.mountPoint.split('/').length || b.id - a.id;
  return [...nested.sort(deepestFirst), ...elsewhere.sort(deepestFirst), ...atDir.reverse()];
}

/**
 * Whether a mount is of the given block device. Most file systems report the device's own number;
 * btrfs (and others with several devices) report an anonymous 0:N, so the source path decides.
 */
export function isMountOfDevice(m: MountEntry, device: { readonly path: string; readonly majorMinor?: string }): boolean {
  return m.majorMinor === device.majorMinor || m.source === device.path;
}

export function isReadOnly(m: MountEntry): boolean {
  return m.mountOptions.includes('ro') || m.superOptions.includes('ro');
}
