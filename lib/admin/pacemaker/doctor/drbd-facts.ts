// What the DRBD checks look at: this node's DRBD, as gathered live by lib/admin/cli/doctor-drbd.ts or
// read from saved outputs. Every part may be missing (then the checks that need it say nothing),
// and a node without DRBD has no facts at all. Pure.

import type { AdjustStep } from '../../drbd/adjust.js';
import type { DrbdResourceConfig } from '../../drbd/config.js';
import type { DrbdState } from '../../../agent-runtime/drbd/model.js';
import { allPrimitives, type CibClone, type CibModel, type CibPrimitive } from '../cib.js';

export interface DrbdFacts {
  /** /sys/module/drbd/parameters/usermode_helper (trimmed); undefined when unknown. */
  usermodeHelper?: string;
  /** The running state (drbdsetup status); undefined when unknown. */
  states?: DrbdState[];
  /** The configuration files (drbdadm dump); undefined when unknown. */
  configs?: DrbdResourceConfig[];
  /** What `drbdadm -d adjust <res>` would do, by resource. */
  adjust?: Record<string, AdjustStep[]>;
  /** Backing device sizes in bytes (blockdev --getsize64), by device path. */
  backingDeviceBytes?: Record<string, number>;
  /** 8 or 9 when known (from /proc/drbd or the outputs). */
  majorVersion?: 8 | 9;
}

/** A DRBD resource Pacemaker runs: a promotable clone of ocf:*:drbd with drbd_resource=NAME. */
export interface ManagedDrbd {
  resource: string;
  primitive: CibPrimitive;
  clone: CibClone;
}

export function pacemakerDrbdResources(cib: CibModel | undefined): ManagedDrbd[] {
  if (!cib) return [];
  return allPrimitives(cib).flatMap(({ primitive, clone }) =>
    clone?.promotable && primitive.standard === 'ocf' && primitive.type === 'drbd' && primitive.params.drbd_resource
      ? [{ resource: primitive.params.drbd_resource, primitive, clone }]
      : [],
  );
}

/** DRBD 9 unless the facts say 8.4: the node ids in status and the `.9.sh` handlers are 9's. */
export function isDrbd9(facts: DrbdFacts, config?: DrbdResourceConfig): boolean {
  if (facts.majorVersion !== undefined) return facts.majorVersion === 9;
  if (facts.states?.some((state) => state.nodeId !== undefined)) return true;
  if (config && (config.nodeCount > 2 || 'options.quorum' in config.settings || 'net.fencing' in config.settings)) return true;
  if (config && 'disk.fencing' in config.settings) return false;
  return true;
}
