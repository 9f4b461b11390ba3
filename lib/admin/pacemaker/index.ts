// Reading what Pacemaker and corosync are configured to do (CIB, corosync.conf), and the doctor's
// checks over it. Pure: callers read the files or run cibadmin.

export { allPrimitives, parseCib, placementIds, promotableClones, type CibModel, type CibResource, type CibResult } from './cib.js';
export { nodelistNodes, parseCorosyncConf, quorumSettings, type CorosyncSection, type QuorumSettings } from './corosync-conf.js';
export { CHECKS, diagnose, hasDanger, type DoctorFacts, type Finding, type Severity } from './doctor/index.js';
export { formatDuration, parseDurationMs } from './duration.js';
