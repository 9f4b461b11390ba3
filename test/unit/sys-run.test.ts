// lib/sys/run: how agents run programs (argument arrays, no shell, a timeout that really ends the child).
import t from 'tap';
import { runSync } from '../../lib/sys/run.js';

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
