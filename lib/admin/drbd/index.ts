// The DRBD state layer as the CLI (and the tests and benchmarks) see it: every parser from
// command output to DrbdState, the promotion policy, and the diagnosis in words. Most of it is
// the agent runtime's (lib/agent-runtime/drbd); the parsers only the CLI needs live beside this
// file. The agent imports lib/agent-runtime/drbd/index.ts instead, never this barrel.
// No I/O here; lib/agent-runtime/sys runs the commands.

export * from '../../agent-runtime/drbd/model.js';
export { parseProcDrbd, type MinorOwner } from './proc-drbd.js';
export { parseProcDrbdVersion, type DrbdVersion } from '../../agent-runtime/drbd/proc-drbd-version.js';
export {
  parseDrbdadmRole,
  parseDrbdadmCstate,
  parseDrbdadmDstate,
  type RoleReport,
  type CstateReport,
  type DstateReport,
} from './drbdadm.js';
export { parseShStatus } from './sh-status.js';
export { parseDrbdsetupStatusText } from './status-text.js';
export { parseDrbdsetupStatusJson } from './status-json.js';
export { parseEvents2, foldEvents2Stream } from '../../agent-runtime/drbd/events2.js';
export { unresolvedSplitBrainsInKernelLog, markSplitBrains, type SplitBrainSighting } from '../../agent-runtime/drbd/kernel-log.js';
export {
  promotionScoreFor,
  parseAdjustMasterScore,
  monitorVerdictFor,
  DEFAULT_MASTER_SCORES,
  type MasterScores,
  type PromotionOptions,
  type PromotionDecision,
  type AdjustMasterScore,
  type MonitorCode,
  type MonitorVerdict,
  type MonitorOptions,
} from '../../agent-runtime/drbd/promotion.js';
export { describeDrbdState, THIS_NODE, type DrbdDescription } from './diagnosis.js';
export { splitBrainSteps, type SplitBrainSteps } from '../../agent-runtime/drbd/split-brain-steps.js';
