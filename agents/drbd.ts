// ocf:ocfkit:drbd — one DRBD resource as a promotable clone, a drop-in for ocf:linbit:drbd
// (same parameters, defaults and promotion scores). Works with DRBD 8.4 and 9 kernels alike:
// state is read with `drbdsetup events2 --now`, which drbd-utils 9 speaks to both.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { defineAgent, exitReason, type ActionContext } from '../lib/agent-runtime/ocf/agent.js';
import { OCF, configError, genericError, installError, type OcfCode } from '../lib/agent-runtime/ocf/codes.js';
import type { ParamSpec } from '../lib/agent-runtime/ocf/params.js';
import {
  markSplitBrains,
  monitorVerdictFor,
  parseAdjustMasterScore,
  parseEvents2,
  parseProcDrbdVersion,
  peerLabel,
  promotionScoreFor,
  splitBrainSteps,
  unresolvedSplitBrainsInKernelLog,
  type Connection,
  type DrbdState,
} from '../lib/agent-runtime/drbd/index.js';
import { compareVersions, formatVersion, parseVersion } from '../lib/agent-runtime/drbd/version.js';
import { drbdadm, kernelLog, kernelModuleLoaded, modprobeDrbd, procDrbdText, readDrbdEvents } from '../lib/agent-runtime/sys/drbd.js';
import { setPromotionScore } from '../lib/agent-runtime/sys/pacemaker.js';
import { failureText, type RunResult } from '../lib/agent-runtime/sys/run.js';
import { which } from '../lib/agent-runtime/sys/which.js';
import { setTimeout as sleep } from 'node:timers/promises';

const versionOrEmpty = (v: string) => (v === '' || parseVersion(v) ? undefined : 'must be a version x.y.z (or empty to skip the check)');

