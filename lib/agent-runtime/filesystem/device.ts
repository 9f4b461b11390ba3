// What the `device` parameter names, in the forms ocf:heartbeat:Filesystem accepts.

export type DeviceSpec =
  | { readonly kind: 'block'; readonly path: string }
  | { readonly kind: 'uuid'; readonly uuid: string }
  | { readonly kind: 'label'; readonly label: string }
  /** host:/export, //server/share, or a cluster file system source: nothing local to check. */
  | { readonly kind: 'network'; readonly spec: string }
  /** A directory bind-mounted elsewhere (fstype none, options bind/rbind). */
  | { readonly kind: 'bind'; readonly path: string }
  /** tmpfs and friends: the "device" is only a name. */
  | { readonly kind: 'pseudo'; readonly name: string };

export const NETWORK_FSTYPES = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smbfs',
  'smb3',
  'glusterfs',
  'ceph',
  'efs',
  'lustre',
  'rozofs',
  'beegfs',
  'fuse.sshfs',
]);
/** File systems that several nodes may mount at once: the only ones a clone may use without force_clones. */
export const CLUSTER_FSTYPES = new Set(['gfs2', 'ocfs2', ...NETWORK_FSTYPES]);
const PSEUDO_FSTYPES = new Set(['tmpfs', 'ramfs', 'proc', 'sysfs', 'devtmpfs', 'overlay', 'overlayfs']);
/** Journaling file systems: run_fsck=auto skips them, their journal replay is the check. */
const NO_AUTO_FSCK = new Set([
  'ext3',
  'ext4',
  'ext4dev',
  'xfs',
  'btrfs',
  'jfs',
  'reiserfs',
  'reiser4',
  'nilfs2',
  'f2fs',
  'zfs',
  'vfat',
  'fat',
  'none',
  'ocfs2',
  'gfs2',
]);

export function isBindOptions(options: string): boolean {
  return options.split(',').some((o) => o === 'bind' || o === 'rbind');
}

export function classifyDevice(device: string, fstype: string, options: string): DeviceSpec {
  const uuid = /^(?:-U\s*|UUID=)(.+)$/.exec(device);
  if (uuid) return { kind: 'uuid', uuid: uuid[1]!.trim() };
  const label = /^(?:-L\s*|LABEL=)(.+)$/.exec(device);
  if (label) return { kind: 'label', label: label[1]!.trim() };
  if (fstype === 'none' || isBindOptions(options)) return { kind: 'bind', path: device };
  if (
    NETWORK_FSTYPES.has(fstype) ||
    (CLUSTER_FSTYPES.has(fstype) && !device.startsWith('/dev/')) ||
    /^[^/]+:\//.test(device) ||
    device.startsWith('//')
  ) {
    return { kind: 'network', spec: device };
  }
  if (PSEUDO_FSTYPES.has(fstype) || !device.startsWith('/')) return { kind: 'pseudo', name: device };
  return { kind: 'block', path: device };
}

/** The argument list `mount` gets for the device (`-U x` / `-L x` stay options, as admins wrote them). */
export function mountDeviceArgs(spec: DeviceSpec): string[] {
  switch (spec.kind) {
    case 'uuid':
      return ['-U', spec.uuid];
    case 'label':
      return ['-L', spec.label];
    case 'block':
    case 'bind':
      return [spec.path];
    case 'network':
      return [spec.spec];
    case 'pseudo':
      return [spec.name];
  }
}

export type FsckPolicy = 'auto' | 'force' | 'no';

export function fsckNeeded(policy: FsckPolicy, spec: DeviceSpec, fstype: string): boolean {
  if (policy === 'no') return false;
  if (spec.kind !== 'block' && spec.kind !== 'uuid' && spec.kind !== 'label') return false;
  return policy === 'force' || !NO_AUTO_FSCK.has(fstype);
}
