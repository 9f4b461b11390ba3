// Proof 3 (issue 4): our ocf:ocfkit:drbd agent, the built executable dist/agents/drbd, drives real
// DRBD 8.4 in two qemu VMs (test/vm/README.md) through a promotable clone's whole life, the way
// Pacemaker calls it (OCF_RESKEY_* and CRM meta variables, one action per process):
//   no module and no meta data: probe 7, start loads the module but fails, stop cleans up;
//   create-md; start on both (twice); promote is refused without UpToDate data; the admin's
//   one-time `primary --force` and the initial sync (monitors while resyncing);
//   promote (twice); demote while the device is held open (fails, then succeeds when it is released
//   during the retries); promote the other way; notify; cut the link (monitor and scores react);
//   restore it (resync); a split brain (both Primary while cut, writes on both), reported by
//   monitor from DRBD's split-brain handler (our `split-brain-handler`) and from the kernel log,
//   resolved with the commands the agent printed; stop (twice); Debian's ocf-tester.
// At every step: exit codes (OCF 1.0: 0/7/8; with OCF_RA_VERSION 1.1: 190/191 when degraded),
// ocf-exit-reason, the promotion score the agent publishes (test/vm/stubs/crm_attribute keeps it in
// the VM's /ctl, which the host reads) against upstream's table
// (test/fixtures/pacemaker/upstream-drbd-score-table.md), and DRBD's own view (drbdadm role/cstate/dstate).
//
// Upstream semantics kept on purpose: the agent never creates meta data (`drbdadm create-md` is the
// admin's job) and never forces a promotion; the initial sync is started once by the admin with
// `drbdadm primary --force`, as with ocf:linbit:drbd.
//
// Needs test/vm/setup.sh once and a build (dist/agents/drbd) before it runs; a missing lab FAILS.
// ~4-5 min on 2 shared cores (most of it DRBD's own timers, node's start under qemu TCG, ocf-tester).
import t, { type Test } from 'tap';
import { declareBudget } from '../helpers/budget.js';
import { steps } from '../helpers/steps.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE, GUEST_PATH, Lab, NODES, PROJECT, RES, shq, vmLabReady, type DrbdState, type NodeId } from './lab.js';

declareBudget(t, 900); // this file's time limit, with a wide margin on a loaded 2-core machine
const AGENT = `${PROJECT}/dist/agents/drbd`;
const STUBS = `${PROJECT}/test/vm/stubs`;
const UPSTREAM = '/usr/lib/ocf/resource.d/linbit/drbd';
/** Where our split-brain handler leaves its record (the agent's default state directory). */
const RECORD = `/var/lib/ocfkit/drbd/${RES}.split-brain`;
const DTD = '/usr/share/resource-agents/ra-api-1.dtd';

/** The default timeouts of our meta-data (ms): what Pacemaker passes when the CIB sets none. */
const TIMEOUT_MS: Record<string, number> = {
  start: 240000,
  stop: 100000,
  promote: 90000,
  demote: 90000,
  notify: 90000,
  monitor: 20000,
  'validate-all': 30000,
};

if (!existsSync(AGENT)) t.fail(`${AGENT} is missing: build first (node scripts/build.mjs)`);
else if (vmLabReady(t)) await main();

