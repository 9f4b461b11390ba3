// IP addresses, prefixes and broadcast values as an admin writes them in a CIB: parsed and
// checked without asking the system. Addresses are compared by value (16 or 4 bytes), never as
// text, so "FD00:213:0::5" in the CIB is the "fd00:213::5" that `ip -j` prints.

export type Family = 'inet' | 'inet6';

export interface IpAddress {
  readonly family: Family;
  /** The address as iproute2 prints it (lower case, RFC 5952 zero compression for IPv6). */
  readonly text: string;
  readonly bytes: readonly number[];
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** Strict dotted quad: four decimal numbers 0-255, no leading zeros (inet_aton would read 010 as octal). */
export function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

/** IPv6 in any RFC 4291 text form (with "::" and an embedded dotted quad); no zone index. */
export function parseIpv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  // A dotted quad may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** RFC 5952 text (what glibc's inet_ntop, and so `ip`, prints). */
export function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // IPv4-mapped addresses keep their dotted quad.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${bytes.slice(12).join('.')}`;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestLen < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** The family is told by the text: a colon means IPv6 (as upstream decides it). */
export function parseAddress(raw: string): Parsed<IpAddress> {
  const text = raw.trim();
  if (text === '') return fail('no address given');
  if (text.includes('/')) return fail(`'${text}' has a prefix length; give it in cidr_netmask instead`);
  if (text.includes('%')) return fail(`'${text}' has a zone index; give the interface in nic instead`);
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    if (!bytes) return fail(`'${text}' is not a valid IPv6 address`);
    return ok({ family: 'inet6', text: formatIpv6(bytes), bytes });
  }
  const bytes = parseIpv4(text);
  if (!bytes) return fail(`'${text}' is not a valid IPv4 address (dotted quad, e.g. 192.168.1.10)`);
  return ok({ family: 'inet', text: bytes.join('.'), bytes });
}

/** Why this address cannot be a virtual IP, or undefined. */
export function unicastProblem(a: IpAddress): string | undefined {
  const b = a.bytes;
  if (a.family === 'inet') {
    if (b[0] === 0) return `${a.text} is in 0.0.0.0/8, which is not a host address`;
    if (b[0]! >= 224 && b[0]! <= 239) return `${a.text} is a multicast address`;
    if (b[0]! >= 240) return `${a.text} is a reserved or broadcast address`;
    return undefined;
  }
  if (b.every((x) => x === 0)) return 'the unspecified address :: cannot be assigned';
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return '::1 is the loopback address';
  if (b[0] === 0xff) return `${a.text} is a multicast address`;
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return `${a.text} is an IPv4-mapped address; give the IPv4 address itself`;
  }
  return undefined;
}

export function isLinkLocal(a: IpAddress): boolean {
  return a.family === 'inet6' ? a.bytes[0] === 0xfe && (a.bytes[1]! & 0xc0) === 0x80 : a.bytes[0] === 169 && a.bytes[1] === 254;
}

/** Whether `text` (as `ip` prints it) is the same address as `a`. */
export function sameAddress(a: IpAddress, text: string): boolean {
  const bytes = a.family === 'inet6' ? parseIpv6(text) : parseIpv4(text);
  return bytes !== undefined && bytes.every((x, i) => x === a.bytes[i]);
}

/**
 * cidr_netmask: a prefix length 1..32 (IPv4) or 1..128 (IPv6). For IPv4 a dotted-quad netmask
 * (255.255.255.0) is still taken, as upstream does for old configurations, with a note to convert it.
 */
export function parsePrefix(raw: string, family: Family): Parsed<{ prefix: number; note?: string }> {
  const text = raw.trim();
  const max = family === 'inet' ? 32 : 128;
  if (/^\d{1,3}$/.test(text)) {
    const prefix = Number(text);
    if (prefix < 1 || prefix > max) return fail(`cidr_netmask ${text} is out of range (1-${max} for ${familyName(family)})`);
    return ok({ prefix });
  }
  if (family === 'inet') {
    const bytes = parseIpv4(text);
    if (bytes) {
      const value = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
      const prefix = 32 - Math.log2(2 ** 32 - value);
      if (value !== 0 && Number.isInteger(prefix)) {
        return ok({ prefix, note: `cidr_netmask ${text} is a dotted-quad netmask; please write ${prefix}` });
      }
      return fail(`cidr_netmask ${text} is not a contiguous netmask`);
    }
  }
  return fail(`cidr_netmask '${text}' is not a prefix length (1-${max})`);
}

/** broadcast: an IPv4 address, or "+" / "-" (derive from the prefix by setting / clearing the host bits). */
export function broadcastProblem(raw: string): string | undefined {
  const text = raw.trim();
  if (text === '+' || text === '-') return undefined;
  return parseIpv4(text) ? undefined : `broadcast '${text}' is neither an IPv4 address nor + or -`;
}

/** Interface names as the kernel takes them: 1-15 bytes, no '/', ':' or white space, not . or .. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 15) return `interface name '${name}' must be 1 to 15 characters long`;
  if (/[\s/:]/.test(name) || name === '.' || name === '..') return `'${name}' is not a valid interface name`;
  return undefined;
}

export const familyName = (f: Family) => (f === 'inet' ? 'IPv4' : 'IPv6');