// Every action reads its parameters afresh, so every one but drbd_resource can change with a
// reload (as with ocf:linbit:drbd); drbd_resource is unique="1", which makes Pacemaker restart.
const parameters = [
  {
    name: 'drbd_resource',
    type: 'string',
    required: true,
    unique: true,
    check: (v) => (/^[A-Za-z0-9_.+-]+$/.test(v) ? undefined : 'is not a DRBD resource name'),
    shortdesc: 'DRBD resource name',
    longdesc: 'The name of the DRBD resource, as in the DRBD configuration (resource r0 { ... }).',
  },
  {
    name: 'drbdconf',
    type: 'string',
    default: '/etc/drbd.conf',
    reloadable: true,
    check: (v) => (v.startsWith('/') ? undefined : 'must be an absolute path'),
    shortdesc: 'DRBD configuration file',
    longdesc: 'Full path to the DRBD configuration file drbdadm reads.',
  },
  {
    name: 'adjust_master_score',
    type: 'string',
    default: '0 10 1000 10000',
    reloadable: true,
    // Checked in validate (validate-all, start, reload), not here: a check here would fail every
    // action, monitor included, where upstream uses the default scores (upstream score table).
    shortdesc: 'promotion scores for the data states',
    longdesc:
      'Four non-decreasing scores, separated by spaces: (1) only Consistent data is reachable; ' +
      "(2) only a peer has UpToDate data; (3) Secondary with UpToDate data but some peer's data unknown; " +
      '(4) UpToDate and Primary, or UpToDate with every peer known. The first is 0 by default so that ' +
      'Pacemaker does not promote data that may be stale; configure fencing instead of raising it.',
  },
  {
    name: 'stop_outdates_secondary',
    type: 'boolean',
    default: false,
    reloadable: true,
    shortdesc: 'mark a stopped Secondary Outdated while a Primary runs',
    longdesc:
      "When a Secondary is stopped while a Primary is known to run (connected peer, or Pacemaker's " +
      'notify list of promoted nodes), mark its data Outdated in the DRBD meta data after bringing it down, ' +
      'so it cannot be promoted with stale data later.',
  },
  {
    name: 'ignore_missing_notifications',
    type: 'boolean',
    default: false,
    reloadable: true,
    shortdesc: 'allow the clone without notify=true',
    longdesc:
      'The agent relies on notifications (notify=true on the clone) to keep promotion scores current; ' +
      'without them start fails with a configuration error unless this is true.',
  },
  {
    name: 'wfc_timeout',
    type: 'integer',
    default: 5,
    reloadable: true,
    check: (v) => (Number(v) >= 0 ? undefined : 'must be 0 or more seconds'),
    shortdesc: 'seconds to wait for the peers on start',
    longdesc:
      'After bringing the resource up on start, wait at most this many seconds for the connections ' +
      'to the peers to be established (not an error if they are not).',
  },
  {
    name: 'remove_master_score_if_peer_primary',
    type: 'string',
    default: 'false',
    reloadable: true,
    choices: ['true', 'false', 'yes', 'no', '1', '0', 'unexpected'],
    shortdesc: 'no promotion score while connected to a Primary',
    longdesc:
      'true: publish no promotion score while DRBD is connected to a Primary peer with UpToDate data, ' +
      'so that a Pacemaker split brain cannot promote here while DRBD still replicates from there. ' +
      'unexpected: only when Pacemaker knows of no promoted instance (a Primary outside its control).',
  },
  {
    name: 'fail_promote_early_if_peer_primary',
    type: 'boolean',
    default: false,
    reloadable: true,
    shortdesc: 'fail promote at once while a peer is Primary',
    longdesc:
      'With promoted-max=1, give up a promote at once (instead of retrying until the timeout) ' +
      'when DRBD is still connected to a Primary peer.',
  },
  {
    name: 'unfence_if_all_uptodate',
    type: 'boolean',
    default: false,
    reloadable: true,
    shortdesc: 'remove stale fencing constraints once all is UpToDate',
    longdesc:
      'After a notification, when every volume and every peer is UpToDate, run `drbdadm unfence-peer` ' +
      'so that a stale fencing constraint left by crm-fence-peer is removed.',
  },
  {
    name: 'unfence_extra_args',
    type: 'string',
    default: '--quiet --flock-required --flock-timeout 0 --unfence-only-if-owner-match',
    reloadable: true,
    shortdesc: 'extra arguments for the unfence handler',
    longdesc: 'Passed to the unfence handler in OCF_RESKEY_unfence_extra_args (it reads them from there).',
  },
  {
    name: 'require_drbd_module_version_ge',
    type: 'string',
    default: '8.0.0',
    check: versionOrEmpty,
    reloadable: true,
    shortdesc: 'lowest DRBD kernel module version accepted',
    longdesc:
      'Fail (OCF_ERR_INSTALLED) when the loaded DRBD module is older than this version, e.g. 9.0.16 ' +
      'to insist on DRBD 9. Empty skips the check.',
  },
  {
    name: 'require_drbd_module_version_lt',
    type: 'string',
    default: '10.0.0',
    check: versionOrEmpty,
    reloadable: true,
    shortdesc: 'DRBD kernel module versions from this one on are refused',
    longdesc:
      'Fail (OCF_ERR_INSTALLED) when the loaded DRBD module is this version or newer, e.g. 9.0.0 to ' +
      'insist on DRBD 8.4. Empty skips the check.',
  },
  {
    name: 'connect_only_after_promote',
    type: 'boolean',
    default: false,
    reloadable: true,
    shortdesc: 'stay disconnected until promoted',
    longdesc:
      'For stacked set-ups without fencing on the lower layer: keep the resource disconnected until it ' +
      'is promoted, then connect (drbdadm adjust).',
  },
] as const satisfies readonly ParamSpec[];

type Ctx = ActionContext<typeof parameters>;

/** Where the split-brain handler leaves its record for the monitor (it survives a reboot, as the split brain does). */
const stateDir = (env: NodeJS.ProcessEnv) => env.OCFKIT_STATE_DIR || '/var/lib/ocfkit/drbd';
const splitBrainRecord = (env: NodeJS.ProcessEnv, resource: string) => `${stateDir(env)}/${resource}.split-brain`;

// ---------------------------------------------------------------- reading the state

type Observation = { configured: false } | { configured: true; state: DrbdState };

/** This node's view of the resource; throws OcfError when it cannot be read at all. */
async function observe(ctx: Ctx): Promise<Observation> {
  const resource = ctx.params.drbd_resource;
  const read = await readDrbdEvents(resource, budget(ctx, 15000));
  if (read.notInstalled) {
    // A probe where DRBD is not installed: the resource is simply not running here.
    if (ctx.meta.isProbe || ctx.action === 'stop') return { configured: false };
    throw installError(read.error!);
  }
  if (read.unconfigured) return { configured: false };
  if (read.error) throw genericError(read.error);
  const parsed = parseEvents2(read.text!);
  if (!parsed.ok) throw genericError(`cannot understand drbdsetup events2 output: ${parsed.reason}`);
  const state = parsed.resources.find((r) => r.name === resource);
  if (!state) return { configured: false };
  return { configured: true, state: await withSplitBrainEvidence(ctx, state) };
}

