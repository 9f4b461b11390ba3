// Running DRBD's own tools. The agent reads state with one `drbdsetup events2 --now` (one child
// process per monitor, on DRBD 8.4 and 9 alike: drbd-utils 9 speaks events2 to both kernels) and
// changes it only through `drbdadm`, which reads the resource's configuration.
import { readFileSync } from 'node:fs';
import { run, type RunResult } from './run.js';

export interface DrbdStateRead {
  /** The events2 text, when drbdsetup answered. */
  readonly text?: string;
  /** The resource is not configured in the kernel (down, or the module is not even loaded). */
  readonly unconfigured: boolean;
  /** drbdsetup is missing or failed in a way that says nothing about the resource. */
  readonly error?: string;
  readonly notInstalled?: boolean;
}

export async function readDrbdEvents(resource: string, timeoutMs: number): Promise<DrbdStateRead> {
  if (!kernelModuleLoaded()) return { unconfigured: true };
  const r = await run('drbdsetup', ['events2', '--now', '--statistics', resource], { timeoutMs });
  if (r.failure === 'not-found') return { unconfigured: true, notInstalled: true, error: 'drbdsetup not found (drbd-utils)' };
  if (r.failure === 'timeout') return { unconfigured: false, error: `drbdsetup events2 timed out after ${timeoutMs} ms` };
  // 10 is drbdsetup's "no such resource" / "not configured".
  if (r.exitCode === 10 || /No such resource|not configured|Unknown resource/i.test(r.stderr)) {
    return { unconfigured: true };
  }
  if (r.exitCode !== 0) return { unconfigured: false, error: `drbdsetup events2 failed (${r.exitCode}): ${r.stderr.trim()}` };
  return { text: r.stdout, unconfigured: false };
}

/** /proc/drbd; tests point OCFKIT_PROC_DRBD at a file of their own (hosts without a DRBD module). */
const procDrbdPath = () => process.env.OCFKIT_PROC_DRBD || '/proc/drbd';

export function kernelModuleLoaded(): boolean {
  try {
    readFileSync(procDrbdPath(), 'utf8');
    return true;
  } catch {
    return false;
  }
}

/** /proc/drbd, whose first line names the loaded module ("version: 8.4.11 (api:1/proto:86-101)"); undefined without it. */
export function procDrbdText(): string | undefined {
  try {
    return readFileSync(procDrbdPath(), 'utf8');
  } catch {
    return undefined;
  }
}

export function drbdadm(conf: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return run('drbdadm', ['-c', conf, ...args], { timeoutMs });
}

export function modprobeDrbd(timeoutMs: number): Promise<RunResult> {
  return run('modprobe', ['drbd'], { timeoutMs });
}

/** The kernel log, for split-brain evidence when a connection is StandAlone (a rare path). */
export async function kernelLog(timeoutMs: number): Promise<string> {
  const r = await run('dmesg', [], { timeoutMs });
  return r.exitCode === 0 ? r.stdout : '';
}
