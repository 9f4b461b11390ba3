// The CLI's only contact with the machine: files, standard streams and commands. Handlers
// receive it as `CliIo`, so tests can hand them a fake. Commands run as the agents run them
// (lib/agent-runtime/sys/run.ts run(): argument arrays, no shell, and at the timeout the child is
// killed and abandoned, so that a drbdsetup stuck in the kernel cannot hang the CLI).

import { readFile, writeFile } from 'node:fs/promises';
import { run, type RunResult } from '../../agent-runtime/sys/run.js';

export interface CommandResult {
  /** undefined when the program could not be started at all (not installed). */
  exitCode: number | undefined;
  stdout: string;
  /** What the program wrote; when our timeout killed it, a last line says so. */
  stderr: string;
  /** How it ended, when not by exiting on its own (lib/agent-runtime/sys/run.ts). */
  failure?: RunResult['failure'];
}

const DEFAULT_TIMEOUT_MS = 30_000;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A file's text; `-` reads standard input. */
  readText(path: string): Promise<string>;
  writeText(path: string, text: string): Promise<void>;
  run(command: string, args: string[], options?: { env?: Record<string, string>; timeoutMs?: number }): Promise<CommandResult>;
  env: Readonly<Record<string, string | undefined>>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readText: (path) => (path === '-' ? readStdin() : readFile(path, 'utf8')),
  writeText: (path, text) => writeFile(path, text),
  async run(command, args, options = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const result = await run(command, args, { timeoutMs, ...(options.env ? { env: options.env } : {}) });
    if (result.failure === 'not-found')
      return { exitCode: undefined, stdout: result.stdout, stderr: result.stderr, failure: result.failure };
    // Callers print stderr when a command fails: it must say that it was us who ended it.
    const stderr =
      result.failure === 'timeout' ? `${result.stderr}${command}: no answer within ${timeoutMs / 1000} s: killed\n` : result.stderr;
    return { exitCode: result.exitCode, stdout: result.stdout, stderr, ...(result.failure ? { failure: result.failure } : {}) };
  },
  env: process.env,
};
