// What the agent decides from a VipConfig and what `ip -j` showed: which copy of the IP is ours,
// the monitor's verdict, where the address goes, the exact argument lists for ip, arping and na6. Pure.
import type { VipConfig } from './config.js';
import { sameAddress } from './address.js';
import {
  isLoopback,
  linkProblem,
  placeByRoute,
  placeLoopback,
  type AddressEntry,
  type Link,
  type Placement,
  type Route,
} from './iproute.js';

/**
 * The address this resource adds, exactly: the IP with this prefix length on this interface and,
 * for IPv4, with this label. Only that copy is ours. The same IP with another prefix length or on
 * another interface is the system's own configuration (or someone else's): the monitor does not
 * count it and stop never removes it.
 */
export interface OwnAddress {
  readonly nic: string;
  readonly prefix: number;
  /** IPv4 only: the label the kernel shows ("<nic>:<iflabel>", or the nic itself without iflabel). */
  readonly label?: string;
}

export function ownAddress(config: VipConfig, placement: Placement): OwnAddress {
  if (config.family !== 'inet') return { nic: placement.nic, prefix: placement.prefix };
  const label = config.labelSuffix !== undefined ? `${placement.nic}:${config.labelSuffix}` : placement.nic;
  return { nic: placement.nic, prefix: placement.prefix, label };
}

/** Our copy among `links`, if it is there. */
export function findOwn(links: readonly Link[], config: VipConfig, own: OwnAddress): { link: Link; entry: AddressEntry } | undefined {
  const link = links.find((l) => l.name === own.nic);
  const entry = link?.addresses.find((a) => a.family === config.family && sameAddress(config.ip, a.local) && isOwnEntry(a, own));
  return link && entry ? { link, entry } : undefined;
}

const isOwnEntry = (a: AddressEntry, own: OwnAddress) =>
  a.prefixlen === own.prefix && (own.label === undefined || a.label === undefined || a.label === own.label);

/**
 * Every other copy of the IP among `links`, as "ip/prefix on nic": what start must not take over
 * and stop must leave alone (all of them when `own` is unknown). A copy on a loopback interface
 * other than ours is left out: an LVS direct routing real server keeps the VIP on lo (lvs_support
 * handles that copy).
 */
export function foreignCopies(links: readonly Link[], config: VipConfig, own: OwnAddress | undefined): string[] {
  return links.flatMap((link) => {
    const ourLink = link.name === own?.nic;
    if (!ourLink && isLoopback(link)) return [];
    return link.addresses
      .filter((a) => a.family === config.family && sameAddress(config.ip, a.local) && !(ourLink && isOwnEntry(a, own)))
      .map(
        (a) =>
          `${config.ip.text}/${a.prefixlen} on ${link.name}${a.label !== undefined && a.label !== link.name ? ` (label ${a.label})` : ''}`,
      );
  });
}

export const sameOwn = (a: OwnAddress, b: OwnAddress) => a.nic === b.nic && a.prefix === b.prefix && a.label === b.label;

/**
 * A record fits the configuration when this configuration could have added it: the configured
 * nic and cidr_netmask (where set) and the label they give. Another configuration's record (the
 * parameters changed) says nothing about which address is ours now.
 */
export function recordFits(config: VipConfig, recorded: OwnAddress): boolean {
  return sameOwn(recorded, ownAddress(config, { nic: config.nic ?? recorded.nic, prefix: config.prefix ?? recorded.prefix }));
}

/** What start records of the address it added (one line of JSON), so stop and monitor find exactly that one. */
export function formatOwnRecord(own: OwnAddress): string {
  return `${JSON.stringify(own)}\n`;
}

export function parseOwnRecord(text: string | undefined): OwnAddress | undefined {
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (typeof o.nic !== 'string' || o.nic === '' || typeof o.prefix !== 'number' || !Number.isInteger(o.prefix)) return undefined;
    return { nic: o.nic, prefix: o.prefix, label: typeof o.label === 'string' ? o.label : undefined };
  } catch {
    return undefined;
  }
}

export type Verdict =
  | { readonly state: 'running'; readonly link: Link; readonly entry: AddressEntry }
  | { readonly state: 'stopped' }
  | { readonly state: 'failed'; readonly reason: string };

/**
 * The monitor's answer. `own` is our address (undefined when it cannot be placed: then it cannot
 * be here). `links` are what `ip -j addr show` printed: the configured nic (an empty list when it
 * does not exist), or, without nic, every link that holds the IP.
 * - running: our copy is on the interface and the interface can carry traffic;
 * - failed: our copy is there but the link is down or DAD found a duplicate, or (not in a probe)
 *   the configured interface is down or gone: the VIP has stopped working, not been stopped;
 * - stopped: our copy is not there (another copy of the IP is not ours, and does not count).
 */
export function monitorVerdict(config: VipConfig, own: OwnAddress | undefined, links: readonly Link[], probe: boolean): Verdict {
  const found = own ? findOwn(links, config, own) : undefined;
  if (!found) {
    if (probe || config.nic === undefined) return { state: 'stopped' };
    const link = links.find((l) => l.name === config.nic);
    if (!link) return { state: 'failed', reason: `interface ${config.nic} does not exist (any more)` };
    const problem = linkProblem(link);
    // IPv6 addresses vanish when their link goes down; say why rather than just "stopped".
    return problem ? { state: 'failed', reason: `${problem}, and ${config.ip.text} is gone from it` } : { state: 'stopped' };
  }
  const { link, entry } = found;
  if (entry.dadfailed) {
    return {
      state: 'failed',
      reason: `${config.ip.text} on ${link.name} failed duplicate address detection: another node on the link uses it`,
    };
  }
  const problem = linkProblem(link);
  if (problem) return { state: 'failed', reason: `${config.ip.text} is on ${link.name}, but ${problem}` };
  return { state: 'running', link, entry };
}

