// How a resource agent is named in a cluster configuration: `ocf:heartbeat:apache`,
// `stonith:fence_ipmilan`, `systemd:nginx`. Pure: parsing and printing only.

export type AgentStandard = 'ocf' | 'stonith' | 'systemd' | 'lsb' | 'service';

export interface AgentRef {
  standard: AgentStandard;
  /** Only OCF agents have a provider (the directory under /usr/lib/ocf/resource.d/). */
  provider?: string;
  type: string;
}

const STANDARDS: readonly AgentStandard[] = ['ocf', 'stonith', 'systemd', 'lsb', 'service'];
const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9_.@+-]*$/;

/** `ocf:heartbeat:apache` for OCF agents, `stonith:fence_ipmilan` for the others. */
export function formatAgentRef(agent: AgentRef): string {
  return agent.provider === undefined ? `${agent.standard}:${agent.type}` : `${agent.standard}:${agent.provider}:${agent.type}`;
}

export type AgentRefResult = { ok: true; agent: AgentRef } | { ok: false; reason: string };

/**
 * Parses `ocf:PROVIDER:TYPE` or `stonith|systemd|lsb|service:TYPE`. The class is never guessed:
 * `apache` alone could be an OCF agent or a systemd unit, and the two behave differently.
 */
export function parseAgentRef(text: string): AgentRefResult {
  const parts = text.split(':');
  const standard = parts[0] as AgentStandard;
  if (!STANDARDS.includes(standard)) {
    return {
      ok: false,
      reason:
        `"${text}" is not an agent name: write it as class:provider:type for OCF agents ` +
        `(ocf:heartbeat:apache) or class:type for the others (systemd:nginx, stonith:fence_ipmilan)`,
    };
  }
  const expectedParts = standard === 'ocf' ? 3 : 2;
  if (parts.length !== expectedParts || parts.slice(1).some((part) => !NAME_PART.test(part))) {
    const example = standard === 'ocf' ? 'ocf:heartbeat:apache' : `${standard}:NAME`;
    return { ok: false, reason: `"${text}" is not a valid ${standard} agent name (expected ${example})` };
  }
  return standard === 'ocf'
    ? { ok: true, agent: { standard, provider: parts[1]!, type: parts[2]! } }
    : { ok: true, agent: { standard, type: parts[1]! } };
}

/**
 * Splits a command-line agent spec such as
 * `ocf:heartbeat:apache:configfile=/etc/apache2/apache2.conf,statusurl=http://localhost/status`
 * into the agent name and its parameters. Parameters start at the first `:`-separated part that
 * contains `=`; they are separated by commas that are followed by `name=`, so a value may itself
 * contain commas or colons (URLs, mount options).
 */
export function splitAgentSpec(spec: string): { agentText: string; paramsText: string } {
  const parts = spec.split(':');
  const firstParam = parts.findIndex((part) => part.includes('='));
  if (firstParam === -1) return { agentText: spec, paramsText: '' };
  return { agentText: parts.slice(0, firstParam).join(':'), paramsText: parts.slice(firstParam).join(':') };
}

export type ParamsResult = { ok: true; params: Record<string, string> } | { ok: false; reason: string };

/** `a=1,b=x,y,c=3` -> { a: '1', b: 'x,y', c: '3' } (a comma belongs to the value unless `name=` follows). */
export function parseParamList(text: string): ParamsResult {
  const params: Record<string, string> = {};
  if (text.trim() === '') return { ok: true, params };
  for (const item of text.split(/,(?=[A-Za-z_][A-Za-z0-9_.-]*=)/)) {
    const equals = item.indexOf('=');
    const name = item.slice(0, equals).trim();
    if (equals <= 0 || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) {
      return { ok: false, reason: `"${item}" is not a name=value parameter` };
    }
    if (name in params) return { ok: false, reason: `parameter "${name}" is given twice` };
    params[name] = item.slice(equals + 1);
  }
  return { ok: true, params };
}
