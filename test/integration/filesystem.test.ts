// ocf:ocfkit:Filesystem against real file systems on loop devices (needs root).
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { runAgentAction, sh } from '../helpers/agent.js';
import { makeLoopFs, type LoopFs } from '../helpers/loop.js';

const fs = (p: Record<string, string | number | undefined>, action: string, env: Record<string, string> = {}) =>
  runAgentAction('Filesystem', action, p, env);

function mountedAt(dir: string): string | undefined {
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === dir);
  return line?.split(' - ')[1]?.split(' ')[1]; // the mount source
}

function alive(child: ChildProcess): boolean {
  try {
    process.kill(child.pid!, 0);
    return child.exitCode === null && child.signalCode === null;
  } catch {
    return false;
  }
}

function withLoop(t: Test, fstype: 'ext4' | 'ext2' | 'xfs' | 'btrfs', label?: string): LoopFs {
  const loop = makeLoopFs(fstype, label);
  t.teardown(() => loop.cleanup());
  return loop;
}

function spawnHolder(t: Test, args: string[], cwd: string): ChildProcess {
  const child = spawn(args[0]!, args.slice(1), { cwd, stdio: 'ignore' });
  t.teardown(() => {
    if (alive(child)) child.kill('SIGKILL');
  });
  return child;
}

