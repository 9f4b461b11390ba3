// Upgrading ocfkit while the cluster runs, as an admin does it: with the generated stack running,
// the Debian package (scripts/build-deb.sh) is installed over `make install`'s files on each node
// in turn, then a newer package over it, again node by node. Nothing may notice: no monitor fails,
// no resource restarts (fail counts, the operation history in the CIB, the service's instance).
//
// Each node gets its own view of what dpkg touches: the namespace nodes share the host's root, so
// overlays in the node's private mount namespace (/usr/lib/ocf/resource.d/ocfkit, /usr/lib/ocfkit,
// /usr/sbin, /usr/share, /var/lib/dpkg; upper directories in the cluster's state directory) take
// what dpkg writes there. The host's files and dpkg database are never changed, and the overlays
// go with the node's mount namespace when the cluster is destroyed.
//
// The newer package is the same build with a bumped version: unpacked, its version raised in
// DEBIAN/control and in each agent's meta-data, packed again, so a node's meta-data shows which
// of the two it runs.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/agent.js';
import { declareBudget } from '../helpers/budget.js';
import { startCluster, unavailableReason, type Cluster } from './nodes.js';
import { generateStack, loadStack, ocfkitUnavailable, type Stack } from './stack.js';

const budget = declareBudget(t, 360);
const AGENT_DIR = '/usr/lib/ocf/resource.d/ocfkit';
/** What installing the package writes to, made private to each node (see above). */
const PACKAGE_VIEW = [AGENT_DIR, '/usr/lib/ocfkit', '/usr/sbin', '/usr/share', '/var/lib/dpkg'];
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const newer = `${version}+upgrade1`;

function must(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(file, args, { encoding: 'utf8', env, timeout: 400_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}\n${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}

/** ocfkit_<version>.deb from dist/, and the same build as <version>+upgrade1. Uncompressed: they never leave the machine. */
function buildPackages(dir: string): { older: string; newer: string } {
  const older = must('bash', [join(REPO, 'scripts/build-deb.sh'), dir], { ...process.env, DEB_COMPRESS: 'none' }).trim();
  const tree = join(dir, 'tree');
  must('dpkg-deb', ['-R', older, tree]);
  const control = join(tree, 'DEBIAN', 'control');
  writeFileSync(control, readFileSync(control, 'utf8').replace(/^Version: .*$/m, `Version: ${newer}`));
  for (const agent of readdirSync(join(tree, AGENT_DIR)).filter((f) => !f.endsWith('.map'))) {
    const file = join(tree, AGENT_DIR, agent);
    // The meta-data is in the agent as a JavaScript string literal (quotes escaped or not).
    const before = new RegExp(`(<resource-agent name=\\\\?"${agent}\\\\?" version=\\\\?")${version.replaceAll('.', '\\.')}(\\\\?")`);
    const text = readFileSync(file, 'utf8');
    if (!before.test(text)) throw new Error(`${agent}: no ${before} in the packaged agent`);
    writeFileSync(
      file,
      text.replace(before, (_, head: string, tail: string) => `${head}${newer}${tail}`),
    );
  }
  must('sh', [
    '-c',
    'cd "$0" && find . -path ./DEBIAN -prune -o -type f -printf "%P\\0" | LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums',
    tree,
  ]);
  const bumped = join(dir, `ocfkit_${newer}.deb`);
  must('dpkg-deb', ['--root-owner-group', '-Znone', '--build', tree, bumped]);
  rmSync(tree, { recursive: true, force: true });
  return { older, newer: bumped };
}

/** Overlays in node i's mount namespace over everything installing the package writes to. */
async function privatePackageView(cluster: Cluster, i: number): Promise<void> {
  const base = join(cluster.dir, `package-view-node${i}`);
  const script = PACKAGE_VIEW.map(
    (dir, n) =>
      `mkdir -p ${base}/${n}/upper ${base}/${n}/work && mount -t overlay overlay -o lowerdir=${dir},upperdir=${base}/${n}/upper,workdir=${base}/${n}/work ${dir}`,
  ).join('\n');
  await cluster.runOk(i, 'sh', ['-ec', script]);
}

/** dpkg -i in node i; the package's version as that node's dpkg knows it. */
async function install(cluster: Cluster, i: number, deb: string): Promise<string> {
  // --no-triggers: man-db's trigger would rebuild the host's /var/cache/man (outside the node's view).
  await cluster.runOk(i, 'dpkg', ['--log=/dev/null', '--no-triggers', '-i', deb], { timeoutMs: 120_000 });
  return (await cluster.runOk(i, 'dpkg-query', ['-W', '-f', '${Version}', 'ocfkit'])).stdout;
}

/** The agent's version in node i's meta-data, read as Pacemaker reads it. */
async function metadataVersion(cluster: Cluster, i: number): Promise<string | undefined> {
  const xml = (await cluster.runOk(i, 'crm_resource', ['--show-metadata', 'ocf:ocfkit:Filesystem'])).stdout;
  return /<resource-agent name="Filesystem" version="([^"]+)"/.exec(xml)?.[1];
}

