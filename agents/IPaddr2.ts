// ocf:ocfkit:IPaddr2 — a virtual IPv4 or IPv6 address that follows the service, a drop-in for
// ocf:heartbeat:IPaddr2 (same parameters, defaults and meaning; Cluster IP clones excepted).
import { defineAgent, exitReason, type ActionContext } from '../lib/agent-runtime/ocf/agent.js';
import { OCF, OcfError, configError, genericError, installError, type OcfCode } from '../lib/agent-runtime/ocf/codes.js';
import type { ParamSpec } from '../lib/agent-runtime/ocf/params.js';
import { familyName } from '../lib/agent-runtime/ip/address.js';
import { labelProblem, resolveConfig, type Resolution, type VipConfig } from '../lib/agent-runtime/ip/config.js';
import { findEntry, isLoopback, isLoopbackAddress, type AddressEntry, type Link, type Placement } from '../lib/agent-runtime/ip/iproute.js';
import {
  addAddressArgs,
  announceSkipReason,
  arpingArgs,
  arpingDadArgs,
  broadcastFor,
  deleteAddressArgs,
  findOwn,
  foreignCopies,
  formatOwnRecord,
  monitorVerdict,
  na6Args,
  ownAddress,
  parseOwnRecord,
  placeAddress,
  recordFits,
  type OwnAddress,
  type PlaceResult,
} from '../lib/agent-runtime/ip/plan.js';
import {
  inNetns,
  readState,
  removeState,
  runSender,
  spawnDetached,
  stateFile,
  stopDetached,
  writeState,
} from '../lib/agent-runtime/sys/arp.js';
import {
  IpCommandError,
  ipChange,
  linksHolding,
  localRoutesContaining,
  netnsExists,
  routesContaining,
  showLink,
} from '../lib/agent-runtime/sys/ip.js';
import { createLogger, type Logger } from '../lib/agent-runtime/ocf/log.js';
import { which } from '../lib/agent-runtime/sys/which.js';
import { failureText } from '../lib/agent-runtime/sys/run.js';
import { setTimeout as sleep } from 'node:timers/promises';

const positive = (v: string) => (Number(v) > 0 ? undefined : 'must be greater than 0');
const NOT_SUPPORTED = 'Not supported by ocfkit: setting it makes validate-all and start fail with OCF_ERR_CONFIGURED.';

