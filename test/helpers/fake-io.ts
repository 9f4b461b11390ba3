// The CLI's I/O (lib/admin/cli/system.ts CliIo) replaced by a fake machine for unit tests: files it can
// read, answers to the commands it runs (looked up by the whole command line, then by the program
// alone), and what it printed and ran.
import type { CliIo, CommandResult } from '../../lib/admin/cli/system.js';

const NOT_RUN: CommandResult = { exitCode: undefined, stdout: '', stderr: '' };

export function fakeIo(files: Record<string, string>, commands: Record<string, CommandResult> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ran: string[] = [];
  const io: CliIo = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    readText: async (path) => {
      if (path in files) return files[path]!;
      throw new Error(`ENOENT: no such file ${path}`);
    },
    writeText: async () => undefined,
    run: async (command, args) => {
      const line = [command, ...args].join(' ');
      ran.push(line);
      return commands[line] ?? commands[command] ?? NOT_RUN;
    },
    env: {},
  };
  return { io, ran, stdout: () => out.join(''), stderr: () => err.join('') };
}
