// The DRBD layer as the drbd agent runs it: parsing `drbdsetup events2`, the kernel log's
// split-brain lines and /proc/drbd's version, the promotion policy, and the split-brain advice
// the agent logs. Only what agents/drbd.ts imports: the CLI reads DRBD through
// lib/admin/drbd/index.ts, which adds the parsers only it needs. No I/O here;
// lib/agent-runtime/sys runs the commands.

export { peerLabel, type Connection, type DrbdState } from './model.js';
export { parseProcDrbdVersion } from './proc-drbd-version.js';
export { parseEvents2 } from './events2.js';
export { unresolvedSplitBrainsInKernelLog, markSplitBrains } from './kernel-log.js';
export { promotionScoreFor, parseAdjustMasterScore, monitorVerdictFor } from './promotion.js';
export { splitBrainSteps } from './split-brain-steps.js';