/**
 * A status snapshot cannot tell a split brain from an admin's disconnect: both leave the
 * connection StandAlone. Our split-brain handler's record and the kernel log can.
 */
async function withSplitBrainEvidence(ctx: Ctx, state: DrbdState): Promise<DrbdState> {
  const record = splitBrainRecord(ctx.env, state.name);
  const standAlone = state.connections.filter((c) => c.state === 'StandAlone');
  if (standAlone.length === 0) {
    // Connected again: the split brain was resolved; forget our record of it.
    if (existsSync(record)) rmSync(record, { force: true });
    return state;
  }
  let recorded = '';
  try {
    recorded = readFileSync(record, 'utf8');
  } catch {
    // no record
  }
  if (recorded) {
    const peers = recorded
      .split('\n')
      .map((l) => /peer=(\S*)/.exec(l)?.[1])
      .filter((p): p is string => p !== undefined);
    return {
      ...state,
      connections: state.connections.map((c) =>
        c.state === 'StandAlone' && (peers.includes('') || peers.includes(c.name) || state.connections.length === 1)
          ? { ...c, splitBrain: true }
          : c,
      ),
    };
  }
  return markSplitBrains(state, unresolvedSplitBrainsInKernelLog(await kernelLog(2000)));
}

// ---------------------------------------------------------------- promotion score

async function publishPromotionScore(ctx: Ctx, state: DrbdState | undefined): Promise<void> {
  const p = ctx.params;
  const removeIfPeerPrimary =
    p.remove_master_score_if_peer_primary === 'unexpected'
      ? ('unexpected' as const)
      : ['true', 'yes', '1'].includes(p.remove_master_score_if_peer_primary);
  const adjusted = parseAdjustMasterScore(p.adjust_master_score);
  if (adjusted.problem) ctx.log.warn(adjusted.problem);
  const decision = promotionScoreFor(state, {
    scores: adjusted.scores,
    removeIfPeerPrimary,
    promotedMax: ctx.meta.promotedMax ?? 1,
    pacemakerKnowsPromotedInstance: ctx.meta.notify.unames.promoted.length > 0,
  });
  if (decision.action === 'keep') return;
  const score = decision.action === 'set' ? decision.score : undefined;
  const r = await setPromotionScore(score, budget(ctx, 10000));
  // Outside a cluster (ocf-tester, crm_resource --force-*) there is no attribute daemon: not an error of ours.
  if (r.exitCode !== 0)
    ctx.log.warn(
      `could not ${score === undefined ? 'remove' : `set`} the promotion score${score === undefined ? '' : ` ${score}`}: ${r.stderr.trim() || `exit ${r.exitCode}`}`,
    );
  else ctx.log.debug(`promotion score ${score ?? 'removed'}: ${decision.reason}`);
}

// ---------------------------------------------------------------- validate

async function validate(ctx: Ctx): Promise<void> {
  const p = ctx.params;
  if (ctx.meta.isClone && ctx.env.OCF_RESKEY_CRM_meta_notify !== 'true' && !p.ignore_missing_notifications) {
    throw configError('the drbd clone needs notifications: set meta notify=true on it (or ignore_missing_notifications=true)');
  }
  if ((ctx.meta.promotedMax ?? 1) > 2) throw configError('promoted-max above 2 makes no sense for DRBD (at most two Primaries)');
  const scoreProblem = parseAdjustMasterScore(p.adjust_master_score).problem;
  if (scoreProblem) throw configError(scoreProblem.replace(/; using the default$/, ''));
  if (!which('drbdadm') || !which('drbdsetup')) throw installError('drbdadm/drbdsetup not found (install drbd-utils)');
  if (!existsSync(p.drbdconf)) throw installError(`DRBD configuration ${p.drbdconf} does not exist on this node`);
  const dump = await drbdadm(p.drbdconf, ['dump', p.drbd_resource], budget(ctx, 10000));
  if (dump.exitCode !== 0) throw installError(`resource ${p.drbd_resource} is not in ${p.drbdconf} on this node: ${failureText(dump)}`);
  checkModuleVersion(ctx);
}

/** Only when the module is loaded: before start loads it, there is nothing to compare. */
function checkModuleVersion(ctx: Ctx): void {
  const text = procDrbdText();
  if (!text) return;
  const loaded = parseProcDrbdVersion(text);
  if (!loaded.ok) return;
  const version = loaded.version;
  const { require_drbd_module_version_ge: ge, require_drbd_module_version_lt: lt } = ctx.params;
  if (ge && compareVersions(version, ge) < 0)
    throw installError(`DRBD module ${formatVersion(version)} is older than require_drbd_module_version_ge=${ge}`);
  if (lt && compareVersions(version, lt) >= 0)
    throw installError(`DRBD module ${formatVersion(version)} is not older than require_drbd_module_version_lt=${lt}`);
}

