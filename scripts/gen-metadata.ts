// Writes meta-data/<agent>.xml from each agent's declaration. The build calls this for every
// file in agents/; test/integration/metadata.test.ts compares the checked-in files with a fresh rendering.
import { writeFileSync } from 'node:fs';
import type { AgentDefinition } from '../lib/agent-runtime/ocf/agent.js';
import { renderMetadata } from '../lib/admin/ocf/metadata.js';
import type { ParamSpec } from '../lib/agent-runtime/ocf/params.js';

export function writeMetadataFiles(agents: readonly AgentDefinition<readonly ParamSpec[]>[], outDir = 'meta-data'): void {
  for (const agent of agents) writeFileSync(`${outDir}/${agent.name}.xml`, renderMetadata(agent));
}
