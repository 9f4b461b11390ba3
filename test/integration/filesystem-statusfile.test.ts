// ocf:ocfkit:Filesystem depth 20 runs its status file steps in one shell script: the checks that
// script makes itself (the status directory's mode, which old files it removes, a status file on
// the mount point itself), seen from outside, on a real ext4 in a private mount namespace (needs root).
import t from 'tap';
import { hostname } from 'node:os';
import { makeLoopFs } from '../helpers/loop.js';
import { MountNamespace } from '../helpers/mountns.js';

t.test('depth 20: group-writable status directory, clean-up of old files, status file on the mount point', async (t) => {
  const ns = await MountNamespace.create(t);
  const loop = makeLoopFs('ext4');
  t.teardown(() => loop.cleanup());
  const dir = `${loop.dir}/mnt`;
  const p = { device: loop.device, directory: dir, fstype: 'ext4' };
  t.equal(ns.agent('Filesystem', 'start', p).code, 0);
  const depth20 = (extra: Record<string, string> = {}) => ns.agent('Filesystem', 'monitor', { ...p, ...extra }, { OCF_CHECK_LEVEL: '20' });
  const statusDir = `${dir}/.Filesystem_status`;
  const list = (d: string) => ns.sh('ls', ['-A', d]).split('\n').filter(Boolean).sort();

  t.equal(depth20().code, 0, 'passes on a fresh file system');
  ns.sh('chmod', ['0775', statusDir]);
  const groupWritable = depth20();
  t.equal(groupWritable.code, 1, 'a group-writable status directory fails the check');
  t.match(groupWritable.reason, /not a directory that only root can write \(directory, uid 0, mode 775\)/);
  t.same(list(statusDir), [], 'and nothing was written there');
  ns.sh('chmod', ['1755', statusDir]); // sticky, but only root can write: fine
  t.equal(depth20().code, 0, 'mode 1755 passes');

  // Left behind by checks abandoned on a frozen file system, and files that are not ours.
  const ours = `${hostname()}.ocfkit-status-0123456789abcdef`;
  const kept = [`other-node.ocfkit-status-0123456789abcdef`, `${hostname()}.ocfkit-status-0123`, `${hostname()}.mine`];
  ns.sh('touch', ['-d', '-5 min', ...[ours, ...kept].map((f) => `${statusDir}/${f}`)]);
  t.equal(depth20().code, 0, 'passes with old files around');
  t.same(list(statusDir), kept.sort(), "only this node's old status files were removed");

  t.equal(depth20({ statusfile_prefix: '.ocfkit-top-' }).code, 0, 'a status file on the mount point itself');
  t.same(
    list(dir).filter((f) => f.startsWith('.ocfkit-top-')),
    [],
    'is removed after the check',
  );
  t.equal(ns.agent('Filesystem', 'stop', p).code, 0);
});
