// Finds and reads the meta-data of every agent a configuration names (I/O), so that the pure
// generator can take its defaults from the agents themselves.
//
// ocfkit's own agents: meta-data/<Agent>.xml of this checkout (generated from the agents, the
// source of truth), else the installed agent; until both exist, the upstream agent's captured
// meta-data in test/fixtures/pacemaker/, which has the same parameters and actions.
// Every other agent: `crm_resource --show-metadata`, which works without a running cluster.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatAgentRef, type AgentRef } from '../crm/agent-ref.js';
import { parseAgentMetaData, type AgentMetaData } from '../crm/meta-data.js';
import type { CliIo } from './system.js';

export interface CatalogLoad {
  catalog: Map<string, AgentMetaData>;
  /** Where each agent's meta-data came from, by agent name. */
  sources: Map<string, string>;
  notes: string[];
  errors: string[];
}

const OCFKIT_AGENTS = ['drbd', 'Filesystem', 'IPaddr2'];

/** The checkout this CLI runs from (the directory with ocfkit's package.json), if any. */
export async function findRepoRoot(io: CliIo, start = dirname(fileURLToPath(import.meta.url))): Promise<string | undefined> {
  for (let directory = start; ; directory = dirname(directory)) {
    try {
      const manifest = JSON.parse(await io.readText(join(directory, 'package.json'))) as { name?: string };
      if (manifest.name === 'ocfkit') return directory;
    } catch {
      // not here: keep walking up
    }
    if (dirname(directory) === directory) return undefined;
  }
}

async function tryRead(io: CliIo, path: string): Promise<string | undefined> {
  try {
    return await io.readText(path);
  } catch {
    return undefined;
  }
}

async function fromCrmResource(io: CliIo, agent: AgentRef): Promise<string | undefined> {
  const result = await io.run('crm_resource', ['--show-metadata', formatAgentRef(agent)], { timeoutMs: 20_000 });
  if (result.exitCode === 0 && result.stdout.includes('<resource-agent')) return result.stdout;
  if (result.exitCode === undefined && agent.standard === 'ocf') {
    // No Pacemaker tools on this machine: ask the OCF agent directly.
    const ocfRoot = io.env.OCF_ROOT ?? '/usr/lib/ocf';
    const direct = await io.run(join(ocfRoot, 'resource.d', agent.provider!, agent.type), ['meta-data'], { env: { OCF_ROOT: ocfRoot } });
    if (direct.exitCode === 0 && direct.stdout.includes('<resource-agent')) return direct.stdout;
  }
  return undefined;
}

export async function loadAgentCatalog(agents: AgentRef[], io: CliIo, options: { metaDataDir?: string } = {}): Promise<CatalogLoad> {
  const load: CatalogLoad = { catalog: new Map(), sources: new Map(), notes: [], errors: [] };
  const root = await findRepoRoot(io);
  const metaDataDir = options.metaDataDir ?? io.env.OCFKIT_META_DATA_DIR ?? (root ? join(root, 'meta-data') : undefined);

  for (const agent of agents) {
    const name = formatAgentRef(agent);
    let xml: string | undefined;
    let source: string | undefined;
    const isOurs = agent.standard === 'ocf' && agent.provider === 'ocfkit' && OCFKIT_AGENTS.includes(agent.type);

    if (isOurs && metaDataDir) {
      const path = join(metaDataDir, `${agent.type}.xml`);
      xml = await tryRead(io, path);
      if (xml !== undefined) source = path;
    }
    if (xml === undefined && agent.standard !== 'systemd' && agent.standard !== 'lsb' && agent.standard !== 'service') {
      xml = await fromCrmResource(io, agent);
      if (xml !== undefined) source = `crm_resource --show-metadata ${name}`;
    }
    if (xml === undefined && isOurs && root) {
      const path = join(root, 'test', 'fixtures', 'pacemaker', `upstream-${agent.type}-meta-data.xml`);
      xml = await tryRead(io, path);
      if (xml !== undefined) {
        source = path;
        load.notes.push(
          `${name}: meta-data/${agent.type}.xml does not exist yet; using the upstream agent's meta-data (${path}), which has the same parameters and actions`,
        );
      }
    }
    if (xml === undefined) continue; // the generator reports unknown agents in words

    const parsed = parseAgentMetaData(xml);
    if (!parsed.ok) {
      load.errors.push(`${name}: ${parsed.reason} (from ${source})`);
      continue;
    }
    load.catalog.set(name, parsed.metaData);
    load.sources.set(name, source!);
  }
  return load;
}
