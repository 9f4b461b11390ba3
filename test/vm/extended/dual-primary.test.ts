// Dual-primary DRBD 8.4 (or DRBD 9 on two nodes: OCFKIT_DP_DRBD=9) under GFS2 (or OCFS2:
// OCFKIT_DP_FS=ocfs2) in the qemu VM cluster (issue 16), as `ocfkit crm generate --dual-primary
// --drbd-version 8.4|9` prints it: DLM (ocf:pacemaker:controld) and the file system cloned on
// both nodes, DRBD fencing resource-and-stonith, real fencing of a VM (fence_vmlab). Every step
// ends with every acknowledged write of both nodes read back, and fsck.gfs2/fsck.ocfs2 clean
// where it can run (it needs the file system unmounted everywhere).
// One boot of the VMs serves all steps:
//   1. both nodes Primary, the file system mounted on both, each writing; every acknowledged
//      write of either node is read back from the other one;
//   2. the replication link cut (net1; corosync keeps net0, the cluster stays whole): both
//      nodes freeze I/O, both fence-peer handlers race, one places crm-fence-peer(.9).sh's constraint,
//      the other stays frozen until Pacemaker fences it; the winner writes on, no split brain;
//   3. both back: the fenced node boots and rejoins, DRBD resyncs from the survivor (nothing
//      diverged), crm-unfence-peer(.9).sh lifts the constraint, Promoted and mounted on both again;
//   4. one VM killed: fenced, the survivor writes on once DLM has recovered;
//   5. the two-node trap: the survivor's cluster stack restarts with its peer still down:
//      wait_for_all (implied by two_node) keeps it inquorate, nothing promoted or mounted, until
//      `corosync-cmapctl -s quorum.cancel_wait_for_all u8 1` (pcs quorum unblock); then it runs
//      the stack alone with every acknowledged write.
// With OCFKIT_DP_STACK=lvm (make test-dual-primary DP_STACK=lvm), the second stack of issue 16:
// `--shared-vg`, a shared VG on the DRBD device (lvmlockd cloned with DLM, LVM-activate shared
// on both nodes) and the file system on its LV, through the same steps.
// Heavy (two emulated VMs): run by `make test-dual-primary [DP_FS=ocfs2] [DP_STACK=lvm] [DP_DRBD=9]`,
// not by .ci/run.
import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { vmLabReady, DEVICE, NODE, NODES, PROJECT, RES, type NodeId } from '../lab.js';
import { startVmCluster, type VmCluster } from '../cluster/vm-cluster.js';
import { FENCE_CONSTRAINT, waitForConstraint } from '../cluster/scenario-run.js';
import { declareBudget } from '../../helpers/budget.js';
import { steps } from '../../helpers/steps.js';
import { promotedNodes, type ClusterStatus } from '../../cluster/nodes.js';
import { parseEvents2, parseProcDrbd, type DrbdState } from '../../../lib/admin/drbd/index.js';

