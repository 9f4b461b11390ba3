// `ocfkit doctor`: every check, run over what we know about the cluster. Pure.

import { checkCloneInterleave } from './clone-interleave.js';
import { checkClusterFsWithoutDlm } from './cluster-fs-without-dlm.js';
import { checkClusterFsWithoutFencing } from './cluster-fs-without-fencing.js';
import { checkDeprecatedPromotableSyntax } from './deprecated-promotable-syntax.js';
import { checkDrbdAsyncProtocol } from './drbd-async-protocol.js';
import { checkDrbdBackingDeviceLarger } from './drbd-backing-device-larger.js';
import { checkDrbdConfigDiffers } from './drbd-config-differs.js';
import { checkDrbdDualPrimary } from './drbd-dual-primary.js';
import { checkDrbdDualPrimaryFencing } from './drbd-dual-primary-fencing.js';
import { checkDrbdFencing } from './drbd-fencing.js';
import { checkDrbdInconsistent } from './drbd-inconsistent.js';
import { checkDrbdNotify } from './drbd-notify.js';
import { checkDrbdOutOfSync } from './drbd-out-of-sync.js';
import { checkDrbdPeerOutdated } from './drbd-peer-outdated.js';
import { checkDrbdQuorum } from './drbd-quorum.js';
import { checkDrbdUsermodeHelper } from './drbd-usermode-helper.js';
import { nodeCount, type DoctorFacts, type Finding, type Severity } from './finding.js';
import { checkLeftoverCliConstraints } from './leftover-cli-constraints.js';
import { checkNoQuorumPolicyIgnore } from './no-quorum-policy.js';
import { checkNoStonithDevice } from './no-stonith-device.js';
import { checkOrderAfterPromote } from './order-after-promote.js';
import { checkColocationWithPromoted } from './promoted-colocation.js';
import { checkPromotableMonitors } from './promotable-monitors.js';
import { checkResourceStickiness } from './resource-stickiness.js';
import { checkStonithDisabled } from './stonith-disabled.js';
import { checkTwoNodeWithoutWaitForAll } from './two-node-no-wait-for-all.js';
import { checkTwoNodeQuorum } from './two-node-quorum.js';
import { checkTwoNodeWaitForAll } from './two-node-wait-for-all.js';

export type { DoctorFacts, Finding, Severity } from './finding.js';
export type { DrbdFacts } from './drbd-facts.js';

export interface CheckInfo {
  id: string;
  /** What it looks at (the DRBD checks also read the CIB, when there is one). */
  source: 'cib' | 'corosync' | 'drbd';
  run(facts: DoctorFacts): Finding[];
}

/** In the order they are reported within one severity. */
export const CHECKS: readonly CheckInfo[] = [
  { id: 'stonith-disabled', source: 'cib', run: (facts) => checkStonithDisabled(facts.cib!) },
  { id: 'no-stonith-device', source: 'cib', run: (facts) => checkNoStonithDevice(facts.cib!) },
  { id: 'no-quorum-policy-ignore', source: 'cib', run: (facts) => checkNoQuorumPolicyIgnore(facts.cib!, nodeCount(facts)) },
  { id: 'cluster-fs-without-fencing', source: 'cib', run: (facts) => checkClusterFsWithoutFencing(facts.cib!) },
  { id: 'cluster-fs-without-dlm', source: 'cib', run: (facts) => checkClusterFsWithoutDlm(facts.cib!) },
  { id: 'colocation-with-promoted', source: 'cib', run: (facts) => checkColocationWithPromoted(facts.cib!) },
  { id: 'order-after-promote', source: 'cib', run: (facts) => checkOrderAfterPromote(facts.cib!) },
  { id: 'clone-interleave', source: 'cib', run: (facts) => checkCloneInterleave(facts.cib!) },
  { id: 'promotable-monitors', source: 'cib', run: (facts) => checkPromotableMonitors(facts.cib!) },
  { id: 'drbd-notify', source: 'cib', run: (facts) => checkDrbdNotify(facts.cib!) },
  { id: 'leftover-cli-constraints', source: 'cib', run: (facts) => checkLeftoverCliConstraints(facts.cib!) },
  { id: 'deprecated-promotable-syntax', source: 'cib', run: (facts) => checkDeprecatedPromotableSyntax(facts.cib!) },
  { id: 'resource-stickiness', source: 'cib', run: (facts) => checkResourceStickiness(facts.cib!) },
  { id: 'two-node-quorum', source: 'corosync', run: (facts) => checkTwoNodeQuorum(facts.corosync!, nodeCount(facts)) },
  // Reads the CIB and DRBD's configuration too, when there are any, to know what both nodes write to.
  {
    id: 'two-node-no-wait-for-all',
    source: 'corosync',
    run: (facts) => checkTwoNodeWithoutWaitForAll(facts.corosync!, nodeCount(facts), facts.cib, facts.drbd),
  },
  { id: 'two-node-wait-for-all', source: 'corosync', run: (facts) => checkTwoNodeWaitForAll(facts.corosync!, nodeCount(facts)) },
  { id: 'drbd-usermode-helper', source: 'drbd', run: (facts) => checkDrbdUsermodeHelper(facts.drbd!) },
  { id: 'drbd-fencing', source: 'drbd', run: (facts) => checkDrbdFencing(facts.drbd!, facts.cib) },
  { id: 'drbd-quorum', source: 'drbd', run: (facts) => checkDrbdQuorum(facts.drbd!, facts.cib) },
  { id: 'drbd-dual-primary', source: 'drbd', run: (facts) => checkDrbdDualPrimary(facts.drbd!, facts.cib) },
  { id: 'drbd-dual-primary-fencing', source: 'drbd', run: (facts) => checkDrbdDualPrimaryFencing(facts.drbd!) },
  { id: 'drbd-async-protocol', source: 'drbd', run: (facts) => checkDrbdAsyncProtocol(facts.drbd!, facts.cib) },
  { id: 'drbd-inconsistent', source: 'drbd', run: (facts) => checkDrbdInconsistent(facts.drbd!) },
  { id: 'drbd-out-of-sync', source: 'drbd', run: (facts) => checkDrbdOutOfSync(facts.drbd!) },
  { id: 'drbd-peer-outdated', source: 'drbd', run: (facts) => checkDrbdPeerOutdated(facts.drbd!) },
  { id: 'drbd-backing-device-larger', source: 'drbd', run: (facts) => checkDrbdBackingDeviceLarger(facts.drbd!) },
  { id: 'drbd-config-differs', source: 'drbd', run: (facts) => checkDrbdConfigDiffers(facts.drbd!) },
];

const SEVERITY_ORDER: Record<Severity, number> = { danger: 0, warning: 1, advice: 2 };

/** Every finding, most severe first. Checks whose input is missing are skipped. */
export function diagnose(facts: DoctorFacts): Finding[] {
  const findings = CHECKS.filter((check) => facts[check.source] !== undefined).flatMap((check) => check.run(facts));
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity] || a.index - b.index)
    .map(({ finding }) => finding);
}

export function hasDanger(findings: Finding[]): boolean {
  return findings.some((finding) => finding.severity === 'danger');
}
