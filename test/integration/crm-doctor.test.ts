// ocfkit doctor on real CIBs: a generated stack is loaded into a real Pacemaker, broken in one of
// the known ways with the tools admins use (crm, crm_resource, cibadmin), exported with
// cibadmin -Q, and the doctor must name exactly that pitfall. corosync.conf variants are checked
// with corosync -t first, so they are real configurations too.

import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listExamples, renderExample } from '../../lib/admin/cli/crm-examples.js';
import { processIo } from '../../lib/admin/cli/system.js';
import { parseCib } from '../../lib/admin/pacemaker/cib.js';
import { parseCorosyncConf } from '../../lib/admin/pacemaker/corosync-conf.js';
import { diagnose } from '../../lib/admin/pacemaker/doctor/index.js';
import { startSingleNode } from '../cluster/single-node.js';
import { runtimeBinary } from '../../scripts/runtime.mjs';

const REPO = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'ocfk-crm-doctor-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const node = await startSingleNode({ name: `doctor-${process.pid}`, properties: { 'stop-all-resources': 'true' } });
t.teardown(() => node.stop());

const web = listExamples(join(REPO, 'crm-examples')).find((example) => example.name === 'web-2node')!;
const rendered = await renderExample(web, processIo, { provider: 'heartbeat' });
if (!rendered.ok) throw new Error(rendered.errors.join('\n'));
const files = rendered.files;
const write = (name: string, text: string) => {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
};
const clean21 = write('clean-2.1.crm', files.get('pacemaker-2.1.crm')!);
const clean11 = write('clean-1.1.crm', files.get('pacemaker-1.1.crm')!);

/** An empty configuration, then `crmFile` loaded, then `breakIt` run. Returns the exported CIB. */
async function scenario(crmFile: string, breakIt: (() => Promise<void>) | undefined): Promise<string> {
  for (const section of ['constraints', 'resources'])
    await node.runOk('cibadmin', ['--replace', '-o', section, '--xml-text', `<${section}/>`]);
  await node.run('cibadmin', ['--replace', '-o', 'rsc_defaults', '--xml-text', '<rsc_defaults/>']);
  for (const property of ['stonith-enabled', 'no-quorum-policy'])
    await node.run('crm_attribute', ['--type', 'crm_config', '--name', property, '--delete']);
  await node.runOk('crm', ['configure', 'load', 'update', crmFile]);
  if (breakIt) await breakIt();
  return node.exportCib();
}

function findingsOf(cibXml: string) {
  const parsed = parseCib(cibXml);
  if (!parsed.ok) throw new Error(parsed.reason);
  // The harness's CIB knows one node; the stack is for two (alice, bob): say so, as corosync would.
  const corosync = parseCorosyncConf(
    'quorum {\n provider: corosync_votequorum\n two_node: 1\n wait_for_all: 0\n}\nnodelist {\n node {\n  name: alice\n }\n node {\n  name: bob\n }\n}\n',
  );
  if (!corosync.ok) throw new Error(corosync.reason);
  return diagnose({ cib: parsed.cib, corosync: corosync.conf });
}

const crm =
  (...args: string[]) =>
  async () =>
    void (await node.runOk('crm', args));
const tool =
  (command: string, ...args: string[]) =>
  async () =>
    void (await node.runOk(command, args));

await t.test('the generated stack, loaded and exported: no findings', async (t) => {
  const cib = await scenario(clean21, undefined);
  t.same(findingsOf(cib), []);
  writeFileSync(join(work, 'clean.cib.xml'), cib);
});

const PITFALLS: { name: string; crmFile?: string; breakIt: () => Promise<void>; expect: [string, string][] }[] = [
  {
    name: 'stonith-enabled=false and no-quorum-policy=ignore',
    breakIt: crm('configure', 'property', 'stonith-enabled=false', 'no-quorum-policy=ignore'),
    expect: [
      ['danger', 'stonith-disabled'],
      ['danger', 'no-quorum-policy-ignore'],
    ],
  },
  {
    name: 'fence devices deleted',
    breakIt: async () => {
      for (const id of ['fence-alice', 'fence-bob']) await node.runOk('cibadmin', ['--delete', '--xml-text', `<primitive id="${id}"/>`]);
    },
    expect: [['danger', 'no-stonith-device']],
  },
  {
    name: 'colocated with the clone, not its Promoted role',
    breakIt: async () => {
      await node.runOk('cibadmin', ['--delete', '--xml-text', '<rsc_colocation id="colo-g-web-with-drbd-r0-promoted"/>']);
      await node.runOk('crm', ['configure', 'colocation', 'colo-g-web-with-drbd-r0', 'inf:', 'g-web', 'drbd-r0-clone']);
    },
    expect: [['danger', 'colocation-with-promoted']],
  },
  {
    name: 'no order constraint',
    breakIt: tool('cibadmin', '--delete', '--xml-text', '<rsc_order id="order-drbd-r0-promote-then-g-web"/>'),
    expect: [['danger', 'order-after-promote']],
  },
  {
    name: 'ordered after start, not promote',
    breakIt: tool('cibadmin', '--modify', '--xml-text', '<rsc_order id="order-drbd-r0-promote-then-g-web" first-action="start"/>'),
    expect: [['danger', 'order-after-promote']],
  },
  {
    name: 'the same monitor interval for both roles',
    breakIt: tool('cibadmin', '--modify', '--xml-text', '<op id="drbd-r0-monitor-20s" interval="10s"/>'),
    expect: [['danger', 'promotable-monitors']],
  },
  {
    name: 'notify removed from the DRBD clone',
    breakIt: tool('crm_resource', '--resource', 'drbd-r0-clone', '--meta', '--delete-parameter', 'notify'),
    expect: [['danger', 'drbd-notify']],
  },
  {
    name: 'crm resource ban / move leave cli constraints behind',
    breakIt: async () => {
      await node.runOk('crm', ['resource', 'ban', 'g-web', 'node1']);
      await node.runOk('crm', ['resource', 'move', 'fence-alice', 'node1']);
    },
    expect: [
      ['warning', 'leftover-cli-constraints'],
      ['warning', 'leftover-cli-constraints'],
    ],
  },
  {
    name: 'ms/Master/Slave (the Pacemaker 1.1 spelling) in Pacemaker 2.1',
    crmFile: clean11,
    breakIt: async () => undefined,
    expect: [['warning', 'deprecated-promotable-syntax']],
  },
  {
    name: 'no resource stickiness',
    breakIt: crm('configure', 'rsc_defaults', 'resource-stickiness=0'),
    expect: [['advice', 'resource-stickiness']],
  },
];