const MOUNT = '/srv/shared';
const FS_CLONE = 'fs-shared-clone';
// vm-cluster.ts's corosync cluster_name, which GFS2's lock table and OCFS2's superblock name
const CLUSTER_NAME = 'ocfkitvm';
/** The cluster file system under test, each as Debian 12 makes it, with two journals (one per node). */
const CLUSTER_FS = {
  gfs2: {
    label: 'GFS2',
    tools: ['/usr/sbin/mkfs.gfs2', '/usr/sbin/fsck.gfs2'],
    packages: 'gfs2-utils',
    mkfs: (device: string) => ['mkfs.gfs2', '-O', '-p', 'lock_dlm', '-t', `${CLUSTER_NAME}:shared`, '-j', '2', '-J', '8', device],
    modules: [] as string[],
  },
  // Pacemaker's user stack: DLM through dlm_controld, no o2cb (nor its cluster.conf).
  ocfs2: {
    label: 'OCFS2',
    tools: ['/usr/sbin/mkfs.ocfs2', '/usr/sbin/fsck.ocfs2', '/usr/sbin/mount.ocfs2'],
    packages: 'ocfs2-tools',
    mkfs: (device: string) => [
      'mkfs.ocfs2',
      '--cluster-stack=pcmk',
      `--cluster-name=${CLUSTER_NAME}`,
      '-N',
      '2',
      '-J',
      'size=4M',
      '-L',
      'shared',
      device,
    ],
    // ocfs2_stack_user is OCFS2's plugin for the kernel DLM that dlm_controld drives. mount.ocfs2
    // loads it too; loaded up front, a module missing from the lab's tree fails here, not as a mount.
    modules: ['ocfs2', 'ocfs2_stack_user'],
  },
} as const;
const FS_TYPE = process.env.OCFKIT_DP_FS ?? 'gfs2';
/** `lvm`: the file system on an LV of a shared VG on DRBD; unset or empty: directly on DRBD. */
const STACK = process.env.OCFKIT_DP_STACK || 'drbd';
const SHARED_VG = { vg: 'vg_shared', lv: 'data' };
/** Which DRBD the two VMs run: Debian's 8.4, or DRBD 9 (9.2.19, test/vm/drbd9) on two nodes. */
const DRBD = process.env.OCFKIT_DP_DRBD || '8.4';
/** The fence-peer handler the generator writes for that DRBD (the unfence-peer one is its twin). */
const FENCE_PEER = DRBD === '9' ? 'crm-fence-peer.9.sh' : 'crm-fence-peer.sh';
/** What the lvm stack needs besides the file system's tools (Debian: lvm2, lvm2-lockd, resource-agents). */
const LVM_TOOLS = [
  '/usr/sbin/lvm',
  '/usr/sbin/lvmlockd',
  '/usr/lib/ocf/resource.d/heartbeat/LVM-activate',
  '/usr/lib/ocf/resource.d/heartbeat/lvmlockd',
];
const WRITER = '/root/dual-primary-writer.sh';
// Each node appends numbers to its own file, fsyncs, and only then acknowledges into /ctl (a
// host directory: it outlives the VM). A restarted writer (after a fence) numbers on from its
// last acknowledgement, so that every number names one write.
const WRITER_SCRIPT = [
  '#!/bin/bash',
  `f=${MOUNT}/writes-$(hostname)`,
  'i=$(tail -n 1 /ctl/dp-acks 2>/dev/null); i=${i:-0}',
  'while [ ! -e /tmp/writer.stop ]; do',
  '  i=$((i + 1))',
  '  if printf "%s\\n" "$i" >> "$f" && sync "$f"; then printf "%s\\n" "$i" >> /ctl/dp-acks; else sleep 1; fi',
  '  sleep 0.2',
  'done',
].join('\n');
// DRBD's own kernel log line when I/O of a resource freezes: 8.4 "susp( 0 -> 1 )", DRBD 9
// "susp-io( no -> fencing )".
const SUSPENDED_IN_KERNEL_LOG = /susp\( 0 -> 1 \)|susp-io\( ?no -> /;
/** The N of DEVICE (/dev/drbdN): /proc/drbd of DRBD 8.4 names minors, not resources. */
const MINOR = Number(/\d+$/.exec(DEVICE)?.[0]);
const ms = (value: number) => `${(value / 1000).toFixed(1)} s`;
const other = (n: NodeId): NodeId => (n === 1 ? 2 : 1);

const budget = declareBudget(t, 1500);
if (FS_TYPE !== 'gfs2' && FS_TYPE !== 'ocfs2') {
  t.fail(`OCFKIT_DP_FS=${FS_TYPE}: the dual-primary test runs gfs2 or ocfs2`);
} else if (DRBD !== '8.4' && DRBD !== '9') {
  t.fail(`OCFKIT_DP_DRBD=${DRBD}: the dual-primary test runs DRBD 8.4 (unset) or 9`);
} else if (STACK !== 'drbd' && STACK !== 'lvm') {
  t.fail(`OCFKIT_DP_STACK=${STACK}: the dual-primary test runs the file system on DRBD (unset) or on a shared VG (lvm)`);
} else {
  const fs = CLUSTER_FS[FS_TYPE];
  const missing = [
    `${PROJECT}/dist/agents/drbd`,
    `${PROJECT}/dist/agents/Filesystem`,
    `${PROJECT}/dist/bin/ocfkit.mjs`,
    ...fs.tools,
    '/usr/sbin/dlm_controld',
    ...(STACK === 'lvm' ? LVM_TOOLS : []),
  ].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    t.fail(
      `missing: ${missing.join(', ')}: build first (node scripts/build.mjs) and run test/vm/setup.sh (${fs.packages}, dlm-controld, lvm2-lockd)`,
    );
  } else if (vmLabReady(t)) {
    t.comment(
      `DRBD ${DRBD} on two nodes; cluster file system: ${fs.label}` +
        `${STACK === 'lvm' ? `, on ${SHARED_VG.vg}/${SHARED_VG.lv}, a shared VG on ${DEVICE}` : ''}`,
    );
    await run(FS_TYPE, DRBD);
  }
}

