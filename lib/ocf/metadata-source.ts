// Where an agent's `meta-data` action gets its XML. The build replaces this module with the
// pre-rendered XML of the agent (see scripts/build.mjs), so agents never load xmlbuilder2 at run
// time; unbundled (tests), it renders on the fly.
import type { ParamSpec } from './params.js';
import type { AgentDefinition } from './agent.js';
import { renderMetadata } from './metadata.js';

export function metadataXmlFor(agent: AgentDefinition<readonly ParamSpec[]>): string {
  return renderMetadata(agent);
}