const parameters = [
  {
    name: 'ip',
    type: 'string',
    required: true,
    unique: true,
    shortdesc: 'IPv4 or IPv6 address',
    longdesc:
      'The virtual address, IPv4 in dotted-quad notation (192.168.1.10) or IPv6 in any standard ' +
      'notation (2001:db8::10). Give the prefix length in cidr_netmask, not here.',
  },
  {
    name: 'nic',
    type: 'string',
    shortdesc: 'network interface',
    longdesc:
      'The interface the address is added to (the base interface, e.g. eth0 or bond0). When empty, it is ' +
      'the interface of the most specific directly connected route that contains the address, looked up on start ' +
      '(lo for a 127.x address, from the local routing table, as upstream). ' +
      'The old form "eth0:label" still sets a label (see iflabel). The interface should keep an address of its own ' +
      'that the cluster does not manage (or set net.ipv4.conf.<nic>.promote_secondaries=1).',
  },
  {
    name: 'cidr_netmask',
    type: 'string',
    default: '',
    shortdesc: 'prefix length',
    longdesc:
      'The prefix length of the address in CIDR notation (24, not 255.255.255.0): 1-32 for IPv4, 1-128 for ' +
      'IPv6. When empty, it is taken from the route that places the address. Without nic, that route must contain ' +
      'the whole prefix (as upstream): a cidr_netmask wider than the connected route is refused (OCF_ERR_CONFIGURED). ' +
      'A dotted-quad IPv4 netmask is still accepted, with a warning.',
  },
  {
    name: 'broadcast',
    type: 'string',
    default: '',
    shortdesc: 'broadcast address',
    longdesc:
      'IPv4 only: the broadcast address, or "+" / "-" to derive it from the prefix by setting / clearing the ' +
      'host bits. When empty, the broadcast of the interface address that the route names as source is used, if any.',
  },
  {
    name: 'iflabel',
    type: 'string',
    default: '',
    shortdesc: 'interface label',
    longdesc:
      'IPv4 only: a label for the address, shown as <nic>:<iflabel> (at most 15 characters in all, a kernel ' +
      'limit). A label given in nic ("eth0:web") takes precedence. IPv6 addresses have no labels: it is ignored for ' +
      'them with a warning.',
  },
  {
    name: 'lvs_support',
    type: 'boolean',
    default: false,
    shortdesc: 'LVS direct routing support',
    longdesc:
      'IPv4 only. For LVS direct routing real servers that also hold the VIP on the loopback interface: on ' +
      'start, a copy of the address on a loopback interface is removed (and remembered); on stop, after the address ' +
      'is removed from nic, that copy is put back, so the node keeps serving the VIP without announcing it.',
  },
  {
    name: 'lvs_ipv6_addrlabel',
    type: 'boolean',
    default: false,
    shortdesc: 'IPv6 address label for LVS direct routing',
    longdesc:
      'IPv6 only. Adds an address label (ip addrlabel) for the address on start and removes it on stop, so ' +
      'that traffic this node originates does not pick the VIP as its source address (RFC 6724 source address ' +
      'selection); LVS direct routing health checks need this.',
  },
  {
    name: 'lvs_ipv6_addrlabel_value',
    type: 'integer',
    default: 99,
    shortdesc: 'IPv6 address label value',
    longdesc: 'The label value used by lvs_ipv6_addrlabel; pick one that `ip addrlabel list` does not use yet.',
  },
  {
    name: 'mac',
    type: 'string',
    shortdesc: 'Cluster IP MAC address (not supported)',
    longdesc: `The multicast MAC of a load-shared Cluster IP (iptables CLUSTERIP). ${NOT_SUPPORTED}`,
  },
  {
    name: 'clusterip_hash',
    type: 'string',
    default: 'sourceip-sourceport',
    shortdesc: 'Cluster IP hashing (not supported)',
    longdesc:
      `The hash that shares a Cluster IP between clone instances (sourceip, sourceip-sourceport, ` +
      `sourceip-sourceport-destport). ${NOT_SUPPORTED} So is running the agent as a clone with clone-max above 1: ` +
      'the iptables CLUSTERIP target it needs is deprecated and gone from current kernels.',
  },
  {
    name: 'unique_clone_address',
    type: 'boolean',
    default: false,
    shortdesc: 'one address per clone instance (not supported)',
    longdesc: `When true, upstream adds the clone number to the last octet of ip. ${NOT_SUPPORTED}`,
  },
  {
    name: 'arp_interval',
    type: 'integer',
    default: 200,
    check: positive,
    shortdesc: 'milliseconds between announcements',
    longdesc:
      'The interval between the unsolicited ARP (IPv4) or neighbour advertisement (IPv6) packets sent on ' +
      'start. IPv6 (na6) keeps it to the millisecond; arping counts whole seconds, so for IPv4 it is rounded up to ' +
      'whole seconds (at least 1). The first packet always leaves at once.',
  },
  {
    name: 'arp_count',
    type: 'integer',
    default: 5,
    check: positive,
    shortdesc: 'announcements sent on start',
    longdesc:
      'How many unsolicited ARP (IPv4) or neighbour advertisement (IPv6) packets start sends, so that switches ' +
      'and neighbours update their caches at once.',
  },
  {
    name: 'arp_count_refresh',
    type: 'integer',
    default: 0,
    check: (v) => (Number(v) >= 0 ? undefined : 'must be 0 or more'),
    shortdesc: 'announcements sent on each monitor',
    longdesc:
      'IPv4 only: how many unsolicited ARP packets every monitor that finds the address sends (in the ' +
      'background when arp_bg says so). Helps neighbours whose cache went stale, e.g. after a split brain. 0: none, ' +
      'and then a monitor runs a single program (ip).',
  },
  {
    name: 'arp_bg',
    type: 'string',
    default: '',
    shortdesc: 'announce in the background',
    longdesc:
      'Whether start returns before the announcements are all sent (true) or after (false). Empty: true for ' +
      'IPv4, false for IPv6. Background senders are ended by stop, so a stopped node never keeps announcing the VIP.',
  },
  {
    name: 'arp_sender',
    type: 'string',
    default: '',
    shortdesc: 'program that sends unsolicited ARP',
    longdesc:
      'IPv4 only. ocfkit sends unsolicited ARP with arping from iputils (package iputils-arping); empty, ' +
      '"iputils_arping" and "send_arp" (upstream\'s default, meaning "the default sender") all select it. ' +
      '"libnet_arping" and "ipoibarping" are not supported by ocfkit: validate-all and start fail with ' +
      'OCF_ERR_CONFIGURED. IPv6 neighbour advertisements are sent with na6 (package ipv6toolkit).',
  },
  {
    name: 'send_arp_opts',
    type: 'string',
    default: '',
    shortdesc: 'extra arping options',
    longdesc:
      'IPv4 only: options added to the arping command line, separated by spaces, e.g. "-A" to announce with ' +
      'ARP replies instead of requests.',
  },
  {
    name: 'flush_routes',
    type: 'boolean',
    default: false,
    shortdesc: 'flush the route cache on stop',
    longdesc:
      'Run `ip route flush cache` after removing the address, so local applications stop using cached ' + 'routes through it at once.',
  },
  {
    name: 'run_arping',
    type: 'boolean',
    default: false,
    shortdesc: 'check for an IPv4 address collision first',
    longdesc:
      'IPv4 only: before adding the address, ask the link with arping in duplicate address detection mode ' +
      'whether another host already uses it; if one answers, start fails (OCF_ERR_GENERIC) and nothing is added.',
  },
  {
    name: 'nodad',
    type: 'boolean',
    default: false,
    shortdesc: 'skip IPv6 duplicate address detection',
    longdesc:
      'IPv6 only: add the address with nodad. Otherwise start waits until duplicate address detection has ' +
      'finished (about a second); if it finds another node with the address, the address is removed and start ' +
      'fails.',
  },
  {
    name: 'noprefixroute',
    type: 'boolean',
    default: false,
    shortdesc: 'no prefix route',
    longdesc: 'Add the address with noprefixroute: the kernel adds no route for its prefix (see ip-address(8)).',
  },
  {
    name: 'preferred_lft',
    type: 'string',
    default: 'forever',
    shortdesc: 'IPv6 preferred lifetime',
    longdesc:
      'IPv6 only: the preferred lifetime of the address, "forever" or seconds. 0 keeps the address from being ' +
      'chosen as the source of outgoing connections (RFC 4862, 5.5.4).',
  },
  {
    name: 'network_namespace',
    type: 'string',
    default: '',
    shortdesc: 'network namespace',
    longdesc:
      'Manage the address inside this named network namespace (one that `ip netns add` created); nic must be ' +
      'an interface of that namespace.',
  },
] as const satisfies readonly ParamSpec[];

