// Reading corosync.conf: `name { ... }` sections holding `key: value` lines and more sections,
// `#` comments. The result is a tree; `quorumSettings` and `nodelistNodes` pick out what the
// checks need. Pure.

export interface CorosyncSection {
  name: string;
  values: Record<string, string>;
  sections: CorosyncSection[];
}

export type CorosyncResult = { ok: true; conf: CorosyncSection } | { ok: false; reason: string };

export function parseCorosyncConf(text: string): CorosyncResult {
  const root: CorosyncSection = { name: '', values: {}, sections: [] };
  const stack: CorosyncSection[] = [root];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const current = stack[stack.length - 1]!;
    const open = /^([A-Za-z0-9_.-]+)\s*\{$/.exec(line);
    if (open) {
      const section: CorosyncSection = { name: open[1]!, values: {}, sections: [] };
      current.sections.push(section);
      stack.push(section);
      continue;
    }
    if (line === '}') {
      if (stack.length === 1) return { ok: false, reason: `line ${index + 1}: "}" without an open section` };
      stack.pop();
      continue;
    }
    const pair = /^([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(line);
    if (!pair) return { ok: false, reason: `line ${index + 1}: expected "key: value", "name {" or "}", found "${line}"` };
    current.values[pair[1]!] = pair[2]!.trim();
  }
  if (stack.length > 1) return { ok: false, reason: `section "${stack[stack.length - 1]!.name}" is not closed` };
  return { ok: true, conf: root };
}

export function section(conf: CorosyncSection, name: string): CorosyncSection | undefined {
  return conf.sections.find((candidate) => candidate.name === name);
}

export interface CorosyncNode {
  name?: string;
  nodeid?: string;
  addresses: string[];
}

export function nodelistNodes(conf: CorosyncSection): CorosyncNode[] {
  const nodelist = section(conf, 'nodelist');
  if (!nodelist) return [];
  return nodelist.sections
    .filter((node) => node.name === 'node')
    .map((node) => {
      const entry: CorosyncNode = {
        addresses: Object.entries(node.values)
          .filter(([key]) => /^ring\d+_addr$/.test(key))
          .map(([, value]) => value),
      };
      if (node.values.name !== undefined) entry.name = node.values.name;
      if (node.values.nodeid !== undefined) entry.nodeid = node.values.nodeid;
      return entry;
    });
}

export interface QuorumSettings {
  provider?: string;
  twoNode: boolean;
  /** As configured; votequorum defaults it to the value of two_node. */
  waitForAll?: boolean;
  expectedVotes?: number;
  hasQdevice: boolean;
}

export function quorumSettings(conf: CorosyncSection): QuorumSettings {
  const quorum = section(conf, 'quorum');
  const flag = (value: string | undefined) => (value === undefined ? undefined : value === '1' || value === 'yes' || value === 'on');
  const settings: QuorumSettings = {
    twoNode: flag(quorum?.values.two_node) ?? false,
    hasQdevice: quorum ? section(quorum, 'device') !== undefined : false,
  };
  if (quorum?.values.provider !== undefined) settings.provider = quorum.values.provider;
  const waitForAll = flag(quorum?.values.wait_for_all);
  if (waitForAll !== undefined) settings.waitForAll = waitForAll;
  if (quorum?.values.expected_votes !== undefined && /^\d+$/.test(quorum.values.expected_votes))
    settings.expectedVotes = Number(quorum.values.expected_votes);
  return settings;
}
