// The ocfkit stack under real Pacemaker on three qemu VMs with real DRBD 9 (quorum majority,
// on-no-quorum io-error, connection-mesh), as `ocfkit crm generate --drbd-version 9` prints it for
// three nodes (test/vm/cluster/scenario-run.ts brings it up). Every step ends with the service
// answering through the VIP from the Promoted node and no acknowledged value missing on its disk:
// a node that has lost DRBD's quorum cannot acknowledge a write the survivors do not have.
//
// The cluster fences with fence_vmlab (the host SIGKILLs the VM): a node cut off from the others
// is powered off by the majority, so "the minority stops writing" is proven by the counter's
// acknowledgements, which go to the host (/ctl) and survive the VM.
import { type Test } from 'tap';
import { type NodeId } from './lab.js';
import { runScenario, settle, activeNode } from '../cluster/scenarios.js';
import { waitUntil, type Stack } from '../cluster/stack.js';
import {
  startScenarioRun,
  assertNothingLost,
  assertRunsOn,
  describe,
  latestInstance,
  pacemakerOnFencing,
  promotedOn,
  waitForConstraint,
} from './cluster/scenario-run.js';
import { type VmCluster } from './cluster/vm-cluster.js';

// measured: 730 s for the four scenarios at load ~3 (2 cores)
const run = await startScenarioRun(1800, { drbd: '9' });

/** Waits until the powered-off node is back: booted, online, DRBD resynced, no fencing constraint. */
async function bringBack(t: Test, cluster: VmCluster, node: number, observer: number): Promise<void> {
  await waitUntil(`node${node} powered off by fencing`, async () => !cluster.isUp(node), 60_000 * cluster.lab.slowness);
  await cluster.startNode(node);
  await cluster.waitOnline(observer, [1, 2, 3]);
  // DRBD 9.2.19 sometimes gives up a connection while two peers resync the rejoining node at once
  // ("Can not start OV/resync since it is already active": StandAlone), even after all six were
  // Connected, and never reconnects it by itself. waitStorageWhole runs `drbdadm adjust` there, as
  // an admin would, unless a split brain is behind it; each time is shown here.
  const since = Date.now();
  await cluster.waitStorageWhole!(480_000);
  for (const r of cluster.reconnects.filter((r) => r.at >= since)) {
    t.comment(`node${r.node}: a connection StandAlone during the rejoin (DRBD gave it up); drbdadm adjust r0 there\n${r.status}`);
    t.notMatch((await cluster.run(r.node, 'dmesg', [])).stdout, /Split-Brain detected/, `node${r.node}: no split brain behind it`);
  }
  await waitForConstraint(cluster, observer as NodeId, false);
  await settle(cluster, observer, 180);
  const s = await cluster.status(observer);
  const running = s?.resources.get('drbd-r0')?.nodes.length;
  // when not, Pacemaker's failed actions (with the agent's exit reason) say why
  if (running !== 3) t.comment((await cluster.run(observer, 'crm_mon', ['-1', '--include=failcounts,failures'])).stdout);
  t.equal(running, 3, `node${node} is back: DRBD runs on all three nodes, UpToDate everywhere`);
}

/** Waits until DRBD is Promoted and the service runs on one node other than `from`; returns it. */
async function movedAway(cluster: VmCluster, stack: Stack, from: number, where: string): Promise<number> {
  const s = await cluster.waitForStatus(
    [1, 2, 3].find((n) => n !== from)!,
    `the stack Promoted and running on ${where}`,
    (s) => {
      const p = promotedOn(s);
      return p !== undefined && p !== `node${from}` && s.resources.get(stack.ids.service)?.nodes.join() === p;
    },
    300_000,
  );
  return Number(promotedOn(s)!.slice(4));
}

