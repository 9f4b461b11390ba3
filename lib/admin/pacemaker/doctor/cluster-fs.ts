// The parts of a shared-storage stack that several checks look for: GFS2/OCFS2 mounts, the DLM
// and lvmlockd daemons Pacemaker runs for them, and DRBD promoted on two nodes at once. Pure.

import { allPrimitives, type CibModel, type CibPrimitive, type PlacedPrimitive } from '../cib.js';
import { pacemakerDrbdResources, type ManagedDrbd } from './drbd-facts.js';

/** File systems that several nodes may mount at once, each locking through DLM. */
export const CLUSTER_FILE_SYSTEMS = ['gfs2', 'ocfs2'];

export function isClusterFileSystem(primitive: CibPrimitive): boolean {
  return primitive.type === 'Filesystem' && CLUSTER_FILE_SYSTEMS.includes((primitive.params.fstype ?? '').toLowerCase());
}

/** ocf:pacemaker:controld: runs dlm_controld, the kernel DLM's cluster side. */
export function isDlm(primitive: CibPrimitive): boolean {
  return primitive.standard === 'ocf' && primitive.type === 'controld';
}

/** ocf:heartbeat:lvmlockd: shared volume groups, locked through DLM. */
export function isLvmlockd(primitive: CibPrimitive): boolean {
  return primitive.standard === 'ocf' && primitive.type === 'lvmlockd';
}

export function clusterFileSystems(cib: CibModel): PlacedPrimitive[] {
  return allPrimitives(cib).filter(({ primitive }) => isClusterFileSystem(primitive));
}

/** DRBD clones Pacemaker promotes on more than one node. */
export function dualPrimaryDrbd(cib: CibModel): (ManagedDrbd & { promotedMax: number })[] {
  return pacemakerDrbdResources(cib)
    .map((managed) => ({ ...managed, promotedMax: Number(managed.clone.meta['promoted-max'] ?? managed.clone.meta['master-max'] ?? '1') }))
    .filter((managed) => managed.promotedMax > 1);
}

/** The way a primitive is named in a report: its fstype and id, e.g. `gfs2 fs-shared`. */
export function describeFileSystem(placed: PlacedPrimitive): string {
  return `${(placed.primitive.params.fstype ?? '').toLowerCase()} ${placed.clone?.id ?? placed.group?.id ?? placed.primitive.id}`;
}
