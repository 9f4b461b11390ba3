// Dual-primary DRBD 8.4 under GFS2 in the qemu VM cluster (issue 16), as `ocfkit crm generate
// --dual-primary` prints it: DLM (ocf:pacemaker:controld) and the file system cloned on both
// nodes, DRBD fencing resource-and-stonith, real fencing of a VM (fence_vmlab). Steps:
//   1. both nodes Primary, GFS2 mounted on both, each writing; every acknowledged write of
//      either node is read back from the other one;
//   2. one VM killed: fenced, the survivor writes on once DLM has recovered, nothing
//      acknowledged is lost, and fsck.gfs2 finds the file system clean;
//   3. the two-node trap: the survivor's cluster stack restarts with its peer still down:
//      wait_for_all (implied by two_node) keeps it inquorate, nothing promoted or mounted, until
//      `corosync-cmapctl -s quorum.cancel_wait_for_all u8 1` (pcs quorum unblock); then it runs
//      the stack alone with every acknowledged write.
// Heavy (two emulated VMs): run by `make test-dual-primary`, not by .ci/run.
import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vmLabReady, DEVICE, NODE, NODES, PROJECT, RES, type NodeId } from '../lab.js';
import { startVmCluster, type VmCluster } from '../cluster/vm-cluster.js';
import { declareBudget } from '../../helpers/budget.js';
import { steps } from '../../helpers/steps.js';
import { promotedNodes, type ClusterStatus } from '../../cluster/nodes.js';

const MOUNT = '/srv/shared';
const FS_CLONE = 'fs-shared-clone';
const CLUSTER_NAME = 'ocfkitvm'; // vm-cluster.ts's corosync cluster_name: GFS2's lock table names it
const WRITER = '/root/dual-primary-writer.sh';
const ms = (value: number) => `${(value / 1000).toFixed(1)} s`;
const other = (n: NodeId): NodeId => (n === 1 ? 2 : 1);

const budget = declareBudget(t, 1500);
const missing = [
  `${PROJECT}/dist/agents/drbd`,
  `${PROJECT}/dist/agents/Filesystem`,
  `${PROJECT}/dist/bin/ocfkit.mjs`,
  '/usr/sbin/mkfs.gfs2',
  '/usr/sbin/fsck.gfs2',
  '/usr/sbin/dlm_controld',
].filter((file) => !existsSync(file));
if (missing.length > 0) {
  t.fail(`missing: ${missing.join(', ')}: build first (node scripts/build.mjs) and run test/vm/setup.sh (gfs2-utils, dlm-controld)`);
} else if (vmLabReady(t)) {
  await run();
}