if (run) {
  const { cluster } = run;

  await run.scenario('one Secondary is cut off from both peers: fenced by the majority, the service undisturbed', async (t, stack) => {
    const active = await activeNode(cluster, stack);
    const secondary = [1, 2, 3].find((n) => n !== active)!;
    const instance = latestInstance(cluster);
    const cutAt = Date.now();
    await cluster.lab.cutLink(secondary as NodeId, 'net0');
    await cluster.lab.cutLink(secondary as NodeId, 'net1');
    await waitUntil(
      `node${secondary} fenced after losing both links`,
      async () => cluster.fences.some((f) => f.target === `node${secondary}` && f.rc === 0 && f.at >= cutAt),
      180_000 * cluster.lab.slowness,
    );
    const fencedAt = cluster.fences.find((f) => f.target === `node${secondary}` && f.at >= cutAt)!.at;
    t.pass(`node${secondary} fenced ${((fencedAt - cutAt) / 1000).toFixed(1)} s after its links were cut`);
    // the service keeps answering from the same instance through the cut and the fencing
    await waitUntil(
      'the service answering 10 s after the fencing',
      async () => cluster.samples().some((x) => x.ok && x.time > fencedAt + 10_000),
      60_000 * cluster.lab.slowness,
    );
    const after = cluster.samples().filter((x) => x.ok && x.time >= cutAt);
    t.same(
      [...new Set(after.map((x) => x.instance))],
      [instance],
      `the same service instance answered throughout (${after.length} answers)`,
    );
    t.equal(promotedOn((await cluster.status(active))!), `node${active}`, `DRBD stayed Promoted on node${active}`);
    await bringBack(t, cluster, secondary, active);
  });

  // Why the generator writes quorum instead of DRBD fencing for three nodes, and why our monitor
  // says 9 (not linbit's 8) for a Primary without quorum under on-no-quorum io-error: only DRBD's
  // links fail, the cluster stays whole, nobody is fenced; every write of the old Primary fails.
  await run.scenario(
    "the Primary's replication links cut, the cluster whole: DRBD quorum lost, our monitor says 9, the stack moves to the majority",
    async (t, stack) => {
      const from = await activeNode(cluster, stack);
      const cutAt = Date.now();
      await cluster.lab.cutLink(from as NodeId, 'net1');
      const to = await movedAway(cluster, stack, from, 'a node of the DRBD majority');
      t.comment(`node${from}'s DRBD links cut -> node${to} answering ${((Date.now() - cutAt) / 1000).toFixed(1)} s later at the latest`);
      t.ok(
        cluster
          .alerts()
          .some(
            (a) =>
              a.kind === 'resource' &&
              a.time >= cutAt - 10 &&
              a.fields.node === `node${from}` &&
              a.fields.rsc === stack.ids.drbd &&
              a.fields.task === 'monitor' &&
              a.fields.rc === '9',
          ),
        `Pacemaker saw our monitor's 9 (FAILED_PROMOTED) on node${from}, the Primary without quorum`,
      );
      const fenced = cluster.fences.filter((f) => f.at >= cutAt);
      t.comment(fenced.length ? `fenced: ${fenced.map((f) => f.target).join(', ')}` : 'nobody was fenced');
      await assertRunsOn(t, cluster, stack, to as NodeId);
      await assertNothingLost(t, cluster, stack, to);
      await cluster.lab.restoreLink(from as NodeId, 'net1');
      if (fenced.some((f) => f.target === `node${from}`)) {
        await bringBack(t, cluster, from, to);
        return;
      }
      // DRBD 9's connection attempts back off during a long cut; connect again at once, as an admin
      // would (the cut node's connections are down anyway, nothing healthy is dropped)
      await cluster.runOk(from, 'sh', ['-c', 'drbdadm disconnect r0; drbdadm connect r0']);
      await cluster.waitStorageWhole!();
      await settle(cluster, to, 180);
      const after = await cluster.status(to);
      t.equal(
        after?.resources.get(stack.ids.drbd!)?.nodes.length,
        3,
        `node${from} rejoined as Secondary: DRBD runs on all three nodes, UpToDate everywhere`,
      );
      t.equal(promotedOn(after!), `node${to}`, `still Promoted on node${to}`);
    },
  );

  await run.scenario(
    'the Primary is cut off from both peers: the majority fences it and promotes, nothing acknowledged is lost',
    async (t, stack) => {
      const from = await activeNode(cluster, stack);
      const cutAt = Date.now();
      await cluster.lab.cutLink(from as NodeId, 'net0');
      await cluster.lab.cutLink(from as NodeId, 'net1');
      const to = await movedAway(cluster, stack, from, 'a survivor');
      t.ok(
        cluster.fences.some((f) => f.target === `node${from}` && f.rc === 0 && f.at >= cutAt),
        `the majority fenced node${from}`,
      );
      t.notOk(
        cluster.fences.some((f) => f.target !== `node${from}` && f.at >= cutAt),
        'nobody else was fenced',
      );
      await assertRunsOn(t, cluster, stack, to as NodeId);
      await assertNothingLost(t, cluster, stack, to);
      t.comment(`node${from} cut off -> node${to} answering ${((Date.now() - cutAt) / 1000).toFixed(1)} s later at the latest`);
      await bringBack(t, cluster, from, to);
    },
  );

  await run.scenario(
    'the Primary VM is killed: a survivor with quorum promotes, mounts, takes the VIP; the VM comes back and resyncs',
    async (t, stack) => {
      const o = await runScenario(cluster, stack, 'node-kill', { timeoutMs: 300_000, restart: false });
      t.comment(describe(o));
      // seen once: fenced 190 s after the kill (8.4's two nodes: 9 s); Pacemaker's own words on it
      if (o.fencedAt !== undefined && o.fencedAt - o.faultAt > 60_000) t.comment(pacemakerOnFencing(cluster, o.from));
      t.ok(
        cluster.fences.some((f) => f.target === `node${o.from}` && f.rc === 0 && f.at >= o.faultAt),
        `node${o.from} was fenced through fence_vmlab`,
      );
      await assertRunsOn(t, cluster, stack, o.to as NodeId);
      await assertNothingLost(t, cluster, stack, o.to);
      await bringBack(t, cluster, o.from, o.to);
    },
  );
}
