// ocf:ocfkit:Filesystem never harms what is not its own (issue 9), tried the way an admin with
// typos, odd paths and a live cluster would. Every case runs in a private mount namespace, so even
// an agent that did unmount `/` would only empty the namespace (needs root).
import t, { type Test } from 'tap';
import { type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { makeLoopFs, type LoopFs } from '../helpers/loop.js';
import { MountNamespace } from '../helpers/mountns.js';

function withLoop(t: Test, fstype: 'ext4' | 'btrfs'): LoopFs {
  const loop = makeLoopFs(fstype);
  t.teardown(() => loop.cleanup());
  return loop;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test("a directory that is / or the node's own: refused by every action, and stop touches nothing", async (t) => {
  const ns = await MountNamespace.create(t);
  const loop = withLoop(t, 'ext4');
  // Something that must survive: a mount with a process working in it.
  const canary = `${loop.dir}/canary`;
  mkdirSync(canary);
  ns.sh('mount', ['-t', 'tmpfs', 'canary', canary]);
  const user = ns.spawn(['sleep', '600'], canary);
  symlinkSync('/', `${loop.dir}/rootlink`);
  await pause(200);
  for (const directory of [
    '/.',
    '/tmp/..',
    '//',
    `${loop.dir}/rootlink`,
    `${loop.dir}/../../..`,
    '/proc',
    '/dev',
    '/run',
    '/usr',
    '/var/lib',
  ]) {
    const p = { device: loop.device, directory, fstype: 'ext4' };
    for (const action of ['validate-all', 'start', 'monitor']) {
      const r = ns.agent('Filesystem', action, p);
      t.equal(r.code, 6, `${action} with directory=${directory}: 6`);
      t.match(r.reason, /belongs to the node itself/, `${action} with directory=${directory}: says why`);
    }
    t.equal(ns.agent('Filesystem', 'monitor', p, { OCF_RESKEY_CRM_meta_interval: '0' }).code, 6, `probe with directory=${directory}: 6`);
    const stop = ns.agent('Filesystem', 'stop', p, { OCF_RESKEY_CRM_meta_timeout: '4000' });
    t.equal(stop.code, 0, `stop with directory=${directory}: 0 (a failed stop would fence the node)`);
    t.match(stop.stderr, /nothing to stop/, 'and it says why it did nothing');
    t.same(ns.sourcesAt(canary), ['canary'], `stop with directory=${directory}: the other mount is still there`);
    t.ok(alive(user), `stop with directory=${directory}: its user was not signalled`);
  }
});

t.test('stop with a configuration error returns 0 and leaves the mounted file system alone', async (t) => {
  const ns = await MountNamespace.create(t);
  const loop = withLoop(t, 'ext4');
  const dir = `${loop.dir}/mnt`;
  const p = { device: loop.device, directory: dir, fstype: 'ext4' };
  t.equal(ns.agent('Filesystem', 'start', p).code, 0);
  const bad: Array<Record<string, string>> = [
    { term_signals: 'TERM NOPE' },
    { signal_delay: 'soon' },
    { fast_stop: 'perhaps' },
    { directory: 'mnt' },
    { directory: '/tmp/..' },
  ];
  for (const change of bad) {
    const r = ns.agent('Filesystem', 'stop', { ...p, ...change }, { OCF_RESKEY_CRM_meta_timeout: '4000' });
    t.equal(r.code, 0, `stop with ${JSON.stringify(change)}: 0`);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
    t.same(ns.sourcesAt(dir), [loop.device], 'nothing was unmounted');
  }
  t.equal(ns.agent('Filesystem', 'stop', p).code, 0);
});

t.test('stop leaves another file system on our directory alone, with its bind mounts and users', async (t) => {
  const ns = await MountNamespace.create(t);
  const ours = withLoop(t, 'ext4');
  const other = withLoop(t, 'ext4');
  const dir = `${ours.dir}/mnt`;
  const elsewhere = `${ours.dir}/elsewhere`;
  mkdirSync(dir);
  mkdirSync(elsewhere);
  ns.sh('mount', [other.device, dir]);
  ns.sh('mount', ['--bind', dir, elsewhere]);
  const user = ns.spawn(['sleep', '600'], dir);
  await pause(200);
  const p = { device: ours.device, directory: dir, fstype: 'ext4' };
  t.equal(ns.agent('Filesystem', 'monitor', p).code, 1, 'monitor: not ours is a failure');
  t.equal(ns.agent('Filesystem', 'start', p).code, 1, 'start refuses to stack on it');
  const stop = ns.agent('Filesystem', 'stop', p, { OCF_RESKEY_CRM_meta_timeout: '6000' });
  t.equal(stop.code, 0, 'stop: 0, our resource is not running here');
  t.match(stop.stderr, new RegExp(`${other.device}.*leaving it alone`), 'it says what it left alone');
  t.same(ns.sourcesAt(dir), [other.device], 'the other file system is still mounted on the directory');
  t.same(ns.sourcesAt(elsewhere), [other.device], 'and its bind mount elsewhere');
  t.ok(alive(user), 'and its user was not signalled');
});

t.test('first start with a directory that is not written canonically', async (t) => {
  const ns = await MountNamespace.create(t);
  const loop = withLoop(t, 'ext4');
  mkdirSync(`${loop.dir}/x`);
  for (const [given, canonical] of [
    [`${loop.dir}//data1`, `${loop.dir}/data1`],
    [`${loop.dir}/./data2/`, `${loop.dir}/data2`],
    [`${loop.dir}/x/../data3`, `${loop.dir}/data3`],
    [`${loop.dir}/y/../data4`, `${loop.dir}/data4`],
  ] as const) {
    const p = { device: loop.device, directory: given, fstype: 'ext4' };
    const start = ns.agent('Filesystem', 'start', p);
    t.equal(start.code, 0, `start with directory=${given}`, { reason: start.reason });
    t.same(ns.sourcesAt(canonical), [loop.device], `mounted on ${canonical}`);
    t.equal(ns.agent('Filesystem', 'monitor', p).code, 0, 'monitor');
    t.equal(ns.agent('Filesystem', 'start', p).code, 0, 'start again');
    t.equal(ns.agent('Filesystem', 'stop', p).code, 0, 'stop');
    t.same(ns.sourcesAt(canonical), [], 'unmounted');
  }
});

t.test('depth 20 on a frozen file system answers before its timeout', async (t) => {
  const ns = await MountNamespace.create(t);
  const loop = withLoop(t, 'ext4');
  const dir = `${loop.dir}/mnt`;
  const p = { device: loop.device, directory: dir, fstype: 'ext4' };
  t.equal(ns.agent('Filesystem', 'start', p).code, 0);
  const thaw = () => {
    try {
      ns.sh('fsfreeze', ['-u', dir]);
    } catch {
      /* not frozen */
    }
  };
  t.teardown(thaw);
  ns.sh('fsfreeze', ['-f', dir]);
  try {
    const began = Date.now();
    const timeoutMs = 4000;
    const monitor = ns.agentAsync('Filesystem', 'monitor', p, { OCF_CHECK_LEVEL: '20', OCF_RESKEY_CRM_meta_timeout: String(timeoutMs) });
    const r = await Promise.race([monitor, pause(15000).then(() => undefined)]);
    t.ok(r, 'the monitor answered at all (an agent in uninterruptible sleep never does)');
    t.ok(Date.now() - began < timeoutMs, `within the ${timeoutMs} ms timeout (${Date.now() - began} ms)`);
    t.equal(r?.code, 1, 'a frozen file system fails the check');
    t.match(r?.reason, /timed out.*frozen or hung/, 'and says so');
  } finally {
    thaw();
  }
  t.equal(ns.agent('Filesystem', 'monitor', p, { OCF_CHECK_LEVEL: '20' }).code, 0, 'thawed: depth 20 passes again');
  t.equal(ns.agent('Filesystem', 'stop', p).code, 0);
});

t.test('depth 20 never writes through a symlink or into a directory root does not own', async (t) => {
  const ns = await MountNamespace.create(t);
  const loop = withLoop(t, 'ext4');
  const dir = `${loop.dir}/mnt`;
  const p = { device: loop.device, directory: dir, fstype: 'ext4' };
  t.equal(ns.agent('Filesystem', 'start', p).code, 0);
  const victim = `${loop.dir}/victim`;
  writeFileSync(victim, 'precious\n');
  ns.sh('mkdir', [`${dir}/.Filesystem_status`]);
  // Planted by anyone who could write there, at the name upstream (and ocfkit before) used.
  ns.sh('ln', ['-s', victim, `${dir}/.Filesystem_status/${hostname()}`]);
  const r = ns.agent('Filesystem', 'monitor', p, { OCF_CHECK_LEVEL: '20' });
  t.equal(r.code, 0, 'the check itself passes');
  t.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the file the symlink points to is unchanged');

  const target = `${loop.dir}/target`;
  mkdirSync(target);
  ns.sh('rm', ['-rf', `${dir}/.Filesystem_status`]);
  ns.sh('ln', ['-s', target, `${dir}/.Filesystem_status`]);
  const viaLink = ns.agent('Filesystem', 'monitor', p, { OCF_CHECK_LEVEL: '20' });
  t.equal(viaLink.code, 1, 'a status directory that is a symlink fails the check');
  t.match(viaLink.reason, /not a directory that only root can write/);
  t.same(readdirSync(target), [], 'and nothing was written where it points');

  ns.sh('rm', ['-f', `${dir}/.Filesystem_status`]);
  ns.sh('mkdir', [`${dir}/.Filesystem_status`]);
  ns.sh('chown', ['65534', `${dir}/.Filesystem_status`]);
  const foreign = ns.agent('Filesystem', 'monitor', p, { OCF_CHECK_LEVEL: '20' });
  t.equal(foreign.code, 1, 'a status directory owned by another user fails the check');
  t.match(foreign.reason, /uid 65534/);
  t.equal(ns.agent('Filesystem', 'stop', p).code, 0);
});

t.test('btrfs: two subvolumes of one device are two resources', async (t) => {
  const ns = await MountNamespace.create(t);
  const loop = withLoop(t, 'btrfs');
  const top = `${loop.dir}/top`;
  mkdirSync(top);
  ns.sh('mount', [loop.device, top]);
  ns.sh('btrfs', ['-q', 'subvolume', 'create', `${top}/sa`]);
  ns.sh('btrfs', ['-q', 'subvolume', 'create', `${top}/sb`]);
  ns.sh('umount', [top]);
  const a = { device: loop.device, directory: `${loop.dir}/a`, fstype: 'btrfs', options: 'subvol=sa' };
  const b = { device: loop.device, directory: `${loop.dir}/b`, fstype: 'btrfs', options: 'subvol=sb' };
  t.equal(ns.agent('Filesystem', 'start', a).code, 0, 'start subvolume a');
  const startB = ns.agent('Filesystem', 'start', b);
  t.equal(startB.code, 0, 'start subvolume b of the same device', { reason: startB.reason });
  t.equal(ns.agent('Filesystem', 'monitor', a).code, 0, 'monitor a');
  t.equal(ns.agent('Filesystem', 'monitor', b).code, 0, 'monitor b');
  t.equal(ns.agent('Filesystem', 'stop', a).code, 0, 'stop a');
  t.same(ns.sourcesAt(a.directory), [], 'a is unmounted');
  t.same(ns.sourcesAt(b.directory), [loop.device], 'b is still mounted');
  t.equal(ns.agent('Filesystem', 'monitor', b).code, 0, 'monitor b');
  t.equal(ns.agent('Filesystem', 'stop', b).code, 0, 'stop b');
});

t.test('two starts at once both succeed with one mount', async (t) => {
  const ns = await MountNamespace.create(t);
  const loop = withLoop(t, 'ext4');
  const p = { device: loop.device, directory: `${loop.dir}/mnt`, fstype: 'ext4' };
  for (let round = 1; round <= 5; round++) {
    const [first, second] = await Promise.all([ns.agentAsync('Filesystem', 'start', p), ns.agentAsync('Filesystem', 'start', p)]);
    t.equal(first.code, 0, `round ${round}: the first start`, { reason: first.reason });
    t.equal(second.code, 0, `round ${round}: the second start`, { reason: second.reason });
    t.same(ns.sourcesAt(p.directory), [loop.device], `round ${round}: mounted once`);
    t.equal(ns.agent('Filesystem', 'stop', p).code, 0, `round ${round}: stop`);
  }
});

t.test('a deadline hit during mount or fsck is named in the reason', async (t) => {
  const ns = await MountNamespace.create(t);
  const loop = withLoop(t, 'ext4');
  // Stand-ins for a mount or fsck that hang (a dead device, a huge file system to check).
  const bin = `${loop.dir}/bin`;
  mkdirSync(bin);
  for (const program of ['mount', 'fsck']) {
    writeFileSync(`${bin}/${program}`, '#!/bin/sh\nexec sleep 60\n');
    chmodSync(`${bin}/${program}`, 0o755);
  }
  const env = { PATH: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`, OCF_RESKEY_CRM_meta_timeout: '3000' };
  const p = { device: loop.device, directory: `${loop.dir}/mnt`, fstype: 'ext4' };
  const mount = ns.agent('Filesystem', 'start', { ...p, run_fsck: 'no' }, env);
  t.equal(mount.code, 1);
  t.match(mount.reason, /mount did not finish within \d+ s/);
  const fsck = ns.agent('Filesystem', 'start', { ...p, run_fsck: 'force' }, env);
  t.equal(fsck.code, 1);
  t.match(fsck.reason, new RegExp(`fsck of ${loop.device} did not finish within \\d+ s`));
});
