// lib/agent-runtime/sys/run: how agents run programs (argument arrays, no shell, a timeout that really ends the child).
import t from 'tap';
import { run, runSync } from '../../lib/agent-runtime/sys/run.js';

t.test('exit code, stdout and stderr, arguments passed as they are', async (t) => {
  const r = runSync('sh', ['-c', 'printf "%s|" "$@"; echo err >&2; exit 3', 'sh', 'a b', '$HOME', ';rm -rf /']);
  t.equal(r.exitCode, 3);
  t.equal(r.stdout, 'a b|$HOME|;rm -rf /|', 'no argument is interpreted by a shell');
  t.equal(r.stderr, 'err\n');
  t.equal(r.failure, undefined);
});

t.test('input is given on stdin', async (t) => {
  t.equal(runSync('cat', [], { input: 'hello' }).stdout, 'hello');
});

t.test('a program that does not exist is "not-found", not an exception', async (t) => {
  const r = runSync('ocfkit-no-such-program', []);
  t.equal(r.failure, 'not-found');
  t.equal(r.exitCode, 127);
});

t.test('a fractional timeout (deadlines are computed) works, and a child ignoring TERM is killed in time', async (t) => {
  const t0 = Date.now();
  const r = runSync('sh', ['-c', 'trap "" TERM; sleep 5'], { timeoutMs: 300.7 });
  const ms = Date.now() - t0;
  t.equal(r.failure, 'timeout');
  t.ok(ms < 2000, `returned after ${ms} ms`);
});

t.test('run() abandons a child that outlives its timeout instead of waiting for it to die', async (t) => {
  // A child in uninterruptible sleep cannot be reaped at once; one whose pipes a grandchild keeps
  // open behaves the same for the caller: the child is gone but its output never closes.
  const t0 = Date.now();
  const r = await run('sh', ['-c', 'sleep 30 & trap "" TERM; sleep 30'], { timeoutMs: 300 });
  const ms = Date.now() - t0;
  t.equal(r.failure, 'timeout');
  t.ok(ms < 2000, `answered after ${ms} ms`);
});

t.test('run(): exit code, output, input and not-found as runSync reports them', async (t) => {
  const r = await run('sh', ['-c', 'cat; echo err >&2; exit 4'], { input: 'in' });
  t.same({ code: r.exitCode, out: r.stdout, err: r.stderr, failure: r.failure }, { code: 4, out: 'in', err: 'err\n', failure: undefined });
  t.equal((await run('ocfkit-no-such-program', [])).failure, 'not-found');
});