async function run(): Promise<void> {
  const booting = Date.now();
  const cluster = await startVmCluster();
  t.teardown(() => cluster.destroy());
  t.comment(`VM cluster online, DRBD initialised, in ${ms(cluster.startupMs)}; ${budget.report(booting)}`);
  const { lab } = cluster;

  const step = steps(t, {
    budget,
    onFailure: async (failed) => {
      failed.comment(await diagnostics(cluster));
    },
  });

  const acked = (n: NodeId): number[] => {
    const path = join(lab.ctlDir(n), 'dp-acks');
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  };
  const lastAcked = (n: NodeId) => acked(n).at(-1) ?? 0;
  /** What `writer` acknowledged, all there when read on `reader` (through the cluster file system). */
  const assertWritesOn = async (t: Test, reader: NodeId, writer: NodeId) => {
    const wanted = acked(writer);
    const onDisk = new Set(
      (await cluster.runOk(reader, 'cat', [`${MOUNT}/writes-node${writer}`])).stdout.split('\n').filter(Boolean).map(Number),
    );
    const lost = wanted.filter((value) => !onDisk.has(value));
    t.ok(wanted.length > 0, `node${writer} acknowledged writes (${wanted.length})`);
    t.same(lost.slice(0, 10), [], `read on node${reader}: every write node${writer} acknowledged is there (${lost.length} missing)`);
  };

  await step('the generated dual-primary stack comes up: both Primary, GFS2 mounted on both, both writing', async (t) => {
    // What an admin types, with the lab's names; the resource file it writes replaces the lab's.
    const generated = await cluster.runOk(1, NODE, [
      `${PROJECT}/dist/bin/ocfkit.mjs`,
      'crm',
      'generate',
      '--name',
      'shared',
      ...NODES.flatMap((n) => ['--node', `node${n}@192.168.78.${n}`]),
      '--drbd-resource',
      RES,
      '--device',
      DEVICE,
      '--disk',
      '/dev/vda',
      '--drbd-version',
      '8.4',
      '--dual-primary',
      '--directory',
      MOUNT,
      '--fstype',
      'gfs2',
      '--stonith',
      'fence_vmlab:pcmk_host_list=node1 node2',
      '--provider',
      'ocfkit',
      '--drbd-res',
      `/root/${RES}.res`,
    ]);
    const res = (await cluster.runOk(1, 'cat', [`/root/${RES}.res`])).stdout;
    t.match(res, /allow-two-primaries yes;/, `${RES}.res: two Primaries allowed`);
    t.match(res, /fencing resource-and-stonith;/, `${RES}.res: fencing resource-and-stonith`);
    // Every operation timeout scaled to this host's speed, as test/cluster/stack.ts does.
    const crm = generated.stdout.replace(
      /^(\s*op \S+ .*?\btimeout=)(\d+)(s?)\b/gm,
      (_, before: string, value: string, unit: string) => `${before}${Math.ceil(Number(value) * Math.max(1, lab.slowness))}${unit}`,
    );
    t.match(crm, /^primitive dlm ocf:pacemaker:controld/m, 'DLM through ocf:pacemaker:controld');
    t.match(crm, /promoted-max=2/, 'DRBD promoted on both nodes');
    t.comment(`generated:\n${crm}`);

    // The file system, made once on DRBD (the metadata of the lab's initial sync stays valid).
    for (const n of NODES) await lab.writeFile(n, `/etc/drbd.d/${RES}.res`, res);
    for (const n of NODES) await cluster.runOk(n, 'drbdadm', ['up', RES], { timeoutMs: 120_000 });
    await lab.waitFor(
      'DRBD connected, UpToDate on both',
      async () => (await lab.drbdState(1)).dstate === 'UpToDate/UpToDate' && (await lab.drbdState(1)).cstate === 'Connected',
      120,
      1,
    );
    await cluster.runOk(1, 'drbdadm', ['primary', RES]);
    await cluster.runOk(1, 'mkfs.gfs2', ['-O', '-p', 'lock_dlm', '-t', `${CLUSTER_NAME}:shared`, '-j', '2', '-J', '8', DEVICE], {
      timeoutMs: 300_000,
    });
    await cluster.runOk(1, 'drbdadm', ['secondary', RES]);
    for (const n of NODES) await cluster.runOk(n, 'drbdadm', ['down', RES], { timeoutMs: 120_000 });

    // The VMs run no udev: dlm_controld looks for the DLM's misc devices where udev's rule puts them
    // ("cannot find device /dev/misc/dlm-control"), so the lab makes them there, as udev would.
    for (const n of NODES) {
      await cluster.runOk(n, 'sh', [
        '-c',
        'set -e; modprobe dlm; mkdir -p /dev/misc; for d in dlm-control dlm-monitor dlm_plock; do ' +
          '[ -e /dev/misc/$d ] || mknod /dev/misc/$d c $(tr : " " < /sys/class/misc/$d/dev); done',
      ]);
    }
    await cluster.runOk(1, 'sh', ['-c', 'cat > /tmp/dual-primary.crm'], { input: crm });
    const loading = Date.now();
    await cluster.runOk(1, 'crm', ['configure', 'load', 'update', '/tmp/dual-primary.crm'], { timeoutMs: 180_000 });
    const s = await cluster.waitForStatus(
      1,
      'DRBD Promoted on both nodes, DLM and GFS2 running on both',
      (s) => runsEverywhere(s),
      600_000,
    );
    t.comment(`stack up ${ms(Date.now() - loading)} after the load`);
    t.same(promotedNodes(s, `drbd-${RES}`).sort(), ['node1', 'node2'], 'crm_mon: DRBD Promoted on node1 and node2');
    for (const n of NODES) {
      t.equal((await lab.drbdState(n)).role, 'Primary/Primary', `node${n}: drbdadm role Primary/Primary`);
      const mount = JSON.parse((await cluster.runOk(n, 'findmnt', ['-J', '-o', 'SOURCE,FSTYPE', MOUNT])).stdout) as {
        filesystems: { source: string; fstype: string }[];
      };
      t.same(mount.filesystems[0], { source: DEVICE, fstype: 'gfs2' }, `node${n}: ${DEVICE} gfs2 on ${MOUNT}`);
    }

    // Each node appends numbers to its own file, fsyncs, and only then acknowledges into /ctl (a host directory).
    const writer = [
      '#!/bin/bash',
      `f=${MOUNT}/writes-$(hostname); i=0`,
      'while [ ! -e /tmp/writer.stop ]; do',
      '  i=$((i + 1))',
      '  if printf "%s\\n" "$i" >> "$f" && sync "$f"; then printf "%s\\n" "$i" >> /ctl/dp-acks; else sleep 1; fi',
      '  sleep 0.2',
      'done',
    ].join('\n');
    for (const n of NODES) {
      await lab.writeFile(n, WRITER, `${writer}\n`, 0o755);
      await cluster.runOk(n, 'sh', ['-c', `setsid nohup ${WRITER} > /ctl/dp-writer.out 2>&1 < /dev/null & echo started`]);
    }
    await lab.waitFor('20 acknowledged writes on each node', async () => NODES.every((n) => lastAcked(n) >= 20), 180, 1);
    for (const n of NODES) await assertWritesOn(t, other(n), n);
    t.equal(cluster.fences.length, 0, 'nobody fenced');
  });

  await step('node2 is killed: fenced; node1 writes on after DLM recovery, nothing lost, fsck.gfs2 clean', async (t) => {
    const survivor: NodeId = 1;
    const victim: NodeId = 2;
    const before = lastAcked(survivor);
    const killedAt = Date.now();
    cluster.powerOff(victim);
    t.comment(`killed node${victim}'s VM with node${survivor} at ${before} acknowledged writes`);
    // Writes freeze (DRBD resource-and-stonith, DLM waiting for fencing), then resume.
    const fence = (await lab.waitFor(
      `node${victim} fenced`,
      async () => cluster.fences.find((f) => f.target === `node${victim}`),
      300,
      0.5,
    ))!;
    t.equal(fence.rc, 0, `fenced through fence_vmlab, ${ms(fence.at - killedAt)} after the kill (asked by node${fence.from})`);
    const resumed = await lab.waitFor(
      `node${survivor} writing again`,
      async () => (lastAcked(survivor) >= before + 10 ? Date.now() : 0),
      300,
      0.5,
    );
    t.comment(`node${survivor} acknowledged 10 more writes ${ms(resumed - killedAt)} after the kill`);
    const s = await cluster.waitForStatus(
      survivor,
      `DRBD Promoted and GFS2 mounted on node${survivor}`,
      (s) => promotedNodes(s, `drbd-${RES}`).join() === `node${survivor}` && startedOnlyOn(s, 'fs-shared', `node${survivor}`),
    );
    t.ok(s.nodes.find((node) => node.name === `node${victim}`)?.online === false, `node${victim} is offline`);
    t.equal((await lab.drbdState(survivor)).role, 'Primary/Unknown', `node${survivor}: still Primary, peer unknown`);

    await cluster.runOk(survivor, 'touch', ['/tmp/writer.stop']);
    await lab.waitFor(
      'the writer stopped',
      async () => (await lab.sh(survivor, 'pgrep -f dual-primary-writer', { timeout: 30 })).code === 1,
      60,
      0.5,
    );
    await assertWritesOn(t, survivor, survivor);
    await assertWritesOn(t, survivor, victim);

    await cluster.runOk(survivor, 'crm', ['resource', 'stop', FS_CLONE]);
    await cluster.waitForStatus(survivor, 'GFS2 unmounted', (s) => !s.resources.get('fs-shared')?.active);
    const fsck = await cluster.run(survivor, 'fsck.gfs2', ['-n', DEVICE], { timeoutMs: 300_000 });
    t.equal(fsck.exitCode, 0, `fsck.gfs2 -n: clean (exit ${fsck.exitCode})`);
    if (fsck.exitCode !== 0) t.comment(fsck.stdout + fsck.stderr);
    await cluster.runOk(survivor, 'crm', ['resource', 'start', FS_CLONE]);
    await cluster.waitForStatus(survivor, 'GFS2 mounted again', (s) => startedOnlyOn(s, 'fs-shared', `node${survivor}`));
  });

  // The trap of issue 16. The survivor's cluster stack restarts while its peer is still down (what
  // a reboot does to the cluster; the VM itself stays, so its CIB and DRBD metadata persist).
  await step(
    'the two-node trap: node1 restarts alone; wait_for_all keeps it inquorate with nothing mounted until cancel_wait_for_all',
    async (t) => {
      const n: NodeId = 1;
      const stopped = (program: string) => async () => (await lab.sh(n, `pidof ${program}`, { timeout: 30 })).code === 1;
      await cluster.runOk(n, 'sh', ['-c', 'kill -TERM $(pidof pacemakerd)']);
      await lab.waitFor('Pacemaker stopped on node1 (its resources first)', stopped('pacemakerd pacemaker-controld'), 300, 1);
      t.equal((await cluster.run(n, 'findmnt', [MOUNT])).exitCode, 1, 'the shutdown unmounted GFS2');
      await cluster.runOk(n, 'sh', ['-c', 'kill -TERM $(pidof corosync)']);
      await lab.waitFor('corosync stopped on node1', stopped('corosync'), 120, 1);
      const restartedAt = Date.now();
      await cluster.runOk(n, 'sh', ['-c', 'setsid nohup corosync -f >> /ctl/corosync.out 2>&1 < /dev/null & echo started']);
      await lab.waitFor(
        'corosync answering on node1',
        async () => (await lab.sh(n, 'corosync-cmapctl -g runtime.votequorum.this_node_id', { timeout: 60 })).code === 0,
        180,
        1,
      );
      await cluster.runOk(n, 'sh', [
        '-c',
        'PCMK_logfile=/ctl/pacemaker.log setsid nohup pacemakerd >> /ctl/pacemakerd.out 2>&1 < /dev/null & echo started',
      ]);

      const quorum = await cluster.run(n, 'corosync-quorumtool', ['-s']);
      t.match(quorum.stdout, /Quorate:\s+No/, 'corosync: not quorate');
      t.match(quorum.stdout, /Flags:.*\bWaitForAll\b/, 'corosync: WaitForAll (implied by two_node)');
      // Progress, not a fixed wait: the controller elected itself DC, saw no quorum and went idle.
      await lab.waitFor(
        'node1 DC and idle without quorum',
        async () => {
          const state = await lab.sh(
            n,
            'crmadmin -q -S node1 2>&1; crm_mon -1 --output-as=xml 2>/dev/null | grep -o \'with_quorum="[a-z]*"\'',
            { timeout: 60 },
          );
          return /S_IDLE/.test(state.stdout) && /with_quorum="false"/.test(state.stdout);
        },
        300,
        1,
      );
      const idle = await cluster.status(n);
      t.equal(idle?.quorate, false, 'Pacemaker: partition without quorum');
      t.same(promotedNodes(idle!, `drbd-${RES}`), [], 'DRBD promoted nowhere');
      t.notOk(idle?.resources.get('fs-shared')?.active, 'GFS2 started nowhere');
      t.equal((await cluster.run(n, 'findmnt', [MOUNT])).exitCode, 1, 'node1: nothing mounted');
      t.notMatch((await lab.drbdState(n)).role, /^Primary/, 'node1: DRBD not Primary');
      t.comment(`node1 waited, inquorate, ${ms(Date.now() - restartedAt)} after its restart`);

      // The documented way out, once the admin knows the peer is off.
      const unblockedAt = Date.now();
      await cluster.runOk(n, 'corosync-cmapctl', ['-s', 'quorum.cancel_wait_for_all', 'u8', '1']);
      await cluster.waitForStatus(
        n,
        'quorate, DRBD Promoted and GFS2 mounted on node1 alone',
        (s) => s.quorate && promotedNodes(s, `drbd-${RES}`).join() === 'node1' && startedOnlyOn(s, 'fs-shared', 'node1'),
        600_000,
      );
      t.comment(
        `node1 runs the stack ${ms(Date.now() - unblockedAt)} after cancel_wait_for_all; fencing: ${cluster.fenceLog().join('; ')}`,
      );
      await assertWritesOn(t, n, 1);
      await assertWritesOn(t, n, 2);
    },
  );
}