// ---------------------------------------------------------------- monitor

async function monitor(ctx: Ctx): Promise<OcfCode> {
  const seen = await observe(ctx);
  const state = seen.configured ? seen.state : undefined;
  await publishPromotionScore(ctx, state);
  if (!state) return OCF.NOT_RUNNING;
  const verdict = monitorVerdictFor(state, { degradedCodes: pacemakerUnderstandsDegraded(ctx.env) });
  const problems = [...verdict.degradations, ...bothPrimary(ctx, state)];
  const code = (
    verdict.code === OCF.RUNNING_PROMOTED && problems.length > 0 && pacemakerUnderstandsDegraded(ctx.env)
      ? OCF.DEGRADED_PROMOTED
      : verdict.code
  ) as OcfCode;
  // A recurring monitor runs every few seconds, and a degraded state (disconnected, resyncing, split
  // brain) can last for hours: it is reported on every run, at WARNING. ERROR is for failures (1, 9).
  const failed = code === OCF.FAILED_PROMOTED || code === OCF.ERR_GENERIC;
  const splitBrain = state.connections.filter((c) => c.splitBrain);
  if (splitBrain.length > 0) {
    // Never silent: every monitor says it, with what the admin has to do, at ERROR (unlike other
    // degraded states it does not heal by itself: data diverged and a human has to choose).
    exitReason(
      ctx.log,
      `${state.name}: split brain with ${splitBrain.map((c) => peerLabel(c)).join(', ')}; ${splitBrainResolution(state, splitBrain)}`,
      'error',
    );
  } else if (failed) {
    // A failure always carries its reason (the verdict's: which volumes have no good data).
    exitReason(ctx.log, [verdict.reason, ...bothPrimary(ctx, state)].join('; '));
  } else if (problems.length > 0 && code !== OCF.SUCCESS && code !== OCF.RUNNING_PROMOTED) {
    exitReason(ctx.log, `${state.name}: ${problems.join('; ')}`, 'warn');
  } else if (problems.length > 0) {
    ctx.log.warn(`${state.name}: ${problems.join('; ')}`);
  }
  return code;
}

/**
 * The commands that resolve a split brain, both ways round: which side loses its changes is the
 * admin's call. With several peers the commands name connections, so they differ per side.
 */
function splitBrainResolution(state: DrbdState, splitBrain: readonly Connection[]): string {
  if (state.connections.length <= 1) {
    const steps = splitBrainSteps(state, '', '');
    return `on the node whose changes are to be discarded run "${steps.victim}", then on the other "${steps.survivor}"`;
  }
  const here = hostname(); // DRBD names a host's connections after its host name
  return splitBrain
    .map((c) => {
      const hereLoses = splitBrainSteps(state, here, c.name);
      const peerLoses = splitBrainSteps(state, c.name, here);
      return (
        `to discard this node's changes run here "${hereLoses.victim}", then on ${c.name} "${hereLoses.survivor}"; ` +
        `to discard ${c.name}'s instead run on ${c.name} "${peerLoses.victim}", then here "${peerLoses.survivor}"`
      );
    })
    .join('; ');
}

/** OCF 1.1 (Pacemaker 2.1+) knows 190/191; older ones would take them for failures. */
function pacemakerUnderstandsDegraded(env: NodeJS.ProcessEnv): boolean {
  return Number(env.OCF_RA_VERSION_MAJOR) > 1 || (Number(env.OCF_RA_VERSION_MAJOR) === 1 && Number(env.OCF_RA_VERSION_MINOR) >= 1);
}

function bothPrimary(ctx: Ctx, state: DrbdState): string[] {
  if (state.role !== 'Primary' || (ctx.meta.promotedMax ?? 1) >= 2) return [];
  return state.connections
    .filter((c) => c.peerRole === 'Primary')
    .map((c) => `both Primary with ${peerLabel(c)} although promoted-max is 1`);
}

// ---------------------------------------------------------------- start / stop

