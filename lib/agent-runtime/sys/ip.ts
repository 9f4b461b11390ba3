// Running iproute2 for the IPaddr2 agent: every read is `ip -j` (JSON) parsed by lib/agent-runtime/ip/iproute.ts,
// every change one `ip` call with an argument array. A monitor runs one `ip` process (more only when
// the IP is on the node but start left no record of it, and the routing table must say where ours would be).
//
import { existsSync } from 'node:fs';
import { parseAddrShow, parseRouteShow, type Link, type Route } from '../ip/iproute.js';
import type { IpAddress } from '../ip/address.js';
import { failureText, runSync, type RunResult } from './run.js';

/** Thrown when `ip` itself fails in a way that is not an answer (not installed, timed out, EPERM ...). */
export class IpCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: RunResult,
  ) {
    super(`ip ${args.join(' ')} failed: ${failureText(result)}`);
    this.name = 'IpCommandError';
  }
  get notInstalled(): boolean {
    return this.result.failure === 'not-found';
  }
  get permissionDenied(): boolean {
    return /Operation not permitted|Permission denied/i.test(this.result.stderr);
  }
}

const DEFAULT_TIMEOUT_MS = 10000;

/** One iproute2 call, in the network namespace `netns` when given (`ip -n NS`, no second process). */
export function ip(args: readonly string[], netns?: string, timeoutMs = DEFAULT_TIMEOUT_MS): RunResult {
  return runSync('ip', netns ? ['-n', netns, ...args] : args, { timeoutMs });
}

const familyFlag = (f: IpAddress['family']) => (f === 'inet' ? '-4' : '-6');
const NO_DEVICE = /does not exist|Cannot find device/i;

/**
 * The link `nic` with all its addresses; undefined when there is no such interface. No family
 * filter: with -4/-6 `ip` leaves out the link-layer fields (MAC, type) and links without such addresses.
 */
export function showLink(nic: string, netns?: string): Link | undefined {
  const args = ['-j', 'addr', 'show', 'dev', nic];
  const r = ip(args, netns);
  if (r.exitCode !== 0) {
    if (NO_DEVICE.test(r.stderr)) return undefined;
    throw new IpCommandError(args, r);
  }
  const links = parseAddrShow(r.stdout);
  return links.find((l) => l.name === nic) ?? links[0];
}

/**
 * Every link (or only `nic`: none when it does not exist) that holds `address` (any prefix length),
 * with only the copies of that address. (This filtered form has the link's flags and state, but no
 * MAC.) `ip` still reads every address from the kernel, but prints and we parse only those.
 */
export function linksHolding(address: IpAddress, netns?: string, nic?: string): Link[] {
  const args = [
    '-j',
    familyFlag(address.family),
    'addr',
    'show',
    ...(nic === undefined ? [] : ['dev', nic]),
    'to',
    `${address.text}/${address.family === 'inet' ? 32 : 128}`,
  ];
  const r = ip(args, netns);
  if (r.exitCode !== 0) {
    if (nic !== undefined && NO_DEVICE.test(r.stderr)) return [];
    throw new IpCommandError(args, r);
  }
  return parseAddrShow(r.stdout);
}

/** Routes of the main table that contain `address`. */
export function routesContaining(address: IpAddress, netns?: string): Route[] {
  const args = ['-j', familyFlag(address.family), 'route', 'show', 'match', address.text];
  const r = ip(args, netns);
  if (r.exitCode !== 0) throw new IpCommandError(args, r);
  return parseRouteShow(r.stdout);
}

/** Networks of the local table (scope host) that contain `address`: where 127.x addresses live. */
export function localRoutesContaining(address: IpAddress, netns?: string): Route[] {
  const args = ['-j', familyFlag(address.family), 'route', 'show', 'match', address.text, 'table', 'local', 'scope', 'host'];
  const r = ip(args, netns);
  if (r.exitCode !== 0) throw new IpCommandError(args, r);
  return parseRouteShow(r.stdout);
}

/** Runs a changing `ip` command; throws IpCommandError when it fails. */
export function ipChange(args: readonly string[], netns?: string, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  const r = ip(args, netns, timeoutMs);
  if (r.exitCode !== 0) throw new IpCommandError(args, r);
}

/** Named network namespaces live in /run/netns (what `ip netns add` creates). */
export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}
