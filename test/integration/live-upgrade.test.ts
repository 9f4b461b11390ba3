// Upgrading while the cluster runs: monitors start every few seconds on every node, also while an
// admin runs `make install`. Each installed file (the Node runtime, the agents, the CLI) must be
// replaced by a rename, so that a monitor starting at any moment runs the old file or the new one:
// a runtime copied in place fails the monitors that start during the copy ("bad interpreter",
// exit 126), and Pacemaker counts each as a failure.
//
// The install goes into a scratch root (LIBDIR/OCF_ROOT/SBINDIR under a temporary directory), so
// the agents' first line points at the scratch runtime, as it points at /usr/lib/ocfkit/node on a node.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { REPO, DIST_AGENTS } from '../helpers/agent.js';

const root = mkdtempSync('/var/tmp/ocfkit-upgrade-');
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const vars = [`LIBDIR=${root}/lib`, `OCF_ROOT=${root}/ocf`, `SBINDIR=${root}/sbin`];
// Asynchronous, so that the monitors keep starting while make copies.
const installFiles = () =>
  new Promise<{ status: number; stderr: string }>((resolve) => {
    const make = spawn('make', ['-s', '--no-print-directory', '-C', REPO, 'install-files', ...vars], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    make.stderr.on('data', (d) => {
      stderr += String(d);
    });
    make.on('close', (code) => resolve({ status: code ?? -1, stderr }));
  });

t.test('monitors started during repeated installs all run', async (t) => {
  t.ok(existsSync(`${DIST_AGENTS}/Filesystem`), 'built agents (make build)');
  const first = await installFiles();
  t.equal(first.status, 0, `first install: ${first.stderr}`);
  const agent = `${root}/ocf/resource.d/ocfkit/Filesystem`;
  // Not mounted: a monitor that runs at all answers 7. Anything else is a failed monitor.
  const env = {
    PATH: process.env.PATH!,
    OCF_ROOT: `${root}/ocf`,
    OCF_RESOURCE_INSTANCE: 'fs_upgrade',
    OCF_RESKEY_device: '/dev/ocfkit-none',
    OCF_RESKEY_directory: `${root}/not-mounted`,
    OCF_RESKEY_fstype: 'ext4',
    OCF_RESKEY_CRM_meta_timeout: '20000',
  };
  let stop = false;
  const results: number[] = [];
  const monitors = (async () => {
    while (!stop) {
      // Several at once, as on a node with several resources.
      const batch = Array.from(
        { length: 4 },
        () =>
          new Promise<number>((resolve) => {
            const child = spawn(agent, ['monitor'], { env, stdio: 'ignore' });
            child.on('error', () => resolve(-1));
            child.on('close', (code) => resolve(code ?? -1));
          }),
      );
      results.push(...(await Promise.all(batch)));
    }
  })();
  const installs: number[] = [];
  for (let i = 0; i < 6; i++) installs.push((await installFiles()).status);
  stop = true;
  await monitors;
  t.same(installs, [0, 0, 0, 0, 0, 0], 'every install succeeded');
  t.ok(results.length >= 8, `${results.length} monitors ran during the installs`);
  const failed = results.filter((c) => c !== 7);
  t.same(failed, [], `no monitor failed (${results.length} ran; exit codes other than 7: ${[...new Set(failed)].join(', ') || 'none'})`);
});
