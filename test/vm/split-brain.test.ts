// Issue 15: `ocfkit drbd split-brain` on real split brains of DRBD 8.4 in two qemu VMs
// (test/vm/README.md), with the built CLI (dist/bin/ocfkit.mjs) run by the pinned node in each VM:
//   1. node2 promoted and demoted again while the link is cut (a new data generation, nothing
//      written), node1 writes: split brain on reconnect. Both nodes propose node2 (it wrote
//      nothing, no choice needed); `--execute --yes` on both at once resolves it, node1's data
//      is on both.
//   2. both Primary while cut, both write (node1 one block, node2 three): both nodes say that
//      both wrote and propose node1 (fewer changes) without choosing; `--execute --yes` refuses
//      until a side is named; `--execute --yes --discard-on node1` on both resolves it, node2's
//      data is on both and node1's write is gone.
//   3. `--execute` with no split brain any more refuses and runs nothing.
// With OCFKIT_SPLIT_BRAIN_CAPTURE=DIR it saves both nodes' outputs of case 1 there (the fixtures
// of test/fixtures/drbd-8.4/split-brain-one-side-unchanged/ were captured that way).
// Needs test/vm/setup.sh once and a build (node scripts/build.mjs) first; a missing lab FAILS.
import t, { type Test } from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { declareBudget } from '../helpers/budget.js';
import { steps } from '../helpers/steps.js';
import { DEVICE, Lab, NODE, NODES, PROJECT, RES, vmLabReady, type DrbdState, type NodeId } from './lab.js';

const budget = declareBudget(t, 600); // measured ~4-5 min on the loaded 2-core machine; tap's limit for this file
const CLI = `${PROJECT}/dist/bin/ocfkit.mjs`;
const CAPTURE = process.env.OCFKIT_SPLIT_BRAIN_CAPTURE;

if (!existsSync(CLI)) t.fail(`${CLI} is missing: build first (node scripts/build.mjs)`);
else if (vmLabReady(t)) await main();

