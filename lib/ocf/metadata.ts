// AgentDefinition -> meta-data XML with xmlbuilder2. Valid against both validators admins meet:
// ra-api-1.dtd (ocf-tester: DOCTYPE line, longdesc/shortdesc/content order, timeout on every
// action) and metadata.rng (crm_resource / pcs). Runs at build time; the agents embed the result.
import { create } from 'xmlbuilder2';
import type { ParamSpec } from './params.js';
import type { AgentDefinition } from './agent.js';

export function renderMetadata(agent: AgentDefinition<readonly ParamSpec[]>): string {
  const root = create({ version: '1.0' })
    .dtd({ name: 'resource-agent', sysID: 'ra-api-1.dtd' })
    .ele('resource-agent', { name: agent.name, version: agent.version });
  root.ele('version').txt('1.1');
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

/** The OCF 1.0 DTD has neither `select` nor `reloadable`, so both are said in words. */
function parameterLongdesc(p: ParamSpec): string {
  const notes: string[] = [];
  if (p.choices) notes.push(`Allowed values: ${p.choices.join(', ')}.`);
  if (p.reloadable) notes.push('Can be changed without a restart (reload).');
  return [p.longdesc.trim(), ...notes].join('\n\n');
}
