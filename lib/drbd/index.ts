// The pure DRBD state layer: parsers from command output to DrbdState, the promotion policy,
// and the diagnosis in words. No I/O here; lib/sys runs the commands.

export * from './model.js';
export { parseProcDrbd, parseProcDrbdVersion, type DrbdVersion, type MinorOwner } from './proc-drbd.js';
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
export { parseEvents2, foldEvents2Stream } from './events2.js';
export { unresolvedSplitBrainsInKernelLog, markSplitBrains, type SplitBrainSighting } from './kernel-log.js';
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
} from './promotion.js';
export { describeDrbdState, splitBrainSteps, THIS_NODE, type DrbdDescription, type SplitBrainSteps } from './diagnosis.js';