type Ctx = ActionContext<typeof parameters>;

/** The entry point a detached copy of this agent runs to send IPv6 announcements in the background. */
const ANNOUNCE_ENTRY = 'announce-ipv6';

function configOf(ctx: Ctx): Resolution {
  // clusterip_hash has upstream's default in meta-data, but only a value someone set is a problem.
  const params = { ...ctx.params, clusterip_hash: ctx.env.OCF_RESKEY_clusterip_hash ?? '' };
  return resolveConfig(params, { cloneMax: ctx.meta.cloneMax, legacyNetmask: ctx.env.OCF_RESKEY_netmask });
}

interface Ready {
  readonly config: VipConfig;
  readonly placement: Placement;
  /** The interface as it is now, with all its addresses. */
  readonly link: Link;
}

// ---------------------------------------------------------------- validate

/** Everything start needs, checked before anything changes: configuration, programs, interface, route. */
function ready(ctx: Ctx): Ready {
  const r = configOf(ctx);
  for (const line of [...r.notes, ...r.warnings]) ctx.log.warn(line);
  if (!r.config) throw configError(r.errors.join('; '));
  const c = r.config;
  requirePrograms(c);
  if (c.netns !== undefined && !netnsExists(c.netns)) throw installError(`network namespace ${c.netns} does not exist on this node`);
  const where = c.netns ? ` in network namespace ${c.netns}` : '';

  let link = c.nic !== undefined ? showLink(c.nic, c.netns) : undefined;
  if (c.nic !== undefined && !link) throw installError(`interface ${c.nic} does not exist on this node${where}`);
  const placed = placementOf(c);
  if (!placed.ok) throw placed.configError ? configError(placed.reason) : installError(`${placed.reason}${where}`);
  const placement = placed.placement;
  link ??= showLink(placement.nic, c.netns);
  if (!link) throw installError(`interface ${placement.nic} (from the routing table) does not exist${where}`);
  if (c.labelSuffix !== undefined) {
    const why = labelProblem(placement.nic, c.labelSuffix);
    if (why) throw configError(why);
  }
  return { config: c, placement, link };
}