/** The non-recurring operations of the CIB's status section (last start/stop/probe, failures): a restart changes them. */
async function operationHistory(cluster: Cluster): Promise<string[]> {
  const status = (await cluster.runOk(1, 'cibadmin', ['-Q', '-o', 'status'])).stdout;
  return [...status.matchAll(/<lrm_rsc_op [^>]*>/g)]
    .map((m) => m[0])
    .filter((op) => !/\binterval="[1-9]/.test(op))
    .map((op) =>
      ['id', 'operation', 'call-id', 'rc-code', 'on_node'].map((a) => new RegExp(`\\b${a}="([^"]*)"`).exec(op)?.[1] ?? '').join(' '),
    )
    .sort();
}

/** ocfkit's version in the host's own dpkg database ('' when it is not installed there). */
const hostPackage = () => spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'ocfkit'], { encoding: 'utf8' }).stdout;
const lastInstance = (cluster: Cluster) =>
  cluster
    .samples()
    .filter((s) => s.ok)
    .at(-1)?.instance;

const skip =
  unavailableReason() ??
  ocfkitUnavailable() ??
  (existsSync(join(REPO, 'dist', 'agents', 'Filesystem.map')) ? undefined : 'dist/ is not built (make build)');
if (skip) {
  t.fail(`the namespace cluster ${skip}`);
} else {
  t.test('the package is installed, then upgraded, node by node under the running stack: nothing restarts', async (t: Test) => {
    let started = Date.now();
    const work = mkdtempSync('/var/tmp/ocfkit-upgrade-');
    t.teardown(() => rmSync(work, { recursive: true, force: true }));
    const packages = buildPackages(work);
    t.comment(`packages built: ${budget.report(started)}`);

    started = Date.now();
    const cluster = await startCluster({ nodes: 2, tokenMs: 1000 });
    t.teardown(() => cluster.destroy());
    await cluster.configureAlerts();
    const stack: Stack = await generateStack(cluster, 'ocfkit');
    const owner = await loadStack(cluster, stack);
    t.comment(`the stack runs on ${owner}: ${budget.report(started)}`);
    for (let i = 1; i <= cluster.size; i++) await privatePackageView(cluster, i);

    const hostPackageBefore = hostPackage();
    const history = await operationHistory(cluster);
    const instance = lastInstance(cluster);
    const since = Date.now();
    // Long enough for every recurring monitor of an ocfkit agent to run what was just installed
    // (the fence device's 60 s monitor runs no file of the package).
    const ocfkitIds = (Object.keys(stack.agents) as (keyof Stack['agents'])[])
      .filter((role) => stack.agents[role]?.startsWith('ocf:ocfkit:'))
      .map((role) => stack.ids[role]!);
    const monitorRound = Math.max(...ocfkitIds.map((id) => stack.monitorMs[id] ?? 0)) + 3000;
    t.ok(ocfkitIds.length > 0 && monitorRound > 3000, `ocfkit agents with a recurring monitor: ${ocfkitIds.join(', ')}`);
    for (const [deb, expected] of [
      [packages.older, version],
      [packages.newer, newer],
    ] as const) {
      started = Date.now();
      for (let i = 1; i <= cluster.size; i++) {
        t.equal(await install(cluster, i, deb), expected, `node${i}: dpkg -i ocfkit ${expected}`);
        t.equal(await metadataVersion(cluster, i), expected, `node${i}: Pacemaker reads ocf:ocfkit:Filesystem ${expected}`);
      }
      await new Promise((resolve) => setTimeout(resolve, monitorRound));
      t.comment(`${expected} on every node, one monitor round later: ${budget.report(started)}`);
    }
    t.equal(hostPackage(), hostPackageBefore, 'the host itself is untouched (its dpkg database as it was)');

    const status = await cluster.status(1);
    t.same([...(status?.failCounts ?? new Map())], [], 'no fail count on any node');
    t.same(
      [...(status?.resources.values() ?? [])].filter((r) => r.failed).map((r) => r.id),
      [],
      'no resource failed',
    );
    t.same(
      [...(status?.resources.values() ?? [])]
        .filter((r) => r.id.startsWith('fs-') || r.id.startsWith('vip-') || r.id.startsWith('anything-'))
        .map((r) => r.nodes.join()),
      [owner, owner, owner],
      `the stack still runs on ${owner}`,
    );
    t.same(await operationHistory(cluster), history, 'the operation history has no new start, stop or failure');
    const events = cluster.alerts().filter((a) => a.time >= since && a.kind === 'resource');
    t.same(
      events
        .filter((a) => a.fields.task !== 'monitor' || a.fields.rc !== a.fields.target_rc)
        .map((a) => `${a.reporter} ${a.fields.rsc} ${a.fields.task} rc=${a.fields.rc}`),
      [],
      'Pacemaker alerted no operation but successful monitors',
    );
    t.equal(lastInstance(cluster), instance, 'the service answering through the VIP is the same instance (not restarted)');
    t.comment(
      `probe: ${cluster.samples().filter((s) => s.time >= since && !s.ok).length} failed of ${cluster.samples().filter((s) => s.time >= since).length} attempts during the upgrades`,
    );
  });
}
