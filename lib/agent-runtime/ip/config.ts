// The IPaddr2 parameters, as Pacemaker passes them, turned into one checked VipConfig: what to
// add where, and how to announce it. Pure; every rule that needs no look at the system lives here.
// Errors are configuration errors (wrong on every node); warnings are settings that have no
// effect for this address family (upstream ignores them silently, we say so).
import { parseBoolean } from '../ocf/params.js';
import {
  broadcastProblem,
  familyName,
  interfaceNameProblem,
  isLinkLocal,
  parseAddress,
  parsePrefix,
  unicastProblem,
  type Family,
  type IpAddress,
} from './address.js';

/** The raw parameter values (after the runtime's type conversion). */
export interface VipParams {
  readonly ip: string;
  readonly nic: string;
  readonly cidr_netmask: string;
  readonly broadcast: string;
  readonly iflabel: string;
  readonly lvs_support: boolean;
  readonly lvs_ipv6_addrlabel: boolean;
  readonly lvs_ipv6_addrlabel_value: number;
  readonly mac: string;
  readonly clusterip_hash: string;
  readonly unique_clone_address: boolean;
  readonly arp_interval: number;
  readonly arp_count: number;
  readonly arp_count_refresh: number;
  readonly arp_bg: string;
  readonly arp_sender: string;
  readonly send_arp_opts: string;
  readonly flush_routes: boolean;
  readonly run_arping: boolean;
  readonly nodad: boolean;
  readonly noprefixroute: boolean;
  readonly preferred_lft: string;
  readonly network_namespace: string;
}

export interface VipContext {
  /** clone-max when the resource is a clone. */
  readonly cloneMax?: number;
  /** OCF_RESKEY_netmask: the name cidr_netmask had long ago, still honoured when cidr_netmask is unset. */
  readonly legacyNetmask?: string;
}

export interface Announcement {
  /** Unsolicited ARP (IPv4) / NA (IPv6) packets sent on start. */
  readonly count: number;
  readonly intervalMs: number;
  /** IPv4: packets sent on every monitor that finds the address (0: none). */
  readonly refreshCount: number;
  readonly background: boolean;
  /** Extra arguments for arping (send_arp_opts). */
  readonly extraArgs: readonly string[];
}

export interface VipConfig {
  readonly ip: IpAddress;
  readonly family: Family;
  /** The configured interface, without a ":label" suffix. */
  readonly nic?: string;
  readonly prefix?: number;
  /** An IPv4 address, "+" or "-". */
  readonly broadcast?: string;
  /** The label suffix (iflabel, or the part after ':' in nic); the kernel label is "<nic>:<suffix>". */
  readonly labelSuffix?: string;
  readonly announce: Announcement;
  readonly nodad: boolean;
  readonly noprefixroute: boolean;
  readonly preferredLft: string;
  readonly lvsSupport: boolean;
  readonly ipv6AddrLabel?: number;
  readonly flushRoutes: boolean;
  readonly runArping: boolean;
  readonly netns?: string;
}

export interface Resolution {
  readonly config?: VipConfig;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** Notes worth an info line (a dotted-quad netmask that should be rewritten). */
  readonly notes: readonly string[];
}

const NOT_SUPPORTED = 'is not supported by ocfkit';