/** Where start puts the address; looks at the routing table only for what the configuration leaves open. */
function placementOf(c: VipConfig): PlaceResult {
  if (c.nic !== undefined && c.prefix !== undefined) return placeAddress(c, undefined);
  const routes = routesContaining(c.ip, c.netns);
  const local = isLoopbackAddress(c.ip) ? localRoutesContaining(c.ip, c.netns) : [];
  return placeAddress(c, routes, local);
}

/**
 * Our address on this node: what start recorded it added (when the record fits this
 * configuration) or, without one (started by an older ocfkit, or the runtime directory was
 * emptied), where start would put it now, as upstream decides. Undefined when it cannot be placed:
 * then no copy of the IP here is ours.
 */
function ownAddressHere(ctx: Ctx, c: VipConfig, links: readonly Link[]): OwnAddress | undefined {
  const recorded = recordedOwn(ctx, c);
  if (recorded) return recorded;
  if (!links.some((l) => findEntry(l, c.ip))) return undefined; // nothing here: no need to ask the routing table
  const placed = placementOf(c);
  if (!placed.ok) ctx.log.debug(`no copy of ${c.ip.text} here is this resource's: ${placed.reason}`);
  return placed.ok ? ownAddress(c, placed.placement) : undefined;
}

function recordedOwn(ctx: Ctx, c: VipConfig): OwnAddress | undefined {
  const recorded = parseOwnRecord(readState(ownRecordFile(ctx, c)));
  return recorded && recordFits(c, recorded) ? recorded : undefined;
}

const ownRecordFile = (ctx: Ctx, c: VipConfig) => stateFile(ctx.env, 'address', c.ip.text, c.netns);

function requirePrograms(c: VipConfig): void {
  if (!which('ip')) throw installError('ip not found (package iproute2)');
  if (c.family === 'inet' && !which('arping')) throw installError('arping not found (package iputils-arping)');
  if (c.family === 'inet6' && !which('na6'))
    throw installError('na6 not found (package ipv6toolkit): it sends the IPv6 neighbour advertisements');
}

function validate(ctx: Ctx): void {
  guard(ctx, () => ready(ctx));
}

// ---------------------------------------------------------------- start

async function start(ctx: Ctx): Promise<OcfCode> {
  const { config: c, placement, link } = guard(ctx, () => ready(ctx));
  const own = ownAddress(c, placement);
  const holders = guard(ctx, () => linksHolding(c.ip, c.netns));
  const foreign = foreignCopies(holders, c, own);
  if (foreign.length > 0) {
    // Taking it over would make stop remove the system's own address; adding ours next to it would
    // leave that copy answering here after the VIP moved away.
    throw genericError(
      `${c.ip.text} is already configured on this node, not by this resource: ${foreign.join(', ')} ` +
        `(this resource adds ${c.ip.text}/${own.prefix} on ${own.nic}); remove that address from the node's network configuration`,
    );
  }
  const present = findOwn(holders, c, own)?.entry;
  guard(ctx, () => configure(ctx, c, placement, link, present));
  // Recorded also when it was there already: upstream counts it as served, and stop removes it.
  tryOrLog(ctx, () => writeState(ownRecordFile(ctx, c), formatOwnRecord(own)));
  if (c.family === 'inet6' && !c.nodad && !(present && !present.tentative)) await waitForDad(ctx, c, placement.nic);
  await announce(ctx, c, link, c.announce.count);
  return OCF.SUCCESS;
}

