// `ocfkit drbd status --watch`: follows `drbdsetup events2 --timestamps --statistics` (without
// --now it goes on after the dump of what is up) and keeps lib/agent-runtime/drbd's model of the resources
// current. On a terminal it redraws the status in place with resync progress bars and the last
// changes; otherwise (a pipe, a log file) it prints one timestamped line per change. It ends, with
// exit status 0, on Ctrl-C (SIGINT) or SIGTERM and when the watched resource goes down, and it
// never leaves its drbdsetup behind. drbd-utils 9's drbdsetup speaks events2 to DRBD 8.4 kernel
// modules too, so 8.4 is watched the same way (its events carry no resync percentage).

import { hostname } from 'node:os';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Events2Stream, type Events2Event } from '../../agent-runtime/drbd/events2.js';
import { describeDrbdState, type DrbdState } from '../drbd/index.js';
import { describeChanges, progressBars } from '../drbd/watch.js';
import { formatStatusText } from './drbd-report.js';
import type { CliIo } from './system.js';
import { escapeControlCharacters, escapeControlCharactersInLine } from './terminal.js';

export interface WatchOptions {
  resource?: string;
  /** Redraw in place (stdout is a terminal) rather than print a line per change. */
  redraw: boolean;
}

/** How many of the latest changes the redrawn screen keeps under the status. */
const RECENT_CHANGES = 10;
/** Redraws at most this often: a resync reports every few seconds, a reconnect in bursts. */
const REDRAW_MS = 100;
/** drbdsetup gets this long to end after SIGTERM before it is killed. */
const CHILD_GRACE_MS = 2000;

const CLEAR_SCREEN = '\x1b[H\x1b[2J';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

export function watchDrbd(options: WatchOptions, io: CliIo): Promise<number> {
  const complain = (message: string) => io.stderr(escapeControlCharacters(`ocfkit drbd status --watch: ${message}\n`));
  const watched = (states: DrbdState[]) =>
    options.resource === undefined ? states : states.filter((state) => state.name === options.resource);
  const stream = new Events2Stream();
  const recent: string[] = [];
  let redrawTimer: NodeJS.Timeout | undefined;
  let lastTimestamp = '';

  const child = spawn('drbdsetup', ['events2', '--timestamps', '--statistics', options.resource ?? 'all'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let childStderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    childStderr = (childStderr + chunk).slice(-4096);
  });

  const draw = () => {
    redrawTimer = undefined;
    const states = watched(stream.resources());
    const header = `ocfkit drbd status --watch${options.resource ? ` ${options.resource}` : ''}   ${lastTimestamp}   (Ctrl-C to stop)`;
    const bars = progressBars(states);
    const body =
      states.length === 0
        ? `No DRBD resource${options.resource ? ` ${options.resource}` : ''} is up: waiting for it.\n`
        : formatStatusText(states, hostname());
    io.stdout(
      `${CLEAR_SCREEN}${escapeControlCharactersInLine(header)}\n\n${body}${bars.length > 0 ? `\n${escapeControlCharacters(bars.join('\n'))}\n` : ''}` +
        (recent.length > 0 ? `\nLatest changes:\n${escapeControlCharacters(recent.map((line) => `  ${line}`).join('\n'))}\n` : ''),
    );
  };
  const scheduleDraw = () => {
    redrawTimer ??= setTimeout(draw, REDRAW_MS);
  };
  /** One line per change (not a terminal); on a terminal, into the redrawn list of latest changes. */
  const report = (timestamp: string, lines: string[]) => {
    if (options.redraw) {
      recent.push(...lines.map((line) => `${shortTime(timestamp)} ${line}`));
      recent.splice(0, Math.max(0, recent.length - RECENT_CHANGES));
      scheduleDraw();
    } else if (lines.length > 0) {
      io.stdout(lines.map((line) => `${escapeControlCharactersInLine(`${timestamp} ${line}`)}\n`).join(''));
    }
  };

  return new Promise<number>((resolve) => {
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (redrawTimer) {
        clearTimeout(redrawTimer);
        draw();
      }
      if (options.redraw) io.stdout(SHOW_CURSOR);
      if (child.exitCode !== null || child.signalCode !== null) return resolve(code);
      // Our drbdsetup would follow events2 forever: it ends with us, by SIGKILL if it must.
      const killer = setTimeout(() => child.kill('SIGKILL'), CHILD_GRACE_MS);
      child.once('close', () => {
        clearTimeout(killer);
        resolve(code);
      });
      child.kill('SIGTERM');
    };
    const onSignal = () => finish(0);
    // Whoever reads the lines stopped reading (`... --watch | grep -m1 SyncSource`): done, like on Ctrl-C.
    // Stays installed: writes still queued when we finish fail the same way.
    const onStdoutError = (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      finish(0);
    };
    // Whatever ends this process (even an exception), drbdsetup does not outlive it.
    process.once('exit', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.stdout.on('error', onStdoutError);
    if (options.redraw) io.stdout(HIDE_CURSOR);

    child.on('error', (error: NodeJS.ErrnoException) => {
      complain(
        error.code === 'ENOENT'
          ? 'drbdsetup is not installed (drbd-utils): there is nothing to watch'
          : `cannot run drbdsetup: ${error.message}`,
      );
      finish(1);
    });

    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (finished) return;
      const before = watched(stream.resources());
      const applied = stream.apply(line);
      if (!applied.ok) {
        complain(`skipped a line drbdsetup printed: ${applied.reason}`);
        return;
      }
      const { event } = applied;
      if (!event || !stream.initialDumpDone) return;
      lastTimestamp = event.timestamp ?? new Date().toISOString();
      const after = watched(stream.resources());
      if (event.object === '-') {
        // The end of the dump of what is up: the starting point, one summary line per resource.
        report(
          lastTimestamp,
          after.length === 0
            ? [`no DRBD resource${options.resource ? ` ${options.resource}` : ''} is up: waiting for ${options.resource ? 'it' : 'one'}`]
            : after.map((state) => describeDrbdState(state, hostname()).summary),
        );
        if (options.redraw) scheduleDraw();
        return;
      }
      report(lastTimestamp, describeChanges(before, after));
      if (resourceWentDown(event, options.resource, after)) finish(0);
    });

    child.on('close', (code, signal) => {
      if (finished) return;
      const why = childStderr.trim().split('\n').pop() ?? '';
      complain(
        stream.initialDumpDone
          ? `drbdsetup events2 ended (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}`
          : `cannot follow drbdsetup events2 (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}; watching needs a drbdsetup with events2 (drbd-utils 9, also for DRBD 8.4)`,
      );
      finish(1);
    });
  });
}

/** The watched resource was destroyed (`drbdadm down`); watching all: the last one was. */
function resourceWentDown(event: Events2Event, resource: string | undefined, after: DrbdState[]): boolean {
  if (event.verb !== 'destroy' || event.object !== 'resource') return false;
  return resource === undefined ? after.length === 0 : event.resource === resource;
}

/** `2026-11-22T00:28:38.871308+00:00` -> `00:28:38` for the terminal's list of latest changes. */
function shortTime(timestamp: string): string {
  return /T(\d\d:\d\d:\d\d)/.exec(timestamp)?.[1] ?? timestamp;
}
