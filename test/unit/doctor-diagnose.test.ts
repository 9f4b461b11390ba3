// All checks together, and `ocfkit doctor` (its I/O replaced by a fake).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseCib } from '../../lib/pacemaker/cib.js';
import { parseCorosyncConf } from '../../lib/pacemaker/corosync-conf.js';
import { CHECKS, diagnose, hasDanger } from '../../lib/pacemaker/doctor/index.js';
import { runDoctor } from '../../lib/cli/doctor.js';
import type { CliIo, CommandResult } from '../../lib/cli/system.js';

const CLEAN = readFileSync(new URL('../../crm-examples/web-2node/pacemaker-2.1.cib.xml', import.meta.url), 'utf8').replace(/^<\?xml[^>]*>/, '');
const REAL = readFileSync(new URL('../fixtures/pacemaker/q2-final-cib.xml', import.meta.url), 'utf8');
const TWO_NODES = 'quorum {\n  provider: corosync_votequorum\n  two_node: 1\n}\nnodelist {\n  node {\n    name: alice\n  }\n  node {\n    name: bob\n  }\n}\n';

function fakeIo(files: Record<string, string>, cibadmin?: CommandResult) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    readText: async (path) => {
      if (path in files) return files[path]!;
      throw new Error(`ENOENT: no such file ${path}`);
    },
    writeText: async () => undefined,
    run: async (command) => (command === 'cibadmin' && cibadmin ? cibadmin : { exitCode: undefined, stdout: '', stderr: '' }),
    env: {},
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

t.test('every check has a unique id', async (t) => {
  t.equal(new Set(CHECKS.map((check) => check.id)).size, CHECKS.length);
});

t.test('a clean generated stack: only the corosync reminder', async (t) => {
  const cib = parseCib(CLEAN);
  const corosync = parseCorosyncConf(TWO_NODES);
  if (!cib.ok || !corosync.ok) throw new Error('fixtures');
  const findings = diagnose({ cib: cib.cib, corosync: corosync.conf });
  t.same(findings.map((finding) => finding.check), ['two-node-wait-for-all']);
  t.equal(hasDanger(findings), false);
});

t.test('the lab CIB: dangers first, advice last', async (t) => {
  const cib = parseCib(REAL);
  if (!cib.ok) throw new Error(cib.reason);
  const findings = diagnose({ cib: cib.cib });
  t.same(findings.map((finding) => `${finding.severity}:${finding.check}`), ['danger:stonith-disabled', 'danger:no-quorum-policy-ignore', 'advice:resource-stickiness']);
  t.equal(hasDanger(findings), true);
});

t.test('ocfkit doctor with files: text, JSON and exit codes', async (t) => {
  const lab = fakeIo({ 'cib.xml': REAL, 'corosync.conf': TWO_NODES });
  t.equal(await runDoctor({ cib: 'cib.xml', corosync: 'corosync.conf' }, lab.io), 1, 'a dangerous finding: exit 1');
  t.match(lab.stdout(), /^ocfkit doctor: checked the CIB in cib\.xml and corosync\.conf\.\n\nDANGER   fencing is turned off \(stonith-enabled=false\)   \[stonith-disabled\]\n  Why:  Without fencing/);
  t.match(lab.stdout(), /\n  Fix:  configure a fence device for every node/);
  t.match(lab.stdout(), /2 dangerous, 1 warning, 1 advice\.\n$/);

  const clean = fakeIo({ 'cib.xml': CLEAN, '/etc/corosync/corosync.conf': TWO_NODES });
  t.equal(await runDoctor({ cib: 'cib.xml', json: true }, clean.io), 0);
  const report = JSON.parse(clean.stdout());
  t.same(report.checked, ['the CIB in cib.xml', '/etc/corosync/corosync.conf']);
  t.same(report.summary, { danger: 0, warning: 1, advice: 0 });
  t.match(report.findings, [{ check: 'two-node-wait-for-all', severity: 'warning', title: String, why: String, fix: Array }]);
});

t.test('ocfkit doctor: input problems exit 2 and say what to do', async (t) => {
  const noCluster = fakeIo({}, { exitCode: 102, stdout: '', stderr: 'Could not connect to the CIB: Transport endpoint is not connected' });
  t.equal(await runDoctor({}, noCluster.io), 2);
  t.match(noCluster.stderr(), /cannot read the live CIB \(Could not connect to the CIB.*\)\. Is Pacemaker running on this node\? Use --cib FILE/);

  const missing = fakeIo({});
  t.equal(await runDoctor({ cib: 'nope.xml' }, missing.io), 2);
  t.match(missing.stderr(), /cannot read nope\.xml/);

  const notCib = fakeIo({ 'x.xml': '<html/>' });
  t.equal(await runDoctor({ cib: 'x.xml' }, notCib.io), 2);
  t.match(notCib.stderr(), /the CIB cannot be read: no <cib> or <configuration> element/);

  const badCorosync = fakeIo({ 'cib.xml': CLEAN, 'c.conf': 'quorum {\n' });
  t.equal(await runDoctor({ cib: 'cib.xml', corosync: 'c.conf' }, badCorosync.io), 2);

  const liveNoCorosync = fakeIo({}, { exitCode: 0, stdout: `<cib validate-with="pacemaker-3.9">${CLEAN}</cib>`, stderr: '' });
  t.equal(await runDoctor({}, liveNoCorosync.io), 0);
  t.match(liveNoCorosync.stderr(), /note: \/etc\/corosync\/corosync\.conf not found; the corosync checks are skipped/);
  t.match(liveNoCorosync.stdout(), /checked the live CIB \(cibadmin -Q\)\.\n\nNo known pitfalls found\./);
});