/** Adds the address (unless it is there already) and brings the interface up. */
function configure(ctx: Ctx, c: VipConfig, placement: Placement, link: Link, present: AddressEntry | undefined): void {
  const nic = placement.nic;
  if (present) {
    ctx.log.info(`${c.ip.text}/${present.prefixlen} is already on ${nic}: taken as this resource's address (stop removes it)`);
  } else {
    if (c.lvsSupport) releaseLoopbackCopy(ctx, c);
    if (c.runArping) collisionCheck(ctx, c, nic);
    if (c.ipv6AddrLabel !== undefined) addrLabel(ctx, c, 'add');
    const args = addAddressArgs(c, placement, broadcastFor(c, placement, link));
    ctx.log.info(`adding ${familyName(c.family)} address: ip ${args.join(' ')}`);
    ipChange(args, c.netns);
  }
  if (!link.flags.includes('UP')) {
    ctx.log.info(`bringing ${nic} up`);
    ipChange(['link', 'set', nic, 'up'], c.netns);
  }
}

/** IPv6: wait until duplicate address detection is over; a duplicate removes the address and fails start. */
async function waitForDad(ctx: Ctx, c: VipConfig, nic: string): Promise<void> {
  const announceMs = c.announce.background ? 0 : c.announce.count * c.announce.intervalMs + 1000;
  // Never past the deadline; what the announcements need is kept back when there is time for it.
  const limitMs = Math.min(15000, ctx.remainingMs(), Math.max(1000, ctx.remainingMs() - announceMs));
  const startedAt = Date.now();
  for (;;) {
    const now = guard(ctx, () => showLink(nic, c.netns));
    const entry = now ? findEntry(now, c.ip) : undefined;
    if (!entry) throw genericError(`${c.ip.text} disappeared from ${nic} during duplicate address detection`);
    if (entry.dadfailed) {
      ctx.log.error(`IPv6 address collision: another node on the link of ${nic} uses ${c.ip.text}; removing it`);
      tryOrLog(ctx, () => ipChange(deleteAddressArgs(c, nic, entry.prefixlen), c.netns));
      removeState(ownRecordFile(ctx, c));
      throw genericError(`duplicate address detection failed: ${c.ip.text} is already in use on the link of ${nic}`);
    }
    if (!entry.tentative) return;
    if (Date.now() - startedAt >= limitMs) {
      ctx.log.warn(
        `${c.ip.text} is still tentative after ${Math.round(limitMs / 1000)} s of duplicate address detection (no carrier on ${nic}?)`,
      );
      return;
    }
    await sleep(100);
  }
}

/** run_arping: nobody may answer for the address before we take it. */
function collisionCheck(ctx: Ctx, c: VipConfig, nic: string): void {
  const r = runSender('arping', arpingDadArgs(nic, c.ip.text), c.netns, 10000);
  if (r.exitCode === 1 && !r.failure)
    throw genericError(`IPv4 address collision: another host on the link of ${nic} answers for ${c.ip.text}`);
  if (r.exitCode !== 0) ctx.log.warn(`the address collision check (arping -D) could not run: ${failureText(r)}`);
}

/** lvs_ipv6_addrlabel: a label that keeps the VIP from being chosen as source address. */
function addrLabel(ctx: Ctx, c: VipConfig, op: 'add' | 'del'): void {
  const args = ['addrlabel', op, 'prefix', `${c.ip.text}/128`, 'label', String(c.ipv6AddrLabel)];
  if (op === 'add') tryOrLog(ctx, () => ipChange(args, c.netns));
  else tryOrLog(ctx, () => ipChange(args, c.netns), 'debug');
}

/** lvs_support: take a loopback copy of the address away while we hold it, and remember it for stop. */
function releaseLoopbackCopy(ctx: Ctx, c: VipConfig): void {
  for (const link of linksHolding(c.ip, c.netns).filter(isLoopback)) {
    const entry = findEntry(link, c.ip);
    if (!entry) continue;
    ctx.log.info(`removing the loopback copy ${c.ip.text}/${entry.prefixlen} from ${link.name} (put back on stop)`);
    writeState(stateFile(ctx.env, 'loopback', c.ip.text, c.netns), `${link.name} ${entry.prefixlen}\n`);
    ipChange(deleteAddressArgs(c, link.name, entry.prefixlen), c.netns);
  }
}

function restoreLoopbackCopy(ctx: Ctx, c: VipConfig): void {
  const file = stateFile(ctx.env, 'loopback', c.ip.text, c.netns);
  const saved = readState(file)?.trim().split(/\s+/);
  if (!saved || saved.length !== 2) return;
  const [lo, prefix] = saved as [string, string];
  const link = showLink(lo, c.netns);
  if (link && !findEntry(link, c.ip)) {
    ctx.log.info(`putting the loopback copy ${c.ip.text}/${prefix} back on ${lo}`);
    ipChange(['-f', 'inet', 'addr', 'add', `${c.ip.text}/${prefix}`, 'dev', lo], c.netns);
  }
  removeState(file);
}

