// DRBD's configuration as its tools print it: `drbdadm dump` (what the files say, DRBD 8.4 and 9)
// and `drbdsetup show` (what the kernel runs). Both use the same syntax:
//
//   common { net { protocol C; } }                      sections: keyword, arguments, { ... }
//   # resource r0 on node1: not ignored, not stacked    drbdadm names the host it dumped for
//   resource r0 {
//       device /dev/drbd0 minor 0;                      options: keyword, values, ;
//       on node1 { node-id 0; address ipv4 ...; }       8.4 puts device/disk in the `on` sections
//       net { fencing resource-only; }                  8.4: `disk { fencing ...; }`
//       handlers { fence-peer "/usr/lib/drbd/crm-fence-peer.9.sh"; }
//   }
//
// `drbdsetup show` names this node's part `_this_host` and each peer a `connection` section; it
// prints only what differs from the kernel's defaults and never the handlers (drbdadm runs them).
// Pure.

import { fail, guarded } from '../../agent-runtime/drbd/fields.js';
import type { Parsed } from '../../agent-runtime/drbd/model.js';

/** One statement: an option (`children` undefined) or a section. */
export interface ConfigNode {
  keyword: string;
  args: string[];
  children?: ConfigNode[];
}

export interface ConfigVolume {
  volume: number;
  minor?: number;
  /** The backing device; `none` for a diskless node. */
  disk?: string;
  /** `internal`, or the external metadata device. */
  metaDisk?: string;
}

export interface DrbdResourceConfig {
  name: string;
  /** The host drbdadm dumped the resource for (`# resource r0 on node1:`); undefined for drbdsetup show. */
  thisHost?: string;
  /** Every node of the resource (`on` sections; for drbdsetup show, this node plus one per connection). */
  nodeCount: number;
  /** `section.option` -> value (`net.fencing`, `handlers.fence-peer`, `options.quorum`); the resource's own over `common`'s, then a connection's. */
  settings: Record<string, string>;
  /** This node's volumes. */
  volumes: ConfigVolume[];
}