async function run(fstype: keyof typeof CLUSTER_FS, drbd: '8.4' | '9'): Promise<void> {
  const fs = CLUSTER_FS[fstype];
  const FS = fs.label;
  const lvm = STACK === 'lvm';
  // The file system's device, and how findmnt names it (device-mapper's name for an LV).
  const fsDevice = lvm ? `/dev/${SHARED_VG.vg}/${SHARED_VG.lv}` : DEVICE;
  const mountSource = lvm ? `/dev/mapper/${SHARED_VG.vg}-${SHARED_VG.lv}` : DEVICE;
  /** What runs on both nodes once the stack is up (the ids of the generated primitives). */
  const everywhere = lvm ? ['dlm', 'lvmlockd', 'lvm-shared', 'fs-shared'] : ['dlm', 'fs-shared'];
  const booting = Date.now();
  const cluster = await startVmCluster({ drbd, nodes: 2 });
  t.teardown(() => cluster.destroy());
  t.comment(`VM cluster online, DRBD initialised, in ${ms(cluster.startupMs)}; ${budget.report(booting)}`);
  const { lab } = cluster;

  /**
   * DRBD r0 as node n's kernel reports it, read by lib/'s parsers: /proc/drbd (8.4), or `drbdsetup
   * events2 --now` (9: plain `drbdsetup status` prints no state for a Connected connection).
   * undefined while the resource is down or the node does not answer.
   */
  const drbdNow = async (n: NodeId): Promise<DrbdState | undefined> => {
    const argv = drbd === '9' ? ['drbdsetup', 'events2', '--now', RES] : ['cat', '/proc/drbd'];
    const r = await lab.exec(n, argv, { timeout: 30 }).catch(() => undefined);
    if (r?.code !== 0) return undefined;
    const parsed = drbd === '9' ? parseEvents2(r.stdout) : parseProcDrbd(r.stdout, new Map([[MINOR, { resource: RES, volume: 0 }]]));
    return parsed.ok ? parsed.resources.find((resource) => resource.name === RES) : undefined;
  };
  /** This node's role and its peer's, as DRBD 8.4's `drbdadm role` says them: "Primary/Unknown". */
  const drbdRoles = async (n: NodeId): Promise<string> => {
    const state = await drbdNow(n);
    return state ? `${state.role}/${state.connections[0]?.peerRole ?? 'Unknown'}` : '';
  };
  /** Connected to the peer, and the data UpToDate on both sides (no resync left). */
  const drbdWhole = (state: DrbdState | undefined): boolean =>
    !!state &&
    state.connections.length === 1 &&
    state.connections.every((c) => c.state === 'Connected' && c.peerVolumes.every((p) => p.peerDisk === 'UpToDate')) &&
    state.volumes.every((v) => v.disk === 'UpToDate');

  const step = steps(t, {
    budget,
    onFailure: async (failed) => {
      failed.comment(await diagnostics(cluster, fstype, drbd));
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
  const startWriter = async (n: NodeId) => {
    await lab.writeFile(n, WRITER, `${WRITER_SCRIPT}\n`, 0o755);
    await cluster.runOk(n, 'sh', [
      '-c',
      `rm -f /tmp/writer.stop; setsid nohup ${WRITER} >> /ctl/dp-writer.out 2>&1 < /dev/null & echo started`,
    ]);
  };
  const stopWriter = async (n: NodeId) => {
    await cluster.runOk(n, 'touch', ['/tmp/writer.stop']);
    await lab.waitFor(
      `the writer on node${n} stopped`,
      async () => (await lab.sh(n, 'pgrep -f dual-primary-writer', { timeout: 30 })).code === 1,
      60,
      0.5,
    );
  };
  /** Every node in `writers` acknowledges `count` more writes. */
  const writesGoOn = async (writers: readonly NodeId[], count: number) => {
    const from = new Map(writers.map((n) => [n, lastAcked(n)]));
    await lab.waitFor(
      `${count} more acknowledged writes on ${writers.map((n) => `node${n}`).join(' and ')}`,
      async () => writers.every((n) => lastAcked(n) >= from.get(n)! + count),
      180,
      0.5,
    );
  };

  // The VMs run no udev: dlm_controld looks for the DLM's misc devices where udev's rule puts them
  // ("cannot find device /dev/misc/dlm-control"), so the lab makes them there, as udev would.
  // With the shared VG: device-mapper, lvm.conf as the generated header says (plus what a node
  // without udev needs: LVM makes its device nodes itself), and /run/lvm for lvmlockd's socket
  // (systemd-tmpfiles' job on a real node). All of it in the VM's own overlay, never the host's /etc.
  let lvmConf = '';
  const prepareNode = async (n: NodeId) => {
    await cluster.runOk(n, 'sh', [
      '-c',
      `set -e; modprobe -a dlm ${fs.modules.join(' ')} ${lvm ? 'dm_mod' : ''}; ` +
        // lvmlockd's lockspaces come and go (lvm_global, one per VG), each a misc device that
        // libdlm opens as /dev/misc/dlm_NAME: devtmpfs makes it as /dev/dlm_NAME, so /dev/misc
        // is a link to /dev there (and the loop below finds every device already in place).
        (lvm ? '[ -L /dev/misc ] || { rm -rf /dev/misc; ln -s . /dev/misc; }; ' : 'mkdir -p /dev/misc; ') +
        'for d in dlm-control dlm-monitor dlm_plock; do ' +
        '[ -e /dev/misc/$d ] || mknod /dev/misc/$d c $(tr : " " < /sys/class/misc/$d/dev); done',
    ]);
    if (!lvm) return;
    await lab.writeFile(n, '/etc/lvm/lvm.conf', lvmConf);
    await cluster.runOk(n, 'mkdir', ['-p', '/run/lvm', '/run/lock/lvm']);
  };

  /** DRBD Primary/Primary and the file system mounted on both nodes, as drbdadm and findmnt see it. */
  const assertPrimaryAndMountedOnBoth = async (t: Test) => {
    for (const n of NODES) {
      t.equal(await drbdRoles(n), 'Primary/Primary', `node${n}: DRBD Primary, its peer Primary`);
      const mount = JSON.parse((await cluster.runOk(n, 'findmnt', ['-J', '-o', 'SOURCE,FSTYPE', MOUNT])).stdout) as {
        filesystems: { source: string; fstype: string }[];
      };
      t.same(mount.filesystems[0], { source: mountSource, fstype }, `node${n}: ${mountSource} ${fstype} on ${MOUNT}`);
    }
  };

  /**
   * fsck.gfs2/fsck.ocfs2 -n on node `n`, which needs the file system unmounted everywhere: the
   * clone is stopped around it, then mounted again on `mountedOn`. The writers must have stopped.
   */
  const assertFsckClean = async (t: Test, n: NodeId, mountedOn: readonly NodeId[]) => {
    await cluster.runOk(n, 'crm', ['resource', 'stop', FS_CLONE]);
    await cluster.waitForStatus(n, `${FS} unmounted everywhere`, (s) => !s.resources.get('fs-shared')?.active);
    const fsck = await cluster.run(n, `fsck.${fstype}`, ['-n', fsDevice], { timeoutMs: 300_000 });
    t.equal(fsck.exitCode, 0, `fsck.${fstype} -n on node${n}: clean (exit ${fsck.exitCode})`);
    if (fsck.exitCode !== 0) t.comment(fsck.stdout + fsck.stderr);
    await cluster.runOk(n, 'crm', ['resource', 'start', FS_CLONE]);
    await cluster.waitForStatus(n, `${FS} mounted again`, (s) => startedOnlyOn(s, 'fs-shared', ...mountedOn.map((m) => `node${m}`)));
  };

  // A VM's kernel log since a marker: DRBD, the file system (journal recovery) and any kernel warning (the
  // console keeps errors only, and a fenced VM's log dies with it: read it before).
  const markKernelLog = (n: NodeId, mark: string) => cluster.runOk(n, 'sh', ['-c', `echo ${mark} > /dev/kmsg`]);
  const kernelLogSince = async (n: NodeId, mark: string) =>
    (
      await cluster.runOk(n, 'sh', [
        '-c',
        `dmesg | sed -n '/${mark}/,$p' | grep -E 'drbd|${fstype}|WARNING|BUG|Call Trace|blocked for|${mark}'`,
      ])
    ).stdout;

  // What the steps hand on: the generated resource file (a VM that boots again needs it back) and
  // which node the replication-link cut left running.
  let dualPrimaryRes = '';
  let linkCut: { survivor: NodeId; fenced: NodeId } | undefined;

  await step(`the generated dual-primary stack comes up: both Primary, ${FS} mounted on both, both writing`, async (t) => {
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
      drbd,
      '--dual-primary',
      ...(lvm ? ['--shared-vg', `${SHARED_VG.vg}/${SHARED_VG.lv}`] : []),
      '--directory',
      MOUNT,
      '--fstype',
      fstype,
      '--stonith',
      'fence_vmlab:pcmk_host_list=node1 node2',
      '--provider',
      'ocfkit',
      '--drbd-res',
      `/root/${RES}.res`,
    ]);
    const res = (await cluster.runOk(1, 'cat', [`/root/${RES}.res`])).stdout;
    dualPrimaryRes = res;
    t.match(res, /allow-two-primaries yes;/, `${RES}.res: two Primaries allowed`);
    t.match(res, /fencing resource-and-stonith;/, `${RES}.res: fencing resource-and-stonith`);
    t.match(res, `fence-peer "/usr/lib/drbd/${FENCE_PEER}"`, `${RES}.res: fence-peer ${FENCE_PEER}`);
    // Every operation timeout scaled to this host's speed, as test/cluster/stack.ts does.
    const crm = generated.stdout.replace(
      /^(\s*op \S+ .*?\btimeout=)(\d+)(s?)\b/gm,
      (_, before: string, value: string, unit: string) => `${before}${Math.ceil(Number(value) * Math.max(1, lab.slowness))}${unit}`,
    );
    t.match(crm, /^primitive dlm ocf:pacemaker:controld/m, 'DLM through ocf:pacemaker:controld');
    t.match(crm, /promoted-max=2/, 'DRBD promoted on both nodes');
    t.comment(`generated:\n${crm}`);
    const [mkfs, ...mkfsArgs] = fs.mkfs(fsDevice) as [string, ...string[]];

    if (!lvm) {
      // The file system, made once on DRBD (the metadata of the lab's initial sync stays valid).
      for (const n of NODES) await lab.writeFile(n, `/etc/drbd.d/${RES}.res`, res);
      for (const n of NODES) await cluster.runOk(n, 'drbdadm', ['up', RES], { timeoutMs: 120_000 });
      await lab.waitFor('DRBD connected, UpToDate on both', async () => drbdWhole(await drbdNow(1)), 120, 1);
      await cluster.runOk(1, 'drbdadm', ['primary', RES]);
      t.comment(`${[mkfs, ...mkfsArgs].join(' ')}:\n${(await cluster.runOk(1, mkfs, mkfsArgs, { timeoutMs: 300_000 })).stdout}`);
      await cluster.runOk(1, 'drbdadm', ['secondary', RES]);
      for (const n of NODES) await cluster.runOk(n, 'drbdadm', ['down', RES], { timeoutMs: 120_000 });
    } else {
      // lvm.conf as the header tells the admin, plus the lab's lack of udev (LVM makes its nodes).
      const useLvmlockd = /^#\s+global \{ use_lvmlockd = 1 \}$/m.test(crm);
      const filter = /^#\s+devices \{ global_filter = (\[.*\]) \}$/m.exec(crm)?.[1];
      t.ok(useLvmlockd, 'the header asks for use_lvmlockd = 1');
      t.equal(filter, '[ "a|^/dev/drbd1$|", "r|^/dev/vda$|" ]', 'the header: the PV on DRBD, never on its backing disk /dev/vda');
      lvmConf = [
        '# written by test/vm/extended/dual-primary.test.ts, in the VM only',
        'global { use_lvmlockd = 1 }',
        `devices { global_filter = ${filter} obtain_device_list_from_udev = 0 use_devicesfile = 0 }`,
        'activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }',
        '',
      ].join('\n');
      for (const n of NODES) await lab.writeFile(n, `/etc/drbd.d/${RES}.res`, res);
    }

    for (const n of NODES) await prepareNode(n);
    // The shared VG does not exist yet: LVM-activate's clone stays stopped until node1 has made it.
    const loaded = lvm ? crm.replace(/^(clone lvm-shared-clone lvm-shared \\\n\tmeta .*)$/m, '$1 target-role=Stopped') : crm;
    if (lvm) t.not(loaded, crm, 'loaded with lvm-shared-clone stopped');
    await cluster.runOk(1, 'sh', ['-c', 'cat > /tmp/dual-primary.crm'], { input: loaded });
    const loading = Date.now();
    await cluster.runOk(1, 'crm', ['configure', 'load', 'update', '/tmp/dual-primary.crm'], { timeoutMs: 180_000 });
    if (lvm) {
      await cluster.waitForStatus(
        1,
        'DRBD Promoted on both nodes, DLM and lvmlockd running on both',
        (s) => promotedNodes(s, `drbd-${RES}`).length === 2 && ['dlm', 'lvmlockd'].every((id) => startedOnlyOn(s, id, 'node1', 'node2')),
        600_000,
      );
      t.comment(`DRBD Primary, DLM and lvmlockd on both ${ms(Date.now() - loading)} after the load`);
      // Once, on node1, as the header says: the VG, its LV, the file system; the LV left inactive.
      const { vg, lv } = SHARED_VG;
      for (const [command, ...args] of [
        // the lab's own initialisation left an ext4 on the DRBD device: vgcreate would ask before wiping it
        ['wipefs', '-a', DEVICE],
        ['vgcreate', '--shared', vg, DEVICE],
        ['lvcreate', '-y', '-n', lv, '-l', '100%FREE', vg],
        [mkfs, ...mkfsArgs],
        ['lvchange', '-an', `${vg}/${lv}`],
      ] as [string, ...string[]][]) {
        const done = await cluster.runOk(1, command, args, { timeoutMs: 300_000 });
        t.comment(`node1: ${[command, ...args].join(' ')}\n${done.stdout}${done.stderr}`);
      }
      t.match(
        (await cluster.runOk(1, 'vgs', ['--noheadings', '-o', 'vg_name,vg_lock_type', vg])).stdout,
        /vg_shared\s+dlm/,
        `${vg}: lock type dlm`,
      );
      await cluster.runOk(1, 'crm', ['resource', 'start', 'lvm-shared-clone']);
    }
    const s = await cluster.waitForStatus(
      1,
      `DRBD Promoted on both nodes, DLM and ${FS} running on both`,
      (s) => runsEverywhere(s, everywhere),
      600_000,
    );
    t.comment(`stack up ${ms(Date.now() - loading)} after the load`);
    t.same(promotedNodes(s, `drbd-${RES}`).sort(), ['node1', 'node2'], 'crm_mon: DRBD Promoted on node1 and node2');
    await assertPrimaryAndMountedOnBoth(t);

    for (const n of NODES) await startWriter(n);
    await lab.waitFor('20 acknowledged writes on each node', async () => NODES.every((n) => lastAcked(n) >= 20), 180, 1);
    for (const n of NODES) await assertWritesOn(t, other(n), n);
    t.equal(cluster.fences.length, 0, 'nobody fenced');
  });

  // Only DRBD's link fails: corosync keeps its ring on net0, both nodes stay members, and DRBD's
  // fencing (resource-and-stonith) decides. Both Primaries freeze I/O and call crm-fence-peer(.9).sh;
  // the first places its constraint (Promoted on its own node only) and resumes; the other finds
  // a constraint against itself, exits 1 ("fence-peer helper broken", 8.4 and 9 alike) and stays
  // frozen; Pacemaker demotes it, its hung file system cannot stop, and it is fenced.
  await step(
    `the replication link cut: both freeze, one fence-peer handler wins, the other node is fenced; the winner writes on, no split brain, nothing lost, fsck.${fstype} clean`,
    async (t) => {
      const mark = 'ocfkit-test-replication-link-cut';
      for (const n of NODES) await markKernelLog(n, mark);
      const ackedAtCut = NODES.map((n) => `node${n} ${lastAcked(n)}`).join(', ');
      const cutAt = Date.now();
      await lab.cutLink(2, 'net1');
      t.comment(`cut node2's cable of net1 (DRBD's link; corosync runs on net0) at acknowledged writes ${ackedAtCut}`);

      // Both nodes' DRBD state, until each showed its I/O suspended (or the step moves on).
      const frozenAfter = new Map<NodeId, number>();
      let watching = true;
      const watcher = (async () => {
        while (watching && frozenAfter.size < NODES.length) {
          for (const n of NODES.filter((n) => !frozenAfter.has(n) && lab.alive(n))) {
            if (((await drbdNow(n))?.suspended.length ?? 0) > 0) frozenAfter.set(n, Date.now() - cutAt);
          }
          await sleep(200);
        }
      })();
      let survivor: NodeId;
      let fenced: NodeId;
      let fence: VmCluster['fences'][number];
      try {
        const constraint = await waitForConstraint(cluster, 1, true);
        const placedAt = Date.now();
        const winner = Number(/value="node(\d)"/.exec(constraint)?.[1]);
        if (winner !== 1 && winner !== 2) throw new Error(`the fencing constraint names no node of the lab:\n${constraint}`);
        survivor = winner;
        fenced = other(survivor);
        t.comment(`${FENCE_PEER} on node${survivor} placed ${FENCE_CONSTRAINT} ${ms(placedAt - cutAt)} after the cut:\n${constraint}`);
        t.match(constraint, /role="(Master|Promoted)"/, 'the constraint is about the Promoted role');
        t.match(constraint, new RegExp(`ne.*node${survivor}|node${survivor}.*ne`), `it allows promotion on node${survivor} only`);
        // The loser's view while it is still alive (frozen), once its handler has returned (for the
        // report only: the fence may come first).
        let loserLog = '';
        for (let tries = 0; tries < 20 && lab.alive(fenced) && !/fence-peer helper|fence-peer.* exit code/.test(loserLog); tries++) {
          loserLog = await kernelLogSince(fenced, mark).catch((e: Error) => `(unreadable: ${e.message})`);
          await sleep(1000);
        }
        t.comment(`node${fenced}'s kernel log after the cut, before its fence:\n${loserLog}`);

        fence = (await lab.waitFor(
          `node${fenced} fenced`,
          async () => cluster.fences.find((f) => f.target === `node${fenced}` && f.at >= cutAt),
          600,
          0.5,
        ))!;
      } finally {
        watching = false;
        await watcher;
      }
      linkCut = { survivor, fenced };
      t.equal(fence.rc, 0, `node${fenced} fenced through fence_vmlab ${ms(fence.at - cutAt)} after the cut (asked by node${fence.from})`);
      const frozenFor = (n: NodeId) => (frozenAfter.has(n) ? `seen ${ms(frozenAfter.get(n)!)} after the cut` : 'not seen');
      t.ok(frozenAfter.has(fenced), `node${fenced}: I/O suspended (${frozenFor(fenced)}) until it was fenced`);
      const survivorLog = await kernelLogSince(survivor, mark);
      t.comment(`node${survivor}'s kernel log since the cut:\n${survivorLog}`);
      // The winner's freeze lasts as long as its handler (seconds): the poller may miss it, the kernel log does not.
      t.ok(
        frozenAfter.has(survivor) || SUSPENDED_IN_KERNEL_LOG.test(survivorLog),
        `node${survivor}: I/O suspended too until its handler placed the constraint (${frozenFor(survivor)})`,
      );
      t.notMatch(survivorLog, /split-brain/i, `node${survivor}: no split brain`);

      const ackedAtFence = lastAcked(survivor);
      await writesGoOn([survivor], 10);
      t.comment(`node${survivor} acknowledged 10 more writes ${ms(Date.now() - fence.at)} after the fence (${ackedAtFence} at the fence)`);
      const s = await cluster.waitForStatus(
        survivor,
        `DRBD Promoted and ${FS} mounted on node${survivor} alone`,
        (s) => promotedNodes(s, `drbd-${RES}`).join() === `node${survivor}` && startedOnlyOn(s, 'fs-shared', `node${survivor}`),
      );
      t.ok(s.nodes.find((node) => node.name === `node${fenced}`)?.online === false, `node${fenced} is offline`);
      t.equal(await drbdRoles(survivor), 'Primary/Unknown', `node${survivor}: still Primary, peer unknown`);
      t.same((await drbdNow(survivor))?.suspended, [], `node${survivor}: I/O runs`);
      t.same(
        cluster.fences.filter((f) => f.at >= cutAt).map((f) => f.target),
        [`node${fenced}`],
        `node${fenced} fenced once, node${survivor} never`,
      );
      // The cable back in: node2's own, or, if node2 was fenced, the one its next boot plugs in.
      if (lab.alive(2)) await lab.restoreLink(2, 'net1');

      await stopWriter(survivor);
      await assertWritesOn(t, survivor, survivor);
      await assertWritesOn(t, survivor, fenced);
      await assertFsckClean(t, survivor, [survivor]);
    },
  );

  await step(
    `both back: the fenced node rejoins, DRBD resyncs from the survivor, Promoted and mounted on both, both write and read each other, fsck.${fstype} clean`,
    async (t) => {
      if (!linkCut) throw new Error('the link-cut step left no fenced node');
      const { survivor, fenced: returning } = linkCut;
      // In standby until its root holds what a real node keeps across a reboot: a lab VM boots
      // with the lab's resource file, not the generated dual-primary one, and without udev.
      await cluster.runOk(survivor, 'crm_attribute', ['--node', `node${returning}`, '--name', 'standby', '--update', 'on']);
      const bootingAt = Date.now();
      await cluster.startNode(returning);
      await lab.writeFile(returning, `/etc/drbd.d/${RES}.res`, dualPrimaryRes);
      await prepareNode(returning);
      await cluster.waitOnline(survivor, [...NODES]);
      t.comment(`node${returning} booted and joined the cluster in ${ms(Date.now() - bootingAt)}`);

      const mark = 'ocfkit-test-rejoin';
      await markKernelLog(survivor, mark);
      const activeAt = Date.now();
      await cluster.runOk(survivor, 'crm_attribute', ['--node', `node${returning}`, '--name', 'standby', '--delete']);
      const whole = await lab.waitFor(
        'DRBD Connected and UpToDate/UpToDate',
        async () => (drbdWhole(await drbdNow(survivor)) ? Date.now() : 0),
        300,
        0.5,
      );
      const survivorLog = await kernelLogSince(survivor, mark);
      t.comment(`node${survivor}'s kernel log since node${returning} left standby:\n${survivorLog}`);
      t.match(survivorLog, /Began resync as SyncSource/, `node${survivor} was the resync's source: node${returning} took its data`);
      const size = /will sync (\d+) KB/.exec(survivorLog)?.[1] ?? '?';
      const took = /Resync done \(total (\d+) sec/.exec(survivorLog)?.[1] ?? '?';
      t.comment(
        `DRBD Connected and UpToDate on both ${ms(whole - activeAt)} after node${returning} left standby; ` +
          `the resync (${size} KB) took ${took} s by DRBD's count`,
      );
      const returningLog = (await cluster.runOk(returning, 'sh', ['-c', 'dmesg | grep drbd'])).stdout;
      for (const [n, log] of [
        [survivor, survivorLog],
        [returning, returningLog],
      ] as const)
        t.notMatch(log, /split-brain/i, `node${n}: no split brain`);
      await waitForConstraint(cluster, survivor, false);
      t.pass(`${FENCE_PEER.replace('fence', 'unfence')} removed the constraint after the resync`);

      const s = await cluster.waitForStatus(
        survivor,
        `DRBD Promoted on both nodes, DLM and ${FS} running on both`,
        (s) => runsEverywhere(s, everywhere),
        600_000,
      );
      t.comment(`Promoted and mounted on both ${ms(Date.now() - activeAt)} after node${returning} left standby`);
      t.same(promotedNodes(s, `drbd-${RES}`).sort(), ['node1', 'node2'], 'crm_mon: DRBD Promoted on node1 and node2');
      await assertPrimaryAndMountedOnBoth(t);

      for (const n of NODES) await startWriter(n);
      await writesGoOn(NODES, 10);
      for (const n of NODES) await assertWritesOn(t, other(n), n);
      for (const n of NODES) await stopWriter(n);
      await assertFsckClean(t, survivor, NODES);
      t.same(
        cluster.fences.filter((f) => f.at >= bootingAt),
        [],
        'nobody fenced',
      );
      for (const n of NODES) await startWriter(n); // the next step kills a VM under them
    },
  );

  await step(`node2 is killed: fenced; node1 writes on after DLM recovery, nothing lost, fsck.${fstype} clean`, async (t) => {
    const survivor: NodeId = 1;
    const victim: NodeId = 2;
    const before = lastAcked(survivor);
    const killedAt = Date.now();
    cluster.powerOff(victim);
    t.comment(`killed node${victim}'s VM with node${survivor} at ${before} acknowledged writes`);
    // Writes freeze (DRBD resource-and-stonith, DLM waiting for fencing), then resume.
    const fence = (await lab.waitFor(
      `node${victim} fenced`,
      async () => cluster.fences.find((f) => f.target === `node${victim}` && f.at >= killedAt),
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
      `DRBD Promoted and ${FS} mounted on node${survivor}`,
      (s) => promotedNodes(s, `drbd-${RES}`).join() === `node${survivor}` && startedOnlyOn(s, 'fs-shared', `node${survivor}`),
    );
    t.ok(s.nodes.find((node) => node.name === `node${victim}`)?.online === false, `node${victim} is offline`);
    t.equal(await drbdRoles(survivor), 'Primary/Unknown', `node${survivor}: still Primary, peer unknown`);

    await stopWriter(survivor);
    await assertWritesOn(t, survivor, survivor);
    await assertWritesOn(t, survivor, victim);
    await assertFsckClean(t, survivor, [survivor]);
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
      t.equal((await cluster.run(n, 'findmnt', [MOUNT])).exitCode, 1, `the shutdown unmounted ${FS}`);
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
      t.notOk(idle?.resources.get('fs-shared')?.active, `${FS} started nowhere`);
      t.equal((await cluster.run(n, 'findmnt', [MOUNT])).exitCode, 1, 'node1: nothing mounted');
      t.notMatch(await drbdRoles(n), /^Primary/, 'node1: DRBD not Primary');
      t.comment(`node1 waited, inquorate, ${ms(Date.now() - restartedAt)} after its restart`);

      // The documented way out, once the admin knows the peer is off.
      const unblockedAt = Date.now();
      await cluster.runOk(n, 'corosync-cmapctl', ['-s', 'quorum.cancel_wait_for_all', 'u8', '1']);
      await cluster.waitForStatus(
        n,
        `quorate, DRBD Promoted and ${FS} mounted on node1 alone`,
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

/** DRBD Promoted, and these (DLM, the file system, ...) started on both nodes, nothing failed. */
function runsEverywhere(s: ClusterStatus, ids: readonly string[]): boolean {
  // Every instance Started: crm_mon lists a clone instance that is still starting ("Starting node1") as active there.
  const both = (id: string) =>
    s.resources.get(id)?.nodes.slice().sort().join() === 'node1,node2' &&
    !s.resources.get(id)!.failed &&
    s.resources.get(id)!.instances.every((instance) => instance.role === 'Started');
  return promotedNodes(s, `drbd-${RES}`).length === 2 && ids.every(both);
}

/** `id` runs on exactly these nodes, Started there (not still starting). */
function startedOnlyOn(s: ClusterStatus, id: string, ...nodes: string[]): boolean {
  const resource = s.resources.get(id);
  return (
    resource?.nodes.slice().sort().join() === nodes.slice().sort().join() &&
    resource.instances.every((instance) => instance.role === 'Started') &&
    !resource.failed
  );
}

async function diagnostics(cluster: VmCluster, fstype: string, drbd: '8.4' | '9'): Promise<string> {
  const seen = await Promise.all(
    NODES.filter((n) => cluster.lab.alive(n)).map((n) =>
      cluster.lab
        .sh(
          n,
          `crm_mon -1 -r -f 2>&1 | tail -n 40; ${drbd === '9' ? 'drbdsetup status --verbose --statistics' : 'cat /proc/drbd'}; dlm_tool ls 2>&1 | head -n 20; findmnt -t ${fstype}; ` +
            `${STACK === 'lvm' ? 'lvs -a -o +lv_active,lock_args 2>&1 | head; lvmlockctl -i 2>&1 | head -n 20; ' : ''}` +
            `dmesg | grep -iE "${fstype}|dlm|drbd|device-mapper" | tail -n 20`,
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