async function main(): Promise<void> {
  const lab = await Lab.up();
  t.teardown(() => lab.down());
  const both = <T>(fn: (n: NodeId) => Promise<T>) => Promise.all(NODES.map(fn));

  const step = steps(t, { budget });

  const state = (n: NodeId) => lab.drbdState(n);
  const waitState = (what: string, want: (s: DrbdState[]) => boolean, timeout = 90) =>
    lab.waitFor(
      what,
      async () => {
        const s = await both(state);
        return want(s) ? s : undefined;
      },
      timeout,
      0.5,
    );
  const cstates = (s: DrbdState[]) => s.map((x) => x.cstate);
  /** md5 of one 4 KiB block, read with O_DIRECT (no stale page cache). */
  const block = async (n: NodeId, dev: string, i: number) =>
    (await lab.sh(n, `dd if=${dev} bs=4096 skip=${i} count=1 iflag=direct status=none | md5sum`)).stdout.split(' ')[0] ?? '';
  const writeBlock = async (n: NodeId, i: number) => {
    await lab.ok(n, ['dd', 'if=/dev/urandom', `of=${DEVICE}`, 'bs=4096', `seek=${i}`, 'count=1', 'oflag=direct', 'status=none']);
    return block(n, DEVICE, i);
  };
  /** The CLI in VM n (a copy made at the start: the same build on both, whatever happens to dist/ meanwhile). */
  const ocfkit = (n: NodeId, ...args: string[]) => lab.exec(n, [NODE, '/ctl/ocfkit.mjs', 'drbd', 'split-brain', ...args], { timeout: 180 });

  /** Cut the link, let `whileCut` make both sides diverge, restore: DRBD detects the split brain. */
  async function splitBrain(t: Test, whileCut: () => Promise<void>) {
    await lab.cutLink();
    await waitState('both disconnected', (s) => cstates(s).every((c) => c === 'WFConnection'));
    await whileCut();
    await lab.restoreLink();
    const s = await waitState('StandAlone on both (split brain detected)', (s) => cstates(s).every((c) => c === 'StandAlone'), 120);
    for (const n of NODES)
      t.match(await lab.ok(n, ['dmesg']), /Split-Brain detected but unresolved/, `node${n}: DRBD detected a split brain`);
    return s;
  }
  const resolved = () =>
    waitState(
      'Connected + UpToDate/UpToDate on both',
      (s) => s.every((x) => x.cstate === 'Connected' && x.dstate === 'UpToDate/UpToDate'),
      120,
    );

  step('the CLI in both VMs; r0 up, synced, node1 Primary', async (t) => {
    const bytes = readFileSync(CLI);
    for (const n of NODES) writeFileSync(join(lab.ctlDir(n), 'ocfkit.mjs'), bytes);
    // Faster link-loss detection and reconnects than DRBD's defaults (ping-int 10 s, connect-int 10 s).
    const conf = await lab.ok(1, ['cat', '/etc/drbd.d/r0.res']);
    const fast = conf.replace('net { protocol C; }', 'net { protocol C; ping-int 2; ping-timeout 30; connect-int 2; }');
    t.not(fast, conf, 'net options set');
    await both((n) => lab.writeFile(n, '/etc/drbd.d/r0.res', fast));
    for (const r of await both((n) => lab.exec(n, ['drbdadm', 'create-md', '--force', RES]))) t.equal(r.code, 0, 'create-md');
    for (const r of await both((n) => lab.exec(n, ['drbdadm', 'up', RES]))) t.equal(r.code, 0, 'up');
    await waitState('Connected on both', (s) => cstates(s).every((c) => c === 'Connected'));
    t.equal((await lab.exec(1, ['drbdadm', 'primary', '--force', RES])).code, 0, 'node1: primary --force');
    await resolved();
    const none = await ocfkit(1);
    t.equal(none.code, 0, none.stderr);
    t.equal(none.stdout, 'No split brain on this node (r0).\n');
  });

  const node1Block: string[] = [];
  step('split brain, node2 wrote nothing: both nodes propose node2; --execute --yes on both resolves it', async (t) => {
    await splitBrain(t, async () => {
      // node2 starts a data generation of its own, but writes nothing
      await lab.ok(2, ['drbdadm', 'primary', RES]);
      await lab.ok(2, ['drbdadm', 'secondary', RES]);
      node1Block[0] = await writeBlock(1, 0);
      node1Block[1] = await writeBlock(1, 1);
    });
    if (CAPTURE) await capture('split-brain-one-side-unchanged');
    const shown = await both((n) => ocfkit(n, RES));
    for (const [i, r] of shown.entries()) {
      t.equal(r.code, 0, `node${i + 1}: shown (${r.stderr})`);
      t.comment(`node${i + 1}:\n${r.stdout}`);
      t.match(
        r.stdout,
        /Proposal: node2 discards its changes: node2 wrote nothing since the split: discarding its side loses nothing\./,
        `node${i + 1}: proposes node2`,
      );
      t.match(
        r.stdout,
        /1\. on node2 \(discards its changes\): drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0\n {4}2\. on node1 \(keeps its data\): drbdadm connect r0\n/,
      );
      t.notMatch(r.stdout, /choose with/, 'no choice needed');
    }
    t.match(shown[0]!.stdout, /node1 \(this node\): Primary now; wrote 8 KiB since the split \(2 blocks out of sync\)/);
    t.match(shown[0]!.stdout, /node2: Secondary when DRBD detected the split brain; wrote 0 KiB since the split/);
    t.match(shown[1]!.stdout, /node2 \(this node\): Secondary now; wrote 0 KiB since the split/);
    t.match(shown[1]!.stdout, /node1: Primary when DRBD detected the split brain; wrote 8 KiB since the split/);

    const executed = await both((n) => ocfkit(n, RES, '--execute', '--yes'));
    for (const [i, r] of executed.entries()) {
      t.comment(`node${i + 1} --execute:\n${r.stdout}${r.stderr}`);
      t.equal(r.code, 0, `node${i + 1}: --execute --yes -> 0 (${r.stderr.trim()})`);
      t.match(r.stdout, /Connected to node\d; (the resync runs|in sync)/, `node${i + 1}: saw the connection come up`);
    }
    t.match(executed[1]!.stdout, /\$ drbdadm connect --discard-my-data r0\n/, "node2 ran the victim's part");
    t.match(executed[0]!.stdout, /\$ drbdadm connect r0\n/, "node1 ran the survivor's part");
    t.notMatch(executed[0]!.stdout, /^\$ drbdadm (disconnect|secondary|connect --discard-my-data)/m, 'node1 discarded nothing');
    await resolved();
    t.same(
      (await both(state)).map((s) => s.role),
      ['Primary/Secondary', 'Secondary/Primary'],
    );
    for (const i of [0, 1]) {
      t.equal(await block(1, DEVICE, i), node1Block[i], `node1's block ${i} intact on node1`);
      t.equal(await block(2, '/dev/vda', i), node1Block[i], `node1's block ${i} on node2`);
    }
  });

  const node2Blocks: string[] = [];
  let node1Lost = '';
  step('split brain, both wrote: node1 proposed (fewer), the admin must choose; --discard-on node1 resolves it', async (t) => {
    await splitBrain(t, async () => {
      await lab.ok(2, ['drbdadm', 'primary', RES]);
      node1Lost = await writeBlock(1, 4);
      for (const i of [5, 6, 7]) node2Blocks[i] = await writeBlock(2, i);
    });
    const shown = await both((n) => ocfkit(n, RES));
    for (const [i, r] of shown.entries()) {
      t.equal(r.code, 0, `node${i + 1}: shown (${r.stderr})`);
      t.comment(`node${i + 1}:\n${r.stdout}`);
      t.match(
        r.stdout,
        /Proposal: node1 discards its changes: both sides wrote since the split \((node1: 4 KiB, node2: 12 KiB|node2: 12 KiB, node1: 4 KiB)\); node1 wrote less, but whichever side discards loses what it wrote\.\n {2}Only you know whose writes matter: choose with --discard-on NODE or --keep NODE\./,
      );
      t.match(r.stdout, /ocfkit drbd split-brain r0 --discard-on node1 --execute/);
    }
    const refused = await ocfkit(1, RES, '--execute', '--yes');
    t.equal(refused.code, 1, 'nobody chose: --execute refuses');
    t.match(refused.stderr, /^ocfkit drbd split-brain: both sides wrote since the split .*; nothing was run\n$/);
    t.notMatch(refused.stdout, /^\$ /m, 'no command run');
    t.same(cstates(await both(state)), ['StandAlone', 'StandAlone'], 'still StandAlone');

    const executed = await both((n) => ocfkit(n, RES, '--execute', '--yes', '--discard-on', 'node1'));
    for (const [i, r] of executed.entries()) {
      t.comment(`node${i + 1} --execute:\n${r.stdout}${r.stderr}`);
      t.equal(r.code, 0, `node${i + 1}: --execute --yes --discard-on node1 -> 0 (${r.stderr.trim()})`);
    }
    t.match(
      executed[0]!.stdout,
      /\$ drbdadm disconnect r0: not needed, the connection is StandAlone already\n\$ drbdadm secondary r0\n[\s\S]*\$ drbdadm connect --discard-my-data r0\n/,
      "node1 ran the victim's part",
    );
    await resolved();
    t.same(
      (await both(state)).map((s) => s.role),
      ['Secondary/Primary', 'Primary/Secondary'],
    );
    for (const i of [5, 6, 7]) {
      t.equal(await block(2, DEVICE, i), node2Blocks[i], `node2's block ${i} intact on node2`);
      t.equal(await block(1, '/dev/vda', i), node2Blocks[i], `node2's block ${i} on node1`);
    }
    t.not(await block(1, '/dev/vda', 4), node1Lost, "node1's write during the split was discarded");
    t.equal(await block(1, '/dev/vda', 4), await block(2, DEVICE, 4), 'block 4 the same on both');
    t.equal(await block(1, '/dev/vda', 0), node1Block[0], 'the data of case 1 is still there');
  });

  step('--execute with no split brain: refused, nothing run', async (t) => {
    const r = await ocfkit(2, RES, '--execute', '--yes');
    t.equal(r.code, 1);
    t.equal(r.stderr, 'ocfkit drbd split-brain: no split brain on this node (r0); nothing was run\n');
    t.same(cstates(await both(state)), ['Connected', 'Connected']);
  });

  /** Both nodes' outputs, as the unit tests read them (test/fixtures/drbd-8.4/<name>/nodeN/). */
  async function capture(name: string) {
    const commands: Record<string, string> = {
      drbdadm_get_gi: `drbdadm get-gi ${RES}`,
      drbdadm_show_gi: `drbdadm show-gi ${RES}`,
      drbdadm_dump: `drbdadm dump ${RES}`,
      drbdsetup_events2_all_now_stats: 'drbdsetup events2 --now --statistics all',
      dmesg_drbd: 'dmesg | grep -i drbd | tail -60',
    };
    for (const n of NODES) {
      const dir = join(CAPTURE!, name, `node${n}`);
      mkdirSync(dir, { recursive: true });
      for (const [file, command] of Object.entries(commands)) {
        const r = await lab.sh(n, command);
        writeFileSync(join(dir, `${file}.txt`), r.stdout + r.stderr);
      }
    }
  }
}
