// Issue 15: `ocfkit drbd status --watch` follows `drbdsetup events2`. A stand-in drbdsetup
// (test/helpers/events2-player) plays real captured events2 streams (test/fixtures/drbd-9 and
// drbd-8.4): an initial sync with progress, links lost, a split brain, the resource taken down.
// Not on a terminal: one timestamped line per change. It ends with 0 on the destroy of the
// resource and on SIGINT, and leaves no drbdsetup behind; on a terminal it redraws in place.
import t from 'tap';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = new URL('../..', import.meta.url).pathname;
const FIXTURES = join(REPO, 'test/fixtures');
const PLAYER = join(REPO, 'test/helpers/events2-player');
const work = mkdtempSync(join(tmpdir(), 'ocfk-watch-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const bundle = join(work, 'ocfkit.mjs');
execFileSync(join(REPO, 'node_modules/.bin/esbuild'), [
  join(REPO, 'lib/admin/cli/main.ts'),
  '--bundle',
  '--platform=node',
  '--format=esm',
  `--outfile=${bundle}`,
  '--log-level=warning',
  "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
]);

const pidFile = join(work, 'drbdsetup.pid');
const argsFile = join(work, 'drbdsetup.args');
/** Only the player and the system's sh/cat/sleep: not the host's real drbdsetup in /usr/sbin. */
function env(play: string, then: 'exit' | 'hang' | 'fail' = 'exit', withPlayer = true): NodeJS.ProcessEnv {
  rmSync(pidFile, { force: true });
  return {
    PATH: `${withPlayer ? `${PLAYER}:` : ''}/usr/bin:/bin`,
    EVENTS2_PLAY: play,
    EVENTS2_THEN: then,
    EVENTS2_PIDFILE: pidFile,
    EVENTS2_ARGS: argsFile,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
const playerPid = () => Number(readFileSync(pidFile, 'utf8'));
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00 /;

t.test('not on a terminal: a timestamped line per change, exit 0 when the last resource goes down', async (t) => {
  const run = spawnSync(process.execPath, [bundle, 'drbd', 'status', '--watch'], {
    env: env(join(FIXTURES, 'drbd-9/events2-node1.log')),
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.equal(run.status, 0, run.stderr);
  t.equal(
    readFileSync(argsFile, 'utf8').trim(),
    'events2 --timestamps --statistics all',
    'follows events2 past its initial dump (no --now)',
  );
  const lines = run.stdout.trimEnd().split('\n');
  for (const line of lines) t.match(line, STAMP, `timestamped: ${line}`);
  const said = lines.map((line) => line.replace(STAMP, ''));
  t.equal(said[0], 'no DRBD resource is up: waiting for one', 'the initial dump: nothing up yet');
  t.ok(said.includes('r0: up, Secondary, no volume yet'), 'the resource comes up');
  t.ok(said.includes('r0: peer node2 Connecting -> Connected'), 'a connection comes');
  t.ok(said.includes('r0: role Secondary -> Primary'), 'a role change');
  t.ok(said.includes('r0: peer node2 replication WFBitMapS -> SyncSource'), 'the resync starts');
  t.ok(said.includes('r0: peer node2 resync 1.5% 328 KiB/s ETA 3m19s'), 'its progress, with rate and ETA');
  t.ok(said.filter((line) => line.startsWith('r0: peer node2 resync ')).length >= 20, 'a line each time it moved on by a whole percent');
  t.ok(said.includes('r0: peer node3 Connected -> NetworkFailure'), 'a connection lost');
  t.ok(said.includes('r0: lost quorum (on-no-quorum decides: writes fail or freeze)'), 'quorum lost');
  t.ok(
    said.includes('r0: SPLIT BRAIN with node2: both sides changed data while disconnected; ocfkit drbd status r0 says how to resolve it'),
    'the split brain as it happens',
  );
  t.ok(said.includes('r0: split brain with node2 resolved'));
  t.equal(said.at(-1), 'r0: down (the resource was taken down)', 'the last line: the resource is down');
  t.equal(run.stderr, '');
});

t.test('DRBD 8.4 is watched the same way (drbd-utils 9 drbdsetup speaks events2 to an 8.4 module)', async (t) => {
  const run = spawnSync(process.execPath, [bundle, 'drbd', 'status', 'r0', '--watch'], {
    env: env(join(FIXTURES, 'drbd-8.4/events2-node1.log'), 'hang'),
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.equal(run.status, 0, run.stderr);
  t.equal(readFileSync(argsFile, 'utf8').trim(), 'events2 --timestamps --statistics r0');
  t.match(run.stdout, /\+00:00 r0: SPLIT BRAIN with the peer: /);
  t.match(run.stdout, /\+00:00 r0: down \(the resource was taken down\)\n$/);
  t.notOk(alive(playerPid()), 'drbdsetup, still following events2 after the destroy, was ended');
});

t.test('SIGINT: exit 0 and no drbdsetup left behind', async (t) => {
  // A running resync (the --now dump), then drbdsetup waits for more events, like the real one.
  const child = spawn(process.execPath, [bundle, 'drbd', 'status', '--watch'], {
    env: env(join(FIXTURES, 'drbd-9/02-initial-sync/node1/drbdsetup_events2_all_now_stats.txt'), 'hang'),
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  for (let waited = 0; !stdout.includes('\n') && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  t.match(stdout, /^\S+ r0: Primary, UpToDate; resync 15\.1% ETA 2m32s \(SyncSource to node2\)\n$/, 'the state it started from');
  const drbdsetup = playerPid();
  t.ok(alive(drbdsetup), 'drbdsetup is following events2');
  child.kill('SIGINT');
  t.same(await exited, { code: 0, signal: null }, 'Ctrl-C: exit 0');
  t.notOk(alive(drbdsetup), 'drbdsetup was ended with it');
});

t.test('a drbdsetup without events2, or none: one line, exit 1', async (t) => {
  const old = spawnSync(process.execPath, [bundle, 'drbd', 'status', '--watch'], {
    env: env(join(FIXTURES, 'drbd-9/events2-node1.log'), 'fail'),
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.equal(old.status, 1);
  t.equal(
    old.stderr,
    "ocfkit drbd status --watch: cannot follow drbdsetup events2 (exit 20): drbdsetup: unknown command 'events2'; watching needs a drbdsetup with events2 (drbd-utils 9, also for DRBD 8.4)\n",
  );
  t.equal(old.stdout, '');
  const none = spawnSync(process.execPath, [bundle, 'drbd', 'status', '--watch'], {
    env: env('/dev/null', 'exit', false),
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.equal(none.status, 1);
  t.equal(none.stderr, 'ocfkit drbd status --watch: drbdsetup is not installed (drbd-utils): there is nothing to watch\n');
});

t.test('--watch with a saved input or --json is a usage error', async (t) => {
  for (const extra of [['--json'], ['--from', '-']]) {
    const run = spawnSync(process.execPath, [bundle, 'drbd', 'status', '--watch', ...extra], {
      env: env('/dev/null'),
      encoding: 'utf8',
      timeout: 20_000,
    });
    t.equal(run.status, 2, extra.join(' '));
    t.notOk(existsSync(pidFile), 'drbdsetup was not started');
  }
});

t.test('on a terminal (script(1) gives it one): redrawn in place, with a progress bar', async (t) => {
  const play = join(work, 'sync-then-progress.log');
  writeFileSync(
    play,
    `${readFileSync(join(FIXTURES, 'drbd-9/02-initial-sync/node1/drbdsetup_events2_all_now_stats.txt'), 'utf8')}` +
      'change peer-device name:r0 peer-node-id:1 conn-name:node2 volume:0 done:52.30 out-of-sync:31240 dbdt1:0.50 eta:60\n',
  );
  const later = join(work, 'down.log');
  writeFileSync(later, 'destroy resource name:r0\n');
  const run = spawnSync('script', ['-qfc', `${process.execPath} ${bundle} drbd status --watch`, '/dev/null'], {
    env: { ...env(play, 'hang'), EVENTS2_LATER: later, TERM: 'xterm' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.equal(run.status, 0, run.stderr);
  const screens = run.stdout.split('\x1b[H\x1b[2J');
  t.ok(screens.length >= 3, 'the screen is cleared and drawn again');
  const first = screens[1]!;
  t.match(first, /r0 -> node2  \[#{16}\.{14}\]  52\.3% 512 KiB\/s ETA 1m00s/, 'a progress bar with rate and ETA');
  t.match(first, /Latest changes:\r?\n {2}\d\d:\d\d:\d\d r0: Primary, UpToDate; resync 15\.1%/);
  t.match(
    screens.at(-1),
    /No DRBD resource is up: waiting for it\.[\s\S]*\d\d:\d\d:\d\d r0: down \(the resource was taken down\)/,
    'redrawn: the resource went down, and the watch ended',
  );
  t.match(run.stdout, /\x1b\[\?25h/, 'the cursor is shown again on the way out');
  t.notOk(alive(playerPid()), 'no drbdsetup left behind');
});