export function resolveConfig(p: VipParams, ctx: VipContext = {}): Resolution {
  const errors: string[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];

  // Cluster IP (iptables CLUSTERIP, removed from Linux 6.x) and everything only it uses.
  if (ctx.cloneMax !== undefined && ctx.cloneMax > 1) {
    errors.push(
      `a clone with clone-max=${ctx.cloneMax} asks for a load-shared Cluster IP (iptables CLUSTERIP), which ${NOT_SUPPORTED}; run one instance (no clone, or clone-max=1)`,
    );
  }
  if (p.unique_clone_address) errors.push(`unique_clone_address ${NOT_SUPPORTED}`);
  if (p.mac.trim() !== '') errors.push(`mac (Cluster IP MAC address) ${NOT_SUPPORTED}`);
  if (p.clusterip_hash.trim() !== '') errors.push(`clusterip_hash (Cluster IP hashing) ${NOT_SUPPORTED}`);

  const sender = p.arp_sender.trim();
  if (sender === 'libnet_arping' || sender === 'ipoibarping') {
    errors.push(`arp_sender=${sender} ${NOT_SUPPORTED}; leave it empty (or iputils_arping) to use arping from iputils`);
  } else if (!['', 'send_arp', 'iputils_arping'].includes(sender)) {
    errors.push(`arp_sender='${sender}' is not one of: send_arp, iputils_arping, libnet_arping, ipoibarping`);
  }

  const parsed = parseAddress(p.ip);
  if (!parsed.ok) return { errors: [...errors, parsed.error], warnings, notes };
  const ip = parsed.value;
  const family = ip.family;
  const unicast = unicastProblem(ip);
  if (unicast) errors.push(unicast);
  const v4 = family === 'inet';
  const onlyFor = (name: string, f: Family) => `${name} applies to ${familyName(f)} addresses only; it has no effect on ${ip.text}`;

  // nic may carry a label the old way: "eth0:web".
  let nic: string | undefined = p.nic.trim() || undefined;
  let labelSuffix: string | undefined = p.iflabel.trim() || undefined;
  if (nic?.includes(':')) {
    const colon = nic.indexOf(':');
    labelSuffix = nic.slice(colon + 1) || labelSuffix;
    nic = nic.slice(0, colon);
  }
  if (nic !== undefined) {
    const why = interfaceNameProblem(nic);
    if (why) errors.push(`nic: ${why}`);
  }
  if (labelSuffix !== undefined) {
    if (!v4) {
      warnings.push(onlyFor('iflabel', 'inet'));
      labelSuffix = undefined;
    } else if (/[\s/]/.test(labelSuffix)) {
      errors.push(`iflabel '${labelSuffix}' must not contain white space or '/'`);
    } else if (nic !== undefined) {
      const why = labelProblem(nic, labelSuffix);
      if (why) errors.push(why);
    }
  }
  if (!v4 && isLinkLocal(ip) && nic === undefined) errors.push(`nic is required for the link-local address ${ip.text}`);

  let prefix: number | undefined;
  const netmask = p.cidr_netmask.trim() || ctx.legacyNetmask?.trim() || '';
  if (netmask !== '') {
    const r = parsePrefix(netmask, family);
    if (r.ok) {
      prefix = r.value.prefix;
      if (r.value.note) notes.push(r.value.note);
    } else {
      errors.push(r.error);
    }
  }

  let broadcast: string | undefined = p.broadcast.trim() || undefined;
  if (broadcast !== undefined) {
    if (!v4) errors.push(`broadcast applies to IPv4 addresses only (IPv6 has no broadcast), but ip is ${ip.text}`);
    else {
      const why = broadcastProblem(broadcast);
      if (why) errors.push(why);
    }
    if (!v4) broadcast = undefined;
  }

  if (p.lvs_support && !v4) errors.push('lvs_support is for IPv4; for LVS direct routing on IPv6 use lvs_ipv6_addrlabel');
  if (p.lvs_ipv6_addrlabel && v4) errors.push('lvs_ipv6_addrlabel is for IPv6 addresses, but ip is IPv4');
  if (p.lvs_ipv6_addrlabel_value < 0) errors.push(`lvs_ipv6_addrlabel_value ${p.lvs_ipv6_addrlabel_value} must be 0 or more`);

  const preferredLft = p.preferred_lft.trim();
  if (!/^(forever|\d{1,10})$/.test(preferredLft) || (preferredLft !== 'forever' && Number(preferredLft) > 0xffffffff)) {
    errors.push(`preferred_lft '${preferredLft}' must be "forever" or a number of seconds`);
  }
  if (v4 && preferredLft !== 'forever') warnings.push(onlyFor('preferred_lft', 'inet6'));
  if (v4 && p.nodad) warnings.push(onlyFor('nodad', 'inet6'));

  let background: boolean;
  if (p.arp_bg.trim() === '') {
    background = v4; // upstream: in the background for IPv4, in the foreground for IPv6
  } else {
    const b = parseBoolean(p.arp_bg);
    if (b === undefined) errors.push(`arp_bg='${p.arp_bg}' is not a boolean (true or false, or empty for the default)`);
    background = b ?? v4;
  }
  if (!v4) {
    if (p.arp_count_refresh > 0) warnings.push(onlyFor('arp_count_refresh', 'inet'));
    if (p.run_arping) warnings.push(onlyFor('run_arping', 'inet'));
    if (p.send_arp_opts.trim() !== '') warnings.push(onlyFor('send_arp_opts', 'inet'));
    if (sender !== '') warnings.push(onlyFor('arp_sender', 'inet'));
  }

  const netns = p.network_namespace.trim() || undefined;
  if (netns !== undefined && !/^[A-Za-z0-9_.-]+$/.test(netns)) errors.push(`network_namespace '${netns}' is not a valid namespace name`);

  if (errors.length > 0) return { errors, warnings, notes };
  return {
    errors,
    warnings,
    notes,
    config: {
      ip,
      family,
      nic,
      prefix,
      broadcast,
      labelSuffix,
      announce: {
        count: p.arp_count,
        intervalMs: p.arp_interval,
        refreshCount: v4 ? p.arp_count_refresh : 0,
        background,
        extraArgs: v4 ? p.send_arp_opts.split(/\s+/).filter(Boolean) : [],
      },
      nodad: !v4 && p.nodad,
      noprefixroute: p.noprefixroute,
      preferredLft,
      lvsSupport: v4 && p.lvs_support,
      ipv6AddrLabel: !v4 && p.lvs_ipv6_addrlabel ? p.lvs_ipv6_addrlabel_value : undefined,
      flushRoutes: p.flush_routes,
      runArping: v4 && p.run_arping,
      netns,
    },
  };
}

/** The kernel keeps at most 15 characters of "<nic>:<label>". */
export function labelProblem(nic: string, suffix: string): string | undefined {
  const label = `${nic}:${suffix}`;
  return label.length > 15 ? `interface label '${label}' is longer than the kernel's 15 characters` : undefined;
}
