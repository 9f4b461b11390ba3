// Under a real Pacemaker (Debian 12: 2.1.5), changing a parameter the meta-data calls reloadable
// gives a reload and no restart, and changing the unique one (drbd_resource) restarts. Pacemaker
// decides this from the meta-data alone: OCF 1.0 with a `reload` action, unique="1" = restart
// (see lib/admin/ocf/metadata.ts). An agent that says OCF 1.1 would be restarted for every change.
//
// The agent is the built dist/agents/drbd, bind-mounted over the installed one inside the node's
// private mount namespace; DRBD is the test double (no DRBD kernel module here), which records
// every command the agent runs. Pacemaker's daemons hand their environment to the agents, so the
// double's directories reach the agent through the environment the node is started with.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { REPO } from '../helpers/agent.js';
import { drbdDouble } from '../helpers/drbd-double/index.js';
import { startSingleNode, type SingleNode } from './single-node.js';

const RESOURCE = 'drbd_test';

/** Starts the node with `env` added to the environment its pacemakerd (and so the agents) inherits. */
async function startNodeWithEnv(env: Record<string, string>): Promise<SingleNode> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  // startSingleNode spawns the node before its first await: the environment is taken by then.
  const starting = startSingleNode({ name: `reload-${process.pid}`, properties: { 'stonith-enabled': 'false' } });
  for (const key of Object.keys(env)) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  return starting;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, node: SingleNode, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${node.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Pacemaker's own log of the node (the controller logs every operation it requests). */
const pacemakerLog = (node: SingleNode) => readFileSync(`${node.stateDir}/var-log-pacemaker/pacemaker.log`, 'utf8');
const requested = (node: SingleNode, operation: string) =>
  pacemakerLog(node).includes(`Requesting local execution of ${operation} operation for ${RESOURCE} on`);

/**
 * The resource's operation history in the CIB status section: the last non-recurring operation and
 * the recurring monitor. (A reload is recorded there as the start it replaces, with the new digest.)
 */
async function history(node: SingleNode): Promise<string[]> {
  const status = (await node.runOk('cibadmin', ['-Q', '-o', 'status'])).stdout;
  return [...status.matchAll(/<lrm_rsc_op [^>]*operation="([^"]+)"[^>]*>/g)]
    .filter((m) => m[0].includes(`id="${RESOURCE}_`))
    .map((m) => m[0]);
}

t.test('a reloadable parameter reloads, drbd_resource restarts', { timeout: 180_000 }, async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', resources: ['r0', 'r1'] });
  d.on('up', '03-synced'); // Secondary, connected to a Primary peer: monitor 0 for a plain primitive
  // The double's programs first, then the system's: the node itself needs corosync, ip, ... from /usr/sbin.
  const node = await startNodeWithEnv({ ...d.env(), PATH: `${d.bin}:${process.env.PATH}` });
  t.teardown(() => node.stop());
  await node.runOk('mount', ['--bind', `${REPO}/dist/agents/drbd`, '/usr/lib/ocf/resource.d/ocfkit/drbd']);

  await node.runOk('cibadmin', [
    '-C',
    '-o',
    'resources',
    '-X',
    `
    <primitive id="${RESOURCE}" class="ocf" provider="ocfkit" type="drbd">
      <instance_attributes id="${RESOURCE}-ia">
        <nvpair id="${RESOURCE}-res" name="drbd_resource" value="r0"/>
        <nvpair id="${RESOURCE}-conf" name="drbdconf" value="${d.conf}"/>
      </instance_attributes>
      <operations><op id="${RESOURCE}-mon" name="monitor" interval="5s" timeout="20s"/></operations>
    </primitive>`,
  ]);
  const started = (res: string) => d.log().some((line) => line.endsWith(` up ${res}`));
  await waitFor('the first start', () => started('r0'), node);
  await waitFor('the first monitor', async () => (await history(node)).some((op) => /operation="monitor"[^>]*rc-code="0"/.test(op)), node);

  // Pacemaker read the meta-data as meant: only drbd_resource forces a restart.
  const start = (await history(node)).find((op) => op.includes('operation="start"'));
  t.match(start, /op-force-restart=" *drbd_resource *"/, "the start's history entry lists only drbd_resource as forcing a restart");

  // 1. wfc_timeout is reloadable.
  const before = d.log().length;
  await node.runOk('crm_resource', ['-r', RESOURCE, '--set-parameter', 'wfc_timeout', '--parameter-value', '3']);
  await waitFor('the reload', () => requested(node, 'reload'), node);
  await waitFor(
    "the agent's reload",
    () =>
      d
        .log()
        .slice(before)
        .some((line) => line.endsWith(' adjust r0')),
    node,
  );
  const reloadResult = () => pacemakerLog(node).indexOf(`Result of reload operation for ${RESOURCE} on node1: ok`);
  await waitFor(
    'the monitor after it',
    () =>
      reloadResult() >= 0 && pacemakerLog(node).slice(reloadResult()).includes(`Result of monitor operation for ${RESOURCE} on node1: ok`),
    node,
  );
  const afterReload = d.log().slice(before);
  t.notOk(
    afterReload.some((line) => / (down|up) r0$/.test(line)),
    `no stop, no start: ${afterReload.join(' | ')}`,
  );
  t.notOk(requested(node, 'stop'), 'Pacemaker requested no stop');

  // 2. drbd_resource is unique: a change restarts (stop r0, start r1).
  const r1 = readFileSync(d.fixture('03-synced', 'drbdsetup_events2_all_now_stats.txt'), 'utf8').replaceAll('name:r0 ', 'name:r1 ');
  d.on('up', d.customState('r1-synced', r1));
  const beforeRestart = d.log().length;
  await node.runOk('crm_resource', ['-r', RESOURCE, '--set-parameter', 'drbd_resource', '--parameter-value', 'r1']);
  await waitFor('the restart with r1', () => started('r1'), node);
  const afterRestart = d.log().slice(beforeRestart);
  const down = afterRestart.findIndex((line) => line.endsWith(' down r0'));
  const up = afterRestart.findIndex((line) => line.endsWith(' up r1'));
  t.ok(down >= 0 && up > down, `stop of r0, then start of r1: ${afterRestart.join(' | ')}`);
  t.ok(requested(node, 'stop'), 'Pacemaker requested a stop');
});
