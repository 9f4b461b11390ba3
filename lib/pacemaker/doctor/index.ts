// `ocfkit doctor`: every check, run over what we know about the cluster. Pure.

import { checkDeprecatedPromotableSyntax } from './deprecated-promotable-syntax.js';
import { checkDrbdNotify } from './drbd-notify.js';
import { nodeCount, type DoctorFacts, type Finding, type Severity } from './finding.js';
import { checkLeftoverCliConstraints } from './leftover-cli-constraints.js';
import { checkNoQuorumPolicyIgnore } from './no-quorum-policy.js';
import { checkNoStonithDevice } from './no-stonith-device.js';
import { checkOrderAfterPromote } from './order-after-promote.js';
import { checkColocationWithPromoted } from './promoted-colocation.js';
import { checkPromotableMonitors } from './promotable-monitors.js';
import { checkResourceStickiness } from './resource-stickiness.js';
import { checkStonithDisabled } from './stonith-disabled.js';
import { checkTwoNodeQuorum } from './two-node-quorum.js';
import { checkTwoNodeWaitForAll } from './two-node-wait-for-all.js';

export type { DoctorFacts, Finding, Severity } from './finding.js';

export interface CheckInfo {
  id: string;
  /** What it looks at. */
  source: 'cib' | 'corosync';
  run(facts: DoctorFacts): Finding[];
}

/** In the order they are reported within one severity. */
export const CHECKS: readonly CheckInfo[] = [
  { id: 'stonith-disabled', source: 'cib', run: (facts) => checkStonithDisabled(facts.cib!) },
  { id: 'no-stonith-device', source: 'cib', run: (facts) => checkNoStonithDevice(facts.cib!) },
  { id: 'no-quorum-policy-ignore', source: 'cib', run: (facts) => checkNoQuorumPolicyIgnore(facts.cib!, nodeCount(facts)) },
  { id: 'colocation-with-promoted', source: 'cib', run: (facts) => checkColocationWithPromoted(facts.cib!) },
  { id: 'order-after-promote', source: 'cib', run: (facts) => checkOrderAfterPromote(facts.cib!) },
  { id: 'promotable-monitors', source: 'cib', run: (facts) => checkPromotableMonitors(facts.cib!) },
  { id: 'drbd-notify', source: 'cib', run: (facts) => checkDrbdNotify(facts.cib!) },
  { id: 'leftover-cli-constraints', source: 'cib', run: (facts) => checkLeftoverCliConstraints(facts.cib!) },
  { id: 'deprecated-promotable-syntax', source: 'cib', run: (facts) => checkDeprecatedPromotableSyntax(facts.cib!) },
  { id: 'resource-stickiness', source: 'cib', run: (facts) => checkResourceStickiness(facts.cib!) },
  { id: 'two-node-quorum', source: 'corosync', run: (facts) => checkTwoNodeQuorum(facts.corosync!, nodeCount(facts)) },
  { id: 'two-node-wait-for-all', source: 'corosync', run: (facts) => checkTwoNodeWaitForAll(facts.corosync!, nodeCount(facts)) },
];

const SEVERITY_ORDER: Record<Severity, number> = { danger: 0, warning: 1, advice: 2 };

/** Every finding, most severe first. Checks whose input is missing are skipped. */
export function diagnose(facts: DoctorFacts): Finding[] {
  const findings = CHECKS.filter((check) => (check.source === 'cib' ? facts.cib : facts.corosync) !== undefined).flatMap((check) => check.run(facts));
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity] || a.index - b.index)
    .map(({ finding }) => finding);
}

export function hasDanger(findings: Finding[]): boolean {
  return findings.some((finding) => finding.severity === 'danger');
}
