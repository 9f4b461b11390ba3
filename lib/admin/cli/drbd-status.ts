// `ocfkit drbd status`: what the DRBD resources on this node are doing, in words (or JSON).
// Live it asks `drbdsetup events2 --now --statistics`, then `drbdsetup status --verbose
// --statistics`, then reads /proc/drbd (DRBD 8.4), and looks into the kernel log for split
// brains; --from reads any of those outputs from a file instead.

import { hostname } from 'node:os';
import type { Argv } from 'yargs';
import type { DrbdParseResult } from '../drbd/index.js';
import { DRBD_INPUT_FORMATS, formatStatusText, parseDrbdText, statusDocument, withKernelLog, type DrbdInputFormat } from './drbd-report.js';
import { watchDrbd } from './drbd-watch.js';
import type { CliIo } from './system.js';
import { escapeControlCharacters, jsonForTerminal } from './terminal.js';

export interface DrbdStatusArgs {
  resource?: string;
  from?: string;
  inputFormat?: DrbdInputFormat;
  kernelLog?: string;
  json?: boolean;
  watch?: boolean;
}

export function drbdStatusOptions(yargs: Argv): Argv<DrbdStatusArgs> {
  return (
    yargs
      .usage(
        '$0 drbd status [RESOURCE] [--from FILE|-] [--input-format proc|status|json|events2] [--kernel-log FILE] [--json]\n' +
          '$0 drbd status [RESOURCE] --watch\n\n' +
          'Says what DRBD is doing: connected and in sync, resync progress with ETA, disconnected and whose\n' +
          'data is outdated, split brain and the commands that resolve it (and which node should discard\n' +
          'its changes). Reads the live state, or a saved /proc/drbd, drbdsetup status [--json] or events2.',
      )
      .positional('resource', { type: 'string', describe: 'Only this resource' })
      .option('from', { type: 'string', requiresArg: true, describe: 'Read a saved output from FILE (- for stdin) instead of asking DRBD' })
      .option('input-format', {
        type: 'string',
        choices: DRBD_INPUT_FORMATS as string[],
        describe: 'What --from holds (default: recognised from the text)',
      })
      .option('kernel-log', {
        type: 'string',
        requiresArg: true,
        describe: 'A kernel log (dmesg) to look for split brains in, with --from',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print a JSON document for programs' })
      .option('watch', {
        type: 'boolean',
        describe:
          'Follow the live state (drbdsetup events2): redraw it on a terminal, else print a timestamped line per change; ends on Ctrl-C or when the resource goes down',
      })
      .conflicts('watch', ['from', 'input-format', 'kernel-log'])
      // --json has a default (false), which yargs' conflicts() would count as given.
      .check((argv) => {
        if (argv.watch && argv.json)
          throw new Error('--watch prints for people; for programs, follow drbdsetup events2 itself or poll --json');
        return true;
      })
      .example('$0 drbd status', 'The live state of every resource')
      .example('$0 drbd status r0 --json', 'One resource, for a monitoring script')
      .example('$0 drbd status r0 --watch', 'Resync progress, connections, roles and split brains as they happen')
      .example('drbdsetup status --json | $0 drbd status --from -', 'Explain a saved or piped output')
      .epilogue(
        "The JSON document (--json) is stable, with DRBD's own state names:\n" +
          '  {"resources": [{"name", "role",\n' +
          '                  "volumes": [{"volume", "minor", "disk", "quorum"}],\n' +
          '                  "peers": [{"name", "connection", "role",\n' +
          '                             "volumes": [{"volume", "peerDisk", "replication",\n' +
          '                                          "donePercent", "outOfSync"}]}],\n' +
          '                  "splitBrain", "summary"}]}\n' +
          "quorum is DRBD 9's (true/false); outOfSync is in KiB. minor, quorum, donePercent and outOfSync are\n" +
          'null when the output does not say (events2 and drbdsetup status say more with --statistics).\n\n' +
          'Exit status: 0 the state was read (whatever it is); 1 it could not be read. --watch: 0 after Ctrl-C\n' +
          'or when the resource went down; 1 when drbdsetup events2 could not be followed.',
      )
  );
}

interface LiveRead {
  result: DrbdParseResult;
  source: string;
}

/** The richest live output available: events2, then status text, then /proc/drbd. */
async function readLive(io: CliIo): Promise<LiveRead | { error: string }> {
  const attempts: string[] = [];
  const events = await io.run('drbdsetup', ['events2', '--now', '--statistics', 'all'], { timeoutMs: 15_000 });
  if (events.exitCode === 0) {
    const result = parseDrbdText(events.stdout, 'events2');
    if (result.ok) return { result, source: 'drbdsetup events2 --now --statistics' };
    attempts.push(`drbdsetup events2: ${result.reason}`);
  } else {
    attempts.push(
      events.exitCode === undefined
        ? 'drbdsetup is not installed (drbd-utils)'
        : `drbdsetup events2 exited ${events.exitCode}: ${events.stderr.trim().split('\n').pop() ?? ''}`,
    );
  }
  const status = await io.run('drbdsetup', ['status', '--verbose', '--statistics'], { timeoutMs: 15_000 });
  if (status.exitCode === 0) {
    const result = parseDrbdText(status.stdout, 'status');
    if (result.ok) return { result, source: 'drbdsetup status --verbose --statistics' };
    attempts.push(`drbdsetup status: ${result.reason}`);
  }
  try {
    const proc = await io.readText('/proc/drbd');
    const result = parseDrbdText(proc, 'proc');
    if (result.ok) return { result, source: '/proc/drbd' };
    attempts.push(`/proc/drbd: ${result.reason}`);
  } catch {
    attempts.push('no /proc/drbd: the DRBD kernel module is not loaded');
  }
  return { error: attempts.join('; ') };
}

export async function runDrbdStatus(args: DrbdStatusArgs, io: CliIo): Promise<number> {
  if (args.watch)
    return watchDrbd({ ...(args.resource !== undefined && { resource: args.resource }), redraw: process.stdout.isTTY === true }, io);
  // Messages quote the input (a resource name, the word a parser stumbled on): escaped, like the report.
  const complain = (message: string) => io.stderr(escapeControlCharacters(`ocfkit drbd status: ${message}\n`));
  let result: DrbdParseResult;
  let kernelLog: string | undefined;
  /** This node's DRBD name, as the agent knows it (DRBD matches `on NAME` against uname -n); unknown for a saved output. */
  let localNode: string | undefined;
  if (args.from !== undefined) {
    let text: string;
    try {
      text = await io.readText(args.from);
    } catch (error) {
      complain(`cannot read ${args.from}: ${(error as Error).message}`);
      return 1;
    }
    result = parseDrbdText(text, args.inputFormat);
    if (args.kernelLog !== undefined) {
      try {
        kernelLog = await io.readText(args.kernelLog);
      } catch (error) {
        complain(`cannot read ${args.kernelLog}: ${(error as Error).message}`);
        return 1;
      }
    }
  } else {
    const live = await readLive(io);
    if ('error' in live) {
      complain(`cannot read the DRBD state here (${live.error}).`);
      return 1;
    }
    result = live.result;
    localNode = hostname();
    // Best effort: only the kernel log tells a split brain from a deliberate disconnect.
    const dmesg = await io.run('dmesg', [], { timeoutMs: 10_000 });
    if (dmesg.exitCode === 0) kernelLog = dmesg.stdout;
  }
  if (!result.ok) {
    complain(`this is not DRBD output I can read: ${result.reason}`);
    return 1;
  }

  let states = withKernelLog(result.resources, kernelLog);
  if (args.resource !== undefined) {
    states = states.filter((state) => state.name === args.resource);
    if (states.length === 0) {
      complain(`no resource "${args.resource}" (found: ${result.resources.map((state) => state.name).join(', ') || 'none'})`);
      return 1;
    }
  }
  io.stdout(args.json ? `${jsonForTerminal(statusDocument(states))}\n` : formatStatusText(states, localNode));
  return 0;
}