async function start(ctx: Ctx): Promise<OcfCode> {
  await validate(ctx);
  const p = ctx.params;
  if (!kernelModuleLoaded()) {
    const r = await modprobeDrbd(budget(ctx));
    if (r.exitCode !== 0) throw installError(`cannot load the DRBD kernel module: ${failureText(r)}`);
    checkModuleVersion(ctx);
  }
  const before = await observe(ctx);
  // `up` for a resource that is down; `adjust` brings a running one in line with its configuration.
  const verb = before.configured ? 'adjust' : 'up';
  const args = p.connect_only_after_promote && !before.configured ? ['up', '--', '--skip-net', p.drbd_resource] : [verb, p.drbd_resource];
  await bringUp(ctx, args);

  const state = await waitForPeers(ctx, p.connect_only_after_promote ? 0 : p.wfc_timeout * 1000);
  if (!state) throw genericError(`drbdadm ${verb} ${p.drbd_resource} succeeded but the resource is not configured`);
  await publishPromotionScore(ctx, state);
  ctx.log.info(`started ${p.drbd_resource}: ${describe(state)}`);
  return OCF.SUCCESS;
}

/** How often start runs `drbdadm adjust` again after a failed `up`/`adjust` (1 s apart, as budget allows). */
const START_ATTEMPTS = 3;

/**
 * Runs `drbdadm up` (or `adjust`) until this node's side is up: the resource configured and every
 * volume's disk attached. What start owes Pacemaker is that side; connecting to the peers is DRBD's
 * own job afterwards (it keeps retrying), and the monitor reports how that goes, as linbit's agent
 * does. On DRBD 9 `adjust` also connects to every peer, and a peer busy resyncing another node can
 * refuse that for a moment (seen on three nodes: "Can not start OV/resync since it is already
 * active"): failing the start for it would leave the node out of the clone until an admin cleans
 * up. A command that hung (timeout) is not retried: there is no budget left for it.
 */
async function bringUp(ctx: Ctx, firstArgs: string[]): Promise<void> {
  const p = ctx.params;
  let args = firstArgs;
  // the reason Pacemaker shows is the first failure's: a retry's adjust only repeats it less clearly
  let firstFailure: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const watched = await runUnlessAttachStalls(ctx, args);
    // the connections it dropped: connect them again (unless promote is the one to connect)
    const r =
      watched.droppedConnections && !p.connect_only_after_promote
        ? await drbdadm(p.drbdconf, ['adjust', p.drbd_resource], budget(ctx))
        : watched;
    if (r.exitCode === 0) return;
    const failed = `drbdadm ${args.join(' ')} failed: ${failureText(r)}`;
    firstFailure ??= failed;
    if (r.failure === 'timeout') throw genericError(firstFailure);
    const seen = await observe(ctx);
    if (seen.configured && localSideUp(seen.state)) {
      ctx.log.warn(`${failed}; ${p.drbd_resource} is up here (${describe(seen.state)}), DRBD keeps connecting by itself`);
      return;
    }
    if (attempt >= START_ATTEMPTS || ctx.remainingMs() < 1000 + 5000) throw genericError(firstFailure);
    ctx.log.warn(`${failed}; trying again`);
    await sleep(1000);
    // whatever `up` managed to do stays: from here on, bring it in line with the configuration
    // (not with connect_only_after_promote: adjust would connect)
    if (seen.configured && args[0] === 'up' && !p.connect_only_after_promote) args = ['adjust', p.drbd_resource];
  }
}

/** How long a disk may stay Negotiating with every peer Connected before start calls its attach stuck. */
const NEGOTIATION_STALL_MS = 15000;

/**
 * Runs `drbdadm up`/`adjust`, watching the attach. DRBD 9.2's attach returns only once this node
 * has compared UUIDs with every connected peer, and waits for that in the kernel, where no signal
 * reaches it. On three DRBD 9.2.19 nodes that comparison with one peer sometimes never happened
 * (the peer had changed its role a few seconds before): the disk stayed Negotiating, the start
 * hung until its timeout and failed, and the node stayed out of the clone. Dropping the
 * connections ends the wait (the attach then settles against the disk's own metadata); the caller
 * connects them again. The peers lose this node's replica for a moment, nothing else: it is
 * Secondary, attaching, and no resync can run from a disk that is still Negotiating.
 */
