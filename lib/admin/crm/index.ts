// `ocfkit crm generate` without I/O: stack descriptions (flags, JSON, YAML) -> checked ClusterSpec
// -> ClusterConfig (defaults from the agents' meta-data) -> crmsh block, pcs script, CIB XML, and
// the DRBD resource file.

export { formatAgentRef, parseAgentRef, parseParamList, splitAgentSpec, type AgentRef, type AgentStandard } from './agent-ref.js';
export { agentsNeeded, buildClusterConfig, coreAgents, type AgentCatalog, type BuildResult, type CoreAgents } from './build.js';
export { drbdFencingSnippet, renderDrbdResFile, type ResFileResult } from './drbd-res.js';
export { drbdResWithoutDrbd, generate, type GenerateOptions, type GenerateResult } from './generate.js';
export { OUTPUT_FORMATS, type OutputFormat } from './header.js';
export { parseAgentMetaData, normaliseRole, type ActionInfo, type AgentMetaData, type ParameterInfo, type Role } from './meta-data.js';
export { PACEMAKER_VERSIONS, type ClusterConfig, type PacemakerVersion } from './model.js';
export { defaultOperations, type Operation } from './operations.js';
export { renderCib } from './render-cib.js';
export { renderCrm } from './render-crm.js';
export { renderPcs } from './render-pcs.js';
export { PROVIDERS, validateClusterSpec, type ClusterSpec, type Provider, type SpecResult, type StackSpec } from './spec.js';
export { flagLabel, flagsUseDrbd, parseStackFile, stackFlagsToRaw, type StackFlags } from './stack-input.js';
export { parseYaml } from './yaml.js';