// ---------------------------------------------------------------- announcements

/** Unsolicited ARP / NA so that neighbours and switches send the VIP's traffic here at once. */
async function announce(ctx: Ctx, c: VipConfig, link: Link, count: number): Promise<void> {
  if (count <= 0) return;
  const skip = announceSkipReason(link, c.family);
  if (skip) return ctx.log.debug(`no announcements: ${skip}`);
  const what = c.family === 'inet' ? 'unsolicited ARP' : 'unsolicited neighbour advertisement';
  const arping = () => arpingArgs(link.name, c.ip.text, count, c.announce.intervalMs, c.announce.extraArgs);
  if (c.announce.background) {
    const pidFile = stateFile(ctx.env, 'announce', c.ip.text, c.netns);
    stopDetached(pidFile, c.ip.text); // an earlier sender for the same address
    // IPv6 needs one na6 run per packet: a detached copy of this agent runs them (entry point announce-ipv6).
    const [file, args] =
      c.family === 'inet'
        ? inNetns('arping', arping(), c.netns)
        : [process.execPath, [process.argv[1] ?? '', ANNOUNCE_ENTRY, ...announceIpv6Args(c, link, count)]];
    const pid = await spawnDetached(file, args, process.env, pidFile);
    if (pid === undefined) ctx.log.error(`could not start the background ${what} sender (${file})`);
    else ctx.log.info(`sending ${count} ${what} packets for ${c.ip.text} on ${link.name} in the background (pid ${pid})`);
    return;
  }
  // In the foreground every sender ends by the operation's deadline: the address is up, and a
  // start that overruns its timeout would be a failure for an announcement cut short.
  const deadline = Date.now() + ctx.remainingMs();
  ctx.log.info(`sending ${count} ${what} packets for ${c.ip.text} on ${link.name}`);
  if (c.family === 'inet') {
    const left = deadline - Date.now();
    if (left <= 0) return ctx.log.warn(`no time left before the deadline to send ${what} for ${c.ip.text}`);
    const r = runSender('arping', arping(), c.netns, left);
    if (r.failure === 'timeout') ctx.log.warn(`arping was ended at the operation's deadline before all ${count} ${what} packets were sent`);
    else if (r.exitCode !== 0) ctx.log.error(`arping could not send unsolicited ARP: ${failureText(r)}`);
  } else {
    const link6 = { nic: link.name, mac: link.mac ?? '', netns: c.netns };
    const sent = await sendNeighbourAdvertisements(ctx.log, c.ip.text, link6, count, c.announce.intervalMs, deadline);
    if (sent < count) ctx.log.warn(`sent ${sent} of ${count} ${what} packets: the operation's deadline came first`);
  }
}

interface AnnounceLink {
  readonly nic: string;
  readonly mac: string;
  readonly netns?: string;
}

/**
 * `count` neighbour advertisements, `intervalMs` apart, none started after `deadline` (epoch ms)
 * and each na6 run bounded by it. Returns how many were sent.
 */
async function sendNeighbourAdvertisements(
  log: Logger,
  ip: string,
  link: AnnounceLink,
  count: number,
  intervalMs: number,
  deadline: number,
): Promise<number> {
  const args = na6Args(link.nic, ip, link.mac);
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      if (Date.now() + intervalMs >= deadline) return i;
      await sleep(intervalMs);
    }
    const left = deadline - Date.now();
    if (left <= 0) return i;
    const r = runSender('na6', args, link.netns, Math.min(5000, left));
    if (r.failure === 'timeout') return i;
    if (r.exitCode !== 0) {
      log.error(`na6 could not send a neighbour advertisement: ${failureText(r)}`);
      return i;
    }
  }
  return count;
}

/** The command line of the background IPv6 sender; the `--announce=IP` argument lets stop recognise it. */
function announceIpv6Args(c: VipConfig, link: Link, count: number): string[] {
  return [
    `--announce=${c.ip.text}`,
    `--nic=${link.name}`,
    `--mac=${link.mac ?? ''}`,
    `--count=${count}`,
    `--interval-ms=${c.announce.intervalMs}`,
    ...(c.netns !== undefined ? [`--netns=${c.netns}`] : []),
  ];
}

