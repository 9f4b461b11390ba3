// Issue 11: our ocf:ocfkit:drbd agent (the built dist/agents/drbd) on real DRBD 9.2 in three qemu VMs
// (test/vm/README.md: r0 = one volume, quorum majority, on-no-quorum io-error, protocol C,
// connection-mesh; r1 = two volumes), driven the way Pacemaker calls it (OCF_RESKEY_*, CRM meta
// variables, one action per process), through the states a three-node cluster meets:
//   all connected; one peer's link down (that Secondary without quorum); a resync with one paused
//   behind another (r1: volume 1 resync-after volume 0); a Primary without quorum (writes fail with
//   EIO: monitor 9) and, switched to on-no-quorum suspend-io, one whose writes are frozen (191/8);
//   two Primaries partitioned with quorum off, the real split brain that follows and its resolution
//   with the commands the agent and `ocfkit drbd status` print; a diskless peer; r1 with one volume
//   detached; Debian's ocf-tester; stop.
// In every state: exit codes, exit reasons, DRBD's own view (`drbdsetup status --json`), and the
// promotion score we publish next to the one upstream ocf:linbit:drbd publishes in the same VM and
// state (both through test/vm/stubs/crm_attribute, each into its own directory). Every difference
// from upstream must be in DELIBERATE_DIFFERENCES (with its reason); the test prints the table.
//
// One lab boot for the whole file. ~7.5 min on a 2-core host at load ~5 (three emulated VMs).
import t, { type Test } from 'tap';
import { declareBudget } from '../helpers/budget.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUEST_PATH, Lab, NODE, PROJECT, shq, vmLabReady, type NodeId } from './lab.js';

const budget = declareBudget(t, 1200); // measured: 284-532 s for all 13 steps at load 2-5 (2 cores)
const AGENT = `${PROJECT}/dist/agents/drbd`;
const CLI = `${PROJECT}/dist/bin/ocfkit.mjs`;
const STUBS = `${PROJECT}/test/vm/stubs`;
const UPSTREAM = '/usr/lib/ocf/resource.d/linbit/drbd';
const NODES: readonly NodeId[] = [1, 2, 3];
type Res = 'r0' | 'r1';
/** The block devices of the lab's resources (lab.sh). */
const DEVICE = { r0: '/dev/drbd1', r1: '/dev/drbd10' } as const;

/** The default timeouts of our meta-data (ms). */
const TIMEOUT_MS: Record<string, number> = { start: 240000, stop: 100000, promote: 90000, demote: 90000, notify: 90000, monitor: 20000 };

/**
 * Where our monitor deliberately differs from ocf:linbit:drbd (key: "state/node/res"); the agent's
 * meta-data says why. Anything else that differs fails the test.
 */
const DELIBERATE_DIFFERENCES: Record<string, string> = {
  'Primary without quorum (io-error)/node1/r0':
    'monitor 9 instead of 8: every write fails with EIO there, so Pacemaker should recover it and promote a node with quorum',
};

// ---------------------------------------------------------------- drbdsetup status --json

interface JsonPeerDevice {
  volume: number;
  'replication-state': string;
  'peer-disk-state': string;
  'resync-suspended': string;
  /** requests sent to the peer and not yet answered (application and resync) */
  pending?: number;
  unacked?: number;
}
interface JsonConnection {
  name: string;
  'connection-state': string;
  'peer-role': string;
  peer_devices: JsonPeerDevice[];
}
interface JsonDevice {
  volume: number;
  'disk-state': string;
  quorum: boolean;
  client: boolean;
}
interface JsonStatus {
  name: string;
  role: string;
  'suspended-quorum': boolean;
  devices: JsonDevice[];
  connections: JsonConnection[];
}
const conn = (s: JsonStatus, peer: NodeId) => s.connections.find((c) => c.name === `node${peer}`);
const connected = (s: JsonStatus) => s.connections.every((c) => c['connection-state'] === 'Connected');
const allUpToDate = (s: JsonStatus) =>
  s.devices.every((d) => d['disk-state'] === 'UpToDate') &&
  s.connections.every((c) => c.peer_devices.every((p) => p['peer-disk-state'] === 'UpToDate'));
/** One line per node for messages: role, disks, connections. */
const brief = (s: JsonStatus | undefined) =>
  !s
    ? 'down'
    : `${s.role} disk ${s.devices.map((d) => d['disk-state'] + (d.quorum ? '' : '(no quorum)')).join('/')}; ` +
      s.connections
        .map(
          (c) =>
            `${c.name} ${c['connection-state']} ${c['peer-role']} ${c.peer_devices.map((p) => `${p['replication-state']}/${p['peer-disk-state']}`).join(',')}`,
        )
        .join('; ');

if (!existsSync(AGENT) || !existsSync(CLI)) t.fail(`${AGENT} or ${CLI} is missing: build first (node scripts/build.mjs)`);
else if (vmLabReady(t)) await main();

