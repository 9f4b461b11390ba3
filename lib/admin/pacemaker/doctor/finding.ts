// What a doctor check reports: one pitfall, why it matters and how to fix it, in words.

import type { CibModel } from '../cib.js';
import { nodelistNodes, type CorosyncSection } from '../corosync-conf.js';
import type { DrbdFacts } from './drbd-facts.js';

/** danger: can lose data or the service (exit status 1); warning: will surprise you; advice: worth doing. */
export type Severity = 'danger' | 'warning' | 'advice';

export interface Finding {
  /** Stable id of the check that found it, e.g. `stonith-disabled`. */
  check: string;
  severity: Severity;
  /** What is wrong, one line. */
  title: string;
  /** Why it matters. */
  why: string;
  /** What to do, one command or step per entry. */
  fix: string[];
}

/** What the checks look at; any part may be missing (then its checks are skipped). */
export interface DoctorFacts {
  cib?: CibModel;
  corosync?: CorosyncSection;
  /** This node's DRBD; missing on a node without DRBD. */
  drbd?: DrbdFacts;
}

/** Cluster size: corosync's node list when we have it, else the nodes the CIB knows. */
export function nodeCount(facts: DoctorFacts): number | undefined {
  if (facts.corosync) {
    const nodes = nodelistNodes(facts.corosync);
    if (nodes.length > 0) return nodes.length;
  }
  return facts.cib ? facts.cib.nodes.length : undefined;
}
