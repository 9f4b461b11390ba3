// Every generated configuration, loaded into a real Pacemaker 2.1 (one node in its own
// namespaces, see test/cluster/single-node.ts):
//   crm  -> crm configure load update, then crm_verify -L -V must be silent
//   cib  -> cibadmin --modify --allow-create, then crm_verify -L -V
//   pcs  -> the script as an admin runs it (pull, pcs -f, push) and with CIB=file (pcs -f on a
//           file, crm_verify -x file); the Pacemaker 1.1 script (pcs 0.9 syntax, which the
//           installed pcs 0.11 no longer has) after a mechanical translation to pcs 0.11
// and the three formats and both Pacemaker spellings must give the same configuration.
// This runs for the upstream agents (ocf:linbit:drbd, ocf:heartbeat:*) and for ocfkit's own,
// which must be installed in /usr/lib/ocf/resource.d/ocfkit/ (make install) or the test fails.

import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_VARIANTS, listExamples, renderExample, type Example } from '../../lib/admin/cli/crm-examples.js';
import { processIo } from '../../lib/admin/cli/system.js';
import { allPrimitives, parseCib } from '../../lib/admin/pacemaker/cib.js';
import { startSingleNode, type RunResult, type SingleNode } from '../cluster/single-node.js';

const EXAMPLES_ROOT = new URL('../../crm-examples/', import.meta.url).pathname;
const OCFKIT_AGENTS = ['drbd', 'Filesystem', 'IPaddr2'].map((agent) => `/usr/lib/ocf/resource.d/ocfkit/${agent}`);
const ANSI = /\x1b\[[0-9;]*m/g;

const work = mkdtempSync(join(tmpdir(), 'ocfk-crm-load-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

// Two providers x four examples x three formats x two Pacemaker spellings, pcs at ~0.6 s per
// command: this takes minutes, more than the default per-file limit.
t.setTimeout(25 * 60_000);

const node: SingleNode = await startSingleNode({ name: `load-${process.pid}`, properties: { 'stop-all-resources': 'true' } });
t.teardown(() => node.stop());
t.comment(`single node online after ${node.startupMs} ms`);

/** Back to an empty configuration (the harness's properties stay). */
async function resetConfiguration(): Promise<void> {
  for (const section of ['constraints', 'resources']) {
    await node.runOk('cibadmin', ['--replace', '-o', section, '--xml-text', `<${section}/>`]);
  }
  // rsc_defaults and op_defaults exist only once something created them.
  await node.run('cibadmin', ['--replace', '-o', 'rsc_defaults', '--xml-text', '<rsc_defaults/>']);
  await node.run('cibadmin', ['--replace', '-o', 'op_defaults', '--xml-text', '<op_defaults/>']);
  for (const property of ['stonith-enabled', 'no-quorum-policy']) {
    await node.run('crm_attribute', ['--type', 'crm_config', '--name', property, '--delete']);
  }
}

/** crm_verify -L -V must print nothing and exit 0: "clean". */
async function verifyLive(t: Test, what: string): Promise<void> {
  const verify = await node.run('crm_verify', ['-L', '-V']);
  t.equal(verify.exitCode, 0, `${what}: crm_verify -L -V exit status`);
  t.equal((verify.stdout + verify.stderr).trim(), '', `${what}: crm_verify -L -V says nothing`);
}

/**
 * The configuration as a comparable text: agents, parameters, operations, clones, groups,
 * constraints, the properties we set. Ids of nvpairs/ops and the spelling generation are
 * normalised away, so crm, pcs and CIB loads, and 2.1 and 1.1 spellings, compare equal.
 */
function summary(cibXml: string): string {
  const parsed = parseCib(cibXml);
  if (!parsed.ok) throw new Error(parsed.reason);
  const cib = parsed.cib;
  const role = (value: string | undefined) => (value === 'Master' ? 'Promoted' : value === 'Slave' ? 'Unpromoted' : value);
  const meta = (values: Record<string, string>, promotable: boolean) => {
    const renamed = Object.entries(values).map(([name, value]) => [name.replace(/^master-/, 'promoted-'), value]);
    if (promotable && !renamed.some(([name]) => name === 'promotable')) renamed.push(['promotable', 'true']);
    return renamed
      .sort()
      .map(([name, value]) => `${name}=${value}`)
      .join(' ');
  };
  const lines: string[] = [];
  for (const { primitive, group, clone } of allPrimitives(cib)) {
    const params = Object.entries(primitive.params)
      .sort()
      .map(([name, value]) => `${name}=${value}`)
      .join(' ');
    const ops = primitive.operations
      .map((op) => `${op.name}/${role(op.role) ?? '-'}/${op.intervalMs}/${op.timeoutMs ?? '-'}`)
      .sort()
      .join(' ');
    lines.push(
      `primitive ${primitive.id} ${primitive.standard}:${primitive.provider ?? ''}:${primitive.type} [${params}] [${ops}] in ${group?.id ?? '-'} ${clone?.id ?? '-'}`,
    );
  }
  for (const resource of cib.resources) {
    if (resource.kind === 'group') lines.push(`group ${resource.id} ${resource.members.map((member) => member.id).join(' ')}`);
    if (resource.kind === 'clone') lines.push(`clone ${resource.id} [${meta(resource.meta, resource.promotable)}]`);
  }
  for (const colocation of cib.colocations)
    lines.push(`colocation ${colocation.rsc} with ${colocation.withRsc}:${role(colocation.withRscRole) ?? '-'} ${colocation.score}`);
  for (const order of cib.orders)
    lines.push(`order ${order.first}:${order.firstAction} then ${order.then}:${order.thenAction} ${order.kind}`);
  for (const name of ['stonith-enabled', 'no-quorum-policy']) lines.push(`property ${name}=${cib.properties[name] ?? '-'}`);
  for (const [name, value] of Object.entries(cib.resourceDefaults)) lines.push(`rsc_defaults ${name}=${value}`);
  for (const [name, value] of Object.entries(cib.operationDefaults)) lines.push(`op_defaults ${name}=${value}`);
  return lines.sort().join('\n');
}

/** Pacemaker 1.1's pcs 0.9 commands, said the pcs 0.11 way (the installed pcs has no other). */
function translatePcs09(script: string): string {
  const lines = script.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const master = /^pcs -f "\$CIB" resource master (\S+) (\S+) (.*)$/.exec(line);
    if (master) {
      // Fold `resource master M R meta...` into R's create command as `promotable M meta...`.
      const [, masterId, primitiveId, metaText] = master;
      const index = out.findIndex((previous) => previous.includes(` resource create ${primitiveId} `));
      const options = metaText!.replace(/\bmaster-/g, 'promoted-');
      out[index] = out[index]!.replace(/ --no-default-ops$/, ` promotable ${masterId} ${options} --no-default-ops`);
      continue;
    }
    out.push(
      line
        .replace(/role=Master\b/g, 'role=Promoted')
        .replace(/role=Slave\b/g, 'role=Unpromoted')
        .replace(/ with master /g, ' with Promoted ')
        .replace(/ resource defaults (?!update)/, ' resource defaults update ')
        .replace(/ resource op defaults (?!update)/, ' resource op defaults update '),
    );
  }
  return out.join('\n');
}

/** An example's files, written to a directory of their own. */
interface Written {
  example: Example;
  label: string;
  path: (file: string) => string;
}

function writeExample(example: Example, files: Map<string, string>, label: string): Written {
  const directory = mkdtempSync(join(work, `${example.name}-`));
  for (const [file, text] of files) writeFileSync(join(directory, file), text);
  return { example, label, path: (file: string) => join(directory, file) };
}

/** The pcs script of one example and spelling, as an admin runs it (pcs 0.9 translated). */
function pcsScript(written: Written, version: '2.1' | '1.1'): string {
  const script =
    version === '2.1'
      ? readFileSync(written.path('pacemaker-2.1.pcs.sh'), 'utf8')
      : translatePcs09(readFileSync(written.path('pacemaker-1.1.pcs.sh'), 'utf8'));
  const scriptPath = written.path(`run-${version}.pcs.sh`);
  writeFileSync(scriptPath, script);
  return scriptPath;
}

/** What one offline pcs run left: its exit, its output, and the CIB file it changed. */
type OfflinePcs = RunResult & { cibFile: string };

/**
 * `pcs -f` on a file needs no cluster, and pcs spends ~0.6 s of CPU per command, one command at
 * a time: these runs go two at a time (the machine's two cores) while the live loads, which use
 * the cluster, go one at a time. Each gets a copy of the empty configuration.
 */
function startOfflinePcs(all: Written[], emptyCib: string): Map<string, Promise<OfflinePcs>> {
  const results = new Map<string, Promise<OfflinePcs>>();
  const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  for (const written of all) {
    for (const version of ['2.1', '1.1'] as const) {
      const cibFile = written.path(`pcs-${version}.xml`);
      const scriptPath = pcsScript(written, version);
      writeFileSync(cibFile, emptyCib);
      const lane = results.size % lanes.length;
      const result = lanes[lane]!.then(async () => ({ ...(await node.run('sh', [scriptPath], { env: { CIB: cibFile } })), cibFile }));
      lanes[lane] = result.catch(() => undefined);
      results.set(`${written.label} ${version}`, result);
    }
  }
  return results;
}

/** Loads every format of one example and checks each against the crm load. */
async function checkExample(
  t: Test,
  { label, path }: Written,
  offlinePcs: Map<string, Promise<OfflinePcs>>,
  pushLive: boolean,
): Promise<void> {
  let reference: string | undefined;
  const compare = (t: Test, what: string, cibXml: string) => {
    const current = summary(cibXml);
    if (reference === undefined) reference = current;
    else t.equal(current, reference, `${what}: the same configuration as the crm 2.1 load`);
  };

  for (const version of ['2.1', '1.1'] as const) {
    await t.test(`${label}: crm, Pacemaker ${version}`, async (t) => {
      await resetConfiguration();
      const load = await node.run('crm', ['configure', 'load', 'update', path(`pacemaker-${version}.crm`)]);
      const said = (load.stdout + load.stderr).replace(ANSI, '');
      t.equal(load.exitCode, 0, `crm configure load update exit status\n${said}`);
      t.notMatch(said, /ERROR/, 'crmsh reports no error');
      // crmsh 4.4 does not know the Pacemaker 1.1 names master-max/master-node-max: that is
      // the point of the 1.1 spelling, and Pacemaker 2.1 still accepts them.
      const warnings = said
        .split('\n')
        .filter((line) => /WARNING/.test(line) && !(version === '1.1' && /unknown attribute 'master-(node-)?max'/.test(line)));
      t.same(warnings, [], 'crmsh has nothing else to warn about');
      await verifyLive(t, `crm ${version}`);
      compare(t, `crm ${version}`, await node.exportCib());

      if (pushLive) {
        // The same block piped in, as in: ocfkit crm generate ... | crm configure load update -
        await resetConfiguration();
        const piped = await node.run('crm', ['configure', 'load', 'update', '-'], {
          input: readFileSync(path(`pacemaker-${version}.crm`), 'utf8'),
        });
        t.equal(piped.exitCode, 0, `crm configure load update - exit status\n${piped.stdout}${piped.stderr}`);
        await verifyLive(t, `crm ${version} from stdin`);
        compare(t, `crm ${version} from stdin`, await node.exportCib());
      }
    });

    await t.test(`${label}: CIB XML, Pacemaker ${version}`, async (t) => {
      await resetConfiguration();
      const load = await node.run('cibadmin', [
        '--modify',
        '--allow-create',
        '--scope',
        'configuration',
        '--xml-file',
        path(`pacemaker-${version}.cib.xml`),
      ]);
      t.equal(load.exitCode, 0, `cibadmin exit status\n${load.stdout}${load.stderr}`);
      await verifyLive(t, `cib ${version}`);
      compare(t, `cib ${version}`, await node.exportCib());
    });

    await t.test(`${label}: pcs, Pacemaker ${version}`, async (t) => {
      // pcs -f on a CIB file (a copy of the empty live one), checked with crm_verify -x.
      const offline = await offlinePcs.get(`${label} ${version}`)!;
      const { cibFile } = offline;
      t.equal(offline.exitCode, 0, `CIB=file sh script exit status\n${offline.stdout}${offline.stderr}`);
      const verifyFile = await node.run('crm_verify', ['-x', cibFile, '-V']);
      t.equal(verifyFile.exitCode, 0, 'crm_verify -x on the file');
      t.equal((verifyFile.stdout + verifyFile.stderr).trim(), '', 'crm_verify -x says nothing');
      compare(t, `pcs -f ${version}`, readFileSync(cibFile, 'utf8'));

      // As an admin runs it: pull the live CIB, apply, push once (once per provider: pcs is slow).
      if (version === '2.1' && pushLive) {
        await resetConfiguration();
        const live = await node.run('sh', [path(`run-${version}.pcs.sh`)]);
        t.equal(live.exitCode, 0, `sh script (live) exit status\n${live.stdout}${live.stderr}`);
        await verifyLive(t, 'pcs live');
        compare(t, 'pcs live', await node.exportCib());
      }
    });
  }
}

const examples = listExamples(EXAMPLES_ROOT);

// (tap ends the file once an assertion is followed by a wait with no subtest: all waits come first.)
// Both providers' files first, so that the offline pcs runs can start before the live loads.
const upstream: Written[] = [];
const renderFailures: string[] = [];
for (const example of examples) {
  const rendered = await renderExample(example, processIo, { provider: 'heartbeat' });
  if (rendered.ok) upstream.push(writeExample(example, rendered.files, `${example.name} (upstream agents)`));
  else renderFailures.push(`${example.name}: ${rendered.errors.join('; ')}`);
}
const missingAgents = OCFKIT_AGENTS.filter((agent) => !existsSync(agent));
const ocfkit: Written[] =
  missingAgents.length > 0
    ? []
    : examples.map((example) =>
        writeExample(
          example,
          new Map(EXAMPLE_VARIANTS.map((variant) => [variant.file, readFileSync(join(example.directory, variant.file), 'utf8')])),
          `${example.name} (ocfkit agents)`,
        ),
      );
await resetConfiguration();
const offlinePcs = startOfflinePcs([...upstream, ...ocfkit], await node.exportCib());
t.ok(examples.length >= 3, 'the examples are there');
t.same(renderFailures, [], 'every example renders for the upstream agents');

await t.test('upstream agents (ocf:linbit:drbd, ocf:heartbeat:*)', async (t) => {
  for (const written of upstream) await checkExample(t, written, offlinePcs, written.example === examples[0]);
});

await t.test('ocfkit agents (the checked-in crm-examples/)', async (t) => {
  if (missingAgents.length > 0) {
    t.fail(
      `the ocfkit agents are not installed (${missingAgents.join(', ')} missing): run "make install" first. ` +
        'crmsh and pcs refuse configurations that name agents they cannot find, so the ocf:ocfkit:* configurations cannot be loaded without them.',
    );
    return;
  }
  for (const written of ocfkit) await checkExample(t, written, offlinePcs, written.example === examples[0]);
});

await t.test('without a fence device: refused, or, with --without-fencing, loaded and clean', async (t) => {
  // This used to generate stonith-enabled=true without a fence device, which crmsh refuses to
  // load ("Resource start-up disabled since no STONITH resources have been defined").
  const generate = (format: string, file: string, extra: string[]) =>
    spawnSync(
      'node',
      [
        'scripts/run-ts.mjs',
        'lib/admin/cli/main.ts',
        'crm',
        'generate',
        '--provider',
        'heartbeat',
        '--format',
        format,
        '--node',
        'alice',
        '--node',
        'bob',
        '--drbd-resource',
        'r9',
        '--device',
        '/dev/drbd9',
        '--directory',
        '/srv/nine',
        '--fstype',
        'ext4',
        '-o',
        file,
        ...extra,
      ],
      { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' },
    );
  const refused = join(work, 'no-stonith.crm');
  const run = generate('crm', refused, []);
  t.equal(run.status, 1, 'refused');
  t.match(run.stderr, /--stonith: no fence device is configured: .* --without-fencing/);
  t.notOk(existsSync(refused), 'nothing written');

  for (const format of ['crm', 'cib'] as const) {
    const file = join(work, `without-fencing.${format}`);
    t.equal(generate(format, file, ['--without-fencing']).status, 0, `${format}: generated`);
    await resetConfiguration();
    const load =
      format === 'crm'
        ? await node.run('crm', ['configure', 'load', 'update', file])
        : await node.run('cibadmin', ['--modify', '--allow-create', '--scope', 'configuration', '--xml-file', file]);
    t.equal(load.exitCode, 0, `${format}: loaded as printed${load.exitCode === 0 ? '' : `\n${load.stdout}${load.stderr}`}`);
    const verify = await node.run('crm_verify', ['-L', '-V']);
    t.equal(verify.exitCode, 0, `${format}: crm_verify -L -V exit status`);
    t.notMatch(verify.stdout + verify.stderr, /error/i, `${format}: crm_verify reports no error`);
    t.match(await node.exportCib(), /name="stonith-enabled" value="false"/);
  }
});
