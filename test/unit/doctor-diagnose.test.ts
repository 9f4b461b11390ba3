// All checks together, and `ocfkit doctor` (its I/O replaced by a fake).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseCib } from '../../lib/admin/pacemaker/cib.js';
import { parseCorosyncConf } from '../../lib/admin/pacemaker/corosync-conf.js';
import { CHECKS, diagnose, hasDanger } from '../../lib/admin/pacemaker/doctor/index.js';
import { runDoctor } from '../../lib/admin/cli/doctor.js';
import type { CommandResult } from '../../lib/admin/cli/system.js';
import { fakeIo as fakeMachine } from '../helpers/fake-io.js';

/** The doctor's machine: files, and what cibadmin answers. */
const fakeIo = (files: Record<string, string>, cibadmin?: CommandResult) => fakeMachine(files, cibadmin ? { cibadmin } : {});

const CLEAN = readFileSync(new URL('../../crm-examples/web-2node/pacemaker-2.1.cib.xml', import.meta.url), 'utf8').replace(
  /^<\?xml[^>]*>/,
  '',
);
const REAL = readFileSync(new URL('../fixtures/pacemaker/cib-running.xml', import.meta.url), 'utf8');
const TWO_NODES =
  'quorum {\n  provider: corosync_votequorum\n  two_node: 1\n}\nnodelist {\n  node {\n    name: alice\n  }\n  node {\n    name: bob\n  }\n}\n';

t.test('every check has a unique id', async (t) => {
  t.equal(new Set(CHECKS.map((check) => check.id)).size, CHECKS.length);
});

t.test('a clean generated stack: only the corosync reminder', async (t) => {
  const cib = parseCib(CLEAN);
  const corosync = parseCorosyncConf(TWO_NODES);
  if (!cib.ok || !corosync.ok) throw new Error('fixtures');
  const findings = diagnose({ cib: cib.cib, corosync: corosync.conf });
  t.same(
    findings.map((finding) => finding.check),
    ['two-node-wait-for-all'],
  );
  t.equal(hasDanger(findings), false);
});

t.test('the lab CIB: dangers first, advice last', async (t) => {
  const cib = parseCib(REAL);
  if (!cib.ok) throw new Error(cib.reason);
  const findings = diagnose({ cib: cib.cib });
  t.same(
    findings.map((finding) => `${finding.severity}:${finding.check}`),
    ['danger:stonith-disabled', 'danger:no-quorum-policy-ignore', 'advice:resource-stickiness'],
  );
  t.equal(hasDanger(findings), true);
});

t.test('ocfkit doctor with files: text, JSON and exit codes', async (t) => {
  const lab = fakeIo({ 'cib.xml': REAL, 'corosync.conf': TWO_NODES });
  t.equal(await runDoctor({ cib: 'cib.xml', corosync: 'corosync.conf' }, lab.io), 1, 'a dangerous finding: exit 1');
  t.match(
    lab.stdout(),
    /^ocfkit doctor: checked the CIB in cib\.xml and the corosync\.conf corosync\.conf\.\n\nDANGER   fencing is turned off \(stonith-enabled=false\)   \[stonith-disabled\]\n  Why:  Without fencing/,
  );
  t.match(lab.stdout(), /\n  Fix:  configure a fence device for every node/);
  t.match(lab.stdout(), /2 dangerous, 1 warning, 1 advice\.\n$/);

  const clean = fakeIo({ 'cib.xml': CLEAN, 'corosync.conf': TWO_NODES });
  t.equal(await runDoctor({ cib: 'cib.xml', corosync: 'corosync.conf', json: true }, clean.io), 0);
  const report = JSON.parse(clean.stdout());
  t.same(report.checked, ['the CIB in cib.xml', 'corosync.conf']);
  t.equal(report.corosyncConf, 'corosync.conf');
  t.same(report.summary, { danger: 0, warning: 1, advice: 0 });
  t.match(report.findings, [{ check: 'two-node-wait-for-all', severity: 'warning', title: String, why: String, fix: Array }]);
});

t.test('ocfkit doctor: input problems exit 2 and say what to do', async (t) => {
  const noCluster = fakeIo({}, { exitCode: 102, stdout: '', stderr: 'Could not connect to the CIB: Transport endpoint is not connected' });
  t.equal(await runDoctor({}, noCluster.io), 2);
  t.match(
    noCluster.stderr(),
    /cannot read the live CIB \(Could not connect to the CIB.*\)\. Is Pacemaker running on this node\? Use --cib FILE/,
  );

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
  t.match(
    liveNoCorosync.stdout(),
    /checked the live CIB \(cibadmin -Q\); no corosync\.conf read \(\/etc\/corosync\/corosync\.conf does not exist on this node; the corosync checks are skipped\)\.\n\nNo known pitfalls found\./,
  );
});