async function runUnlessAttachStalls(ctx: Ctx, args: string[]): Promise<RunResult & { droppedConnections: boolean }> {
  const p = ctx.params;
  const command = drbdadm(p.drbdconf, args, budget(ctx));
  let finished = false;
  void command.then(() => (finished = true));
  let stalledSince: number | undefined;
  for (;;) {
    // look every 5 s (an attach takes well under that), every second once it looks stuck
    await Promise.race([command, sleep(stalledSince === undefined ? 5000 : 1000)]);
    if (finished) return { ...(await command), droppedConnections: false };
    const seen = await observe(ctx).catch(() => undefined);
    const state = seen?.configured ? seen.state : undefined;
    const stalled =
      state !== undefined &&
      state.volumes.some((v) => v.disk === 'Negotiating') &&
      state.connections.length > 0 &&
      state.connections.every((c) => c.state === 'Connected');
    stalledSince = stalled ? (stalledSince ?? Date.now()) : undefined;
    if (stalledSince !== undefined && Date.now() - stalledSince >= NEGOTIATION_STALL_MS && !finished) {
      ctx.log.warn(
        `drbdadm ${args.join(' ')}: ${p.drbd_resource} has been Negotiating for ${NEGOTIATION_STALL_MS / 1000} s with every peer connected (${describe(state!)}); dropping its connections so that the attach can finish`,
      );
      const r = await drbdadm(p.drbdconf, ['disconnect', p.drbd_resource], budget(ctx, 30000));
      if (r.exitCode !== 0) ctx.log.warn(`drbdadm disconnect ${p.drbd_resource} failed: ${failureText(r)}`);
      return { ...(await command), droppedConnections: true };
    }
  }
}

/** Every volume has its disk attached (or is an intentionally diskless client). */
const localSideUp = (s: DrbdState) =>
  s.volumes.length > 0 &&
  s.volumes.every((v) => v.client === true || ['UpToDate', 'Consistent', 'Outdated', 'Inconsistent'].includes(v.disk));

async function waitForPeers(ctx: Ctx, waitMs: number): Promise<DrbdState | undefined> {
  const until = Date.now() + Math.min(waitMs, ctx.remainingMs());
  for (;;) {
    const seen = await observe(ctx);
    if (!seen.configured) return undefined;
    const connected = seen.state.connections.every((c) => c.state === 'Connected');
    if (connected || Date.now() >= until) return seen.state;
    await sleep(250);
  }
}

async function stop(ctx: Ctx): Promise<OcfCode> {
  const p = ctx.params;
  const before = await observe(ctx);
  if (!before.configured) {
    await publishPromotionScore(ctx, undefined);
    return OCF.SUCCESS;
  }
  const primaryElsewhere =
    before.state.connections.some((c) => c.peerRole === 'Primary') ||
    ctx.meta.notify.unames.promoted.some((n) => n !== hostname() && n !== ctx.meta.onNode);
  // `down` refuses while the device is open (a late umount, a process still closing it): retry.
  let last = '';
  for (;;) {
    const r = await drbdadm(p.drbdconf, ['down', p.drbd_resource], budget(ctx));
    if (r.exitCode === 0 && !(await observe(ctx)).configured) break;
    last = r.exitCode === 0 ? 'the resource is still configured after it' : failureText(r);
    if (ctx.remainingMs() < 500 + 1000) throw genericError(`drbdadm down ${p.drbd_resource} kept failing: ${last}`);
    await sleep(500);
  }
  if (p.stop_outdates_secondary && before.state.role !== 'Primary' && primaryElsewhere) {
    const r = await drbdadm(p.drbdconf, ['outdate', p.drbd_resource], budget(ctx));
    if (r.exitCode !== 0) ctx.log.warn(`could not mark ${p.drbd_resource} Outdated: ${failureText(r)}`);
    else ctx.log.info(`marked ${p.drbd_resource} Outdated (a Primary runs elsewhere)`);
  }
  await publishPromotionScore(ctx, undefined);
  ctx.log.info(`stopped ${p.drbd_resource}`);
  return OCF.SUCCESS;
}

// ---------------------------------------------------------------- promote / demote

