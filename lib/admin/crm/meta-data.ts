// An agent's meta-data XML (what `AGENT meta-data` prints) as a small typed model. The generator
// takes its operation defaults and parameter list from here, so a configuration follows the agent
// it names instead of numbers copied into this code. Pure: the caller reads the XML.

import { XMLParser } from 'fast-xml-parser';
import { isTrue } from '../pacemaker/cib.js';
import { parseDurationMs } from '../pacemaker/duration.js';

export type Role = 'Promoted' | 'Unpromoted';

export interface ParameterInfo {
  name: string;
  required: boolean;
  unique: boolean;
  type: string;
  default?: string;
  shortdesc: string;
}

export interface ActionInfo {
  name: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** Normalised: the old Master/Slave spelling of older agents is read as Promoted/Unpromoted. */
  role?: Role;
  depth?: number;
}

export interface AgentMetaData {
  name: string;
  parameters: ParameterInfo[];
  actions: ActionInfo[];
}

export type MetaDataResult = { ok: true; metaData: AgentMetaData } | { ok: false; reason: string };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name, _path, _isLeaf, isAttribute) => !isAttribute && (name === 'parameter' || name === 'action'),
  // Attribute values stay strings ("1", "20s"): we convert them ourselves.
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: true,
});

/** Reads role names of both generations; anything else (e.g. "Started") means "no role". */
export function normaliseRole(role: string | undefined): Role | undefined {
  switch (role) {
    case 'Promoted':
    case 'Master':
      return 'Promoted';
    case 'Unpromoted':
    case 'Slave':
      return 'Unpromoted';
    default:
      return undefined;
  }
}

function textOf(node: unknown): string {
  if (typeof node === 'string') return node.trim();
  if (node && typeof node === 'object' && '#text' in node) return String(node['#text']).trim();
  return '';
}

/** An attribute as Pacemaker reads it (attribute values stay text: parseAttributeValue is off). */
const flag = (value: unknown): boolean => typeof value === 'string' && isTrue(value);

export function parseAgentMetaData(xml: string): MetaDataResult {
  let document: Record<string, unknown>;
  try {
    document = parser.parse(xml) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, reason: `meta-data is not XML: ${(error as Error).message}` };
  }
  const agent = document['resource-agent'] as Record<string, unknown> | undefined;
  if (!agent || typeof agent !== 'object') return { ok: false, reason: 'meta-data has no <resource-agent> element' };

  const parameterNodes = ((agent.parameters as Record<string, unknown> | undefined)?.parameter ?? []) as Record<string, unknown>[];
  const parameters: ParameterInfo[] = parameterNodes.map((node) => {
    const content = (node.content ?? {}) as Record<string, unknown>;
    const info: ParameterInfo = {
      name: String(node.name),
      required: flag(node.required),
      unique: flag(node.unique),
      type: typeof content.type === 'string' ? content.type : 'string',
      shortdesc: textOf(node.shortdesc),
    };
    if (typeof content.default === 'string' && content.default !== '') info.default = content.default;
    return info;
  });

  const actionNodes = ((agent.actions as Record<string, unknown> | undefined)?.action ?? []) as Record<string, unknown>[];
  const actions: ActionInfo[] = actionNodes.map((node) => {
    const action: ActionInfo = { name: String(node.name) };
    const timeoutMs = typeof node.timeout === 'string' ? parseDurationMs(node.timeout) : undefined;
    const intervalMs = typeof node.interval === 'string' ? parseDurationMs(node.interval) : undefined;
    const role = normaliseRole(typeof node.role === 'string' ? node.role : undefined);
    if (timeoutMs !== undefined) action.timeoutMs = timeoutMs;
    if (intervalMs !== undefined) action.intervalMs = intervalMs;
    if (role) action.role = role;
    if (typeof node.depth === 'string' && /^\d+$/.test(node.depth)) action.depth = Number(node.depth);
    return action;
  });

  return { ok: true, metaData: { name: String(agent.name ?? ''), parameters, actions } };
}
