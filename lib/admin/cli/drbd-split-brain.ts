// `ocfkit drbd split-brain [RESOURCE]`: a guided resolution. It shows both sides of each split
// brain on this node (role, what each wrote since the split, data generations), proposes which
// node discards its changes, and prints the commands for each node (lib/agent-runtime/drbd/diagnosis.ts's step
// builder, the same the agent's exit reason uses). `--execute` runs this node's part after a
// confirmation, then watches the connection come up. It refuses, running nothing, when the live
// state no longer is what it showed.
//
// Commands go through lib/agent-runtime/sys/run.ts (argument vectors, a timeout that abandons a child stuck in
// the kernel: drbdadm can hang).

import { hostname } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Argv } from 'yargs';
import { parseGenerationIds, syncHandshakesInKernelLog } from '../drbd/generation-ids.js';
import { RESYNC_STATES, parseProcDrbdVersion, type DrbdState } from '../drbd/index.js';
import { hostsInDump, resolutionSteps, splitBrainCases, type SplitBrainCase, type SplitBrainSide } from '../drbd/split-brain.js';
import { run, type RunResult } from '../../agent-runtime/sys/run.js';
import { parseDrbdText, withKernelLog } from './drbd-report.js';
import type { CliIo } from './system.js';
import { escapeControlCharacters } from './terminal.js';

export interface DrbdSplitBrainArgs {
  resource?: string;
  discardOn?: string;
  keep?: string;
  execute?: boolean;
  yes?: boolean;
  wait?: number;
}

export function drbdSplitBrainOptions(yargs: Argv): Argv<DrbdSplitBrainArgs> {
  return yargs
    .usage(
      '$0 drbd split-brain [RESOURCE] [--discard-on NODE | --keep NODE] [--execute [--yes] [--wait SECONDS]]\n\n' +
        "Resolves a DRBD split brain step by step: shows each side's role, what it wrote since the split\n" +
        '(data generations, blocks out of sync), proposes which node discards its changes (one that wrote\n' +
        'nothing; when both wrote, you choose) and prints the commands for each node. --execute runs this\n' +
        "node's part after a confirmation and checks that the connection comes back.",
    )
    .positional('resource', { type: 'string', describe: 'Only this resource' })
    .option('discard-on', { type: 'string', requiresArg: true, describe: 'The node whose changes since the split are thrown away' })
    .option('keep', { type: 'string', requiresArg: true, describe: 'The node whose data is kept (the other one discards)' })
    .conflicts('discard-on', 'keep')
    .option('execute', { type: 'boolean', default: false, describe: "Run this node's part of the resolution" })
    .option('yes', { type: 'boolean', default: false, describe: 'Do not ask for confirmation (scripts)' })
    .option('wait', {
      type: 'number',
      default: 60,
      requiresArg: true,
      describe: 'With --execute: seconds to wait for the connection and the resync',
    })
    .example('$0 drbd split-brain', 'Explain every split brain on this node')
    .example('$0 drbd split-brain r0 --execute --discard-on node2', 'On node2, then on its peer: resolve it, node2 loses its changes')
    .epilogue(
      'NODE is a host name as in the resource file (DRBD 8.4: also "peer" for the other node).\n' +
        "Exit status: 0 shown, or this node's part done; 1 the state could not be read, --execute refused\n" +
        '(nothing run) or a command failed; 2 usage error.',
    );
}

/** The machine, for tests to replace: commands, this host's name, the confirmation prompt, the clock. */
export interface SplitBrainHost {
  run(file: string, args: readonly string[], options: { timeoutMs: number }): Promise<RunResult>;
  hostname(): string;
  readText(path: string): Promise<string>;
  /** Asks on the terminal; undefined when standard input is not a terminal. */
  confirm(question: string): Promise<boolean | undefined>;
  sleep(ms: number): Promise<void>;
}

