// The DRBD part of `ocfkit doctor`'s input: asked live from this node's DRBD, or read from saved
// outputs (--drbd-status, --drbd-config, ...). Each command has a timeout; what cannot be read is
// left out, and a node without DRBD (no drbd-utils, no module) has no DRBD facts at all.

import { parseDrbdadmAdjust, type AdjustStep } from '../drbd/adjust.js';
import { parseDrbdConfig, type DrbdResourceConfig } from '../drbd/config.js';
import { parseProcDrbdVersion, type DrbdState } from '../drbd/index.js';
import type { DrbdFacts } from '../pacemaker/doctor/index.js';
import { parseDrbdText } from './drbd-report.js';
import type { CliIo } from './system.js';

export interface DoctorDrbdArgs {
  drbdStatus?: string;
  drbdConfig?: string;
  drbdAdjust?: string[];
  drbdUsermodeHelper?: string;
  drbdBackingSize?: string[];
}

export const USERMODE_HELPER_PATH = '/sys/module/drbd/parameters/usermode_helper';
const TIMEOUT_MS = 15_000;

export function wantsDrbdFiles(args: DoctorDrbdArgs): boolean {
  return [args.drbdStatus, args.drbdConfig, args.drbdAdjust, args.drbdUsermodeHelper, args.drbdBackingSize].some(
    (value) => value !== undefined,
  );
}

/** Facts from saved outputs; an unreadable or unparsable file is an error (the user named it). */
export async function drbdFactsFromFiles(
  args: DoctorDrbdArgs,
  io: CliIo,
): Promise<{ facts: DrbdFacts; sources: string[] } | { error: string }> {
  const facts: DrbdFacts = {};
  const sources: string[] = [];
  const read = async (path: string) => {
    sources.push(path);
    return io.readText(path);
  };
  try {
    if (args.drbdStatus !== undefined) {
      const parsed = parseDrbdText(await read(args.drbdStatus));
      if (!parsed.ok) return { error: `${args.drbdStatus} is not DRBD status output I can read: ${parsed.reason}` };
      facts.states = parsed.resources;
    }
    if (args.drbdConfig !== undefined) {
      const parsed = parseDrbdConfig(await read(args.drbdConfig));
      if (!parsed.ok) return { error: `${args.drbdConfig} is not drbdadm dump output I can read: ${parsed.reason}` };
      facts.configs = parsed.resources;
    }
    for (const path of args.drbdAdjust ?? []) {
      const text = await read(path);
      const parsed = parseDrbdadmAdjust(text);
      if (!parsed.ok) return { error: `${path} is not drbdadm -d adjust output I can read: ${parsed.reason}` };
      const resource = adjustedResource(parsed.steps, facts);
      if (resource === undefined)
        return { error: `${path}: cannot tell which resource it is for; give --drbd-config or --drbd-status with it` };
      facts.adjust = { ...facts.adjust, [resource]: parsed.steps };
    }
    if (args.drbdUsermodeHelper !== undefined) facts.usermodeHelper = (await read(args.drbdUsermodeHelper)).trim();
  } catch (error) {
    return { error: `cannot read ${sources.at(-1)}: ${(error as Error).message}` };
  }
  for (const pair of args.drbdBackingSize ?? []) {
    const match = /^(\/\S+)=(\d+)$/.exec(pair);
    if (!match) return { error: `--drbd-backing-size ${pair}: expected DEVICE=BYTES (blockdev --getsize64 DEVICE)` };
    facts.backingDeviceBytes = { ...facts.backingDeviceBytes, [match[1]!]: Number(match[2]) };
  }
  return { facts, sources };
}

/** The resource an adjust output is about: the one it names among the known ones, or the only one known. */
function adjustedResource(steps: AdjustStep[], facts: DrbdFacts): string | undefined {
  const known = new Set([...(facts.configs ?? []).map((config) => config.name), ...(facts.states ?? []).map((state) => state.name)]);
  const named = steps.flatMap((step) => step.targets).find((target) => known.has(target));
  if (named !== undefined) return named;
  return known.size === 1 ? [...known][0] : undefined;
}

/** This node's DRBD, asked live. undefined: no DRBD here (neither drbd-utils nor the kernel module). */
export async function liveDrbdFacts(io: CliIo): Promise<{ facts: DrbdFacts; sources: string[] } | undefined> {
  const facts: DrbdFacts = {};
  const sources: string[] = [];
  let moduleLoaded = false;
  try {
    const version = parseProcDrbdVersion(await io.readText('/proc/drbd'));
    moduleLoaded = true;
    if (version.ok) facts.majorVersion = version.version.major >= 9 ? 9 : 8;
  } catch {
    // No /proc/drbd: the module is not loaded; the files may still be worth checking.
  }
  try {
    facts.usermodeHelper = (await io.readText(USERMODE_HELPER_PATH)).trim();
    sources.push(USERMODE_HELPER_PATH);
  } catch {
    // Only there while the module is loaded.
  }
  const dump = await io.run('drbdadm', ['dump'], { timeoutMs: TIMEOUT_MS });
  if (dump.exitCode === undefined && !moduleLoaded) return undefined;
  if (dump.exitCode === 0) {
    const parsed = parseDrbdConfig(dump.stdout);
    if (parsed.ok) {
      facts.configs = parsed.resources;
      sources.push('drbdadm dump');
    }
  }
  if (moduleLoaded) {
    facts.states = await liveStates(io, sources);
  }
  if (!moduleLoaded && (facts.configs ?? []).length === 0) return undefined;
  for (const state of facts.states ?? []) {
    const adjust = await io.run('drbdadm', ['-d', 'adjust', state.name], { timeoutMs: TIMEOUT_MS });
    const parsed = adjust.exitCode === 0 ? parseDrbdadmAdjust(adjust.stdout) : undefined;
    if (parsed?.ok) facts.adjust = { ...facts.adjust, [state.name]: parsed.steps };
  }
  if (facts.adjust) sources.push('drbdadm -d adjust');
  facts.backingDeviceBytes = await backingSizes(io, facts.configs ?? [], facts.states ?? []);
  return { facts, sources };
}

async function liveStates(io: CliIo, sources: string[]): Promise<DrbdState[] | undefined> {
  for (const [args, label] of [
    [['status', '--json'], 'drbdsetup status --json'],
    [['status', '--verbose', '--statistics'], 'drbdsetup status --verbose --statistics'],
  ] as const) {
    const result = await io.run('drbdsetup', [...args], { timeoutMs: TIMEOUT_MS });
    if (result.exitCode !== 0) continue;
    const parsed = parseDrbdText(result.stdout);
    if (parsed.ok) {
      sources.push(label);
      return parsed.resources;
    }
  }
  return undefined;
}

/** blockdev --getsize64 of the backing devices of the running resources. */
async function backingSizes(io: CliIo, configs: DrbdResourceConfig[], states: DrbdState[]): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  const running = new Set(states.map((state) => state.name));
  const devices = configs
    .filter((config) => running.has(config.name))
    .flatMap((config) => config.volumes.flatMap((volume) => (volume.disk?.startsWith('/dev/') ? [volume.disk] : [])));
  for (const device of new Set(devices)) {
    const result = await io.run('blockdev', ['--getsize64', device], { timeoutMs: TIMEOUT_MS });
    if (result.exitCode === 0 && /^\d+\s*$/.test(result.stdout)) sizes[device] = Number(result.stdout.trim());
  }
  return sizes;
}