/** Parses either output; resources in the order printed. */
export function parseDrbdConfig(text: string): Parsed<{ resources: DrbdResourceConfig[] }> {
  return guarded(() => {
    const hostsByResource = new Map<string, string>();
    for (const match of text.matchAll(/^# resource (\S+) on (\S+?):/gm)) hostsByResource.set(match[1]!, match[2]!);
    const statements = parseStatements(tokenize(text), { position: 0 }, false);
    const common = statements.find((node) => node.keyword === 'common');
    const resources = statements
      .filter((node) => node.keyword === 'resource')
      .map((node) => resourceOf(node, common, hostsByResource.get(unquote(node.args[0] ?? ''))));
    return { ok: true, resources };
  });
}

type Token = { kind: 'word'; text: string } | { kind: '{' | '}' | ';' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|([{};])|([^\s{};"#]+)|(.)/gy;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined) tokens.push({ kind: 'word', text: match[1].replace(/\\(.)/g, '$1') });
    else if (match[2] !== undefined) tokens.push({ kind: match[2] as '{' | '}' | ';' });
    else if (match[3] !== undefined) tokens.push({ kind: 'word', text: match[3] });
    else if (match[4] !== undefined) fail(`configuration: unexpected character '${match[4]}'`);
  }
  return tokens;
}

function parseStatements(tokens: Token[], cursor: { position: number }, nested: boolean): ConfigNode[] {
  const statements: ConfigNode[] = [];
  while (cursor.position < tokens.length) {
    const token = tokens[cursor.position]!;
    if (token.kind === '}') {
      if (!nested) fail('configuration: } without {');
      cursor.position += 1;
      return statements;
    }
    if (token.kind !== 'word') fail(`configuration: expected a keyword, got '${token.kind}'`);
    const words: string[] = [];
    while (cursor.position < tokens.length && tokens[cursor.position]!.kind === 'word') {
      words.push((tokens[cursor.position] as { text: string }).text);
      cursor.position += 1;
    }
    const end = tokens[cursor.position];
    cursor.position += 1;
    if (end?.kind === ';') statements.push({ keyword: words[0]!, args: words.slice(1) });
    else if (end?.kind === '{')
      statements.push({ keyword: words[0]!, args: words.slice(1), children: parseStatements(tokens, cursor, true) });
    else fail(`configuration: '${words.join(' ')}' ends without ; or {`);
  }
  if (nested) fail('configuration: { without }');
  return statements;
}

function unquote(word: string): string {
  return word.replace(/^"(.*)"$/, '$1');
}

const SETTING_SECTIONS = new Set(['options', 'net', 'disk', 'handlers', 'startup']);

function settingsOf(sections: ConfigNode[] | undefined, into: Record<string, string>): void {
  for (const section of sections ?? []) {
    if (!SETTING_SECTIONS.has(section.keyword) || !section.children) continue;
    for (const option of section.children) {
      const key = `${section.keyword}.${option.keyword}`;
      if (!option.children && !(key in into)) into[key] = option.args.join(' ');
    }
  }
}

function resourceOf(resource: ConfigNode, common: ConfigNode | undefined, thisHost: string | undefined): DrbdResourceConfig {
  const children = resource.children ?? [];
  const settings: Record<string, string> = {};
  settingsOf(children, settings);
  settingsOf(common?.children, settings);
  const connections = children.filter((node) => node.keyword === 'connection');
  for (const connection of connections) {
    settingsOf(connection.children, settings);
    // drbdsetup show puts the resync settings under connection { volume N { disk { ... } } }.
    for (const volume of (connection.children ?? []).filter((node) => node.keyword === 'volume')) settingsOf(volume.children, settings);
  }

  const hostSections = children.filter((node) => node.keyword === 'on');
  const ownSection = children.find((node) => node.keyword === '_this_host') ?? hostSections.find((node) => node.args[0] === thisHost);
  const volumes = new Map<number, ConfigVolume>();
  for (const scope of [children, ownSection?.children ?? []]) {
    volumeOf(scope, 0, volumes);
    for (const section of scope.filter((node) => node.keyword === 'volume' && node.children)) {
      volumeOf(section.children!, Number(section.args[0]), volumes);
    }
  }
  return {
    name: unquote(resource.args[0] ?? fail('configuration: resource without a name')),
    ...(thisHost !== undefined && { thisHost }),
    nodeCount: hostSections.length > 0 ? hostSections.length : connections.length + 1,
    settings,
    volumes: [...volumes.values()].sort((a, b) => a.volume - b.volume),
  };
}

/** device / disk / meta-disk options of one scope, merged into volume `number`. */
function volumeOf(options: ConfigNode[], number: number, volumes: Map<number, ConfigVolume>): void {
  const found: Partial<ConfigVolume> = {};
  for (const option of options) {
    if (option.children) continue;
    if (option.keyword === 'device') {
      const minor = option.args.indexOf('minor');
      if (minor >= 0) found.minor = Number(option.args[minor + 1]);
      else if (/^\/dev\/drbd\d+$/.test(option.args[0] ?? '')) found.minor = Number(option.args[0]!.slice('/dev/drbd'.length));
    } else if (option.keyword === 'disk') {
      found.disk = unquote(option.args[0] ?? '');
    } else if (option.keyword === 'meta-disk') {
      found.metaDisk = option.args.join(' ');
    }
  }
  if (Object.keys(found).length === 0) return;
  volumes.set(number, { ...(volumes.get(number) ?? { volume: number }), ...found });
}

/** The fencing policy wherever the version puts it (DRBD 9 `net`, 8.4 `disk`); DRBD's default is dont-care. */
export function fencingPolicyOf(config: DrbdResourceConfig): string {
  return config.settings['net.fencing'] ?? config.settings['disk.fencing'] ?? 'dont-care';
}

/** The replication protocol; DRBD's default is C. */
export function protocolOf(config: DrbdResourceConfig): string {
  return config.settings['net.protocol'] ?? 'C';
}

/** The handlers that are set, by name (`fence-peer` -> its command). */
export function handlersOf(config: DrbdResourceConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config.settings)
      .filter(([key]) => key.startsWith('handlers.'))
      .map(([key, value]) => [key.slice('handlers.'.length), value]),
  );
}
