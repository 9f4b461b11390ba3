// The JSON that iproute2 prints (`ip -j addr show`, `ip -j route show`) turned into typed models,
// and the questions the agent asks of them: is our address there, is the link usable, which
// connected route places an address. Pure: the text comes from lib/agent-runtime/sys/ip.ts.
import { sameAddress, type Family, type IpAddress } from './address.js';

export interface AddressEntry {
  readonly family: Family;
  readonly local: string;
  readonly prefixlen: number;
  readonly broadcast?: string;
  readonly label?: string;
  /** IPv6 duplicate address detection still running. */
  readonly tentative: boolean;
  /** IPv6 duplicate address detection found another node with this address. */
  readonly dadfailed: boolean;
}

export interface Link {
  readonly name: string;
  readonly index: number;
  readonly flags: readonly string[];
  /** UP, DOWN, LOWERLAYERDOWN, UNKNOWN (loopback, tun), DORMANT, ... */
  readonly operstate: string;
  readonly linkType: string;
  /** The link-layer address (MAC for Ethernet). */
  readonly mac?: string;
  readonly addresses: readonly AddressEntry[];
}

export interface Route {
  /** "10.0.0.0/24", "fd00::/64", "fd00::5" (an IPv6 /128 prints without a length), "default". */
  readonly dst: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly scope?: string;
  readonly prefsrc?: string;
  readonly type?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function parseJsonArray(text: string, what: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    throw new Error(`cannot parse the JSON of ${what}: ${trimmed.slice(0, 80)}`);
  }
  if (!Array.isArray(value)) throw new Error(`${what} did not print a JSON array`);
  return value;
}

/** `ip -j addr show [...]` -> links with their addresses (entries without an ifname are skipped). */
export function parseAddrShow(text: string): Link[] {
  const links: Link[] = [];
  for (const raw of parseJsonArray(text, 'ip -j addr show')) {
    const o = raw as Record<string, unknown>;
    const name = str(o.ifname);
    if (!name) continue;
    const addrInfo = Array.isArray(o.addr_info) ? (o.addr_info as Record<string, unknown>[]) : [];
    links.push({
      name,
      index: typeof o.ifindex === 'number' ? o.ifindex : -1,
      flags: Array.isArray(o.flags) ? o.flags.filter((f): f is string => typeof f === 'string') : [],
      operstate: str(o.operstate) ?? 'UNKNOWN',
      linkType: str(o.link_type) ?? 'unknown',
      mac: str(o.address),
      addresses: addrInfo
        .filter((a) => (a.family === 'inet' || a.family === 'inet6') && typeof a.local === 'string')
        .map((a) => ({
          family: a.family as Family,
          local: a.local as string,
          prefixlen: typeof a.prefixlen === 'number' ? a.prefixlen : Number(a.prefixlen),
          broadcast: str(a.broadcast),
          label: str(a.label),
          tentative: a.tentative === true,
          dadfailed: a.dadfailed === true,
        })),
    });
  }
  return links;
}

/** `ip -j route show [...]` -> routes. */
export function parseRouteShow(text: string): Route[] {
  return parseJsonArray(text, 'ip -j route show').map((raw) => {
    const o = raw as Record<string, unknown>;
    return {
      dst: str(o.dst) ?? '',
      dev: str(o.dev),
      gateway: str(o.gateway),
      scope: str(o.scope),
      prefsrc: str(o.prefsrc),
      type: str(o.type),
    };
  });
}

export function findEntry(link: Link, ip: IpAddress): AddressEntry | undefined {
  return link.addresses.find((a) => a.family === ip.family && sameAddress(ip, a.local));
}

export const isLoopback = (link: Link) => link.linkType === 'loopback' || link.flags.includes('LOOPBACK');

/**
 * Whether packets can flow: administratively up and with a carrier. Links that report no carrier
 * state at all (operstate UNKNOWN: loopback, tun, some virtual drivers) count as up when UP is set.
 */
export function linkProblem(link: Link): string | undefined {
  if (!link.flags.includes('UP')) return `interface ${link.name} is administratively down`;
  const carrier = link.flags.includes('LOWER_UP') && !link.flags.includes('NO-CARRIER');
  if (link.operstate === 'UP' || (link.operstate === 'UNKNOWN' && !link.flags.includes('NO-CARRIER'))) return undefined;
  if (!carrier || link.operstate === 'DOWN' || link.operstate === 'LOWERLAYERDOWN') {
    return `interface ${link.name} has no carrier (state ${link.operstate})`;
  }
  return `interface ${link.name} is not operational (state ${link.operstate})`;
}

export interface Placement {
  readonly nic: string;
  readonly prefix: number;
  /** The interface's own address the route names as source; its broadcast is the default for ours. */
  readonly prefsrc?: string;
}

/**
 * Where the routing table puts `ip`: the most specific route with a prefix that contains it
 * (IPv4: only directly connected routes, scope link, no gateway), on `nic` when given. Equal
 * lengths: the last one listed wins, as upstream's findif chooses. With `cover` (the configured
 * prefix length), only routes that contain all of ip/cover count, as `ip route list match ip/cover`
 * keeps them for upstream's findif: a /16 address is not placed by a /24 route.
 * `ip -j route show match IP` has already kept only routes containing the address.
 */
export function placeByRoute(routes: readonly Route[], ip: IpAddress, nic?: string, cover?: number): Placement | undefined {
  let best: Placement | undefined;
  for (const r of routes) {
    if (!r.dev || r.dst === 'default' || r.dst === '') continue;
    if (nic !== undefined && r.dev !== nic) continue;
    if (r.type !== undefined && r.type !== 'unicast') continue;
    if (ip.family === 'inet' && (r.gateway !== undefined || r.scope !== 'link')) continue;
    const prefix = routePrefix(r, ip);
    if (prefix === undefined || (cover !== undefined && prefix > cover)) continue;
    if (best === undefined || prefix >= best.prefix) best = { nic: r.dev, prefix, prefsrc: r.prefsrc };
  }
  return best;
}

/**
 * 127.0.0.0/8 has no route in the main table: the kernel keeps `local 127.0.0.0/8 dev lo` in the
 * local table. Upstream's findif falls back to that table (scope host) for 127.x addresses; so do
 * we. Only network routes count (a `local 127.0.0.2` host entry is an address, not a network).
 * `localRoutes` is what `ip -j route show match IP table local scope host` printed.
 */
export function placeLoopback(localRoutes: readonly Route[], ip: IpAddress, nic?: string, cover?: number): Placement | undefined {
  if (!isLoopbackAddress(ip)) return undefined;
  let best: Placement | undefined;
  for (const r of localRoutes) {
    if (!r.dev || r.type !== 'local' || !r.dst.includes('/')) continue;
    if (nic !== undefined && r.dev !== nic) continue;
    const prefix = routePrefix(r, ip);
    if (prefix === undefined || (cover !== undefined && prefix > cover)) continue;
    if (best === undefined || prefix >= best.prefix) best = { nic: r.dev, prefix, prefsrc: r.prefsrc };
  }
  return best;
}

/** IPv4 127.0.0.0/8, the addresses a loopback interface carries. */
export const isLoopbackAddress = (ip: IpAddress) => ip.family === 'inet' && ip.bytes[0] === 127;

/** The prefix length of a route's destination; an IPv6 host route prints without "/128". */
function routePrefix(r: Route, ip: IpAddress): number | undefined {
  const slash = r.dst.indexOf('/');
  const prefix = slash >= 0 ? Number(r.dst.slice(slash + 1)) : ip.family === 'inet6' ? 128 : 32;
  return Number.isInteger(prefix) ? prefix : undefined;
}