async function main(): Promise<void> {
  const t0 = Date.now();
  const secs = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
  const lab = await Lab.up();
  t.teardown(() => lab.down());
  t.comment(`lab up in ${secs(t0)}s: ${lab.dir}`);
  const both = <T>(fn: (n: NodeId) => Promise<T>) => Promise.all(NODES.map(fn));
  const other = (n: NodeId): NodeId => (n === 1 ? 2 : 1);

  /** where agent() writes its one-line comments: the running step */
  let current: Test = t;
  const step = steps(t, {
    onStart: (running) => {
      current = running;
    },
  });

  // ---------------------------------------------------------------- the agent in the VMs

  /** Pacemaker's environment for the clone instance on node n. */
  const baseEnv = (n: NodeId): Record<string, string> => ({
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: 'drbd_r0',
    OCF_RESOURCE_TYPE: 'drbd',
    OCF_RESOURCE_PROVIDER: 'ocfkit',
    OCF_RESKEY_drbd_resource: RES,
    OCF_RESKEY_CRM_meta_clone_max: '2',
    OCF_RESKEY_CRM_meta_clone_node_max: '1',
    OCF_RESKEY_CRM_meta_promoted_max: '1',
    OCF_RESKEY_CRM_meta_promoted_node_max: '1',
    OCF_RESKEY_CRM_meta_notify: 'true',
    OCF_RESKEY_CRM_meta_on_node: `node${n}`,
    // the crm_attribute stand-in first: it records the promotion score in /ctl
    PATH: `${STUBS}:${GUEST_PATH}`,
  });
  const OCF11 = { OCF_RA_VERSION_MAJOR: '1', OCF_RA_VERSION_MINOR: '1' };

  interface AgentRun {
    code: number;
    stdout: string;
    stderr: string;
    /** the ocf-exit-reason line's text */
    reason?: string;
    ms: number;
    /** crm_attribute calls it made (lines of the stand-in's log) */
    calls: string[];
  }
  const stubLog = (n: NodeId) => {
    try {
      return readFileSync(join(lab.ctlDir(n), 'crm_attribute.log'), 'utf8');
    } catch {
      return '';
    }
  };
  /** The promotion score the agent published on node n; undefined = deleted / never set. */
  const score = (n: NodeId): number | undefined => {
    try {
      return Number(readFileSync(join(lab.ctlDir(n), 'promotion-score'), 'utf8').trim());
    } catch {
      return undefined;
    }
  };

  /** Run one action of our agent on node n; `before` / `after` run in the same guest shell around it. */
  async function agent(
    n: NodeId,
    action: string,
    o: { env?: Record<string, string>; timeoutMs?: number; before?: string; after?: string } = {},
  ): Promise<AgentRun> {
    const timeoutMs = o.timeoutMs ?? TIMEOUT_MS[action] ?? 20000;
    const env = { ...baseEnv(n), OCF_RESKEY_CRM_meta_timeout: String(timeoutMs), ...o.env };
    const log0 = stubLog(n).length;
    const s = Date.now();
    const run = o.after ? `${AGENT} ${shq(action)}; rc=$?\n${o.after}\nexit $rc` : `exec ${AGENT} ${shq(action)}`;
    const r = await lab.sh(n, `${o.before ?? ''}\n${run}`, { env, timeout: Math.ceil(timeoutMs / 1000) + 30 });
    const ms = Date.now() - s;
    const reason = /^ocf-exit-reason:(.*)$/m.exec(r.stderr)?.[1];
    const calls = stubLog(n).slice(log0).split('\n').filter(Boolean);
    const extra = Object.entries(o.env ?? {})
      .filter(([k]) => !k.startsWith('OCF_RA_VERSION'))
      .map(([k, v]) => `${k.replace(/^OCF_RESKEY_(CRM_meta_)?/, '')}=${v}`);
    current.comment(
      `node${n} ${action}${o.env?.OCF_RA_VERSION_MINOR ? ' (OCF 1.1)' : ''}${extra.length ? ` [${extra.join(' ')}]` : ''}` +
        ` -> ${r.code} in ${(ms / 1000).toFixed(1)}s, score ${score(n) ?? '-'}${reason ? `, reason: ${reason}` : ''}`,
    );
    return { ...r, reason, ms, calls };
  }

  interface MonitorExpectation {
    /** exit code as Pacemaker < 2.1 sees it (OCF 1.0) */
    code: number;
    /** exit code with OCF_RA_VERSION 1.1 (degraded codes); default: code */
    code11?: number;
    /** the published score; undefined = removed */
    score: number | undefined;
    /** the ocf-exit-reason, when there is one (with OCF 1.1 always when degraded) */
    reason?: RegExp;
    /** the reason also with OCF 1.0, where the code cannot say it (a split brain is never silent) */
    reasonAlways?: boolean;
    /** nothing on stderr at all (a clean monitor) */
    quiet?: boolean;
  }
  /** A probe (OCF 1.0 environment) and a recurring monitor (OCF 1.1) on node n, with their checks. */
  async function expectMonitor(t: Test, n: NodeId, e: MonitorExpectation): Promise<void> {
    const probe = await agent(n, 'monitor', { env: { OCF_RESKEY_CRM_meta_interval: '0' } });
    t.equal(probe.code, e.code, `node${n}: probe -> ${e.code}`);
    t.equal(score(n), e.score, `node${n}: score ${e.score ?? 'removed'}`);
    if (e.score === undefined) t.match(probe.calls.at(-1), /--promotion .*-D$/, `node${n}: the monitor removed the score`);
    else t.match(probe.calls.at(-1), new RegExp(`--promotion .*-v ${e.score}$`), `node${n}: the monitor set the score`);
    const code11 = e.code11 ?? e.code;
    const interval = code11 === 8 || code11 === 191 ? '10000' : '20000';
    const rec = await agent(n, 'monitor', { env: { ...OCF11, OCF_RESKEY_CRM_meta_interval: interval } });
    t.equal(rec.code, code11, `node${n}: recurring monitor with OCF 1.1 -> ${code11}`);
    t.equal(score(n), e.score, `node${n}: still score ${e.score ?? 'removed'}`);
    if (e.reason) {
      t.match(rec.reason, e.reason, `node${n}: ocf-exit-reason`);
      if (e.reasonAlways) t.match(probe.reason, e.reason, `node${n}: the same ocf-exit-reason with OCF 1.0`);
      else if (e.code === 0 || e.code === 8) t.equal(probe.reason, undefined, `node${n}: no ocf-exit-reason for ${e.code} with OCF 1.0`);
    } else {
      t.equal(rec.reason, undefined, `node${n}: no ocf-exit-reason`);
    }
    if (e.quiet) t.same([probe.stderr, rec.stderr], ['', ''], `node${n}: nothing on stderr`);
  }

  const state = (n: NodeId) => lab.drbdState(n);
  /** Poll drbdadm role/cstate/dstate on both nodes until `want` holds. */
  const waitState = (what: string, want: (s: [DrbdState, DrbdState]) => boolean, timeout = 90) =>
    lab.waitFor(
      what,
      async () => {
        const s = (await both(state)) as [DrbdState, DrbdState];
        return want(s) ? s : undefined;
      },
      timeout,
      0.5,
    );
  // md5 of one 4 KiB block, read with O_DIRECT (no stale page cache)
  const block = async (n: NodeId, dev: string, i: number) =>
    (await lab.sh(n, `dd if=${dev} bs=4096 skip=${i} count=1 iflag=direct status=none | md5sum`)).stdout.split(' ')[0] ?? '';
  const writeBlock = async (n: NodeId, i: number) => {
    await lab.ok(n, ['dd', 'if=/dev/urandom', `of=${DEVICE}`, 'bs=4096', `seek=${i}`, 'count=1', 'oflag=direct', 'status=none']);
    return block(n, DEVICE, i);
  };

  // ---------------------------------------------------------------- the steps

  step('the agent under test and the DRBD configuration in both VMs', async (t) => {
    // One consistent build for the whole test, even if someone rebuilds dist/ meanwhile: a copy
    // through the uncached /ctl share, bind-mounted over the agent's own path in each VM (so the
    // path in the split-brain handler below is the real one).
    const built = statSync(AGENT).mtime.toISOString();
    const bytes = readFileSync(AGENT);
    const sha = createHash('sha256').update(bytes).digest('hex');
    t.comment(`agent ${AGENT}: sha256 ${sha.slice(0, 16)}, built ${built}`);
    for (const n of NODES) writeFileSync(join(lab.ctlDir(n), 'drbd-agent'), bytes);
    const guestSha = await both((n) =>
      lab.ok(n, [
        'sh',
        '-c',
        `install -D -m 755 /ctl/drbd-agent /run/ocfkit/drbd && mount --bind /run/ocfkit/drbd ${AGENT} && sha256sum ${AGENT}`,
      ]),
    );
    t.same(
      guestSha.map((s) => s.split(' ')[0]),
      [sha, sha],
      'both VMs run exactly this build',
    );
    t.match(await lab.ok(1, ['cat', '/proc/drbd']), /^version: 8\.4\./, 'DRBD 8.4 kernel module');

    // DRBD runs our handler when it detects a split brain (handlers { split-brain ...; }).
    const conf = await lab.ok(1, ['cat', '/etc/drbd.d/r0.res']);
    const withHandler = conf.replace(/\n}\s*$/, `\n  handlers { split-brain "${AGENT} split-brain-handler"; }\n}\n`);
    t.not(withHandler, conf);
    await both((n) => lab.writeFile(n, '/etc/drbd.d/r0.res', withHandler));
    const handlerLine = new RegExp(`split-brain\\s+"${AGENT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} split-brain-handler";`);
    for (const n of NODES) t.match(await lab.ok(n, ['drbdadm', 'dump', RES]), handlerLine, `node${n}: handler configured`);
  });

  step('no module, no meta data: probe 7, validate-all, start loads the module but fails, stop', async (t) => {
    // node1 as after a reboot: the DRBD module not loaded yet (start loads it)
    await lab.ok(1, ['rmmod', 'drbd']);
    t.equal((await lab.exec(1, ['test', '-e', '/proc/drbd'])).code, 1, 'node1: no DRBD module');
    await both(async (n) => {
      const probe = await agent(n, 'monitor', { env: { OCF_RESKEY_CRM_meta_interval: '0' } });
      t.equal(probe.code, 7, `node${n}: probe -> 7 (not running)`);
      t.equal(score(n), undefined, `node${n}: no score`);
      t.match(probe.calls, [/^drbd_r0 --promotion .*-D$/], `node${n}: the probe removed the score`);
      t.equal((await agent(n, 'validate-all')).code, 0, `node${n}: validate-all -> 0`);
    });
    const wrong = await agent(1, 'validate-all', { env: { OCF_RESKEY_drbd_resource: 'r9' } });
    t.equal(wrong.code, 5, 'validate-all of a resource this node does not have -> 5 (not installed here)');
    t.match(wrong.reason, /r9 is not in \/etc\/drbd.conf/);

    // The agent does not create meta data (upstream does not either): start fails with DRBD's reason.
    const start = await agent(1, 'start');
    t.equal(start.code, 1, 'start without meta data -> 1');
    t.match(await lab.ok(1, ['cat', '/proc/drbd']), /^version: 8\.4\./, 'start loaded the DRBD module');
    t.match(start.reason, /drbdadm up r0 failed: .*No valid meta data found/);
    // DRBD 8.4 leaves the minor behind, Diskless; Pacemaker stops a failed start.
    await expectMonitor(t, 1, { code: 0, code11: 190, score: undefined, reason: /r0: volume 0 disk is Diskless/ });
    const stop = await agent(1, 'stop');
    t.equal(stop.code, 0, 'stop after the failed start -> 0');
    t.equal((await lab.exec(1, ['drbdadm', 'role', RES])).code, 10, 'minor gone (drbdadm role exits 10)');
    t.equal((await agent(1, 'monitor', { env: { OCF_RESKEY_CRM_meta_interval: '0' } })).code, 7, 'probe -> 7 again');
  });

  step('create-md (admin), start on both: Connected, Inconsistent, no scores', async (t) => {
    for (const r of await both((n) => lab.exec(n, ['drbdadm', 'create-md', '--force', RES]))) {
      t.equal(r.code, 0, 'create-md');
    }
    // Emulated VMs on a loaded 2-core machine take several seconds to connect: give the start the
    // wait an admin of slow nodes would set, and check that it used it (connected when it returned).
    const wfc = { OCF_RESKEY_wfc_timeout: '40' };
    const starts = await both((n) => agent(n, 'start', { env: wfc }));
    t.same(
      starts.map((r) => r.code),
      [0, 0],
      'start on both -> 0',
    );
    t.ok(
      starts.every((r) => r.ms < 40000 + 20000),
      'within wfc_timeout + overhead',
    );
    t.same(
      await both(state),
      NODES.map(() => ({ role: 'Secondary/Secondary', cstate: 'Connected', dstate: 'Inconsistent/Inconsistent' })),
      'connected while the start waited for the peer (wfc_timeout)',
    );
    await both((n) => expectMonitor(t, n, { code: 0, code11: 190, score: undefined, reason: /^r0: volume 0 disk is Inconsistent$/ }));
    const again = await agent(1, 'start', { env: wfc });
    t.equal(again.code, 0, 'start on a started resource -> 0');
    t.equal((await state(1)).cstate, 'Connected', 'still connected after the second start (adjust)');
  });

  step('promote is refused without UpToDate data (no --force, as upstream)', async (t) => {
    const r = await agent(1, 'promote');
    t.equal(r.code, 1, 'promote -> 1');
    t.match(r.reason, /refusing to promote without access to UpToDate data: .*Need access to UpToDate data/);
    t.ok(r.ms < 30000, `gave up at once instead of retrying for the whole timeout (${r.ms} ms of ${TIMEOUT_MS.promote})`);
    t.equal((await state(1)).role, 'Secondary/Secondary');
  });

  step('initial sync (admin: drbdadm primary --force): monitors while resyncing, then in sync', async (t) => {
    // slow the resync down so that its states can be looked at; `adjust` restores the configured rate
    await both((n) => lab.ok(n, ['drbdsetup', 'disk-options', '1', '--resync-rate=1M']));
    await lab.ok(1, ['drbdadm', 'primary', '--force', RES]);
    await waitState('SyncSource/SyncTarget', ([a, b]) => a.cstate === 'SyncSource' && b.cstate === 'SyncTarget', 60);
    await expectMonitor(t, 1, { code: 8, code11: 191, score: 10000, reason: /^r0: volume 0 SyncSource with the peer$/ });
    await expectMonitor(t, 2, {
      code: 0,
      code11: 190,
      score: 10,
      reason: /^r0: volume 0 disk is Inconsistent; volume 0 SyncTarget with the peer$/,
    });
    await both((n) => lab.ok(n, ['drbdadm', 'adjust', RES]));
    const s = Date.now();
    await waitState('UpToDate/UpToDate', ([a, b]) => a.dstate === 'UpToDate/UpToDate' && b.dstate === 'UpToDate/UpToDate', 120);
    t.comment(`rest of the initial sync: ${secs(s)}s`);
    t.same(await both(state), [
      { role: 'Primary/Secondary', cstate: 'Connected', dstate: 'UpToDate/UpToDate' },
      { role: 'Secondary/Primary', cstate: 'Connected', dstate: 'UpToDate/UpToDate' },
    ]);
    await expectMonitor(t, 1, { code: 8, score: 10000, quiet: true });
    await expectMonitor(t, 2, { code: 0, score: 10000, quiet: true });
    const again = await agent(1, 'promote');
    t.equal(again.code, 0, 'promote on a Primary -> 0');
    t.equal((await state(1)).role, 'Primary/Secondary');
  });

  step('demote while the device is held open: fails, then succeeds when it is released', async (t) => {
    // a process holding /dev/drbd1 open until /run/release appears
    await lab.sh(1, `rm -f /run/release; setsid sh -c 'while [ ! -e /run/release ]; do sleep 0.2; done' < ${DEVICE} > /dev/null 2>&1 &`);
    const manual = await lab.exec(1, ['drbdadm', 'secondary', RES]);
    t.equal(manual.code, 11, 'drbdadm secondary itself is refused');
    t.match(manual.stderr, /Device is held open by someone/);
    const short = await agent(1, 'demote', { timeoutMs: 5000 });
    t.equal(short.code, 1, 'demote with a 5 s timeout -> 1');
    t.match(short.reason, /^drbdadm secondary r0 failed: .*Device is held open by someone/);
    t.ok(short.ms < 5000, `gave up within its timeout (${short.ms} ms)`);
    t.equal((await state(1)).role, 'Primary/Secondary', 'still Primary');
    // the holder goes away 4 s into the next demote, while it retries
    const r = await agent(1, 'demote', { before: '(sleep 4; : > /run/release) > /dev/null 2>&1 &' });
    t.equal(r.code, 0, 'demote -> 0 once the device is released');
    t.ok(r.ms >= 4000, `it waited for the release (${r.ms} ms)`);
    t.equal((await state(1)).role, 'Secondary/Secondary');
    const again = await agent(1, 'demote');
    t.equal(again.code, 0, 'demote on a Secondary -> 0');
    await both((n) => expectMonitor(t, n, { code: 0, score: 10000, quiet: true }));
  });

  step('promote the other way (node2), notify, the peer-Primary options', async (t) => {
    const r = await agent(2, 'promote');
    t.equal(r.code, 0, 'node2: promote -> 0');
    t.same(
      (await both(state)).map((s) => s.role),
      ['Secondary/Primary', 'Primary/Secondary'],
    );
    await expectMonitor(t, 2, { code: 8, score: 10000, quiet: true });
    await expectMonitor(t, 1, { code: 0, score: 10000, quiet: true });
    // upstream score table: no score on a Secondary connected to a healthy Primary with this option
    const removed = await agent(1, 'monitor', {
      env: { OCF_RESKEY_remove_master_score_if_peer_primary: 'true', OCF_RESKEY_CRM_meta_interval: '20000' },
    });
    t.equal(removed.code, 0);
    t.equal(score(1), undefined, 'remove_master_score_if_peer_primary=true: score removed');
    const notify = await agent(1, 'notify', {
      env: {
        OCF_RESKEY_CRM_meta_notify_type: 'post',
        OCF_RESKEY_CRM_meta_notify_operation: 'promote',
        OCF_RESKEY_CRM_meta_notify_promote_uname: 'node2',
        OCF_RESKEY_CRM_meta_notify_promoted_uname: 'node2',
        OCF_RESKEY_CRM_meta_notify_unpromoted_uname: 'node1',
        OCF_RESKEY_CRM_meta_notify_active_uname: 'node1 node2',
      },
    });
    t.equal(notify.code, 0, 'node1: notify post-promote -> 0');
    t.equal(score(1), 10000, 'notify refreshed the score');
    const early = await agent(1, 'promote', { env: { OCF_RESKEY_fail_promote_early_if_peer_primary: 'true' } });
    t.equal(early.code, 1, 'node1: promote while node2 is Primary, fail_promote_early_if_peer_primary -> 1');
    t.match(early.reason, /still Primary; not retrying/);
    t.ok(early.ms < 20000, `at once (${early.ms} ms)`);
    t.equal((await state(1)).role, 'Secondary/Primary');
  });

  let node2Block1 = '';
  step('cut the link: degraded codes, node1 score 1000', async (t) => {
    await lab.cutLink();
    const s = Date.now();
    await waitState('WFConnection on both', ([a, b]) => a.cstate === 'WFConnection' && b.cstate === 'WFConnection', 90);
    t.comment(`link loss noticed after ${secs(s)}s`);
    t.same(await both(state), [
      { role: 'Secondary/Unknown', cstate: 'WFConnection', dstate: 'UpToDate/DUnknown' },
      { role: 'Primary/Unknown', cstate: 'WFConnection', dstate: 'UpToDate/DUnknown' },
    ]);
    node2Block1 = await writeBlock(2, 1);
    await expectMonitor(t, 2, { code: 8, code11: 191, score: 10000, reason: /^r0: the peer is Connecting$/ });
    await expectMonitor(t, 1, { code: 0, code11: 190, score: 1000, reason: /^r0: the peer is Connecting$/ });
  });

  step('restore the link: resync, clean monitors, scores back to 10000', async (t) => {
    await lab.restoreLink();
    const s = Date.now();
    await waitState(
      'Connected + UpToDate/UpToDate',
      ([a, b]) => [a, b].every((x) => x.cstate === 'Connected' && x.dstate === 'UpToDate/UpToDate'),
      120,
    );
    t.comment(`reconnected and resynced after ${secs(s)}s`);
    t.equal(await block(1, '/dev/vda', 1), node2Block1, 'the block written while cut reached node1');
    await expectMonitor(t, 1, { code: 0, score: 10000, quiet: true });
    await expectMonitor(t, 2, { code: 8, score: 10000, quiet: true });
  });

  let reason = '';
  const written: Partial<Record<NodeId, string>> = { 1: '', 2: '' };
  step('split brain: both Primary while cut, writes on both, link back: reported by every monitor', async (t) => {
    await lab.cutLink();
    await waitState('WFConnection on both', ([a, b]) => a.cstate === 'WFConnection' && b.cstate === 'WFConnection', 90);
    const p = await agent(1, 'promote');
    t.equal(p.code, 0, 'node1: promote while the peer is unreachable -> 0');
    t.same(
      (await both(state)).map((s) => s.role),
      ['Primary/Unknown', 'Primary/Unknown'],
      'both Primary',
    );
    written[1] = await writeBlock(1, 2);
    written[2] = await writeBlock(2, 3);
    await lab.restoreLink();
    const s = Date.now();
    await waitState('StandAlone on both (split brain detected)', ([a, b]) => a.cstate === 'StandAlone' && b.cstate === 'StandAlone', 120);
    t.comment(`split brain detected after ${secs(s)}s`);
    for (const n of NODES) {
      t.match(await lab.ok(n, ['dmesg']), /Split-Brain detected but unresolved, dropping connection/, `node${n}: DRBD says so`);
      const record = await lab.exec(n, ['cat', RECORD]);
      t.equal(record.code, 0, `node${n}: our split-brain handler left ${RECORD}`);
      t.match(record.stdout, new RegExp(`^\\S+ peer=node${other(n)}\\n`), `node${n}: the record names the peer`);
    }
    const sb =
      /^r0: split brain with the peer; on the node whose changes are to be discarded run "drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0", then on the other "drbdadm connect r0"$/;
    // upstream's table: Primary/UpToDate, StandAlone -> 10000
    await both((n) => expectMonitor(t, n, { code: 8, code11: 191, score: 10000, reason: sb, reasonAlways: true }));
    // the record is evidence of its own: with the kernel log cleared, monitor still knows
    await lab.ok(1, ['dmesg', '-C']);
    const fromRecord = await agent(1, 'monitor', { env: { OCF_RESKEY_CRM_meta_interval: '10000' } });
    t.equal(fromRecord.code, 8);
    t.match(fromRecord.reason, sb, "node1: reported from the handler's record alone");
    // and the kernel log is evidence of its own (a split brain before the handler was configured)
    const kernelOnly = await agent(2, 'monitor', {
      env: { OCF_RESKEY_CRM_meta_interval: '10000' },
      before: `mv ${RECORD} /run/record.away`,
      after: `mv /run/record.away ${RECORD}`,
    });
    t.match(kernelOnly.reason, sb, 'node2: reported from the kernel log alone');
    t.equal((await lab.exec(2, ['test', '-e', RECORD])).code, 0, 'node2: record put back');
    reason = fromRecord.reason ?? '';
  });

  step('resolve it with the commands the agent printed: clean monitors', async (t) => {
    const m = /on the node whose changes are to be discarded run "([^"]+)", then on the other "([^"]+)"/.exec(reason);
    t.ok(m, 'the reason has both command lists');
    if (!m) return;
    // node1 (promoted during the split) is the victim; node2 keeps its data
    const victim = await lab.sh(1, m[1]!);
    t.equal(victim.code, 0, `node1: ${m[1]}`);
    t.comment(`victim output: ${JSON.stringify(victim.stdout + victim.stderr)}`);
    const survivor = await lab.sh(2, m[2]!);
    t.equal(survivor.code, 0, `node2: ${m[2]}`);
    const s = Date.now();
    await waitState(
      'Connected + UpToDate/UpToDate',
      ([a, b]) => [a, b].every((x) => x.cstate === 'Connected' && x.dstate === 'UpToDate/UpToDate'),
      120,
    );
    t.comment(`resolved and resynced after ${secs(s)}s`);
    t.same(
      (await both(state)).map((s) => s.role),
      ['Secondary/Primary', 'Primary/Secondary'],
    );
    await expectMonitor(t, 1, { code: 0, score: 10000, quiet: true });
    await expectMonitor(t, 2, { code: 8, score: 10000, quiet: true });
    for (const n of NODES) t.not((await lab.exec(n, ['test', '-e', RECORD])).code, 0, `node${n}: the record is gone once connected`);
    t.equal(await block(1, '/dev/vda', 3), written[2], "node2's write during the split is on node1");
    t.not(await block(1, '/dev/vda', 2), written[1], "node1's write during the split was discarded");
    t.equal(await block(1, '/dev/vda', 2), await block(2, DEVICE, 2), 'block 2 the same on both');
  });

  step('demote and stop (twice each): not running, no score', async (t) => {
    t.equal((await agent(2, 'demote')).code, 0, 'node2: demote -> 0');
    t.equal((await agent(2, 'demote')).code, 0, 'node2: demote again -> 0');
    const stops = await both((n) => agent(n, 'stop'));
    t.same(
      stops.map((r) => r.code),
      [0, 0],
      'stop on both -> 0',
    );
    const again = await both((n) => agent(n, 'stop'));
    t.same(
      again.map((r) => r.code),
      [0, 0],
      'stop on stopped -> 0',
    );
    for (const n of NODES) {
      t.equal((await lab.exec(n, ['drbdadm', 'role', RES])).code, 10, `node${n}: minor gone`);
      t.match(again[n - 1]!.calls, [/--promotion .*-D$/], `node${n}: stop removes the score`);
    }
    await both((n) => expectMonitor(t, n, { code: 7, score: undefined, quiet: true }));
  });

  step("ocf-tester (resource-agents) passes on node1; the meta-data DTD check, ours and upstream's", async (t) => {
    const [tester, dtd] = await Promise.all([
      lab.sh(1, `ocf-tester -v -n drbd_r0 -o drbd_resource=${RES} ${AGENT}`, { env: { PATH: `${STUBS}:${GUEST_PATH}` }, timeout: 400 }),
      lab.sh(
        2,
        `export OCF_ROOT=/usr/lib/ocf
        for a in ${AGENT} ${UPSTREAM}; do $a meta-data | xmllint --noout --dtdvalid ${DTD} - > /dev/null 2>&1; echo "$a $?"; done`,
      ),
    ]);
    // the whole output in the log, the meta-data it prints folded into one line
    const out = `${tester.stdout}${tester.stderr}`.replace(
      /<\?xml[\s\S]*?<\/resource-agent>\n?/,
      (x) => `[meta-data: ${x.split('\n').length} lines]\n`,
    );
    t.comment(`ocf-tester exit ${tester.code}:\n${out}`);
    t.equal(tester.code, 0, 'ocf-tester exit 0');
    t.match(tester.stdout, /passed all tests/);
    t.notMatch(out, /does not conform to ra-api-1\.dtd/);
    t.same(dtd.stdout.trim().split('\n'), [`${AGENT} 0`, `${UPSTREAM} 3`], "ours is valid against ra-api-1.dtd, upstream's is not");
    t.equal((await lab.exec(1, ['drbdadm', 'role', RES])).code, 10, 'ocf-tester stopped it again');
  });

  step('down: no qemu left', async (t) => {
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
    t.comment(`whole VM test: ${secs(t0)}s`);
  });
}