async function main(): Promise<void> {
  const t0 = Date.now();
  const secs = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
  const lab = await Lab.up({ nodes: 3, drbd: '9' });
  t.teardown(() => lab.down());
  t.comment(`3 VMs up in ${secs(t0)}s (slowness ${lab.slowness.toFixed(1)}): ${lab.dir}`);
  const all = <T>(fn: (n: NodeId) => Promise<T>) => Promise.all(NODES.map(fn));

  let broken = '';
  let current: Test = t;
  const step = (name: string, fn: (t: Test) => Promise<void>) =>
    t.test(name, async (t) => {
      if (broken) return void t.plan(0, `skipped after the failed step "${broken}"`);
      current = t;
      const s = Date.now();
      try {
        await fn(t);
      } catch (e) {
        broken = name;
        throw e;
      } finally {
        t.comment(budget.report(s));
      }
      if (!t.passing()) broken = name;
    });

  // ---------------------------------------------------------------- the agents in the VMs

  /** Pacemaker's environment for the clone instance of `res` on node n (3 clones, promoted-max 1). */
  const baseEnv = (n: NodeId, res: Res): Record<string, string> => ({
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: `drbd_${res}`,
    OCF_RESOURCE_TYPE: 'drbd',
    OCF_RESKEY_drbd_resource: res,
    OCF_RESKEY_CRM_meta_clone_max: '3',
    OCF_RESKEY_CRM_meta_clone_node_max: '1',
    OCF_RESKEY_CRM_meta_promoted_max: '1',
    OCF_RESKEY_CRM_meta_master_max: '1',
    OCF_RESKEY_CRM_meta_promoted_node_max: '1',
    OCF_RESKEY_CRM_meta_notify: 'true',
    OCF_RESKEY_CRM_meta_on_node: `node${n}`,
    PATH: `${STUBS}:${GUEST_PATH}`,
    // each agent's crm_attribute stand-in keeps its score apart
    CRM_ATTRIBUTE_STUB_DIR: `/ctl/ours-${res}`,
  });
  const scoreOf = (n: NodeId, dir: string): string => {
    try {
      return readFileSync(join(lab.ctlDir(n), dir, 'promotion-score'), 'utf8').trim();
    } catch {
      return '-';
    }
  };

  interface AgentRun {
    code: number;
    stderr: string;
    reason?: string;
    ms: number;
    score: string;
  }
  /** One action of our agent on node n. */
  async function agent(
    n: NodeId,
    action: string,
    o: { res?: Res; env?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<AgentRun> {
    const res = o.res ?? 'r0';
    const timeoutMs = o.timeoutMs ?? TIMEOUT_MS[action] ?? 20000;
    const env = { ...baseEnv(n, res), OCF_RESKEY_CRM_meta_timeout: String(timeoutMs), ...o.env };
    const s = Date.now();
    const r = await lab.sh(n, `mkdir -p /ctl/ours-${res}; exec ${AGENT} ${shq(action)}`, {
      env,
      timeout: Math.ceil(timeoutMs / 1000) + 30,
    });
    const ms = Date.now() - s;
    const reason = /^ocf-exit-reason:(.*)$/m.exec(r.stderr)?.[1];
    const score = scoreOf(n, `ours-${res}`);
    current.comment(
      `node${n} ${res} ${action} -> ${r.code} in ${(ms / 1000).toFixed(1)}s, score ${score}${reason ? `, reason: ${reason}` : ''}`,
    );
    return { code: r.code, stderr: r.stderr, reason, ms, score };
  }

  interface Seen {
    status?: JsonStatus;
    /** ours: a monitor with OCF 1.0 (Pacemaker < 2.1) and one with OCF 1.1 (degraded codes) */
    ours: { code: number; code11: number; score: string; reason?: string; reason11?: string };
    linbit: { code: number; score: string };
  }
  const differences: string[] = [];
  /**
   * DRBD's view and both agents' monitors (recurring, interval 10 s) on node n, in one round trip:
   * ours with OCF 1.0 and 1.1, then ocf:linbit:drbd with its own crm_attribute directory.
   */
  async function look(n: NodeId, res: Res): Promise<Seen> {
    const env = { ...baseEnv(n, res), OCF_RESKEY_CRM_meta_timeout: '20000', OCF_RESKEY_CRM_meta_interval: '10000' };
    const script = `mkdir -p /ctl/ours-${res} /ctl/linbit-${res}
      one() { local dir=$1; shift; local err; err=$(CRM_ATTRIBUTE_STUB_DIR=/ctl/$dir "$@" monitor 2>&1 >/dev/null); local rc=$?
        printf '%s\\t%s\\t%s\\n' "$rc" "$(cat /ctl/$dir/promotion-score 2>/dev/null || echo -)" "$(printf '%s\\n' "$err" | sed -n 's/^ocf-exit-reason://p' | head -1)"; }
      one ours-${res} ${AGENT}
      one ours-${res} env OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 ${AGENT}
      one linbit-${res} ${UPSTREAM}
      echo '--- status'
      drbdsetup status --json ${res} 2>/dev/null`;
    const r = await lab.sh(n, script, { env, timeout: 90 });
    const [head = '', json = ''] = r.stdout.split('--- status\n');
    const [o10 = [], o11 = [], lb = []] = head
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    let status: JsonStatus | undefined;
    try {
      status = (JSON.parse(json) as JsonStatus[])[0];
    } catch {
      status = undefined;
    }
    return {
      status,
      ours: {
        code: Number(o10[0]),
        score: o11[1] ?? '?',
        reason: o10[2] || undefined,
        code11: Number(o11[0]),
        reason11: o11[2] || undefined,
      },
      linbit: { code: Number(lb[0]), score: lb[1] ?? '?' },
    };
  }

  interface Want {
    code: number;
    code11?: number;
    score: string;
    reason?: RegExp;
  }
  /**
   * All nodes' view of `res` in the state called `name`: our monitor against `want` (per node),
   * upstream's monitor code and score against ours (differences only where deliberate).
   */
  async function expectState(
    t: Test,
    name: string,
    res: Res,
    want: Partial<Record<NodeId, Want>>,
    /** false: compare only the monitor code with upstream's (see the stopped state) */
    compareUpstreamScore = true,
  ): Promise<Partial<Record<NodeId, Seen>>> {
    const seen: Partial<Record<NodeId, Seen>> = {};
    const nodes = NODES.filter((n) => want[n]);
    await Promise.all(
      nodes.map(async (n) => {
        seen[n] = await look(n, res);
      }),
    );
    for (const n of nodes) {
      const s = seen[n]!;
      const w = want[n]!;
      const where = `${name}/node${n}/${res}`;
      t.comment(
        `${where}: DRBD: ${brief(s.status)} | ours ${s.ours.code}/${s.ours.code11} score ${s.ours.score}${s.ours.reason11 ? ` (${s.ours.reason11})` : ''} | linbit ${s.linbit.code} score ${s.linbit.score}`,
      );
      t.equal(s.ours.code, w.code, `${where}: monitor -> ${w.code} (Pacemaker before 2.1)`);
      t.equal(s.ours.code11, w.code11 ?? w.code, `${where}: monitor with OCF 1.1 -> ${w.code11 ?? w.code}`);
      t.equal(s.ours.score, w.score, `${where}: Pacemaker sees promotion score ${w.score}`);
      if (w.reason) t.match(s.ours.reason11, w.reason, `${where}: the exit reason says what is wrong`);
      const same = s.ours.code === s.linbit.code && (!compareUpstreamScore || s.ours.score === s.linbit.score);
      if (!same)
        differences.push(
          `${where}: ours ${s.ours.code} score ${s.ours.score}, linbit ${s.linbit.code} score ${s.linbit.score}: ${DELIBERATE_DIFFERENCES[where] ?? 'NOT DELIBERATE'}`,
        );
      if (DELIBERATE_DIFFERENCES[where]) t.not(s.ours.code, s.linbit.code, `${where}: differs from ocf:linbit:drbd as documented`);
      else
        t.ok(
          same,
          `${where}: the same monitor code and promotion score as ocf:linbit:drbd (linbit ${s.linbit.code}/${s.linbit.score}, ours ${s.ours.code}/${s.ours.score}): a cluster behaves the same after switching the provider`,
        );
    }
    return seen;
  }

  const status = async (n: NodeId, res: Res): Promise<JsonStatus | undefined> => {
    const r = await lab.exec(n, ['drbdsetup', 'status', '--json', res]);
    try {
      return (JSON.parse(r.stdout) as JsonStatus[])[0];
    } catch {
      return undefined;
    }
  };
  /** Poll `drbdsetup status --json` on every node until `want` holds; the failure names what did not happen. */
  async function waitDrbd(
    what: string,
    res: Res,
    want: (s: (JsonStatus | undefined)[]) => boolean,
    timeout = 90,
  ): Promise<(JsonStatus | undefined)[]> {
    let lastSeen = '';
    try {
      return (await lab.waitFor(
        what,
        async () => {
          const s = await all((n) => status(n, res));
          lastSeen = s.map((x, i) => `node${i + 1}: ${brief(x)}`).join(' | ');
          return want(s) ? s : undefined;
        },
        timeout,
        0.5,
      ))!;
    } catch (e) {
      throw new Error(`${(e as Error).message}\nDRBD last said (${res}): ${lastSeen}`, { cause: e });
    }
  }
  const healthy = (res: Res, timeout = 90) =>
    waitDrbd(
      `${res} Connected and UpToDate on all three nodes`,
      res,
      (s) => s.every((x) => x !== undefined && connected(x) && allUpToDate(x)),
      timeout,
    );

  /**
   * After a long cut, DRBD's connection attempts back off: kick the reconnect on the node whose
   * cable came back (its connections are down anyway, nothing healthy is dropped).
   */
  async function reconnect(n: NodeId, res: Res[] = ['r0', 'r1']): Promise<void> {
    for (const r of res) await lab.sh(n, `drbdadm disconnect ${r}; drbdadm connect ${r}`);
  }
  const block = async (n: NodeId, dev: string, i: number) =>
    (await lab.sh(n, `dd if=${dev} bs=4096 skip=${i} count=1 iflag=direct status=none | md5sum`)).stdout.split(' ')[0] ?? '';
  const writeBlock = async (n: NodeId, i: number) => {
    await lab.ok(n, ['dd', 'if=/dev/urandom', `of=${DEVICE.r0}`, 'bs=4096', `seek=${i}`, 'count=1', 'oflag=direct', 'status=none']);
    return block(n, DEVICE.r0, i);
  };
  /** After a failed step: what DRBD itself logged and says, on every node. */
  async function tellDrbdLogs(t: Test, res: Res): Promise<void> {
    const logs = await all((n) =>
      lab.sh(
        n,
        `drbdsetup status --verbose --statistics ${res}; dmesg | grep -E 'drbd|blocked for|Call Trace' | tail -n 60; ps -eo pid,stat,wchan:30,args | grep -E 'drbd(adm|setup|meta)' | grep -v grep`,
        { timeout: 60 },
      ),
    );
    logs.forEach((r, i) => t.comment(`node${i + 1}: DRBD's status and kernel log:\n${r.stdout}${r.stderr}`));
  }
  const onAll = (cmd: string) =>
    all(async (n) => {
      const r = await lab.sh(n, cmd);
      if (r.code !== 0) throw new Error(`node${n}: ${cmd} exited ${r.code}: ${r.stderr}`);
    });

  // ---------------------------------------------------------------- the steps

  step("the agent, upstream's and the CLI in the three VMs; create-md", async (t) => {
    // One build for the whole test: copied through the uncached /ctl share and bind-mounted over
    // the agent's path (the VMs' view of the host is cached).
    const bytes = readFileSync(AGENT);
    const sha = createHash('sha256').update(bytes).digest('hex');
    for (const n of NODES) {
      writeFileSync(join(lab.ctlDir(n), 'drbd-agent'), bytes);
      writeFileSync(join(lab.ctlDir(n), 'ocfkit.mjs'), readFileSync(CLI));
    }
    const guestSha = await all((n) =>
      lab.ok(n, [
        'sh',
        '-c',
        `install -D -m 755 /ctl/drbd-agent /run/ocfkit/drbd && mount --bind /run/ocfkit/drbd ${AGENT} && sha256sum ${AGENT}`,
      ]),
    );
    t.same(
      guestSha.map((s) => s.split(' ')[0]),
      [sha, sha, sha],
      'all VMs run exactly this build',
    );
    for (const n of NODES) t.match(await lab.ok(n, ['head', '-1', '/proc/drbd']), /^version: 9\.2\./, `node${n}: DRBD 9.2`);
    t.equal((await lab.exec(1, ['test', '-x', UPSTREAM])).code, 0, 'ocf:linbit:drbd is there to compare with');
    await onAll('yes yes | drbdadm create-md --force r0 r1 > /dev/null 2>&1');
  });

  step('all connected: start (twice) on three nodes, skip the initial sync, promote, notify, demote', async (t) => {
    const wfc = { OCF_RESKEY_wfc_timeout: String(lab.scale(40)) };
    for (const res of ['r0', 'r1'] as const) {
      const starts = await all((n) => agent(n, 'start', { res, env: wfc }));
      t.same(
        starts.map((r) => r.code),
        [0, 0, 0],
        `${res}: start on all three -> 0`,
      );
    }
    await waitDrbd('r0 and r1 connected everywhere', 'r0', (s) => s.every((x) => x && connected(x)));
    await expectState(t, 'started, Inconsistent', 'r0', {
      1: { code: 0, code11: 190, score: '-', reason: /disk is Inconsistent/ },
      2: { code: 0, code11: 190, score: '-' },
      3: { code: 0, code11: 190, score: '-' },
    });
    // the admin's part (as with ocf:linbit:drbd): no initial sync of empty disks
    await lab.ok(1, [
      'sh',
      '-c',
      'drbdadm new-current-uuid --clear-bitmap r0/0 && drbdadm new-current-uuid --clear-bitmap r1/0 && drbdadm new-current-uuid --clear-bitmap r1/1',
    ]);
    await healthy('r0');
    await healthy('r1');
    const allBest = { 1: { code: 0, score: '10000' }, 2: { code: 0, score: '10000' }, 3: { code: 0, score: '10000' } };
    await expectState(t, 'all connected', 'r0', allBest);
    await expectState(t, 'all connected', 'r1', allBest);
    const again = await agent(1, 'start', { env: wfc });
    t.equal(again.code, 0, 'start on a started resource -> 0');
    t.ok(connected((await status(1, 'r0'))!), 'still connected to both peers after the second start');

    t.equal((await agent(1, 'promote')).code, 0, 'node1: promote -> 0');
    t.equal((await agent(1, 'promote')).code, 0, 'node1: promote on a Primary -> 0');
    const s1 = (await status(1, 'r0'))!;
    t.equal(s1.role, 'Primary', 'node1 is Primary');
    t.same(
      s1.connections.map((c) => c['peer-role']),
      ['Secondary', 'Secondary'],
      'both peers Secondary',
    );
    await expectState(t, 'all connected, node1 Primary', 'r0', {
      1: { code: 8, score: '10000' },
      2: { code: 0, score: '10000' },
      3: { code: 0, score: '10000' },
    });
    const notify = await agent(2, 'notify', {
      env: {
        OCF_RESKEY_CRM_meta_notify_type: 'post',
        OCF_RESKEY_CRM_meta_notify_operation: 'promote',
        OCF_RESKEY_CRM_meta_notify_promote_uname: 'node1',
        OCF_RESKEY_CRM_meta_notify_promoted_uname: 'node1',
        OCF_RESKEY_CRM_meta_notify_master_uname: 'node1',
        OCF_RESKEY_CRM_meta_notify_active_uname: 'node1 node2 node3',
      },
    });
    t.same([notify.code, notify.score], [0, '10000'], 'node2: notify post-promote -> 0, score kept');
    const second = await agent(2, 'promote', { env: { OCF_RESKEY_fail_promote_early_if_peer_primary: 'true' } });
    t.equal(second.code, 1, 'node2: a second Primary is refused while node1 is Primary');
    t.match(second.reason, /node1 is still Primary/);
    t.equal((await agent(1, 'demote')).code, 0, 'node1: demote -> 0');
    t.equal((await agent(1, 'demote')).code, 0, 'node1: demote on a Secondary -> 0');
    t.equal((await status(1, 'r0'))!.role, 'Secondary');
    t.equal((await agent(1, 'promote')).code, 0, 'node1: promote again -> 0');
  });

  step("one peer's link down: the Primary and node2 keep quorum, node3 loses it (start, stop, promote there)", async (t) => {
    await lab.cutLink(3);
    const s = Date.now();
    await waitDrbd(
      'node3 without quorum, node1 and node2 without node3',
      'r0',
      ([a, b, c]) =>
        !!a &&
        !!b &&
        !!c &&
        conn(a, 3)?.['connection-state'] === 'Connecting' &&
        conn(b, 3)?.['connection-state'] === 'Connecting' &&
        c.devices[0]?.quorum === false &&
        c.connections.every((x) => x['connection-state'] === 'Connecting'),
    );
    t.comment(`link loss noticed after ${secs(s)}s`);
    await expectState(t, 'node3 cut off', 'r0', {
      1: { code: 8, code11: 191, score: '10000', reason: /^r0: node3 is Connecting$/ },
      2: { code: 0, code11: 190, score: '1000', reason: /^r0: node3 is Connecting$/ },
      3: { code: 0, code11: 190, score: '-', reason: /^r0: volume 0 has no quorum; node\d is Connecting; node\d is Connecting$/ },
    });
    t.equal((await writeBlock(1, 1)).length, 32, 'node1: writes succeed with quorum (2 of 3)');
    const promote = await agent(3, 'promote', { timeoutMs: 30000 });
    t.equal(promote.code, 1, 'node3: promote without quorum -> 1');
    t.match(promote.reason, /refusing to promote without quorum: .*No quorum/);
    t.ok(promote.ms < 20000, `node3: gave up at once instead of retrying for the whole timeout (${promote.ms} ms)`);
    t.equal((await agent(3, 'stop')).code, 0, 'node3: stop -> 0');
    t.equal((await agent(3, 'start')).code, 0, 'node3: start while cut off -> 0 (waits wfc_timeout for the peers)');
    await expectState(t, 'node3 cut off, restarted', 'r0', { 3: { code: 0, code11: 190, score: '-' } });
    const notify = await agent(2, 'notify', {
      env: {
        OCF_RESKEY_CRM_meta_notify_type: 'post',
        OCF_RESKEY_CRM_meta_notify_operation: 'stop',
        OCF_RESKEY_CRM_meta_notify_stop_uname: 'node3',
      },
    });
    t.same([notify.code, notify.score], [0, '1000'], 'node2: notify -> 0, score 1000');
    await lab.restoreLink(3);
    await reconnect(3);
    await healthy('r0', 120);
    t.equal(await block(3, '/dev/vda', 1), await block(1, DEVICE.r0, 1), 'node3 resynced the block written while it was cut off');
    await healthy('r1', 120);
  });

  step('resync: r1 on node3 invalidated, volume 0 paused, volume 1 paused behind it (resync-after)', async (t) => {
    // The resync itself takes a second here: pause-sync holds volume 0 (resync-suspended:user),
    // resync-after holds volume 1 behind it (resync-suspended:dependency).
    await lab.ok(3, ['sh', '-c', 'drbdsetup disk-options 11 --resync-after=10 && drbdadm pause-sync r1/0 && drbdadm invalidate r1']);
    const [, , c] = await waitDrbd(
      'node3: both volumes of r1 paused SyncTarget',
      'r1',
      ([, , c]) => !!c && c.connections.every((x) => x.peer_devices.every((p) => p['replication-state'] === 'PausedSyncT')),
    );
    for (const x of c!.connections) {
      t.match(
        x.peer_devices.find((p) => p.volume === 0)?.['resync-suspended'],
        /user/,
        `node3 from ${x.name}: volume 0 paused by the admin`,
      );
      t.match(
        x.peer_devices.find((p) => p.volume === 1)?.['resync-suspended'],
        /dependency/,
        `node3 from ${x.name}: volume 1 waits for volume 0 (resync-after)`,
      );
    }
    await expectState(t, 'r1 resync paused', 'r1', {
      1: { code: 0, code11: 190, score: '10000', reason: /volume 0 PausedSyncS with node3; volume 1 PausedSyncS with node3/ },
      // DRBD 9 resyncs from one source at a time: node2's connection to node3 stays Established
      2: { code: 0, score: '10000' },
      3: { code: 0, code11: 190, score: '10', reason: /volume 0 disk is Inconsistent; volume 1 disk is Inconsistent/ },
    });
    await lab.ok(3, ['drbdadm', 'resume-sync', 'r1/0']);
    await healthy('r1', 120);
    await expectState(t, 'r1 resynced', 'r1', { 1: { code: 0, score: '10000' }, 3: { code: 0, score: '10000' } });
  });

  let node2Block = '';
  step('Primary without quorum (io-error): writes fail with EIO, monitor 9, demote; node2 takes over', async (t) => {
    await lab.cutLink(1);
    const s = Date.now();
    await waitDrbd(
      'node1 without quorum, node2 and node3 without node1',
      'r0',
      ([a, b, c]) =>
        !!a &&
        !!b &&
        !!c &&
        a.devices[0]?.quorum === false &&
        a.connections.every((x) => x['connection-state'] === 'Connecting') &&
        conn(b, 1)?.['connection-state'] === 'Connecting' &&
        conn(c, 1)?.['connection-state'] === 'Connecting',
    );
    t.comment(`quorum loss noticed after ${secs(s)}s`);
    const dd = await lab.exec(1, ['dd', 'if=/dev/zero', `of=${DEVICE.r0}`, 'bs=4096', 'seek=2', 'count=1', 'oflag=direct']);
    t.not(dd.code, 0, 'node1: a write on the Primary without quorum fails');
    t.match(dd.stderr, /Input\/output error/, 'node1: with EIO (on-no-quorum io-error)');
    const failed = /^r0: Primary without quorum: writes to volume 0 fail with I\/O errors \(on-no-quorum io-error\)$/;
    await expectState(t, 'Primary without quorum (io-error)', 'r0', {
      1: { code: 9, score: '-', reason: failed },
      2: { code: 0, code11: 190, score: '1000' },
      3: { code: 0, code11: 190, score: '1000' },
    });
    // what Pacemaker does after 9: demote here, promote where the score is
    const demote = await agent(1, 'demote');
    t.equal(demote.code, 0, 'node1: demote of the Primary without quorum -> 0');
    await expectState(t, 'old Primary demoted, without quorum', 'r0', { 1: { code: 0, code11: 190, score: '-' } });
    t.equal((await agent(2, 'promote')).code, 0, 'node2: promote with quorum (node2 + node3) -> 0');
    node2Block = await writeBlock(2, 2);
    await expectState(t, 'node2 Primary, node1 cut off', 'r0', {
      2: { code: 8, code11: 191, score: '10000' },
      3: { code: 0, code11: 190, score: '1000' },
    });
    await lab.restoreLink(1);
    await reconnect(1);
    await healthy('r0', 120);
    t.equal(await block(1, '/dev/vda', 2), node2Block, "node1 rejoined as Secondary and resynced node2's write");
    await healthy('r1', 120);
  });

  step('Primary without quorum (suspend-io): writes freeze, monitor 191 / 8, not 9', async (t) => {
    await onAll('drbdadm resource-options r0 --on-no-quorum=suspend-io');
    await lab.cutLink(2);
    await waitDrbd('node2 (Primary) suspended for quorum', 'r0', ([, b]) => !!b && b['suspended-quorum'] && b.devices[0]?.quorum === false);
    await expectState(t, 'Primary without quorum (suspend-io)', 'r0', {
      2: { code: 8, code11: 191, score: '-', reason: /^r0: I\/O suspended \(quorum\); volume 0 has no quorum/ },
    });
    await lab.restoreLink(2);
    await reconnect(2);
    await healthy('r0', 120);
    t.equal((await status(2, 'r0'))!['suspended-quorum'], false, 'node2: I/O resumed with quorum');
    await onAll('drbdadm resource-options r0 --on-no-quorum=io-error');
    await healthy('r1', 120);
  });

  let splitReason = '';
  const written: Partial<Record<NodeId, string>> = {};
  step('two Primaries partitioned with quorum off, then the real split brain', async (t) => {
    await onAll('drbdadm resource-options r0 --quorum=off');
    await lab.cutLink(1);
    await waitDrbd(
      'node1 alone, node2 and node3 without node1',
      'r0',
      ([a, b, c]) =>
        !!a &&
        a.connections.every((x) => x['connection-state'] === 'Connecting') &&
        conn(b!, 1)?.['connection-state'] === 'Connecting' &&
        conn(c!, 1)?.['connection-state'] === 'Connecting',
    );
    const p = await agent(1, 'promote');
    t.equal(p.code, 0, 'node1: promote without peers, quorum off -> 0');
    await expectState(t, 'two Primaries partitioned', 'r0', {
      1: { code: 8, code11: 191, score: '10000', reason: /^r0: node2 is Connecting; node3 is Connecting$/ },
      2: { code: 8, code11: 191, score: '10000', reason: /^r0: node1 is Connecting$/ },
      3: { code: 0, code11: 190, score: '1000' },
    });
    written[1] = await writeBlock(1, 3);
    written[2] = await writeBlock(2, 4);
    await lab.restoreLink(1);
    await reconnect(1, ['r0']);
    const s = Date.now();
    const [a] = await waitDrbd(
      'node1: every connection StandAlone or Connected (split brain detected)',
      'r0',
      ([a]) =>
        !!a &&
        a.connections.every((c) => ['StandAlone', 'Connected'].includes(c['connection-state'])) &&
        conn(a, 2)?.['connection-state'] === 'StandAlone',
      120,
    );
    t.comment(`split brain detected after ${secs(s)}s: node1: ${brief(a)}`);
    t.match(await lab.ok(1, ['dmesg']), /Split-Brain detected but unresolved, dropping connection/, 'node1: DRBD says so');
    const seen = await expectState(t, 'split brain', 'r0', {
      1: { code: 8, code11: 191, score: '10000', reason: /split brain with node2/ },
      2: { code: 8, code11: 191, score: '10000', reason: /split brain with node1/ },
    });
    t.match(seen[1]!.ours.reason, /split brain/, 'node1: the split brain is reported with OCF 1.0 too');
    splitReason = seen[1]!.ours.reason11 ?? '';
  });

  step('resolve the split brain with the printed commands: node1 the victim, no healthy connection dropped', async (t) => {
    // the agent's advice on node1, per connection in split brain:
    //   to discard this node's changes run here "X", then on nodeN "Y"
    const advice = [...splitReason.matchAll(/to discard this node's changes run here "([^"]+)", then on (node\d) "([^"]+)"/g)];
    t.ok(advice.length >= 1, `the exit reason has the commands for node1 as the victim: ${splitReason}`);
    // `ocfkit drbd status` prints the same commands
    const cli = await lab.exec(1, [NODE, '/ctl/ocfkit.mjs', 'drbd', 'status', 'r0'], { timeout: 120 });
    t.comment(`ocfkit drbd status r0 on node1 (exit ${cli.code}):\n${cli.stdout}${cli.stderr}`);
    for (const [, here, peer, there] of advice) {
      t.ok(
        cli.stdout.includes(here!) && cli.stdout.includes(there!),
        `ocfkit drbd status prints the same commands for ${peer}: "${here}" / "${there}"`,
      );
    }
    // every event of the healthy connection node2 <-> node3 while the commands run
    await all((n) =>
      lab.sh(n, `setsid sh -c 'drbdsetup events2 r0 > /run/events2.log 2>&1' < /dev/null > /dev/null 2>&1 & echo $! > /run/events2.pid`),
    );
    for (const [, here, peer, there] of advice) {
      const victim = await lab.sh(1, here!);
      t.equal(victim.code, 0, `node1: ${here}`);
      const survivor = await lab.sh(Number(peer!.slice(4)) as NodeId, there!);
      t.equal(survivor.code, 0, `${peer}: ${there}`);
    }
    const s = Date.now();
    await healthy('r0', 120);
    t.comment(`resolved and resynced after ${secs(s)}s`);
    const logs = await all((n) => lab.sh(n, 'kill $(cat /run/events2.pid) 2>/dev/null; cat /run/events2.log'));
    t.notMatch(
      logs[1]!.stdout,
      /change connection name:r0 peer-node-id:2 conn-name:node3 connection:/,
      'node2: its connection to node3 was never dropped',
    );
    t.notMatch(
      logs[2]!.stdout,
      /change connection name:r0 peer-node-id:1 conn-name:node2 connection:/,
      'node3: its connection to node2 was never dropped',
    );
    t.equal(await block(1, '/dev/vda', 4), written[2], "node2's write during the split is on node1");
    t.equal(await block(1, '/dev/vda', 3), await block(2, DEVICE.r0, 3), "node1's write during the split was discarded");
    await expectState(t, 'split brain resolved', 'r0', {
      1: { code: 0, score: '10000' },
      2: { code: 8, score: '10000' },
      3: { code: 0, score: '10000' },
    });
    await onAll('drbdadm resource-options r0 --quorum=majority');
  });

  step('a diskless peer: node3 detaches r0; start attaches it again', async (t) => {
    // After the split brain's resync, "UpToDate everywhere" can come before the last resync
    // replies: DRBD's attach waits for them, so detach only once nothing is in flight.
    await waitDrbd('no request of r0 in flight between any two nodes', 'r0', (s) =>
      s.every((x) => x?.connections.every((c) => c.peer_devices.every((d) => !d.pending && !d.unacked))),
    );
    await lab.ok(3, ['drbdadm', 'detach', 'r0']);
    await waitDrbd(
      'node3 Diskless, seen by both peers',
      'r0',
      ([a, b, c]) =>
        c?.devices[0]?.['disk-state'] === 'Diskless' &&
        [a, b].every((x) => conn(x!, 3)?.peer_devices[0]?.['peer-disk-state'] === 'Diskless'),
    );
    await expectState(t, 'diskless peer', 'r0', {
      1: { code: 0, score: '10000' },
      2: { code: 8, score: '10000' },
      3: { code: 0, code11: 190, score: '10', reason: /^r0: volume 0 disk is Diskless$/ },
    });
    const notify = await agent(3, 'notify', {
      env: { OCF_RESKEY_CRM_meta_notify_type: 'pre', OCF_RESKEY_CRM_meta_notify_operation: 'start' },
    });
    t.same([notify.code, notify.score], [0, '10'], 'node3: notify -> 0, score 10 (reads go over the network)');
    // a start that takes long (seen: adjust hanging until the deadline) shows DRBD's state meanwhile
    const running = agent(3, 'start');
    const slow = setTimeout(
      // not awaited: a failure to read the logs must not become an unhandled rejection
      () => void tellDrbdLogs(t, 'r0').catch((e: Error) => t.comment(`could not read DRBD's logs: ${e.message}`)),
      lab.scale(60) * 1000,
    );
    const start = await running;
    clearTimeout(slow);
    if (start.code !== 0) await tellDrbdLogs(t, 'r0');
    t.equal(start.code, 0, 'node3: start (drbdadm adjust) -> 0');
    await healthy('r0', 120);
  });

  step('r1 with one volume degraded: node2 detaches volume 1; promote and demote r1 on node1', async (t) => {
    await lab.ok(2, ['drbdadm', 'detach', 'r1/1']);
    await waitDrbd('node2: r1 volume 1 Diskless', 'r1', ([, b]) => b?.devices.find((d) => d.volume === 1)?.['disk-state'] === 'Diskless');
    await expectState(t, 'r1 volume 1 detached on node2', 'r1', {
      1: { code: 0, score: '10000' },
      2: { code: 0, code11: 190, score: '10', reason: /^r1: volume 1 disk is Diskless$/ },
      3: { code: 0, score: '10000' },
    });
    t.equal((await agent(1, 'promote', { res: 'r1' })).code, 0, 'node1: promote r1 -> 0');
    await expectState(t, 'r1 Primary on node1, volume 1 detached on node2', 'r1', {
      1: { code: 8, score: '10000' },
      2: { code: 0, code11: 190, score: '10' },
    });
    t.equal((await agent(1, 'demote', { res: 'r1' })).code, 0, 'node1: demote r1 -> 0');
    t.equal((await agent(2, 'start', { res: 'r1' })).code, 0, 'node2: start r1 (adjust attaches volume 1) -> 0');
    await healthy('r1', 120);
  });

  step('ocf-tester (resource-agents) passes on r0 on node1 of the three', async (t) => {
    t.equal((await agent(2, 'demote')).code, 0, 'node2: demote (ocf-tester promotes node1)');
    t.equal((await agent(1, 'stop')).code, 0, 'node1: stop (ocf-tester starts from a stopped resource)');
    const tester = await lab.sh(1, `ocf-tester -v -n r0drbd -o drbd_resource=r0 ${AGENT}`, {
      env: { PATH: `${STUBS}:${GUEST_PATH}`, CRM_ATTRIBUTE_STUB_DIR: '/ctl/ours-r0' },
      timeout: 400,
    });
    const out = `${tester.stdout}${tester.stderr}`.replace(
      /<\?xml[\s\S]*?<\/resource-agent>\n?/,
      (x) => `[meta-data: ${x.split('\n').length} lines]\n`,
    );
    t.comment(`ocf-tester exit ${tester.code}:\n${out}`);
    t.equal(tester.code, 0, 'ocf-tester exit 0');
    t.match(tester.stdout, /passed all tests/);
    t.match(out, /Testing: promote/, 'ocf-tester ran promote and demote');
  });

  step('stop everywhere (twice): not running, no score, as upstream', async (t) => {
    for (const res of ['r0', 'r1'] as const) {
      const stops = await all((n) => agent(n, 'stop', { res }));
      t.same(
        stops.map((r) => r.code),
        [0, 0, 0],
        `${res}: stop on all three -> 0`,
      );
      const again = await all((n) => agent(n, 'stop', { res }));
      t.same(
        again.map((r) => r.code),
        [0, 0, 0],
        `${res}: stop on stopped -> 0`,
      );
    }
    for (const n of NODES) t.equal(await status(n, 'r0'), undefined, `node${n}: r0 down`);
    // Only our stop ran, and upstream's monitor of a resource that is down publishes a score of its
    // own here (9999, even with its stand-in's file removed): upstream's stop, which removes it,
    // never ran. Pacemaker runs no recurring monitor of a stopped instance; the codes must agree.
    await expectState(t, 'stopped', 'r0', { 1: { code: 7, score: '-' }, 2: { code: 7, score: '-' }, 3: { code: 7, score: '-' } }, false);
  });

  step('differences from ocf:linbit:drbd: only the deliberate ones', async (t) => {
    t.comment(`differences:\n${differences.join('\n') || '(none)'}`);
    t.same(
      differences.filter((d) => d.endsWith('NOT DELIBERATE')),
      [],
      'every difference from upstream is deliberate',
    );
    t.same(
      Object.keys(DELIBERATE_DIFFERENCES).filter((k) => !differences.some((d) => d.startsWith(`${k}:`))),
      [],
      'every deliberate difference was seen',
    );
    const pids = lab.qemuPids();
    await lab.down();
    t.same(
      pids.filter((p) => {
        try {
          process.kill(p, 0);
          return true;
        } catch {
          return false;
        }
      }),
      [],
      'no qemu left behind',
    );
    t.comment(`whole DRBD 9 agent test: ${secs(t0)}s`);
  });
}