for (const pitfall of PITFALLS) {
  await t.test(pitfall.name, async (t) => {
    const cib = await scenario(pitfall.crmFile ?? clean21, pitfall.breakIt);
    const findings = findingsOf(cib);
    t.same(
      findings.map((finding) => [finding.severity, finding.check]),
      pitfall.expect,
      findings.map((finding) => finding.title).join('\n'),
    );
    writeFileSync(join(work, `${pitfall.name.replace(/\W+/g, '-')}.cib.xml`), cib);
  });
}

await t.test('the CLI: live (inside the node) and with files; exit status 1 on danger', async (t) => {
  const bundle = join(REPO, 'dist', 'tmp', `ocfkit-crm-doctor-test-${process.pid}.mjs`);
  t.teardown(() => rmSync(bundle, { force: true }));
  execFileSync(join(REPO, 'node_modules/.bin/esbuild'), [
    join(REPO, 'lib/admin/cli/main.ts'),
    '--bundle',
    '--platform=node',
    '--format=esm',
    `--outfile=${bundle}`,
    '--log-level=warning',
    "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  ]);
  const nodeBinary = runtimeBinary(REPO);

  const twoNodes = write(
    'corosync-two-node.conf',
    'totem {\n version: 2\n cluster_name: web\n}\nquorum {\n provider: corosync_votequorum\n two_node: 1\n}\nnodelist {\n node {\n  name: alice\n  nodeid: 1\n  ring0_addr: 127.0.0.1\n }\n node {\n  name: bob\n  nodeid: 2\n  ring0_addr: 10.0.0.2\n }\n}\n',
  );
  const noTwoNode = write('corosync-no-two-node.conf', readFileSync(twoNodes, 'utf8').replace(' two_node: 1\n', ''));
  for (const conf of [twoNodes, noTwoNode]) {
    const check = await node.run('corosync', ['-t', '-c', conf]);
    t.equal(check.exitCode, 0, `corosync -t accepts ${conf}\n${check.stdout}${check.stderr}`);
  }

  await scenario(clean21, crm('configure', 'property', 'stonith-enabled=false'));
  const live = await node.run(nodeBinary, [bundle, 'doctor', '--corosync', twoNodes]);
  t.equal(live.exitCode, 1, 'a dangerous finding: exit 1');
  t.match(live.stdout, /^ocfkit doctor: checked the live CIB \(cibadmin -Q\) and .*corosync-two-node\.conf\./);
  t.match(live.stdout, /DANGER   fencing is turned off \(stonith-enabled=false\)   \[stonith-disabled\]/);
  t.match(live.stdout, /WARNING  two_node: 1 implies wait_for_all/);

  // Without --corosync the live CIB goes with this node's corosync.conf, and the report says which.
  const liveLocal = await node.run(nodeBinary, [bundle, 'doctor', '--json']);
  const localConf = '/etc/corosync/corosync.conf';
  t.match(JSON.parse(liveLocal.stdout), {
    checked: ['the live CIB (cibadmin -Q)'],
    corosyncConf: existsSync(localConf) ? localConf : null,
  });

  const clean = join(work, 'clean.cib.xml');
  const fromFiles = await node.run(nodeBinary, [bundle, 'doctor', '--cib', clean, '--corosync', noTwoNode, '--json']);
  t.equal(fromFiles.exitCode, 0, 'warnings only: exit 0');
  t.match(JSON.parse(fromFiles.stdout), {
    corosyncConf: noTwoNode,
    summary: { danger: 0, warning: 1 },
    findings: [{ check: 'two-node-quorum' }],
  });
  // A CIB file may come from another cluster: no corosync.conf unless named, and the report says so.
  const cibOnly = await node.run(nodeBinary, [bundle, 'doctor', '--cib', clean]);
  t.equal(cibOnly.exitCode, 0);
  t.match(
    cibOnly.stdout,
    /^ocfkit doctor: checked the CIB in .*clean\.cib\.xml; no corosync\.conf read \(the CIB is from a file; name its cluster's with --corosync FILE/,
  );
});
