// Debian's ocf-tester on the installed ocf:ocfkit:Filesystem with a real loop device.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { INSTALLED_AGENTS } from '../helpers/agent.js';
import { makeLoopFs } from '../helpers/loop.js';

const agent = `${INSTALLED_AGENTS}/Filesystem`;

t.test('ocf-tester passes on the installed Filesystem agent', async (t) => {
  t.ok(existsSync('/usr/sbin/ocf-tester'), 'ocf-tester is installed (resource-agents)');
  t.ok(existsSync(agent), `${agent} is installed (make install)`);
  const loop = makeLoopFs('ext4');
  t.teardown(() => loop.cleanup());
  const r = spawnSync(
    'ocf-tester',
    ['-v', '-n', 'fs_ocftester', '-o', `device=${loop.device}`, '-o', `directory=${loop.dir}/mnt`, '-o', 'fstype=ext4', agent],
    { encoding: 'utf8' },
  );
  t.comment(r.stdout + r.stderr);
  t.equal(r.status, 0, 'ocf-tester exit 0');
  t.match(r.stdout, /passed all tests/);
});