export type PlaceResult =
  | { readonly ok: true; readonly placement: Placement }
  /** `configError`: wrong on every node (a cidr_netmask no connected route covers), not just here. */
  | { readonly ok: false; readonly reason: string; readonly configError?: boolean };

/**
 * nic and prefix length: from the configuration, and what it leaves open from the routing table
 * (`routes`: main table; `localRoutes`: the local table, consulted for 127.x addresses only).
 * As upstream's findif: without nic, a configured cidr_netmask must be covered by the route.
 */
export function placeAddress(config: VipConfig, routes: readonly Route[] | undefined, localRoutes: readonly Route[] = []): PlaceResult {
  if (config.nic !== undefined && config.prefix !== undefined) return { ok: true, placement: { nic: config.nic, prefix: config.prefix } };
  const byRoute = (cover?: number) =>
    placeByRoute(routes ?? [], config.ip, config.nic, cover) ?? placeLoopback(localRoutes, config.ip, config.nic, cover);
  const route = byRoute(config.prefix);
  if (!route) {
    const narrower = config.prefix !== undefined ? byRoute() : undefined;
    if (narrower) {
      return {
        ok: false,
        configError: true,
        reason:
          `cidr_netmask ${config.prefix} is wider than the connected route that contains ${config.ip.text} (a /${narrower.prefix} on ${narrower.nic}): ` +
          `no route covers ${config.ip.text}/${config.prefix}, so nic cannot be found; set cidr_netmask to ${narrower.prefix} or more, or set nic`,
      };
    }
    const missing = [config.nic === undefined ? 'nic' : undefined, config.prefix === undefined ? 'cidr_netmask' : undefined]
      .filter(Boolean)
      .join(' and ');
    const where = config.nic !== undefined ? ` on ${config.nic}` : '';
    return { ok: false, reason: `no connected route${where} contains ${config.ip.text}, so ${missing} cannot be found; set ${missing}` };
  }
  return { ok: true, placement: { nic: config.nic ?? route.nic, prefix: config.prefix ?? route.prefix, prefsrc: route.prefsrc } };
}

/** The broadcast to give: configured, else that of the interface address the route names (IPv4). */
export function broadcastFor(config: VipConfig, placement: Placement, link: Link | undefined): string | undefined {
  if (config.family !== 'inet') return undefined;
  if (config.broadcast !== undefined) return config.broadcast;
  if (!placement.prefsrc || !link) return undefined;
  return link.addresses.find((a) => a.family === 'inet' && a.local === placement.prefsrc)?.broadcast;
}

/** `ip addr add` arguments. */
export function addAddressArgs(config: VipConfig, placement: Placement, broadcast: string | undefined): string[] {
  const args = ['-f', config.family, 'addr', 'add', `${config.ip.text}/${placement.prefix}`];
  if (broadcast !== undefined) args.push('brd', broadcast);
  args.push('dev', placement.nic);
  if (config.family === 'inet6' && config.nodad) args.push('nodad');
  if (config.noprefixroute) args.push('noprefixroute');
  if (config.labelSuffix !== undefined) args.push('label', `${placement.nic}:${config.labelSuffix}`);
  if (config.family === 'inet6') args.push('preferred_lft', config.preferredLft);
  return args;
}

export function deleteAddressArgs(config: VipConfig, nic: string, prefix: number): string[] {
  return ['-f', config.family, 'addr', 'del', `${config.ip.text}/${prefix}`, 'dev', nic];
}

/**
 * arping (iputils) for unsolicited ARP. iputils counts its interval in whole seconds (and a 0
 * never ends), so arp_interval is rounded up to whole seconds, at least 1: the first packet still
 * leaves at once.
 */
export function arpingArgs(nic: string, ip: string, count: number, intervalMs: number, extra: readonly string[]): string[] {
  const seconds = Math.max(1, Math.ceil(intervalMs / 1000));
  return [...extra, '-U', '-c', String(count), '-i', String(seconds), '-I', nic, ip];
}

/** arping in duplicate address detection mode (run_arping): exit 1 means someone answered. */
export function arpingDadArgs(nic: string, ip: string): string[] {
  return ['-q', '-D', '-c', '2', '-w', '3', '-I', nic, ip];
}

/**
 * na6 (ipv6toolkit) for one unsolicited neighbour advertisement: from the VIP to all nodes, with
 * the Override flag and our MAC as target link-layer address, so neighbours replace a cached entry.
 */
export function na6Args(nic: string, ip: string, mac: string): string[] {
  return ['-i', nic, '-s', ip, '-d', 'ff02::1', '-t', ip, '-o', '-e', '-S', mac];
}

/** Announcements make sense on links with neighbours (and, for na6, a link-layer address to announce). */
export function announceSkipReason(link: Link, family: VipConfig['family']): string | undefined {
  if (isLoopback(link)) return `${link.name} is a loopback interface`;
  if (family === 'inet6' && (!link.mac || /^0{2}(:0{2})*$/.test(link.mac))) return `${link.name} has no link-layer address`;
  return undefined;
}