/**
 * The detached background IPv6 sender: not an OCF action (no parameters, no deadline of an
 * operation; stop ends it). Bounded all the same: it never runs longer than its packets need.
 */
async function announceIpv6(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<number> {
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const [ip, nic, mac] = [option('announce'), option('nic'), option('mac')];
  const count = Number(option('count'));
  const intervalMs = Number(option('interval-ms'));
  if (!ip || !nic || mac === undefined || !(count > 0) || !(intervalMs > 0)) return OCF.ERR_ARGS;
  const log = createLogger(`IPaddr2(${env.OCF_RESOURCE_INSTANCE || ip})`, env);
  const deadline = Date.now() + count * (intervalMs + 5000);
  await sendNeighbourAdvertisements(log, ip, { nic, mac, netns: option('netns') }, count, intervalMs, deadline);
  return OCF.SUCCESS;
}

// ---------------------------------------------------------------- monitor

async function monitor(ctx: Ctx): Promise<OcfCode> {
  const c = configOf(ctx).config;
  // A configuration that start refuses cannot have put an address anywhere.
  if (!c) return OCF.NOT_RUNNING;
  if (c.netns !== undefined && !netnsExists(c.netns)) {
    return ctx.meta.isProbe ? OCF.NOT_RUNNING : failed(ctx, `network namespace ${c.netns} does not exist (any more)`);
  }
  let links: Link[];
  let own: OwnAddress | undefined;
  try {
    links = linksToSearch(c);
    own = ownAddressHere(ctx, c, links);
  } catch (e) {
    if (e instanceof IpCommandError && e.notInstalled && ctx.meta.isProbe) return OCF.NOT_RUNNING;
    return failed(ctx, (e as Error).message);
  }
  const verdict = monitorVerdict(c, own, links, ctx.meta.isProbe);
  if (verdict.state === 'stopped') return OCF.NOT_RUNNING;
  if (verdict.state === 'failed') return failed(ctx, verdict.reason);
  await announce(ctx, c, verdict.link, c.announce.refreshCount);
  return OCF.SUCCESS;
}

/**
 * Usually one `ip` call: the configured nic with only the copies of our address (a load balancer's
 * interface can carry a thousand addresses, and listing and parsing them all was most of what a
 * monitor cost beyond Node's start-up), or every link holding the address. The whole nic (none
 * when it does not exist) when the address is not on it, so that the verdict can say why, and when
 * the monitor announces the address: that needs the link-layer address the filtered form leaves out.
 */
function linksToSearch(c: VipConfig): Link[] {
  if (c.nic === undefined) return linksHolding(c.ip, c.netns);
  const holding = c.announce.refreshCount > 0 ? [] : linksHolding(c.ip, c.netns, c.nic);
  if (holding.length > 0) return holding;
  const link = showLink(c.nic, c.netns);
  return link ? [link] : [];
}

function failed(ctx: Ctx, reason: string): OcfCode {
  exitReason(ctx.log, reason);
  return OCF.ERR_GENERIC;
}

// ---------------------------------------------------------------- stop

function stop(ctx: Ctx): OcfCode {
  const r = configOf(ctx);
  if (!r.config) {
    ctx.log.warn(`nothing to stop: start refuses this configuration (${r.errors.join('; ')})`);
    return OCF.SUCCESS;
  }
  const c = r.config;
  if (stopDetached(stateFile(ctx.env, 'announce', c.ip.text, c.netns), c.ip.text) === 'stopped') {
    ctx.log.info(`ended the background announcements for ${c.ip.text}`);
  }
  if (c.netns !== undefined && !netnsExists(c.netns)) {
    ctx.log.info(`network namespace ${c.netns} does not exist: ${c.ip.text} cannot be active in it`);
    return OCF.SUCCESS;
  }
  return guard(ctx, () => {
    const holders = linksHolding(c.ip, c.netns);
    const own = ownAddressHere(ctx, c, holders);
    const others = foreignCopies(holders, c, own);
    if (others.length > 0) ctx.log.info(`left alone, not added by this resource: ${others.join(', ')}`);
    const ours = own ? findOwn(holders, c, own) : undefined;
    if (ours) {
      const { link, entry } = ours;
      ctx.log.info(`removing ${c.ip.text}/${entry.prefixlen} from ${link.name}`);
      try {
        ipChange(deleteAddressArgs(c, link.name, entry.prefixlen), c.netns);
      } catch (e) {
        const now = showLink(link.name, c.netns);
        if (now && findOwn([now], c, own!)) throw e; // still there: a real failure, not a race with someone else's removal
      }
      if (c.flushRoutes) tryOrLog(ctx, () => ipChange(['route', 'flush', 'cache'], c.netns));
    }
    // The record goes with the address; another configuration's record is not ours to drop.
    if (recordedOwn(ctx, c)) removeState(ownRecordFile(ctx, c));
    if (c.ipv6AddrLabel !== undefined) addrLabel(ctx, c, 'del');
    // Putting the LVS copy back is a courtesy to the real server: failing it must not fail the stop.
    if (c.lvsSupport) tryOrLog(ctx, () => restoreLoopbackCopy(ctx, c));
    return OCF.SUCCESS;
  });
}

// ---------------------------------------------------------------- helpers

/** Failures of `ip` itself become OCF codes: not installed 5, not permitted 4, anything else 1. */
function guard<T>(ctx: Ctx, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (!(e instanceof IpCommandError)) throw e;
    if (e.notInstalled) throw installError('ip not found (package iproute2)');
    if (e.permissionDenied) throw new OcfError(OCF.ERR_PERM, `${ctx.action} needs root (CAP_NET_ADMIN): ${e.message}`);
    throw genericError(e.message);
  }
}

