// The one place that runs other programs: argument arrays through execa, never a shell.
// execa is imported lazily so that actions which run nothing (a Filesystem monitor) never load it.

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
export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    reject: false,
    timeout: options.timeoutMs,
    input: options.input,
    env: options.env,
    stripFinalNewline: false,
    // Without this, a killed child's grandchildren could keep our stdout open and hang the agent.
    forceKillAfterDelay: 1000,
  });
  const failure = result.timedOut
    ? 'timeout'
    : (result as { code?: string }).code === 'ENOENT'
      ? 'not-found'
      : result.signal
        ? 'signal'
        : undefined;
  return {
    exitCode: result.exitCode ?? (failure === 'not-found' ? 127 : 1),
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    failure,
  };
}

/** Starts a program and does not wait for it (syslog lines, background ARP). Errors are ignored. */
export async function runDetached(file: string, args: readonly string[]): Promise<void> {
  const { execa } = await import('execa');
  const child = execa(file, args, { detached: true, stdio: 'ignore', reject: false });
  child.catch(() => undefined);
  child.unref();
}
