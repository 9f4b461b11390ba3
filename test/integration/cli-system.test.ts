// The CLI's commands (lib/admin/cli/system.ts processIo.run), run the agents' way
// (lib/agent-runtime/sys/run.ts run()): what the doctor, `drbd status` and the agent catalogue
// see of a command that is missing, fails, or hangs.
import t from 'tap';
import { processIo } from '../../lib/admin/cli/system.js';

t.test('exit code, output as written (final newline kept), arguments as they are, environment added', async (t) => {
  const result = await processIo.run(
    'sh',
    ['-c', 'printf "%s|" "$@"; echo "$OCFKIT_TEST_VALUE"; echo err >&2; exit 3', 'sh', 'a b', '$HOME'],
    {
      env: { OCFKIT_TEST_VALUE: 'set' },
    },
  );
  t.same(result, { exitCode: 3, stdout: 'a b|$HOME|set\n', stderr: 'err\n' });
  t.equal((await processIo.run('sh', ['-c', 'echo "$PATH"'])).stdout.trim(), process.env.PATH, 'the rest of the environment is kept');
});

t.test('a program that is not installed: no exit code (callers say "not installed")', async (t) => {
  const result = await processIo.run('ocfkit-no-such-program', []);
  t.equal(result.exitCode, undefined);
  t.equal(result.failure, 'not-found');
});

t.test('a command that hangs: answered at the timeout, and the message says it was killed', async (t) => {
  // A child that ignores TERM while a grandchild keeps its output open behaves, for the caller,
  // like a drbdsetup stuck in the kernel: it was once waited for (and then called "not installed").
  const startedAt = Date.now();
  const result = await processIo.run('sh', ['-c', 'echo partial; sleep 30 & trap "" TERM; sleep 30'], { timeoutMs: 300 });
  const ms = Date.now() - startedAt;
  t.ok(ms < 2000, `answered after ${ms} ms`);
  t.not(result.exitCode, undefined, 'an exit code: the program is installed');
  t.not(result.exitCode, 0);
  t.equal(result.failure, 'timeout');
  t.equal(result.stdout, 'partial\n', 'what it wrote before is kept');
  t.equal(result.stderr, 'sh: no answer within 0.3 s: killed\n');
});