export const liveHost: SplitBrainHost = {
  run: (file, args, options) => run(file, args, options),
  hostname,
  readText: async (path) => (await import('node:fs/promises')).readFile(path, 'utf8'),
  async confirm(question) {
    if (!process.stdin.isTTY) return undefined;
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^(y|yes)$/i.test((await prompt.question(question)).trim());
    } finally {
      prompt.close();
    }
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** drbdadm and drbdsetup can hang in the kernel: every call is bounded. */
const COMMAND_TIMEOUT_MS = 30_000;

/** What this node sees: the states with split brains marked, and the cases. */
interface SplitBrainView {
  states: DrbdState[];
  cases: { splitCase: SplitBrainCase; drbd: DrbdState }[];
  /** "DRBD 8.4.11" from /proc/drbd, when readable. */
  version?: string;
}

async function readView(host: SplitBrainHost, resource: string | undefined): Promise<SplitBrainView | { error: string }> {
  const events = await host.run('drbdsetup', ['events2', '--now', '--statistics', 'all'], { timeoutMs: COMMAND_TIMEOUT_MS });
  if (events.failure === 'not-found') return { error: 'drbdsetup is not installed (drbd-utils)' };
  if (events.exitCode !== 0)
    return {
      error: `drbdsetup events2 ${events.failure === 'timeout' ? 'timed out' : `exited ${events.exitCode}`}: ${events.stderr.trim().split('\n').pop() ?? ''}`,
    };
  const parsed = parseDrbdText(events.stdout, 'events2');
  if (!parsed.ok) return { error: `drbdsetup events2: ${parsed.reason}` };
  const dmesg = await host.run('dmesg', [], { timeoutMs: COMMAND_TIMEOUT_MS });
  const kernelLog = dmesg.exitCode === 0 ? dmesg.stdout : '';
  let states = withKernelLog(parsed.resources, kernelLog);
  if (resource !== undefined) {
    states = states.filter((state) => state.name === resource);
    if (states.length === 0)
      return { error: `no resource "${resource}" is up here (found: ${parsed.resources.map((state) => state.name).join(', ') || 'none'})` };
  }
  const handshakes = syncHandshakesInKernelLog(kernelLog);
  const cases: SplitBrainView['cases'] = [];
  for (const state of states.filter((candidate) => candidate.connections.some((connection) => connection.splitBrain))) {
    // Best effort, each: what they add is shown when they answer.
    const gi = await host.run('drbdadm', ['get-gi', state.name], { timeoutMs: COMMAND_TIMEOUT_MS });
    const generations = gi.exitCode === 0 ? parseGenerationIds(gi.stdout) : undefined;
    const dump = await host.run('drbdadm', ['dump', state.name], { timeoutMs: COMMAND_TIMEOUT_MS });
    const hosts = dump.exitCode === 0 ? hostsInDump(dump.stdout) : { hosts: [] };
    const hereName = hosts.thisHost ?? host.hostname();
    const others = hosts.hosts.filter((name) => name !== hereName);
    for (const splitCase of splitBrainCases({
      state,
      handshakes,
      hereName,
      ...(generations?.ok ? { localGenerations: generations.sets } : {}),
      ...(others.length === 1 ? { unnamedPeerName: others[0]! } : {}),
    }))
      cases.push({ splitCase, drbd: state });
  }
  let version: string | undefined;
  try {
    const proc = parseProcDrbdVersion(await host.readText('/proc/drbd'));
    if (proc.ok) version = `DRBD ${proc.version.major}.${proc.version.minor}.${proc.version.patch}`;
  } catch {
    // no module: events2 above would have failed already
  }
  return { states, cases, ...(version ? { version } : {}) };
}

/** The side `--discard-on`/`--keep` name, or an error. */
function chosenVictim(args: DrbdSplitBrainArgs, splitCase: SplitBrainCase): 'here' | 'peer' | undefined | { error: string } {
  const named = args.discardOn ?? args.keep;
  if (named === undefined) return undefined;
  const matches = (side: SplitBrainSide) => side.node === named || (!side.here && named === 'peer' && splitCase.connection === 'peer');
  const side = matches(splitCase.here) ? 'here' : matches(splitCase.peer) ? 'peer' : undefined;
  if (!side)
    return {
      error: `${args.discardOn !== undefined ? '--discard-on' : '--keep'} ${named}: not a side of the split brain of ${splitCase.resource} (${splitCase.here.node}, ${splitCase.peer.node})`,
    };
  if (args.discardOn !== undefined) return side;
  return side === 'here' ? 'peer' : 'here';
}

function sideWords(side: SplitBrainSide): string {
  const role = side.here
    ? `${side.role} now`
    : side.role === 'Unknown'
      ? 'role unknown'
      : `${side.role} when DRBD detected the split brain`;
  const wrote =
    side.changedKiB === undefined
      ? 'what it wrote since the split is unknown'
      : `wrote ${side.changedKiB} KiB since the split (${side.changedKiB / 4} block${side.changedKiB === 4 ? '' : 's'} out of sync${side.here ? '' : ', as of the detection, from the kernel log'})`;
  const generation = side.generation ? `; data generation ${side.generation.current}, split off from ${side.generation.base}` : '';
  return `${side.node}${side.here ? ' (this node)' : ''}: ${role}; ${wrote}${generation}`;
}

/** The explanation of one case, with the commands for the given (or proposed) victim. */
export function formatSplitBrainCase(
  drbd: DrbdState,
  splitCase: SplitBrainCase,
  chosen: 'here' | 'peer' | undefined,
  version?: string,
): string[] {
  const { here, peer, proposal } = splitCase;
  const lines = [
    `${splitCase.resource}: split brain between ${here.node} (this node) and ${peer.node}: DRBD will not reconnect them until one discards its changes since the split`,
    `  ${sideWords(here)}`,
    `  ${sideWords(peer)}`,
  ];
  const victim = chosen ?? proposal.victim;
  const sideOf = (which: 'here' | 'peer') => (which === 'here' ? here : peer);
  if (chosen) {
    lines.push(`  You chose: ${sideOf(chosen).node} discards its changes (${proposal.reason}).`);
  } else if (victim) {
    lines.push(`  Proposal: ${sideOf(victim).node} discards its changes: ${proposal.reason}.`);
    if (!proposal.safe) lines.push('  Only you know whose writes matter: choose with --discard-on NODE or --keep NODE.');
  } else {
    lines.push(`  No proposal: ${proposal.reason}. Choose with --discard-on NODE or --keep NODE.`);
  }
  if (!victim) return lines;
  const steps = resolutionSteps(drbd, splitCase, victim);
  const form =
    drbd.connections.length > 1
      ? `several peers: the commands name the connection, ${drbd.name}:NODE`
      : 'one peer: the commands name the resource';
  lines.push(`  Commands (${version ?? 'DRBD'}, ${form}):`);
  lines.push(`    1. on ${steps.victimNode.node} (discards its changes): ${steps.victim}`);
  lines.push(`    2. on ${steps.survivorNode.node} (keeps its data): ${steps.survivor}`);
  if (steps.victimNode.role === 'Primary') {
    lines.push(
      `  ${steps.victimNode.node} is Primary: stop what uses the DRBD device there first (under Pacemaker: move the service away), or "drbdadm secondary" fails.`,
    );
  }
  // DRBD 8.4's peer without a name in the configuration is "peer" on the command line.
  const victimArgument =
    steps.victimNode.here || splitCase.connection !== 'peer' || steps.victimNode.node !== 'the peer' ? steps.victimNode.node : 'peer';
  const option = chosen || !proposal.safe ? ` --discard-on ${victimArgument}` : '';
  lines.push(`  To run a node's part: ocfkit drbd split-brain ${splitCase.resource}${option} --execute (on each of the two nodes)`);
  return lines;
}

export async function runDrbdSplitBrain(args: DrbdSplitBrainArgs, io: CliIo, host: SplitBrainHost = liveHost): Promise<number> {
  const say = (text: string) => io.stdout(escapeControlCharacters(text));
  const refuse = (message: string) => {
    io.stderr(escapeControlCharacters(`ocfkit drbd split-brain: ${message}\n`));
    return 1;
  };
  const view = await readView(host, args.resource);
  if ('error' in view) return refuse(`cannot read the DRBD state here (${view.error})`);
  if (view.cases.length === 0) {
    const scope =
      args.resource ?? (view.states.length === 0 ? 'no DRBD resource is up' : view.states.map((state) => state.name).join(', '));
    if (args.execute) return refuse(`no split brain on this node (${scope}); nothing was run`);
    say(`No split brain on this node (${scope}).\n`);
    return 0;
  }
  if (!args.execute) {
    for (const { splitCase, drbd } of view.cases) {
      const chosen = chosenVictim(args, splitCase);
      if (chosen !== undefined && typeof chosen === 'object') return refuse(chosen.error);
      say(`${formatSplitBrainCase(drbd, splitCase, chosen, view.version).join('\n')}\n`);
    }
    return 0;
  }

  // --execute: one split brain at a time.
  if (view.cases.length > 1) {
    return refuse(
      `${view.cases.length} split brains (${view.cases.map(({ splitCase }) => `${splitCase.resource} with ${splitCase.peer.node}`).join(', ')}): run the printed commands by hand, or name the resource; nothing was run`,
    );
  }
  const { splitCase, drbd } = view.cases[0]!;
  const chosen = chosenVictim(args, splitCase);
  if (chosen !== undefined && typeof chosen === 'object') return refuse(chosen.error);
  const victim = chosen ?? (splitCase.proposal.safe ? splitCase.proposal.victim : undefined);
  say(`${formatSplitBrainCase(drbd, splitCase, chosen, view.version).join('\n')}\n`);
  if (!victim) return refuse(`${splitCase.proposal.reason}: choose with --discard-on NODE or --keep NODE; nothing was run`);
  const steps = resolutionSteps(drbd, splitCase, victim);
  const mine = victim === 'here' ? steps.victimCommands : steps.survivorCommands;
  const part =
    victim === 'here' ? `discard ${splitCase.here.node}'s changes since the split` : `keep ${splitCase.here.node}'s data and connect`;

  if (!args.yes) {
    const answer = await host.confirm(
      `Run on ${splitCase.here.node} now (${part}): ${mine.map((argv) => argv.join(' ')).join('; ')}? [y/N] `,
    );
    if (answer === undefined) return refuse('standard input is not a terminal: add --yes to run without a confirmation; nothing was run');
    if (!answer) return refuse('not confirmed; nothing was run');
  }

  // The state may have moved while it was shown (a confirmation can take minutes): look again.
  const again = await readView(host, splitCase.resource);
  if ('error' in again) return refuse(`cannot read the DRBD state again (${again.error}); nothing was run`);
  const now = again.cases.find(
    (candidate) => candidate.splitCase.resource === splitCase.resource && candidate.splitCase.connection === splitCase.connection,
  );
  const changed = stateChange(splitCase, now?.splitCase, victim);
  if (changed) return refuse(`the state changed since it was shown (${changed}); nothing was run`);
  const connectionNow = now?.drbd.connections.find((connection) => connection.name === splitCase.connection)?.state;

  for (const argv of mine) {
    // The victim's `disconnect` is for a connection that still tries to connect; on the StandAlone
    // one a split brain leaves, DRBD 8.4 refuses it ("unknown connection", exit 10).
    if (argv[1] === 'disconnect' && connectionNow === 'StandAlone') {
      say(`$ ${argv.join(' ')}: not needed, the connection is StandAlone already\n`);
      continue;
    }
    say(`$ ${argv.join(' ')}\n`);
    const result = await host.run(argv[0]!, argv.slice(1), { timeoutMs: COMMAND_TIMEOUT_MS });
    const output = `${result.stdout}${result.stderr}`.trim();
    if (output)
      say(
        `${output
          .split('\n')
          .map((line) => `  ${line}`)
          .join('\n')}\n`,
      );
    if (result.exitCode !== 0) {
      const why = result.failure === 'timeout' ? `did not finish within ${COMMAND_TIMEOUT_MS / 1000} s` : `exited ${result.exitCode}`;
      return refuse(`${argv.join(' ')} ${why}; the remaining commands were not run`);
    }
  }
  return watchConnection(
    args,
    io,
    host,
    splitCase,
    victim === 'here' ? steps.survivor : steps.victim,
    victim === 'here' ? steps.survivorNode.node : steps.victimNode.node,
  );
}

/** Why the state now differs from the one shown, or undefined. */
function stateChange(shown: SplitBrainCase, now: SplitBrainCase | undefined, victim: 'here' | 'peer'): string | undefined {
  if (!now) return `no split brain of ${shown.resource} with ${shown.peer.node} any more`;
  if (now.here.role !== shown.here.role) return `${shown.here.node} was ${shown.here.role}, is ${now.here.role}`;
  if (shown.here.generation && now.here.generation && shown.here.generation.current !== now.here.generation.current) {
    return `${shown.here.node}'s data generation was ${shown.here.generation.current}, is ${now.here.generation.current}`;
  }
  // What the victim loses must be what was shown (a Primary may still be writing).
  if (victim === 'here' && now.here.changedKiB !== shown.here.changedKiB) {
    return `${shown.here.node} had written ${shown.here.changedKiB ?? 'unknown'} KiB since the split, now ${now.here.changedKiB ?? 'unknown'} KiB`;
  }
  return undefined;
}

/** After this node's part: wait (bounded) for the connection and the resync, and say what was seen. */
async function watchConnection(
  args: DrbdSplitBrainArgs,
  io: CliIo,
  host: SplitBrainHost,
  splitCase: SplitBrainCase,
  otherPart: string,
  otherNode: string,
): Promise<number> {
  const say = (text: string) => io.stdout(escapeControlCharacters(text));
  const waitMs = Math.max(0, args.wait ?? 60) * 1000;
  say(
    `Waiting up to ${waitMs / 1000} s for the connection to ${splitCase.peer.node} (it comes up once ${otherNode} has run: ${otherPart})\n`,
  );
  const deadline = Date.now() + waitMs;
  let seen = 'not read';
  // Bounded by the clock and by the number of polls (one a second), whichever ends first.
  for (let poll = 0; ; poll += 1) {
    const events = await host.run('drbdsetup', ['events2', '--now', '--statistics', splitCase.resource], { timeoutMs: COMMAND_TIMEOUT_MS });
    const parsed = events.exitCode === 0 ? parseDrbdText(events.stdout, 'events2') : undefined;
    const state = parsed?.ok ? parsed.resources.find((resource) => resource.name === splitCase.resource) : undefined;
    const connection =
      state?.connections.find((candidate) => candidate.name === splitCase.connection) ??
      (state?.connections.length === 1 ? state.connections[0] : undefined);
    if (state && connection) {
      const replication = connection.peerVolumes.map((peer) => peer.replication);
      const disks = `${state.volumes.map((volume) => volume.disk).join(',')}/${connection.peerVolumes.map((peer) => peer.peerDisk).join(',')}`;
      seen = `${connection.state}${connection.state === 'Connected' ? ` ${replication.join(',')}` : ''}, disks ${disks}`;
      if (connection.state === 'Connected' && replication.some((word) => RESYNC_STATES.includes(word))) {
        say(`Connected to ${splitCase.peer.node}; the resync runs (${seen}). DRBD finishes it by itself.\n`);
        return 0;
      }
      if (connection.state === 'Connected' && replication.every((word) => word === 'Established')) {
        say(`Connected to ${splitCase.peer.node}; in sync (${seen}).\n`);
        return 0;
      }
      if (connection.state === 'StandAlone') {
        io.stderr(
          escapeControlCharacters(
            `ocfkit drbd split-brain: DRBD dropped the connection to ${splitCase.peer.node} again (StandAlone): see the kernel log (dmesg); if it reports a split brain again, the other node connected without discarding\n`,
          ),
        );
        return 1;
      }
    }
    if (Date.now() >= deadline || poll >= waitMs / 1000) break;
    await host.sleep(1000);
  }
  say(`This node's part is done; the connection is not up yet (${seen}). Now run on ${otherNode}: ${otherPart}\n`);
  return 0;
}
