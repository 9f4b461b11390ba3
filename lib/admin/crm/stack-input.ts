// Reading a stack description file (JSON or YAML) and turning command-line flags into the same
// raw shape, so both go through one validator. Pure.

import { TUNING_OPTIONS, type TuningKey } from './drbd-tuning.js';
import { parseYaml } from './yaml.js';

export type RawInputResult = { ok: true; raw: unknown } | { ok: false; reason: string };

/**
 * A description of even dozens of stacks is a few kilobytes; a bigger file is a mistake (the
 * wrong file, a runaway generator), and would only make the reader and validator work for long.
 */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

/** JSON when the file is named *.json or starts with `{`, otherwise YAML. */
export function parseStackFile(text: string, fileName: string): RawInputResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_STACK_FILE_BYTES) {
    return {
      ok: false,
      reason: `${fileName} is ${(bytes / 1024 / 1024).toFixed(1)} MiB; a stack description may be at most ${MAX_STACK_FILE_BYTES / 1024 / 1024} MiB (is it the right file?)`,
    };
  }
  const looksLikeJson = fileName.endsWith('.json') || /^\s*[{[]/.test(text);
  if (looksLikeJson) {
    try {
      return { ok: true, raw: JSON.parse(text) as unknown };
    } catch (error) {
      return { ok: false, reason: `${fileName} is not valid JSON: ${(error as Error).message}` };
    }
  }
  const parsed = parseYaml(text);
  return parsed.ok ? { ok: true, raw: parsed.value } : { ok: false, reason: `${fileName}: ${parsed.reason}` };
}

/**
 * The command-line flags of `ocfkit crm generate` that describe a stack. The DRBD tuning flags
 * are DRBD's own names (--c-max-rate): yargs hands them over as the description file's keys.
 */
export interface StackFlags extends Partial<Record<TuningKey, string>> {
  name?: string;
  drbdResource?: string;
  device?: string;
  disk?: string;
  drbdPort?: string;
  protocol?: string;
  drbdVersion?: string;
  quorum?: boolean;
  drbdFencing?: string;
  directory?: string;
  fstype?: string;
  mountOptions?: string;
  ip?: string;
  nic?: string;
  service?: string[];
  dualPrimary?: boolean;
  /** `VG/LV`: a shared VG (lvmlockd) between dual-primary DRBD and the file system. */
  sharedVg?: string;
  node?: string[];
  /** yargs reads --no-stonith as a `false` item: it means the same as --without-fencing. */
  stonith?: (string | false)[];
  withoutFencing?: boolean;
  provider?: string;
  stickiness?: string;
  rscDefault?: string[];
  opDefault?: string[];
}

/**
 * Whether the flags describe a DRBD stack: --drbd-resource or any DRBD-only setting. Without
 * them the stack is on shared storage and --device is the file system's device.
 */
export function flagsUseDrbd(flags: StackFlags): boolean {
  return (
    flags.drbdResource !== undefined ||
    flags.disk !== undefined ||
    flags.drbdPort !== undefined ||
    flags.protocol !== undefined ||
    flags.drbdVersion !== undefined ||
    flags.quorum !== undefined ||
    flags.drbdFencing !== undefined ||
    flags.dualPrimary === true ||
    TUNING_OPTIONS.some((option) => flags[option.key] !== undefined)
  );
}

/** Flags -> the raw description a file would contain, with exactly one stack. */
export function stackFlagsToRaw(flags: StackFlags): Record<string, unknown> {
  const useDrbd = flagsUseDrbd(flags);
  const drbd: Record<string, unknown> = { resource: flags.drbdResource, device: flags.device };
  if (flags.disk !== undefined) drbd.disk = flags.disk;
  if (flags.drbdPort !== undefined) drbd.port = flags.drbdPort;
  if (flags.protocol !== undefined) drbd.protocol = flags.protocol;
  if (flags.drbdVersion !== undefined) drbd.version = flags.drbdVersion;
  if (flags.quorum !== undefined) drbd.quorum = flags.quorum;
  if (flags.drbdFencing !== undefined) drbd.fencing = flags.drbdFencing;
  for (const option of TUNING_OPTIONS) if (flags[option.key] !== undefined) drbd[option.key] = flags[option.key];

  const filesystem: Record<string, unknown> = useDrbd
    ? { directory: flags.directory, fstype: flags.fstype }
    : { device: flags.device, directory: flags.directory, fstype: flags.fstype };
  if (flags.mountOptions !== undefined) filesystem.options = flags.mountOptions;

  const stack: Record<string, unknown> = useDrbd
    ? { drbd, filesystem, services: flags.service ?? [] }
    : { filesystem, services: flags.service ?? [] };
  if (flags.name !== undefined) stack.name = flags.name;
  if (flags.dualPrimary !== undefined) stack.dualPrimary = flags.dualPrimary;
  if (flags.sharedVg !== undefined) stack.sharedVg = flags.sharedVg;
  if (flags.ip !== undefined) stack.ip = flags.nic === undefined ? { address: flags.ip } : { address: flags.ip, nic: flags.nic };
  else if (flags.nic !== undefined) stack.ip = { nic: flags.nic };

  const raw: Record<string, unknown> = {
    nodes: flags.node ?? [],
    stonith: (flags.stonith ?? []).filter((device) => device !== false),
    stacks: [stack],
  };
  if (flags.withoutFencing !== undefined) raw.withoutFencing = flags.withoutFencing;
  else if (flags.stonith?.includes(false)) raw.withoutFencing = true;
  if (flags.provider !== undefined) raw.provider = flags.provider;
  if (flags.stickiness !== undefined) raw.stickiness = flags.stickiness;
  if (flags.rscDefault !== undefined) raw.rscDefaults = flags.rscDefault;
  if (flags.opDefault !== undefined) raw.opDefaults = flags.opDefault;
  return raw;
}

const FLAG_FOR_FIELD: [RegExp, string][] = [
  [/^nodes(\[\d+\])?$/, '--node'],
  [/^stonith(\[\d+\])?(\..*)?$/, '--stonith'],
  [/^withoutFencing$/, '--without-fencing'],
  [/^rscDefaults$/, '--rsc-default'],
  [/^opDefaults$/, '--op-default'],
  [/^provider$/, '--provider'],
  [/^stickiness$/, '--stickiness'],
  [/^stacks(\[\d+\])?$/, 'the stack flags'],
  [/^stacks(\[\d+\])?\.name$/, '--name'],
  [/^stacks(\[\d+\])?\.dualPrimary$/, '--dual-primary'],
  [/^stacks(\[\d+\])?\.sharedVg(\..*)?$/, '--shared-vg'],
  [/^stacks(\[\d+\])?\.drbd\.resource$/, '--drbd-resource'],
  [/^stacks(\[\d+\])?\.drbd\.device$/, '--device'],
  [/^stacks(\[\d+\])?\.drbd\.disk$/, '--disk'],
  [/^stacks(\[\d+\])?\.drbd\.port$/, '--drbd-port'],
  [/^stacks(\[\d+\])?\.drbd\.protocol$/, '--protocol'],
  [/^stacks(\[\d+\])?\.drbd\.version$/, '--drbd-version'],
  [/^stacks(\[\d+\])?\.drbd\.quorum$/, '--quorum'],
  [/^stacks(\[\d+\])?\.drbd\.fencing$/, '--drbd-fencing'],
  [/^stacks(\[\d+\])?\.filesystem\.device$/, '--device'],
  [/^stacks(\[\d+\])?\.filesystem\.directory$/, '--directory'],
  [/^stacks(\[\d+\])?\.filesystem\.fstype$/, '--fstype'],
  [/^stacks(\[\d+\])?\.filesystem\.options$/, '--mount-options'],
  [/^stacks(\[\d+\])?\.ip\.nic$/, '--nic'],
  [/^stacks(\[\d+\])?\.ip(\..*)?$/, '--ip'],
  [/^stacks(\[\d+\])?\.services(\[\d+\])?(\..*)?$/, '--service'],
];

/** Names a field by the flag that sets it, for error messages about command-line input. */
export function flagLabel(path: string): string {
  for (const [pattern, flag] of FLAG_FOR_FIELD) if (pattern.test(path)) return flag;
  const tuned = /^stacks(?:\[\d+\])?\.drbd\.(\w+)$/.exec(path);
  const option = tuned && TUNING_OPTIONS.find((candidate) => candidate.key === tuned[1]);
  if (option) return `--${option.drbdName}`;
  return path;
}
