// The CLI's only contact with the machine: files, standard streams and commands (through execa:
// argument arrays, no shell; the agents use the lighter lib/agent-runtime/sys/run, see there why). Handlers
// receive it as `CliIo`, so tests can hand them a fake.

import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';

export interface CommandResult {
  /** undefined when the program could not be started at all (not installed). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

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
    const result = await execa(command, args, {
      reject: false,
      timeout: options.timeoutMs ?? 30_000,
      stripFinalNewline: false,
      ...(options.env ? { env: options.env } : {}),
    });
    const notFound = (result as { code?: string }).code === 'ENOENT';
    return { exitCode: notFound ? undefined : result.exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  },
  env: process.env,
};
