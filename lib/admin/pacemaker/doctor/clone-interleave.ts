// DLM, lvmlockd and cluster file system clones need interleave=true: each node's instance should
// wait for the instance on its own node, not for all of them.

import { type CibClone, type CibModel, type CibPrimitive, isTrue } from '../cib.js';
import { isClusterFileSystem, isDlm, isLvmlockd } from './cluster-fs.js';
import type { Finding } from './finding.js';

function whatItRuns(primitive: CibPrimitive): string | undefined {
  if (isDlm(primitive)) return 'DLM';
  if (isLvmlockd(primitive)) return 'lvmlockd';
  if (isClusterFileSystem(primitive)) return `the ${primitive.params.fstype} file system`;
  return undefined;
}

export function checkCloneInterleave(cib: CibModel): Finding[] {
  const findings: Finding[] = [];
  for (const clone of cib.resources.filter((resource): resource is CibClone => resource.kind === 'clone')) {
    if (isTrue(clone.meta.interleave)) continue;
    const members = clone.child.kind === 'group' ? clone.child.members : [clone.child];
    const runs = members.map(whatItRuns).filter((what): what is string => what !== undefined);
    if (runs.length === 0) continue;
    findings.push({
      check: 'clone-interleave',
      severity: 'warning',
      title: `${clone.id} (${runs.join(', ')}) is a clone without interleave=true`,
      why:
        "Without interleave, a clone ordered after another one waits for all of that clone's instances, not for the one " +
        'on its own node, and is stopped with any of them: when DLM (or DRBD, or lvmlockd) stops on one node, for a standby ' +
        'or a failure, the file system is unmounted on every node, and the node coming back restarts the stack everywhere.',
      fix: [`crm resource meta ${clone.id} set interleave true   (pcs: pcs resource meta ${clone.id} interleave=true)`],
    });
  }
  return findings;
}