function tryOrLog(ctx: Ctx, body: () => void, level: 'warn' | 'debug' = 'warn'): void {
  try {
    body();
  } catch (e) {
    ctx.log[level]((e as Error).message);
  }
}

export default defineAgent({
  name: 'IPaddr2',
  version: '1.0',
  shortdesc: 'Manages a virtual IPv4 or IPv6 address (drop-in for ocf:heartbeat:IPaddr2)',
  longdesc: `Adds a virtual IP address to an interface on start and removes it on stop, so clients follow the
service on failover.

It takes the parameters of ocf:heartbeat:IPaddr2 with the same defaults and meaning, so a configuration moves over
by changing only the provider. On start it announces the address to the link, so that switches and neighbours
update their caches at once: unsolicited ARP with arping (package iputils-arping) for IPv4, unsolicited neighbour
advertisements with na6 (package ipv6toolkit) for IPv6, after waiting out duplicate address detection. Background
announcements are ended by stop.

Differences on purpose: the monitor also fails (OCF_ERR_GENERIC) when the interface is down, has no carrier or is
gone, or when IPv6 duplicate address detection failed, and it runs a single program (ip -j). Only the address start
added is the resource's: start records it (IP, prefix length, interface, label), so stop removes exactly that one,
even after the routes changed. The same IP configured otherwise on the node (another prefix length, another
interface, another label; a copy on lo, as LVS real servers keep, excepted) is never reported as running nor
removed, and start refuses to run next to it (OCF_ERR_GENERIC, naming it), where upstream adds its copy beside it or
takes it over. Load-shared Cluster IP clones (iptables CLUSTERIP: mac, clusterip_hash, unique_clone_address,
clone-max above 1) are not supported and rejected with OCF_ERR_CONFIGURED, as are the arp_sender values
libnet_arping and ipoibarping. Settings that only apply to the other address family are ignored with a warning. A
missing interface or route on this node is OCF_ERR_INSTALLED, so the cluster tries another node; a cidr_netmask
wider than the connected route that would place the address is OCF_ERR_CONFIGURED (upstream: OCF_ERR_GENERIC).
OCF_CHECK_LEVEL changes nothing (as upstream).`,
  parameters,
  actions: [
    { name: 'start', timeout: 20 },
    { name: 'stop', timeout: 20 },
    { name: 'monitor', timeout: 20, interval: 10, depth: 0 },
    { name: 'meta-data', timeout: 5 },
    { name: 'validate-all', timeout: 20 },
  ],
  handlers: { start, stop, monitor, status: monitor },
  validate,
  entryPoints: { [ANNOUNCE_ENTRY]: announceIpv6 },
});
