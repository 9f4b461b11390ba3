// The `ocfkit` command line: its commands, help texts and shell completion (yargs). Each command
// lives in its own file; this one wires them together and turns their results into exit codes.

import yargs, { type Argv } from 'yargs';
import { findRepoRoot } from './agent-catalog.js';
import { crmGenerateOptions, runCrmGenerate, type CrmGenerateArgs } from './crm-generate.js';
import { doctorOptions, runDoctor, type DoctorArgs } from './doctor.js';
import { drbdStatusOptions, runDrbdStatus, type DrbdStatusArgs } from './drbd-status.js';
import { processIo, type CliIo } from './system.js';

async function ocfkitVersion(io: CliIo): Promise<string> {
  const root = await findRepoRoot(io);
  if (!root) return 'unknown';
  try {
    return (JSON.parse(await io.readText(`${root}/package.json`)) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const usageErrors: string[] = [];
  const version = await ocfkitVersion(io);
  const width = Math.min(110, process.stdout.columns ?? 100);

  const parser: Argv = yargs(argv)
    .scriptName('ocfkit')
    .usage(
      '$0 <command> [options]\n\n' +
      'Tools for Pacemaker clusters of DRBD stacks: generate a correct configuration, explain what DRBD\n' +
      'is doing, and find the configuration mistakes that bite later.',
    )
    .command('crm', 'Cluster configuration for DRBD or shared-storage stacks', (crm) =>
      crm
        .usage('$0 crm <command>')
        .command<CrmGenerateArgs>('generate', 'Write a Pacemaker configuration (crm, pcs or CIB XML) and, for DRBD, its resource file', crmGenerateOptions, async (args) => {
          exitCode = await runCrmGenerate(args, io);
        })
        .demandCommand(1, 'Name a crm command: generate.'))
    .command('drbd', 'DRBD state, in words', (drbd) =>
      drbd
        .usage('$0 drbd <command>')
        .command<DrbdStatusArgs>('status [resource]', 'Say what the DRBD resources are doing and what to do about it', drbdStatusOptions, async (args) => {
          exitCode = await runDrbdStatus(args, io);
        })
        .demandCommand(1, 'Name a drbd command: status.'))
    .command<DoctorArgs>('doctor', 'Check the cluster configuration for known pitfalls', doctorOptions, async (args) => {
      exitCode = await runDoctor(args, io);
    })
    .completion('completion', 'Print a bash/zsh completion script (add it to ~/.bashrc: ocfkit completion >> ~/.bashrc)')
    .demandCommand(1, 'Name a command: crm generate, drbd status or doctor (ocfkit --help lists them).')
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(version)
    .wrap(width)
    .epilogue('Exit status: 0 success; 1 error (or, for doctor, a dangerous finding); 2 doctor could not read its input.')
    .fail((message, error) => {
      if (error && !message) throw error;
      usageErrors.push(message ?? error?.message ?? 'invalid command line');
    })
    .exitProcess(false);

  try {
    await parser.parseAsync();
  } catch (error) {
    io.stderr(`ocfkit: ${(error as Error).message}\n`);
    return 1;
  }
  if (usageErrors.length > 0) {
    io.stderr(`${usageErrors.map((message) => `ocfkit: ${message}\n`).join('')}Run with --help for usage.\n`);
    return 1;
  }
  return exitCode;
}
