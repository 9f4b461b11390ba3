// The one place where agents and the CLI run other programs: argument arrays, never a shell, with
// a timeout that kills (an agent must answer Pacemaker before its operation timeout, whatever the
// child does; the CLI must not hang on a drbdsetup stuck in the kernel).
//
// Built on node:child_process, not execa: measured on Node 24 here, execa's module initialisation
// costs ~20 ms of CPU on the first command an agent runs (38 ms with the first call), more than
// half of a whole monitor.
// runSync is for commands that cannot hang in the kernel (ip, arping); anything that touches a
// mount or DRBD goes through run(), which can abandon its child.
import { which } from './which.js';

// Loaded when the first program runs, not when the agent starts: node:child_process (with
// node:net and the streams it brings) costs ~4 ms of CPU to load on Node 24, measured, and a
// Filesystem monitor of a block device runs no program at all.
const childProcess = () => process.getBuiltinModule('node:child_process');

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
  const r = childProcess().spawnSync(which(file) ?? file, args, {
    encoding: 'utf8',
    input: options.input,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    timeout: options.timeoutMs === undefined ? undefined : Math.max(1, Math.round(options.timeoutMs)),
    // SIGKILL: a child that ignores TERM must not make us overrun Pacemaker's timeout.
    killSignal: 'SIGKILL',
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it; the lint's program sees a wider Error
  const errno = (r.error as NodeJS.ErrnoException | undefined)?.code;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  if (errno === 'ENOENT') return { exitCode: 127, stdout, stderr: stderr || `${file}: not found`, failure: 'not-found' };
  if (errno === 'ETIMEDOUT') return { exitCode: 1, stdout, stderr, failure: 'timeout' };
  if (r.signal) return { exitCode: 1, stdout, stderr, failure: 'signal' };
  return { exitCode: r.status ?? 1, stdout, stderr };
}

/**
 * Runs `file args...` in a child the agent can abandon: at the timeout the child gets SIGKILL and
 * the promise resolves at once, whether or not the child has died. A process in uninterruptible
 * sleep (I/O on a frozen file system, a DRBD command stuck in the kernel) cannot be killed until
 * the kernel lets it go; waiting for it, as spawnSync does, would make the agent overrun
 * Pacemaker's timeout. The abandoned child is not waited for: the agent exits and it is reparented.
 */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = childProcess().spawn(which(file) ?? file, args, {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      finish(
        e.code === 'ENOENT'
          ? { exitCode: 127, stdout, stderr: stderr || `${file}: not found`, failure: 'not-found' }
          : { exitCode: 1, stdout, stderr: stderr || e.message, failure: 'signal' },
      ),
    );
    child.on('close', (code, signal) =>
      finish(signal ? { exitCode: 1, stdout, stderr, failure: 'signal' } : { exitCode: code ?? 1, stdout, stderr }),
    );
    if (options.input !== undefined) child.stdin!.on('error', () => undefined).end(options.input);
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => {
              child.kill('SIGKILL');
              // Abandon it: its pipes may stay open for as long as the kernel holds it.
              child.stdout!.destroy();
              child.stderr!.destroy();
              child.unref();
              finish({ exitCode: 1, stdout, stderr, failure: 'timeout' });
            },
            Math.max(1, Math.round(options.timeoutMs)),
          );
  });
}

/** Starts a program and does not wait for it (syslog lines, background announcements). Errors are ignored. */
export function runDetached(file: string, args: readonly string[]): void {
  try {
    const child = childProcess().spawn(which(file) ?? file, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // nothing to report to: this is for fire-and-forget helpers
  }
}

/** A command's output as one log line: its lines joined with " / ". */
export const oneLine = (text: string): string => text.trim().split('\n').join(' / ');

/** Why a command failed, for a log line or an exit reason: its error output, else what ended it. */
export function failureText(result: RunResult): string {
  if (oneLine(result.stderr)) return oneLine(result.stderr);
  return result.failure === 'timeout' ? 'timed out' : result.failure === 'not-found' ? 'not found' : `exit ${result.exitCode}`;
}
