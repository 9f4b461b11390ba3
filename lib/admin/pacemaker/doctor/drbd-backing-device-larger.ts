// A grown backing device that DRBD does not use yet: the resize was not finished (a `drbdadm
// resize` issued while a resync ran, or never issued). The file system on top cannot grow.

import type { DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';
import { RESYNC_STATES } from '../../../agent-runtime/drbd/model.js';

/**
 * The most internal metadata DRBD keeps at the end of a backing device of `bytes`: a 4 KiB
 * superblock, the 32 KiB activity log, and a bitmap of one bit per 4 KiB for each of up to
 * `peerSlots` peers, each rounded up to 4 KiB. Generous on purpose: only a clear excess is reported.
 */
export function internalMetadataBytes(bytes: number, peerSlots: number): number {
  const bitmapBytesPerPeer = Math.ceil(bytes / 4096 / 8 / 4096) * 4096;
  return 4096 + 32 * 1024 + Math.max(1, peerSlots) * bitmapBytesPerPeer;
}

/** Below this, the difference is alignment, not a missed resize. */
const SLACK_BYTES = 1024 * 1024;

export function checkDrbdBackingDeviceLarger(drbd: DrbdFacts): Finding[] {
  const findings: Finding[] = [];
  for (const config of drbd.configs ?? []) {
    const state = drbd.states?.find((candidate) => candidate.name === config.name);
    if (!state) continue;
    for (const volume of config.volumes) {
      const backingBytes = volume.disk ? drbd.backingDeviceBytes?.[volume.disk] : undefined;
      const usableKiB = state.volumes.find((candidate) => candidate.volume === volume.volume)?.sizeKiB;
      if (backingBytes === undefined || usableKiB === undefined) continue;
      // One bitmap per peer slot: as many as the resource has peers unless create-md was given more (--max-peers).
      const metadata = volume.metaDisk === 'internal' ? internalMetadataBytes(backingBytes, config.nodeCount - 1) : 0;
      const unused = backingBytes - usableKiB * 1024 - metadata;
      if (unused <= SLACK_BYTES) continue;
      const resyncing = state.connections.some((connection) =>
        connection.peerVolumes.some((peerVolume) => RESYNC_STATES.includes(peerVolume.replication)),
      );
      const target = config.volumes.length > 1 ? `${config.name}/${volume.volume}` : config.name;
      findings.push({
        check: 'drbd-backing-device-larger',
        severity: 'warning',
        title: `DRBD ${config.name} volume ${volume.volume}: ${volume.disk} has ${Math.floor(unused / 1024 / 1024)} MiB that DRBD does not use (DRBD size ${usableKiB} KiB, backing device ${backingBytes} bytes)`,
        why:
          'The backing device was grown but DRBD was not resized, or the resize did not finish (a resize issued while a ' +
          'resync was running is lost): the DRBD device, and the file system on it, stay at the old size.' +
          (resyncing ? ' A resync is running now: a resize issued now may be lost again.' : '') +
          (volume.metaDisk === 'internal'
            ? ' (Metadata created with more peer slots than the resource has peers, create-md --max-peers, also takes room: then that is where the space went.)'
            : ''),
        fix: [
          ...(resyncing ? ['wait until the resync has finished (ocfkit drbd status)'] : []),
          `grow the backing device on every node first, then on one node, connected: drbdadm resize ${target}`,
          'then grow the file system on the Primary (resize2fs /dev/drbdN, xfs_growfs MOUNTPOINT)',
        ],
      });
    }
  }
  return findings;
}
