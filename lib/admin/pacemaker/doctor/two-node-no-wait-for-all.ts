// wait_for_all: 0 with two_node under a cluster file system or dual-primary DRBD: the blog-post
// "fix" for a node that will not start alone, which lets two halves each run the shared storage.

import { isTrue, type CibModel } from '../cib.js';
import { quorumSettings, type CorosyncSection } from '../corosync-conf.js';
import { clusterFileSystems, describeFileSystem, dualPrimaryDrbd } from './cluster-fs.js';
import type { DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';

/** What both nodes write to at once, in words ("gfs2 fs-shared-clone", "DRBD r0 with two Primaries"). */
function sharedWriters(cib: CibModel | undefined, drbd: DrbdFacts | undefined): string[] {
  const writers = cib ? clusterFileSystems(cib).map(describeFileSystem) : [];
  if (cib)
    writers.push(
      ...dualPrimaryDrbd(cib).map((managed) => `DRBD ${managed.resource} promoted on ${managed.promotedMax} nodes (${managed.clone.id})`),
    );
  for (const config of drbd?.configs ?? []) {
    const described = writers.some((writer) => writer.startsWith(`DRBD ${config.name} `));
    if (!described && isTrue(config.settings['net.allow-two-primaries'])) writers.push(`DRBD ${config.name} with allow-two-primaries`);
  }
  return [...new Set(writers)];
}

export function checkTwoNodeWithoutWaitForAll(
  corosync: CorosyncSection,
  nodeCount: number | undefined,
  cib?: CibModel,
  drbd?: DrbdFacts,
): Finding[] {
  const quorum = quorumSettings(corosync);
  if (nodeCount !== 2 || !quorum.twoNode || quorum.waitForAll !== false || quorum.hasQdevice) return [];
  const writers = sharedWriters(cib, drbd);
  if (writers.length === 0) return [];
  return [
    {
      check: 'two-node-no-wait-for-all',
      severity: 'danger',
      title: `wait_for_all: 0 with two_node: 1 under shared writes (${writers.join(', ')})`,
      why:
        'two_node: 1 lets one node keep quorum alone; wait_for_all is what stops a node that boots alone from claiming it ' +
        'before it has seen its peer once. Without it, a node that starts while the cluster link is down (or whose peer is ' +
        'merely unreachable) is quorate at once: it fences a peer that is running fine, the peer does the same when it comes ' +
        'back (a fence loop), and where fencing does not really cut the peer off, both halves run DLM and promote DRBD on their ' +
        'own and mount the file system with two lock managers that know nothing of each other: the file system is corrupted ' +
        'and the two DRBD copies diverge. The hang that wait_for_all causes is the safe outcome, not the bug.',
      fix: [
        'remove "wait_for_all: 0" from the quorum section of /etc/corosync/corosync.conf on every node (two_node: 1 turns wait_for_all on); it applies when corosync next starts there',
        'when a node must start alone because its peer is certainly off (powered down, fenced): corosync-cmapctl -s quorum.cancel_wait_for_all u8 1   (pcs: pcs quorum unblock), once, by hand',
      ],
    },
  ];
}
