// AgentDefinition -> meta-data XML with xmlbuilder2. Valid against both validators admins meet:
// ra-api-1.dtd (ocf-tester: DOCTYPE line, longdesc/shortdesc/content order, timeout on every
// action) and metadata.rng (crm_resource / pcs). Runs at build time; the agents embed the result.
//
// Reload: the meta-data says OCF 1.0 and offers `reload`, because that is the only reload both
// ocf-tester (ra-api-1.dtd has neither `reload-agent` nor `reloadable`) and Pacemaker accept.
// Pacemaker 2.1 calls `reload-agent` only for agents that say OCF 1.1, and `reload` only for those
// that say less; with `reload`, it restarts the resource when a parameter marked unique="1"
// changes and reloads it for any other change (daemons/controld: append_restart_list). So
// "reloadable" and "unique" must be each other's opposite in an agent that offers reload:
// checkReloadDeclarations refuses anything else, at build time.
import { create } from 'xmlbuilder2';
import packageJson from '../../../package.json' with { type: 'json' };
import type { ParamSpec } from '../../agent-runtime/ocf/params.js';
import type { AgentDefinition } from '../../agent-runtime/ocf/agent.js';

/** The OCF version the meta-data claims; 1.1 would make Pacemaker ignore `reload` (see above). */
export const OCF_VERSION = '1.0';

export function renderMetadata(agent: AgentDefinition<readonly ParamSpec[]>): string {
  checkReloadDeclarations(agent);
  const root = create({ version: '1.0' })
    .dtd({ name: 'resource-agent', sysID: 'ra-api-1.dtd' })
    // The agent's version is the package's (the element <version> below is the OCF API's), so an
    // admin reads in crm_resource --show-metadata which build a node runs.
    .ele('resource-agent', { name: agent.name, version: packageJson.version });
  root.ele('version').txt(OCF_VERSION);
  root.ele('longdesc', { lang: 'en' }).txt(agent.longdesc.trim());
  root.ele('shortdesc', { lang: 'en' }).txt(agent.shortdesc);

  const parameters = root.ele('parameters');
  for (const p of agent.parameters) {
    const el = parameters.ele('parameter', { name: p.name, unique: p.unique ? '1' : '0', required: p.required ? '1' : '0' });
    el.ele('longdesc', { lang: 'en' }).txt(parameterLongdesc(p));
    el.ele('shortdesc', { lang: 'en' }).txt(p.shortdesc);
    const content: Record<string, string> = { type: p.type };
    if (p.default !== undefined) content.default = String(p.default);
    el.ele('content', content);
  }

  const actions = root.ele('actions');
  for (const a of agent.actions) {
    const attrs: Record<string, string> = { name: a.name, timeout: `${a.timeout}s` };
    if (a.interval !== undefined) attrs.interval = `${a.interval}s`;
    if (a.depth !== undefined) attrs.depth = String(a.depth);
    if (a.role !== undefined) attrs.role = a.role;
    actions.ele('action', attrs);
  }
  return `${root.end({ prettyPrint: true, indent: '  ' })}\n`;
}

/**
 * Throws when Pacemaker would not do what the declarations say: a reloadable parameter of an agent
 * without `reload` (every change restarts), a parameter of an agent with `reload` that is neither
 * reloadable nor unique (its change would be a reload that applies nothing), or one that is both
 * (its change restarts).
 */
export function checkReloadDeclarations(agent: AgentDefinition<readonly ParamSpec[]>): void {
  const offersReload = agent.actions.some((a) => a.name === 'reload');
  const problems = agent.parameters.flatMap((p) => {
    if (!offersReload) return p.reloadable ? [`${p.name} is reloadable but the agent offers no reload action`] : [];
    if (p.reloadable && p.unique) return [`${p.name} is both reloadable and unique (Pacemaker restarts for a unique parameter)`];
    if (!p.reloadable && !p.unique)
      return [`${p.name} is neither reloadable nor unique (Pacemaker would reload, not restart, when it changes)`];
    return [];
  });
  if (problems.length > 0) throw new Error(`${agent.name}: ${problems.join('; ')}`);
}

/** The OCF 1.0 DTD has neither `select` nor `reloadable`, so both are said in words. */
function parameterLongdesc(p: ParamSpec): string {
  const notes: string[] = [];
  if (p.choices) notes.push(`Allowed values: ${p.choices.join(', ')}.`);
  if (p.reloadable) notes.push('Can be changed without a restart (reload).');
  return [p.longdesc.trim(), ...notes].join('\n\n');
}