async function promote(ctx: Ctx): Promise<OcfCode> {
  const p = ctx.params;
  let seen = await observe(ctx);
  if (!seen.configured) throw genericError(`cannot promote ${p.drbd_resource}: it is not running here`);
  if (seen.state.role === 'Primary') return OCF.SUCCESS;
  let last = '';
  for (;;) {
    const peerPrimary = seen.state.connections.find((c) => c.state === 'Connected' && c.peerRole === 'Primary');
    if (peerPrimary && p.fail_promote_early_if_peer_primary && (ctx.meta.promotedMax ?? 1) < 2) {
      throw genericError(
        `${p.drbd_resource}: ${peerLabel(peerPrimary, { noun: true })} is still Primary; not retrying (fail_promote_early_if_peer_primary)`,
      );
    }
    const r = await drbdadm(p.drbdconf, ['primary', p.drbd_resource], budget(ctx));
    seen = await observe(ctx);
    if (seen.configured && seen.state.role === 'Primary') break;
    if (!seen.configured) throw genericError(`${p.drbd_resource} went down during promote`);
    last = failureText(r);
    // 17: no UpToDate data reachable (or fencing the peer failed). Retrying cannot help, and would
    // hold Pacemaker for the whole promote timeout: give up at once, as upstream does.
    if (r.exitCode === 17) throw genericError(`${p.drbd_resource}: refusing to promote without access to UpToDate data: ${last}`);
    // DRBD 9 refuses a node that sees too few peers (exit 11, "No quorum"): no peer's demote
    // changes that, only a link coming back. Pacemaker then promotes a node of the majority.
    if (/\bNo quorum\b/.test(r.stderr)) throw genericError(`${p.drbd_resource}: refusing to promote without quorum: ${last}`);
    // The peer may still be demoting (Pacemaker promotes right after it demoted there): retry.
    if (ctx.remainingMs() < 1000 + 1000) throw genericError(`drbdadm primary ${p.drbd_resource} failed: ${last}`);
    await sleep(1000);
  }
  if (p.connect_only_after_promote) {
    const r = await drbdadm(p.drbdconf, ['adjust', p.drbd_resource], budget(ctx));
    if (r.exitCode !== 0) ctx.log.warn(`drbdadm adjust after promote failed: ${failureText(r)}`);
  }
  await publishPromotionScore(ctx, seen.state);
  ctx.log.info(`promoted ${p.drbd_resource}`);
  return OCF.SUCCESS;
}

async function demote(ctx: Ctx): Promise<OcfCode> {
  const p = ctx.params;
  let seen = await observe(ctx);
  if (!seen.configured) throw genericError(`cannot demote ${p.drbd_resource}: it is not running here`);
  let last = '';
  while (seen.configured && seen.state.role === 'Primary') {
    const r = await drbdadm(p.drbdconf, ['secondary', p.drbd_resource], budget(ctx));
    seen = await observe(ctx);
    if (!seen.configured || seen.state.role !== 'Primary') break;
    last = failureText(r);
    // Usually "device is held open": the file system above is still being unmounted.
    if (ctx.remainingMs() < 500 + 1000) throw genericError(`drbdadm secondary ${p.drbd_resource} failed: ${last}`);
    await sleep(500);
  }
  if (!seen.configured) throw genericError(`${p.drbd_resource} went down during demote`);
  await publishPromotionScore(ctx, seen.state);
  return OCF.SUCCESS;
}

// ---------------------------------------------------------------- notify / reload

async function notify(ctx: Ctx): Promise<OcfCode> {
  const { type, operation } = ctx.meta.notify;
  ctx.log.debug(`notify ${type}-${operation}`);
  const seen = await observe(ctx);
  const state = seen.configured ? seen.state : undefined;
  // Peers came, went or changed roles: our suitability for promotion changes with them.
  await publishPromotionScore(ctx, state);
  if (type === 'post' && state && ctx.params.unfence_if_all_uptodate && allUpToDate(state)) {
    const r = await drbdadm(ctx.params.drbdconf, ['unfence-peer', state.name], budget(ctx));
    if (r.exitCode !== 0) ctx.log.warn(`unfence-peer ${state.name}: ${failureText(r)}`);
  }
  return OCF.SUCCESS;
}

function allUpToDate(state: DrbdState): boolean {
  return (
    state.volumes.every((v) => v.disk === 'UpToDate') &&
    state.connections.every((c) => c.state === 'Connected' && c.peerVolumes.every((pv) => pv.peerDisk === 'UpToDate'))
  );
}

/**
 * Pacemaker's reload after a parameter changed (any but drbd_resource). The new values apply from
 * the next action on; what applies now: the promotion score (adjust_master_score and friends) and,
 * as upstream does, the DRBD configuration (`drbdadm adjust`, for a changed drbdconf or file).
 */
async function reload(ctx: Ctx): Promise<OcfCode> {
  await validate(ctx);
  const p = ctx.params;
  const seen = await observe(ctx);
  const state = seen.configured ? seen.state : undefined;
  // adjust would connect a Secondary that connect_only_after_promote keeps disconnected.
  if (state && !(p.connect_only_after_promote && state.role !== 'Primary')) {
    // A failed reload makes Pacemaker restart the resource and all on top: a warning is enough,
    // the resource runs as before.
    const r = await drbdadm(p.drbdconf, ['adjust', p.drbd_resource], budget(ctx));
    if (r.exitCode !== 0) ctx.log.warn(`drbdadm adjust ${p.drbd_resource} failed: ${failureText(r)}`);
  }
  await publishPromotionScore(ctx, state);
  return OCF.SUCCESS;
}

