// The one place where agents run other programs: argument arrays, never a shell, with a timeout
// that kills (an agent must answer Pacemaker before its operation timeout, whatever the child does).
//
// Built on node:child_process, not execa: measured on Node 24 here, execa's module initialisation
// costs ~20 ms of CPU on the first command an agent runs (38 ms with the first call), more than
// half of a whole monitor; spawnSync costs ~4 ms. Agents do one thing at a time, so waiting
// synchronously loses nothing. (The interactive CLI, where that does not matter, uses execa.)
import { spawn, spawnSync } from 'node:child_process';
import { which } from './which.js';

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started (not installed) or was killed by our timeout. */
  readonly failure?: 'not-found' | 'timeout' | 'signal';
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly input?: string;
  readonly env?: Record<string, string>;
}

/** Runs `file args...` and reports how it ended; it never throws for a non-zero exit. */
export function runSync(file: string, args: readonly string[], options: RunOptions = {}): RunResult {
  // Pacemaker's PATH can be thin (no sbin): fall back to the system directories.
  const r = spawnSync(which(file) ?? file, args, {
    encoding: 'utf8',
    input: options.input,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    timeout: options.timeoutMs === undefined ? undefined : Math.max(1, Math.round(options.timeoutMs)),
    // SIGKILL: a child that ignores TERM must not make us overrun Pacemaker's timeout.
    killSignal: 'SIGKILL',
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  const errno = (r.error as NodeJS.ErrnoException | undefined)?.code;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  if (errno === 'ENOENT') return { exitCode: 127, stdout, stderr: stderr || `${file}: not found`, failure: 'not-found' };
  if (errno === 'ETIMEDOUT') return { exitCode: 1, stdout, stderr, failure: 'timeout' };
  if (r.signal) return { exitCode: 1, stdout, stderr, failure: 'signal' };
  return { exitCode: r.status ?? 1, stdout, stderr };
}

/** The same, for code that reads better with await. */
export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runSync(file, args, options);
}

/** Starts a program and does not wait for it (syslog lines, background announcements). Errors are ignored. */
export function runDetached(file: string, args: readonly string[]): void {
  try {
    const child = spawn(which(file) ?? file, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // nothing to report to: this is for fire-and-forget helpers
  }
}