// Issue 10: a CIB file from another cluster was checked against this node's corosync.conf,
// and the report did not say which corosync.conf it had read.
t.test('ocfkit doctor: which corosync.conf belongs to the CIB, said in text and JSON', async (t) => {
  const LOCAL = '/etc/corosync/corosync.conf';
  // This node's corosync.conf is a two-node cluster: read, it adds the wait_for_all reminder.
  const machine = { 'cib.xml': CLEAN, [LOCAL]: TWO_NODES };

  const fromFile = fakeIo(machine);
  t.equal(await runDoctor({ cib: 'cib.xml' }, fromFile.io), 0);
  t.match(
    fromFile.stdout(),
    /^ocfkit doctor: checked the CIB in cib\.xml; no corosync\.conf read \(the CIB is from a file; name its cluster's with --corosync FILE for the corosync checks\)\.\n\nNo known pitfalls found\.\n$/,
  );
  t.equal(fromFile.stderr(), '');
  const fromFileJson = fakeIo(machine);
  t.equal(await runDoctor({ cib: 'cib.xml', json: true }, fromFileJson.io), 0);
  t.match(JSON.parse(fromFileJson.stdout()), { checked: ['the CIB in cib.xml'], corosyncConf: null, findings: [] });

  const fromStdin = fakeIo({ ...machine, '-': CLEAN });
  t.equal(await runDoctor({ cib: '-' }, fromStdin.io), 0);
  t.match(fromStdin.stdout(), /^ocfkit doctor: checked the CIB on standard input; no corosync\.conf read/);

  const asked = fakeIo(machine);
  t.equal(await runDoctor({ cib: 'cib.xml', corosync: LOCAL, json: true }, asked.io), 0);
  t.match(JSON.parse(asked.stdout()), {
    checked: ['the CIB in cib.xml', LOCAL],
    corosyncConf: LOCAL,
    findings: [{ check: 'two-node-wait-for-all' }],
  });

  const live = fakeIo(machine, { exitCode: 0, stdout: `<cib validate-with="pacemaker-3.9">${CLEAN}</cib>`, stderr: '' });
  t.equal(await runDoctor({}, live.io), 0);
  t.match(
    live.stdout(),
    /^ocfkit doctor: checked the live CIB \(cibadmin -Q\) and this node's \/etc\/corosync\/corosync\.conf\.\n\nWARNING  .*\[two-node-wait-for-all\]/,
  );
  const liveJson = fakeIo(machine, { exitCode: 0, stdout: `<cib validate-with="pacemaker-3.9">${CLEAN}</cib>`, stderr: '' });
  t.equal(await runDoctor({ json: true }, liveJson.io), 0);
  t.match(JSON.parse(liveJson.stdout()), { checked: ['the live CIB (cibadmin -Q)', LOCAL], corosyncConf: LOCAL });
});

// Issue 10: internal entities were expanded: a 170 KB CIB cost 18 s and 1 GB of memory.
t.test('ocfkit doctor: a CIB with a DOCTYPE or entities is refused at once, exit 2', async (t) => {
  // One 25 KB entity referenced 28,000 times in a 110 KB file: 700 MB once expanded.
  const entity = 'A'.repeat(25_000);
  const references = '&big;'.repeat(7_000);
  const quadratic =
    `<?xml version="1.0"?>\n<!DOCTYPE cib [\n<!ENTITY big "${entity}">\n]>\n` +
    `<cib validate-with="pacemaker-3.9"><configuration><crm_config><cluster_property_set id="c">${[0, 1, 2, 3]
      .map((index) => `<nvpair id="n${index}" name="x${index}" value="${references}"/>`)
      .join('')}</cluster_property_set></crm_config><nodes/><resources/><constraints/></configuration></cib>\n`;
  // The classic nested form: ten levels of ten references each.
  const laughs = `<!DOCTYPE cib [\n<!ENTITY lol0 "lol">\n${Array.from(
    { length: 9 },
    (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level};`.repeat(10)}">`,
  ).join(
    '\n',
  )}\n]>\n<cib><configuration><crm_config><cluster_property_set id="c"><nvpair id="n" name="x" value="&lol9;"/></cluster_property_set></crm_config></configuration></cib>\n`;

  for (const [name, xml] of [
    ['one big entity referenced many times', quadratic],
    ['nested entities (billion laughs)', laughs],
  ] as const) {
    const io = fakeIo({ 'cib.xml': xml });
    const started = performance.now();
    t.equal(await runDoctor({ cib: 'cib.xml' }, io.io), 2, `${name}: exit 2, the CIB cannot be read`);
    t.ok(performance.now() - started < 2_000, `${name}: refused in under 2 s (took ${Math.round(performance.now() - started)} ms)`);
    t.match(
      io.stderr(),
      /^ocfkit doctor: the CIB cannot be read: it declares a DOCTYPE or entities, which a CIB never has \(cibadmin -Q writes none\)/,
    );
    t.equal(io.stdout(), '');
  }
  t.match(parseCib('<!doctype cib>\n<cib><configuration/></cib>'), { ok: false, reason: /DOCTYPE/ }, 'any spelling');
  t.match(
    parseCib(`<cib validate-with="pacemaker-3.9">${CLEAN.replace('<resources>', '<resources><!-- a comment -->')}</cib>`),
    { ok: true },
    'an ordinary CIB still reads',
  );
});

// Issue 10 (as for drbd status): text from the input reached the terminal with its control characters.
t.test('ocfkit doctor: control characters from the CIB are shown escaped', async (t) => {
  // A leftover ban names its resource: here one whose id would retitle the window and clear the screen.
  const hostile = CLEAN.replace(
    '<constraints>',
    '<constraints><rsc_location id="cli-ban-x-on-bob" rsc="x\x1b]0;owned\x07\x9b2J" node="bob" score="-INFINITY"/>',
  );
  const io = fakeIo({ 'cib.xml': `<cib validate-with="pacemaker-3.9">${hostile}</cib>`, 'bad\x1b[2J.conf': 'quorum {\n' });
  t.equal(await runDoctor({ cib: 'cib.xml' }, io.io), 0);
  t.match(io.stdout(), /WARNING  x\\x1b\]0;owned\\x07\\x9b2J is banned from bob/);
  t.equal(await runDoctor({ cib: 'cib.xml', json: true }, io.io), 0);
  t.equal(await runDoctor({ cib: 'cib.xml', corosync: 'bad\x1b[2J.conf' }, io.io), 2);
  t.match(io.stderr(), /bad\\x1b\[2J\.conf cannot be read/);
  t.notMatch(io.stdout() + io.stderr(), /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
});