// ---------------------------------------------------------------- DRBD's split-brain handler

/**
 * `handlers { split-brain "/usr/lib/ocf/resource.d/ocfkit/drbd split-brain-handler"; }` in the
 * DRBD configuration: DRBD runs it when it detects a split brain and drops the connection. We
 * record it so that every monitor reports it until the connection is established again.
 */
async function splitBrainHandler(env: NodeJS.ProcessEnv): Promise<number> {
  const resource = env.DRBD_RESOURCE;
  if (!resource) {
    process.stderr.write('split-brain-handler: DRBD_RESOURCE is not set (DRBD sets it when it runs handlers)\n');
    return OCF.ERR_ARGS;
  }
  const peer = env.DRBD_PEER ?? env.DRBD_PEERS ?? env.DRBD_PEER_NODE_NAME ?? '';
  mkdirSync(stateDir(env), { recursive: true });
  writeFileSync(splitBrainRecord(env, resource), `${new Date().toISOString()} peer=${peer}\n`, { flag: 'a' });
  process.stderr.write(`drbd(${resource}): split brain with ${peer || 'a peer'} recorded\n`);
  return OCF.SUCCESS;
}

/**
 * The timeout for the next command: what is left of the operation (lib/agent-runtime/sys/run kills a command
 * that overruns it with SIGKILL, so even one ignoring SIGTERM is gone before our deadline). The
 * retry loops stop when a sleep and a try of at least a second no longer fit.
 */
const budget = (ctx: Ctx, cap = Number.POSITIVE_INFINITY) => Math.max(1000, Math.min(cap, ctx.remainingMs()));
/** What went wrong with a command, never empty: its stderr, else how it ended. */
const describe = (s: DrbdState) =>
  `${s.role}, disk ${s.volumes.map((v) => v.disk).join('/')}, ${s.connections.map((c) => `${peerLabel(c)} ${c.state}`).join(', ') || 'no peers'}`;

export default defineAgent({
  name: 'drbd',
  version: '1.0',
  shortdesc: 'Manages a DRBD resource as a promotable clone (drop-in for ocf:linbit:drbd)',
  longdesc: `Brings a DRBD resource up and down, promotes and demotes it, and tells Pacemaker through
the promotion score which node has the best data. Use it as a promotable clone with notify=true.

It takes the parameters of ocf:linbit:drbd with the same defaults and publishes the same promotion
scores in every state, so a configuration moves over by changing only the provider. It works with
DRBD 8.4 and DRBD 9 kernels, several volumes and (DRBD 9) several peers.

Differences on purpose: monitor returns OCF_FAILED_PROMOTED (9) for a Primary whose data is neither
local nor on a connected peer, and for a DRBD 9 Primary that has lost quorum while its I/O is not
suspended (on-no-quorum io-error): every write fails there with an I/O error, so the service on top
is broken, and 9 makes Pacemaker recover it (demote it, stop what runs on it) so that a node with
quorum can be promoted; ocf:linbit:drbd returns 8 and leaves it promoted. Under on-no-quorum
suspend-io the writes wait for quorum to return: that stays running (191 with OCF 1.1, else 8).
Where Pacemaker understands them (OCF 1.1), monitor also returns the degraded codes
190/191 for a resource that runs but is disconnected, resyncing, or in split brain. A split brain is
never silent: every monitor reports it with the commands that resolve it. To record split brains
that happened while no monitor ran, add to the DRBD resource's handlers:
split-brain "/usr/lib/ocf/resource.d/ocfkit/drbd split-brain-handler";`,
  parameters,
  actions: [
    { name: 'start', timeout: 240 },
    { name: 'stop', timeout: 100 },
    { name: 'promote', timeout: 90 },
    { name: 'demote', timeout: 90 },
    { name: 'notify', timeout: 90 },
    { name: 'monitor', timeout: 20, interval: 10, role: 'Promoted' },
    { name: 'monitor', timeout: 20, interval: 20, role: 'Unpromoted' },
    { name: 'reload', timeout: 30 },
    { name: 'meta-data', timeout: 5 },
    { name: 'validate-all', timeout: 30 },
  ],
  handlers: { start, stop, monitor, status: monitor, promote, demote, notify, reload },
  validate,
  entryPoints: { 'split-brain-handler': splitBrainHandler },
});
