// The `ocfkit` command line: its commands, help texts and shell completion (yargs). Each command
// lives in its own file; this one wires them together and turns their results into exit codes.

import yargs, { type Argv } from 'yargs';
import { findRepoRoot } from './agent-catalog.js';
import { crmGenerateOptions, runCrmGenerate, type CrmGenerateArgs } from './crm-generate.js';
import { doctorOptions, runDoctor, type DoctorArgs } from './doctor.js';
import { drbdStatusOptions, runDrbdStatus, type DrbdStatusArgs } from './drbd-status.js';
import { drbdSplitBrainOptions, runDrbdSplitBrain, type DrbdSplitBrainArgs } from './drbd-split-brain.js';
import { processIo, type CliIo } from './system.js';
import { usageMessage } from './usage-message.js';

/** package.json's version, put in by scripts/build.mjs (esbuild `define`): the installed CLI has no package.json. */
declare const OCFKIT_VERSION: string | undefined;

async function ocfkitVersion(io: CliIo): Promise<string> {
  if (typeof OCFKIT_VERSION === 'string') return OCFKIT_VERSION;
  // Run from the sources (tests): the checkout's package.json.
  const root = await findRepoRoot(io);
  if (!root) return 'unknown';
  try {
    return (JSON.parse(await io.readText(`${root}/package.json`)) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A mistake on the command line (unknown option, invalid choice, ...): exit status 2. */
class UsageError extends Error {}

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
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
        .command<CrmGenerateArgs>(
          'generate',
          'Write a Pacemaker configuration (crm, pcs or CIB XML) and, for DRBD, its resource file',
          crmGenerateOptions,
          async (args) => {
            exitCode = await runCrmGenerate(args, io);
          },
        )
        .demandCommand(1, 'Name a crm command: generate.'),
    )
    .command('drbd', 'DRBD state, in words', (drbd) =>
      drbd
        .usage('$0 drbd <command>')
        .command<DrbdStatusArgs>(
          'status [resource]',
          'Say what the DRBD resources are doing and what to do about it',
          drbdStatusOptions,
          async (args) => {
            exitCode = await runDrbdStatus(args, io);
          },
        )
        .command<DrbdSplitBrainArgs>(
          'split-brain [resource]',
          'Resolve a split brain: which node discards its changes, the commands for each node',
          drbdSplitBrainOptions,
          async (args) => {
            exitCode = await runDrbdSplitBrain(args, io);
          },
        )
        .demandCommand(1, 'Name a drbd command: status or split-brain.'),
    )
    .command<DoctorArgs>('doctor', 'Check the cluster configuration for known pitfalls', doctorOptions, async (args) => {
      exitCode = await runDoctor(args, io);
    })
    // A command of our own rather than yargs' .completion(): that one prints the script even for
    // `completion --help`. Completing words (--get-yargs-completions) works without it.
    .command(
      'completion',
      'Print a bash/zsh completion script (add it to ~/.bashrc: ocfkit completion >> ~/.bashrc)',
      (completion) =>
        completion.usage(
          '$0 completion\n\n' +
            "Prints a script that completes ocfkit's commands and options, for bash (for zsh when $SHELL is zsh).\n" +
            'Install it once: ocfkit completion >> ~/.bashrc (~/.zshrc for zsh), then open a new shell.',
        ),
      () => {
        parser.showCompletionScript();
      },
    )
    .demandCommand(1, 'Name a command: crm generate, drbd status or doctor (ocfkit --help lists them).')
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(version)
    .wrap(width)
    .epilogue('Exit status: 0 success; 1 error (or, for doctor, a dangerous finding); 2 usage error, or doctor could not read its input.')
    .fail((message, error) => {
      if (error && !message) throw error;
      // Throwing stops yargs at the first usage error: otherwise it goes on to run the command
      // with the invalid options (and reports the error after the command wrote its files).
      throw new UsageError(usageMessage(message ?? error?.message ?? 'invalid command line'));
    })
    .exitProcess(false);

  try {
    await parser.parseAsync();
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `${error.message
          .split('\n')
          .map((line) => `ocfkit: ${line}\n`)
          .join('')}Run with --help for usage.\n`,
      );
      return 2;
    }
    io.stderr(`ocfkit: ${(error as Error).message}\n`);
    return 1;
  }
  return exitCode;
}