/** DRBD Promoted, DLM and the file system started on both nodes, nothing failed. */
function runsEverywhere(s: ClusterStatus): boolean {
  // Every instance Started: crm_mon lists a clone instance that is still starting ("Starting node1") as active there.
  const both = (id: string) =>
    s.resources.get(id)?.nodes.slice().sort().join() === 'node1,node2' &&
    !s.resources.get(id)!.failed &&
    s.resources.get(id)!.instances.every((instance) => instance.role === 'Started');
  return promotedNodes(s, `drbd-${RES}`).length === 2 && both('dlm') && both('fs-shared');
}

/** `id` runs on `node` only, Started there (not still starting). */
function startedOnlyOn(s: ClusterStatus, id: string, node: string): boolean {
  const resource = s.resources.get(id);
  return resource?.nodes.join() === node && resource.instances.every((instance) => instance.role === 'Started') && !resource.failed;
}

async function diagnostics(cluster: VmCluster): Promise<string> {
  const seen = await Promise.all(
    NODES.filter((n) => cluster.lab.alive(n)).map((n) =>
      cluster.lab
        .sh(
          n,
          'crm_mon -1 -r -f 2>&1 | tail -n 40; cat /proc/drbd; dlm_tool ls 2>&1 | head -n 20; findmnt -t gfs2; dmesg | grep -iE "gfs2|dlm|drbd" | tail -n 20',
          { timeout: 60 },
        )
        .then(
          (r) => `--- node${n}\n${r.stdout}${r.stderr}`,
          (e: Error) => `--- node${n}: ${e.message}`,
        ),
    ),
  );
  return `${seen.join('\n')}\n${cluster.logs(30)}`;
}