const waitFor = async (what: () => boolean, ms = 3000) => {
  const until = Date.now() + ms;
  while (!what() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return what();
};

for (const fstype of ['ext4', 'xfs', 'btrfs'] as const) {
  t.test(`${fstype}: the whole life cycle, idempotent`, async (t) => {
    const loop = withLoop(t, fstype);
    const dir = `${loop.dir}/mnt`; // does not exist yet: start creates it
    const p = { device: loop.device, directory: dir, fstype };
    t.equal(fs(p, 'validate-all').code, 0, 'validate-all');
    t.equal(fs(p, 'monitor').code, 7, 'monitor before start: cleanly not running');
    t.equal(fs(p, 'start').code, 0, 'start');
    t.equal(mountedAt(dir), loop.device, 'the kernel has our device mounted on the directory');
    t.equal(fs(p, 'monitor').code, 0, 'monitor: running');
    t.equal(fs(p, 'start').code, 0, 'start on a started resource succeeds');
    t.equal(fs(p, 'monitor', { OCF_RESKEY_CRM_meta_interval: '0' }).code, 0, 'probe: running');
    t.equal(fs(p, 'monitor', { OCF_CHECK_LEVEL: '10' }).code, 0, 'depth 10: the device reads');
    t.equal(fs(p, 'monitor', { OCF_CHECK_LEVEL: '20' }).code, 0, 'depth 20: status file written and read');
    t.ok(existsSync(`${dir}/.Filesystem_status`), 'the status directory is where upstream puts it');
    t.same(readdirSync(`${dir}/.Filesystem_status`), [], 'the status file (a fresh name each time) is removed after the check');
    t.equal(fs(p, 'stop').code, 0, 'stop');
    t.equal(mountedAt(dir), undefined, 'unmounted');
    t.equal(fs(p, 'stop').code, 0, 'stop on a stopped resource succeeds');
    t.equal(fs(p, 'monitor').code, 7, 'monitor after stop: not running');
  });
}

t.test('busy unmount: the user of the mount is stopped, a process in the parent directory is not', async (t) => {
  const loop = withLoop(t, 'ext4');
  const dir = `${loop.dir}/mnt`;
  const p = { device: loop.device, directory: dir, fstype: 'ext4' };
  t.equal(fs(p, 'start').code, 0);
  writeFileSync(`${dir}/data`, 'x');
  // One process holds a file open on the mount, one has its working directory in it, and one
  // sits in the parent directory (on another file system) holding a file there.
  const fileHolder = spawnHolder(t, ['sh', '-c', `exec 3<"${dir}/data"; exec sleep 600`], '/');
  const cwdHolder = spawnHolder(t, ['sleep', '600'], dir);
  writeFileSync(`${loop.dir}/parent-file`, 'y');
  const parentUser = spawnHolder(t, ['sh', '-c', `exec 3<"${loop.dir}/parent-file"; exec sleep 600`], loop.dir);
  await new Promise((r) => setTimeout(r, 300));
  const r = fs(p, 'stop');
  t.equal(r.code, 0, 'stop succeeds despite the busy file system');
  t.match(r.stderr, /sending SIGTERM to \d+/, 'it says whom it signalled');
  t.equal(mountedAt(dir), undefined, 'unmounted');
  t.ok(await waitFor(() => !alive(fileHolder)), 'the process with an open file on the mount was stopped');
  t.ok(await waitFor(() => !alive(cwdHolder)), 'the process working in the mount was stopped');
  t.ok(alive(parentUser), 'the process in the parent directory is untouched');
});

t.test('force_unmount=false: a busy file system fails the stop and nothing is killed', async (t) => {
  const loop = withLoop(t, 'ext4');
  const dir = `${loop.dir}/mnt`;
  const p = { device: loop.device, directory: dir, fstype: 'ext4', force_unmount: 'false', fast_stop: 'true' };
  t.equal(fs(p, 'start').code, 0);
  const holder = spawnHolder(t, ['sleep', '600'], dir);
  await new Promise((r) => setTimeout(r, 200));
  const r = fs(p, 'stop', { OCF_RESKEY_CRM_meta_timeout: '4000' });
  t.equal(r.code, 1, 'stop fails');
  t.match(r.reason, /busy/, 'and says the file system is busy');
  t.ok(alive(holder), 'the user was not signalled');
  holder.kill('SIGKILL');
  await waitFor(() => !alive(holder));
  t.equal(fs(p, 'stop').code, 0, 'once the user is gone, stop succeeds');
});

t.test('a bind mount resource: stopping it never touches users of the file system it comes from', async (t) => {
  const loop = withLoop(t, 'ext4');
  const src = `${loop.dir}/src`;
  const target = `${loop.dir}/bind`;
  mkdirSync(src);
  const p = { device: src, directory: target, fstype: 'none', options: 'bind' };
  t.equal(fs(p, 'start').code, 0, 'start the bind mount');
  t.equal(fs(p, 'monitor').code, 0, 'monitor');
  // Same device as the root/var file system: a device-based search (fuser -m) would take them all.
  const sourceUser = spawnHolder(t, ['sleep', '600'], src);
  const bindUser = spawnHolder(t, ['sleep', '600'], target);
  await new Promise((r) => setTimeout(r, 200));
  t.equal(fs(p, 'stop').code, 0, 'stop');
  t.equal(mountedAt(target), undefined, 'the bind mount is gone');
  t.ok(await waitFor(() => !alive(bindUser)), 'the process inside the bind mount was stopped');
  t.ok(alive(sourceUser), 'the process in the source directory (other mount, same device) lives on');
});

t.test('nested mounts: stop releases the nested one too and leaves the parent alone', async (t) => {
  const outer = withLoop(t, 'ext4');
  const inner = withLoop(t, 'ext4');
  const dir = `${outer.dir}/mnt`;
  const p = { device: outer.device, directory: dir, fstype: 'ext4' };
  t.equal(fs(p, 'start').code, 0);
  mkdirSync(`${dir}/nested`);
  sh('mount', [inner.device, `${dir}/nested`]);
  const parentUser = spawnHolder(t, ['sleep', '600'], outer.dir);
  await new Promise((r) => setTimeout(r, 200));
  t.equal(fs(p, 'stop').code, 0, 'stop');
  t.equal(mountedAt(`${dir}/nested`), undefined, 'the nested mount is gone');
  t.equal(mountedAt(dir), undefined, 'our mount is gone');
  t.ok(alive(parentUser), 'the process in the parent directory lives on');
});

t.test('monitor tells the truth when the mount goes wrong', async (t) => {
  const loop = withLoop(t, 'ext4');
  const other = withLoop(t, 'ext4');
  const dir = `${loop.dir}/mnt`;
  const p = { device: loop.device, directory: dir, fstype: 'ext4' };
  t.equal(fs(p, 'start').code, 0);
  sh('mount', ['-o', 'remount,ro', dir]);
  const ro = fs(p, 'monitor');
  t.equal(ro.code, 1, 'a read-only remount (as after I/O errors) is a failure');
  t.match(ro.reason, /read-only/);
  sh('umount', [dir]);
  sh('mount', [other.device, dir]);
  const wrong = fs(p, 'monitor');
  t.equal(wrong.code, 1, 'another device on our directory is a failure, not "running"');
  t.match(wrong.reason, new RegExp(`mounted from ${other.device}`));
  const start = fs(p, 'start');
  t.equal(start.code, 1, 'start refuses to stack on a foreign mount');
  t.match(start.reason, /already has/);
  sh('umount', [dir]);
});

t.test('device given as -U uuid and -L label', async (t) => {
  const loop = withLoop(t, 'ext4', 'ocfkitlabel');
  const uuid = sh('blkid', ['-s', 'UUID', '-o', 'value', loop.device]).trim();
  const dir = `${loop.dir}/mnt`;
  for (const device of [`-U ${uuid}`, `UUID=${uuid}`, '-L ocfkitlabel']) {
    const p = { device, directory: dir, fstype: 'ext4' };
    t.equal(fs(p, 'start').code, 0, `start with device="${device}"`);
    t.equal(mountedAt(dir), loop.device, 'the right device is mounted');
    t.equal(fs(p, 'start').code, 0, 'start again succeeds');
    t.equal(fs(p, 'monitor').code, 0, 'monitor');
    t.equal(fs(p, 'stop').code, 0, 'stop');
  }
});

t.test('run_fsck: auto checks ext2 (no journal) and skips ext4; no skips it', async (t) => {
  const ext2 = withLoop(t, 'ext2');
  const dir = `${ext2.dir}/mnt`;
  const auto = fs({ device: ext2.device, directory: dir, fstype: 'ext2' }, 'start');
  t.equal(auto.code, 0);
  t.match(auto.stderr, /checking .*fsck/, 'auto ran fsck on ext2');
  t.equal(fs({ device: ext2.device, directory: dir, fstype: 'ext2' }, 'stop').code, 0);
  const no = fs({ device: ext2.device, directory: dir, fstype: 'ext2', run_fsck: 'no' }, 'start');
  t.notMatch(no.stderr, /fsck/, 'run_fsck=no did not');
  t.equal(fs({ device: ext2.device, directory: dir, fstype: 'ext2' }, 'stop').code, 0);
  const ext4 = withLoop(t, 'ext4');
  const r = fs({ device: ext4.device, directory: `${ext4.dir}/mnt`, fstype: 'ext4' }, 'start');
  t.notMatch(r.stderr, /fsck/, 'auto skips journaling ext4');
  t.equal(fs({ device: ext4.device, directory: `${ext4.dir}/mnt`, fstype: 'ext4' }, 'stop').code, 0);
});

t.test('bad input: a clear error, the right code, and nothing mounted', async (t) => {
  const loop = withLoop(t, 'ext4');
  const dir = `${loop.dir}/mnt`;
  const cases: Array<[string, Record<string, string>, string, number, RegExp, Record<string, string>?]> = [
    ['missing directory', { device: loop.device, fstype: 'ext4' }, 'start', 6, /directory' is required/],
    ['relative directory', { device: loop.device, directory: 'mnt', fstype: 'ext4' }, 'start', 6, /absolute path/],
    ['unknown run_fsck', { device: loop.device, directory: dir, fstype: 'ext4', run_fsck: 'sometimes' }, 'validate-all', 6, /run_fsck/],
    ['not a boolean', { device: loop.device, directory: dir, fstype: 'ext4', fast_stop: 'perhaps' }, 'start', 6, /fast_stop/],
    [
      'unknown signal',
      { device: loop.device, directory: dir, fstype: 'ext4', term_signals: 'TERM NOPE' },
      'start',
      6,
      /unknown signal NOPE/,
    ],
    ['unknown file system type', { device: loop.device, directory: dir, fstype: 'nosuchfs' }, 'start', 5, /nosuchfs is not supported/],
    ['device that does not exist', { device: '/dev/ocfkit-no-such-disk', directory: dir, fstype: 'ext4' }, 'start', 5, /not found/],
    [
      'a local file system as a clone',
      { device: loop.device, directory: dir, fstype: 'ext4' },
      'start',
      6,
      /force_clones/,
      { OCF_RESKEY_CRM_meta_clone_max: '2' },
    ],
  ];
  for (const [what, params, action, code, reason, env] of cases) {
    const r = fs(params, action, env);
    t.equal(r.code, code, `${what}: exit ${code}`);
    t.match(r.reason, reason, `${what}: says why`);
    t.notMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
    t.equal(mountedAt(dir), undefined, `${what}: nothing mounted`);
  }
  t.equal(
    fs({ device: loop.device, directory: dir, fstype: 'ext4', force_clones: 'true' }, 'validate-all', {
      OCF_RESKEY_CRM_meta_clone_max: '2',
    }).code,
    0,
    'force_clones allows the clone',
  );
});

t.test('the device mounted elsewhere: start refuses with a clear reason', async (t) => {
  const loop = withLoop(t, 'ext4');
  const elsewhere = `${loop.dir}/elsewhere`;
  mkdirSync(elsewhere);
  sh('mount', [loop.device, elsewhere]);
  const r = fs({ device: loop.device, directory: `${loop.dir}/mnt`, fstype: 'ext4' }, 'start');
  t.equal(r.code, 1);
  t.match(r.reason, new RegExp(`already mounted on ${elsewhere}`));
  t.equal(mountedAt(`${loop.dir}/mnt`), undefined, 'not mounted a second time');
  sh('umount', [elsewhere]);
});

t.test('monitor runs no program: it works with an empty PATH', async (t) => {
  const loop = withLoop(t, 'ext4');
  const dir = `${loop.dir}/mnt`;
  const p = { device: loop.device, directory: dir, fstype: 'ext4' };
  t.equal(fs(p, 'monitor', { PATH: '/nonexistent' }).code, 7, 'not mounted: 7 without any program');
  t.equal(fs(p, 'start').code, 0);
  t.equal(fs(p, 'monitor', { PATH: '/nonexistent' }).code, 0, 'mounted: 0 without any program');
  t.equal(fs(p, 'stop').code, 0);
});

t.test('logs go to stderr and to HA_LOGFILE when Pacemaker names one', async (t) => {
  const loop = withLoop(t, 'ext4');
  const logFile = `${loop.dir}/ha.log`;
  const p = { device: loop.device, directory: `${loop.dir}/mnt`, fstype: 'ext4' };
  const r = fs(p, 'start', { HA_LOGFILE: logFile, OCF_RESOURCE_INSTANCE: 'fs_logged' });
  t.equal(r.code, 0);
  t.match(r.stderr, /Filesystem\(fs_logged\): INFO: mounted/);
  t.match(readFileSync(logFile, 'utf8'), /Filesystem\(fs_logged\)\[\d+\]: INFO: mounted/);
  t.equal(fs(p, 'stop').code, 0);
});
