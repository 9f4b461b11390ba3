// Real DRBD 8.4 in two qemu VMs with plain drbdadm (no agents): the lab works and DRBD behaves
// the way our agents will expect. Needs test/vm/setup.sh once (fails otherwise). ~1 min.
import t, { type Test } from 'tap';
import { declareBudget } from '../../helpers/budget.js';
import { ADDRESS, DEVICE, Lab, NODES, RES, vmLabReady, type NodeId } from '../lab.js';

declareBudget(t, 600); // this file's time limit, with a wide margin on a loaded 2-core machine
if (vmLabReady(t)) {
  const t0 = Date.now();
  const lab = await Lab.up();
  t.teardown(() => lab.down());
  t.comment(`lab up in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${lab.dir}`);
  const both = <T>(fn: (n: NodeId) => Promise<T>) => Promise.all(NODES.map(fn));
  // the steps build on each other: after a failed one, skip the rest instead of timing out
  let broken = '';
  const step = (name: string, fn: (t: Test) => Promise<void>) =>
    t.test(name, async (t) => {
      if (broken) return void t.plan(0, `skipped after the failed step "${broken}"`);
      try {
        await fn(t);
      } catch (e) {
        broken = name;
        throw e;
      }
      if (!t.passing()) broken = name;
    });
  const state = (n: NodeId) => lab.drbdState(n);
  // md5 of one 4 KiB block, read with O_DIRECT (no stale page cache)
  const block = async (n: NodeId, dev: string, i: number) =>
    (await lab.sh(n, `dd if=${dev} bs=4096 skip=${i} count=1 iflag=direct status=none | md5sum`)).stdout.split(' ')[0];

  step('the VMs', async (t) => {
    t.same(await both((n) => lab.ok(n, ['hostname'])), ['node1', 'node2']);
    t.match(await lab.ok(1, ['cat', '/proc/drbd']), /^version: 8\.4\.\d+/, 'drbd 8.4 module loaded');
    t.match(await lab.ok(2, ['ip', '-br', 'addr', 'show', 'eth0']), ADDRESS[2]);
    const ping = await lab.exec(1, ['ping', '-c1', '-W5', ADDRESS[2]]);
    t.equal(ping.code, 0, 'node1 reaches node2 over the private link');
    const r = await lab.exec(1, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    t.same(r, { stdout: 'out\n', stderr: 'err\n', code: 3 }, 'exec keeps stdout, stderr and exit code apart');
    const e = await lab.exec(2, ['sh', '-c', 'echo "$A|$B"'], { env: { A: 'x y', B: "it's" }, input: 'ignored' });
    t.equal(e.stdout, "x y|it's\n", 'env vars reach the command');
  });

  step('unconfigured', async (t) => {
    for (const n of NODES) {
      const r = await lab.exec(n, ['drbdadm', 'role', RES]);
      t.equal(r.code, 10, `node${n}: drbdadm role exits 10 before up`);
      t.match(r.stderr, /Device minor not allocated/);
    }
  });

  step('create-md + up: connected, both Inconsistent', async (t) => {
    const md = await both((n) => lab.exec(n, ['drbdadm', 'create-md', '--force', RES]));
    for (const r of md) {
      t.equal(r.code, 0, 'create-md');
      t.match(r.stdout + r.stderr, /New drbd meta data block successfully created/);
    }
    t.same(
      (await both((n) => lab.exec(n, ['drbdadm', 'up', RES]))).map((r) => r.code),
      [0, 0],
      'up on both',
    );
    await lab.waitFor('Connected on both', async () => (await both(state)).every((s) => s.cstate === 'Connected'), 60);
    t.same(await both(state), [
      { role: 'Secondary/Secondary', cstate: 'Connected', dstate: 'Inconsistent/Inconsistent' },
      { role: 'Secondary/Secondary', cstate: 'Connected', dstate: 'Inconsistent/Inconsistent' },
    ]);
  });

  step('primary --force on node1: initial sync to UpToDate/UpToDate', async (t) => {
    t.equal((await lab.exec(1, ['drbdadm', 'primary', '--force', RES])).code, 0);
    t.equal((await state(1)).role, 'Primary/Secondary');
    const start = Date.now();
    await lab.waitFor('initial sync', async () => (await both(state)).every((s) => s.dstate === 'UpToDate/UpToDate'), 180, 1);
    t.comment(`initial sync of 64 MiB: ${((Date.now() - start) / 1000).toFixed(1)}s`);
    t.same(await both(state), [
      { role: 'Primary/Secondary', cstate: 'Connected', dstate: 'UpToDate/UpToDate' },
      { role: 'Secondary/Primary', cstate: 'Connected', dstate: 'UpToDate/UpToDate' },
    ]);
    t.match(await lab.ok(2, ['cat', '/proc/drbd']), / 1: cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate C /);
    // protocol C: a completed write on the primary is on the peer's disk
    await lab.ok(1, ['dd', 'if=/dev/urandom', `of=${DEVICE}`, 'bs=4096', 'count=1', 'oflag=direct', 'status=none']);
    t.equal(await block(2, '/dev/vda', 0), await block(1, DEVICE, 0), 'block 0 replicated to node2');
  });

  step('cut link: both sides disconnected, node1 stays Primary', async (t) => {
    await lab.cutLink();
    await lab.waitFor('WFConnection on both', async () => (await both(state)).every((s) => s.cstate === 'WFConnection'), 90);
    t.same(await both(state), [
      { role: 'Primary/Unknown', cstate: 'WFConnection', dstate: 'UpToDate/DUnknown' },
      { role: 'Secondary/Unknown', cstate: 'WFConnection', dstate: 'UpToDate/DUnknown' },
    ]);
    // written while disconnected: must reach node2 by resync after the link is back
    await lab.ok(1, ['dd', 'if=/dev/urandom', `of=${DEVICE}`, 'bs=4096', 'seek=1', 'count=1', 'oflag=direct', 'status=none']);
    t.not(await block(2, '/dev/vda', 1), await block(1, DEVICE, 1), 'node2 misses the new block');
  });

  step('restore link: reconnected and resynced', async (t) => {
    await lab.restoreLink();
    await lab.waitFor(
      'Connected + UpToDate/UpToDate on both',
      async () => (await both(state)).every((s) => s.cstate === 'Connected' && s.dstate === 'UpToDate/UpToDate'),
      120,
    );
    t.same(
      (await both(state)).map((s) => s.role),
      ['Primary/Secondary', 'Secondary/Primary'],
    );
    t.equal(await block(2, '/dev/vda', 1), await block(1, DEVICE, 1), 'block 1 resynced to node2');
  });

  step('down', async (t) => {
    t.equal((await lab.exec(1, ['drbdadm', 'secondary', RES])).code, 0);
    t.same(
      (await both((n) => lab.exec(n, ['drbdadm', 'down', RES]))).map((r) => r.code),
      [0, 0],
    );
    t.same(
      (await both((n) => lab.exec(n, ['drbdadm', 'role', RES]))).map((r) => r.code),
      [10, 10],
      'no minor any more',
    );
    const pids = lab.qemuPids();
    t.equal(pids.length, 2);
    await lab.down();
    const alive = pids.filter((p) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    });
    t.same(alive, [], 'no qemu left behind');
  });
}
