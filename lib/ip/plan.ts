// What the agent decides from a VipConfig and what `ip -j` showed: the monitor's verdict, where the
// address goes, the exact argument lists for ip, arping and na6. Pure.
import type { VipConfig } from './config.js';
import { findEntry, isLoopback, linkProblem, placeByRoute, type AddressEntry, type Link, type Placement, type Route } from './iproute.js';

export type Verdict =
  | { readonly state: 'running'; readonly link: Link; readonly entry: AddressEntry }
  | { readonly state: 'stopped' }
  | { readonly state: 'failed'; readonly reason: string };

/**
 * The monitor's answer. `links` are what `ip -j addr show` printed: the configured nic alone (an
 * empty list when it does not exist), or, without nic, every link that holds the address.
 * - running: the address is on the interface and the interface can carry traffic;
 * - failed: the address is there but the link is down or DAD found a duplicate, or (not in a
 *   probe) the configured interface is down or gone: the VIP has stopped working, not been stopped;
 * - stopped: the address is not there.
 */
export function monitorVerdict(config: VipConfig, links: readonly Link[], probe: boolean): Verdict {
  const holders = candidateLinks(config, links).filter((l) => findEntry(l, config.ip));
  if (holders.length === 0) {
    if (probe || config.nic === undefined) return { state: 'stopped' };
    const link = links.find((l) => l.name === config.nic);
    if (!link) return { state: 'failed', reason: `interface ${config.nic} does not exist (any more)` };
    const problem = linkProblem(link);
    // IPv6 addresses vanish when their link goes down; say why rather than just "stopped".
    return problem ? { state: 'failed', reason: `${problem}, and ${config.ip.text} is gone from it` } : { state: 'stopped' };
  }
  const link = holders.find((l) => !linkProblem(l)) ?? holders[0]!;
  const entry = findEntry(link, config.ip)!;
  if (entry.dadfailed) {
    return { state: 'failed', reason: `${config.ip.text} on ${link.name} failed duplicate address detection: another node on the link uses it` };
  }
  const problem = linkProblem(link);
  if (problem) return { state: 'failed', reason: `${config.ip.text} is on ${link.name}, but ${problem}` };
  return { state: 'running', link, entry };
}

/**
 * The links where our address counts: the configured nic, or without one any link but loopback
 * (an LVS real server keeps the VIP on lo, and that copy is not the resource).
 */
export function candidateLinks(config: VipConfig, links: readonly Link[]): Link[] {
  return links.filter((l) => (config.nic !== undefined ? l.name === config.nic : !isLoopback(l)));
}

export type PlaceResult = { readonly ok: true; readonly placement: Placement } | { readonly ok: false; readonly reason: string };

/** nic and prefix length: from the configuration, and what it leaves open from the routing table. */
export function placeAddress(config: VipConfig, routes: readonly Route[] | undefined): PlaceResult {
  if (config.nic !== undefined && config.prefix !== undefined) return { ok: true, placement: { nic: config.nic, prefix: config.prefix } };
  const route = placeByRoute(routes ?? [], config.ip, config.nic);
  if (!route) {
    const missing = [config.nic === undefined ? 'nic' : undefined, config.prefix === undefined ? 'cidr_netmask' : undefined].filter(Boolean).join(' and ');
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
