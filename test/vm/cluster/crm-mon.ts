// test/vm/cluster/crm-mon.ts - the parts of `crm_mon --output-as=xml` that test/vm/cluster.test.ts
// asserts on: nodes (online?), the DC, and resources (role, nodes, failed). Plain regexes: the XML
// is Pacemaker's own, flat and predictable (resource elements are never nested in each other).

export interface MonResource {
  id: string;
  agent: string;
  role: string;
  active: boolean;
  failed: boolean;
  nodes: string[];
}

export interface MonStatus {
  /** node name -> online */
  nodes: Map<string, boolean>;
  /** every primitive (clone instances included), in crm_mon's order */
  resources: MonResource[];
  /** the node name of the DC, '' when none */
  dc: string;
}

function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w-]+)="([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

export function parseCrmMon(xml: string): MonStatus {
  const nodes = new Map<string, boolean>();
  const nodesBlock = /<nodes>([\s\S]*?)<\/nodes>/.exec(xml)?.[1] ?? '';
  for (const m of nodesBlock.matchAll(/<node\s([^>]*?)\/?>/g)) {
    const a = attrs(m[1]!);
    if (a.name) nodes.set(a.name, a.online === 'true');
  }
  const resources: MonResource[] = [];
  const resBlock = /<resources>([\s\S]*?)<\/resources>/.exec(xml)?.[1] ?? '';
  for (const m of resBlock.matchAll(/<resource\s([^>]*?)(?:\/>|>([\s\S]*?)<\/resource>)/g)) {
    const a = attrs(m[1]!);
    const inner = m[2] ?? '';
    resources.push({
      id: a.id ?? '',
      agent: a.resource_agent ?? '',
      role: a.role ?? '',
      active: a.active === 'true',
      failed: a.failed === 'true',
      nodes: [...inner.matchAll(/<node\s[^>]*?name="([^"]+)"/g)].map((n) => n[1]!),
    });
  }
  const dc = /<current_dc\s[^>]*?name="([^"]+)"/.exec(xml)?.[1] ?? '';
  return { nodes, resources, dc };
}

/** The nodes where resource id runs in the given role. */
export function where(s: MonStatus, id: string, role: string): string[] {
  return s.resources.filter((r) => r.id === id && r.role === role && r.active).flatMap((r) => r.nodes);
}

/** One line per resource, for test comments and timeout messages. */
export function summary(s: MonStatus): string {
  const nodes = [...s.nodes].map(([n, on]) => `${n}:${on ? 'online' : 'OFFLINE'}`).join(' ');
  const res = s.resources.map((r) => `${r.id}=${r.role}${r.failed ? '(FAILED)' : ''}@${r.nodes.join(',') || '-'}`).join(' ');
  return `dc=${s.dc || '-'} ${nodes} | ${res}`;
}
