// The doctor's checks of a cluster file system on dual-primary DRBD (issue 16): each pitfall of the
// blog-post configuration in test/fixtures/dual-primary is found, and what `ocfkit crm generate
// --dual-primary` prints raises none of them.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseCib, type CibModel } from '../../lib/admin/pacemaker/cib.js';
import { parseCorosyncConf, type CorosyncSection } from '../../lib/admin/pacemaker/corosync-conf.js';
import { parseDrbdConfig } from '../../lib/admin/drbd/config.js';
import { diagnose, type DoctorFacts, type Finding } from '../../lib/admin/pacemaker/doctor/index.js';
import { checkCloneInterleave } from '../../lib/admin/pacemaker/doctor/clone-interleave.js';
import { checkClusterFsWithoutDlm } from '../../lib/admin/pacemaker/doctor/cluster-fs-without-dlm.js';
import { checkClusterFsWithoutFencing } from '../../lib/admin/pacemaker/doctor/cluster-fs-without-fencing.js';
import { checkDrbdDualPrimaryFencing } from '../../lib/admin/pacemaker/doctor/drbd-dual-primary-fencing.js';
import { checkOrderAfterPromote } from '../../lib/admin/pacemaker/doctor/order-after-promote.js';
import { checkColocationWithPromoted } from '../../lib/admin/pacemaker/doctor/promoted-colocation.js';
import { checkTwoNodeWithoutWaitForAll } from '../../lib/admin/pacemaker/doctor/two-node-no-wait-for-all.js';
import { runDoctor } from '../../lib/admin/cli/doctor.js';
import { runCrmGenerate } from '../../lib/admin/cli/crm-generate.js';
import { processIo } from '../../lib/admin/cli/system.js';
import { fakeIo } from '../helpers/fake-io.js';

const text = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const fixture = (name: string) => text(`../fixtures/dual-primary/${name}`);
const cibOf = (xml: string): CibModel => {
  const parsed = parseCib(xml);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.cib;
};
const corosyncOf = (conf: string): CorosyncSection => {
  const parsed = parseCorosyncConf(conf);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.conf;
};
const drbdOf = (res: string, majorVersion?: 8 | 9) => {
  const parsed = parseDrbdConfig(res);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { configs: parsed.resources, ...(majorVersion ? { majorVersion } : {}) };
};

const BLOG = fixture('blog-cib.xml');
const BLOG_COROSYNC = corosyncOf(fixture('blog-corosync.conf'));
const TWO_NODE = corosyncOf(fixture('two-node.corosync.conf'));
const BLOG_RES = fixture('blog-r0.res');
// What the generator prints (crm-examples/ is kept up to date by crm-examples.test.ts).
const GENERATED = text('../../crm-examples/ocfs2-dual-primary/pacemaker-2.1.cib.xml').replace(/^<\?xml[^>]*>/, '');
const GENERATED_11 = text('../../crm-examples/ocfs2-dual-primary/pacemaker-1.1.cib.xml').replace(/^<\?xml[^>]*>/, '');
const GENERATED_RES = text('../../crm-examples/ocfs2-dual-primary/drbd.res');
const generatedCib = (xml = GENERATED, validateWith = 'pacemaker-3.9') =>
  cibOf(
    `<cib validate-with="${validateWith}">${xml.replace('<resources>', '<nodes><node id="1" uname="alice"/><node id="2" uname="bob"/></nodes><resources>')}</cib>`,
  );

const NEW_CHECKS = [
  'two-node-no-wait-for-all',
  'drbd-dual-primary-fencing',
  'cluster-fs-without-dlm',
  'cluster-fs-without-fencing',
  'clone-interleave',
  'order-after-promote',
  'colocation-with-promoted',
];
const ids = (findings: Finding[]) => findings.map((finding) => `${finding.severity}:${finding.check}`);

t.test('wait_for_all: 0 with two_node under a cluster file system or two Primaries: danger, with the way out', async (t) => {
  const generated = generatedCib();
  t.match(checkTwoNodeWithoutWaitForAll(BLOG_COROSYNC, 2, generated), [
    {
      check: 'two-node-no-wait-for-all',
      severity: 'danger',
      title:
        /wait_for_all: 0 with two_node: 1 under shared writes \(ocfs2 fs-shared-clone, DRBD r1 promoted on 2 nodes \(drbd-r1-clone\)\)/,
      why: /fence loop.*two lock managers.*corrupted.*diverge/s,
      fix: [/remove "wait_for_all: 0"/, /corosync-cmapctl -s quorum\.cancel_wait_for_all u8 1 .*pcs quorum unblock/],
    },
  ]);
  // Without a CIB: DRBD's own configuration says two nodes write.
  t.match(checkTwoNodeWithoutWaitForAll(BLOG_COROSYNC, 2, undefined, drbdOf(BLOG_RES)), [{ title: /DRBD r0 with allow-two-primaries/ }]);
  t.same(checkTwoNodeWithoutWaitForAll(TWO_NODE, 2, generated), [], 'wait_for_all on (implied by two_node): fine');
  const singlePrimary = cibOf(text('../../crm-examples/web-2node/pacemaker-2.1.cib.xml').replace(/^<\?xml[^>]*>/, ''));
  t.same(checkTwoNodeWithoutWaitForAll(BLOG_COROSYNC, 2, singlePrimary), [], 'nothing shared: left to the other quorum checks');
  t.same(checkTwoNodeWithoutWaitForAll(BLOG_COROSYNC, 3, generated), [], 'not a two-node cluster');
});

t.test('allow-two-primaries without resource-and-stonith: danger, in the section of the DRBD version', async (t) => {
  t.match(checkDrbdDualPrimaryFencing(drbdOf(BLOG_RES, 8)), [
    {
      check: 'drbd-dual-primary-fencing',
      severity: 'danger',
      title: 'DRBD r0 allows two Primaries with fencing resource-only, not resource-and-stonith',
      why: /freezes I\/O on both until the fence-peer handler/,
      fix: [/^disk \{ fencing resource-and-stonith; \}.*crm-fence-peer\.sh.*drbdadm adjust r0/, /--dual-primary/],
    },
  ]);
  t.match(checkDrbdDualPrimaryFencing(drbdOf(BLOG_RES.replace(/ *disk \{\n *fencing resource-only;\n *\}\n/, ''), 9)), [
    { title: /with fencing dont-care/, fix: [/^net \{ fencing resource-and-stonith; \}.*crm-fence-peer\.9\.sh/] },
  ]);
  t.same(checkDrbdDualPrimaryFencing(drbdOf(BLOG_RES.replace('resource-only', 'resource-and-stonith'), 8)), []);
  t.same(
    checkDrbdDualPrimaryFencing(drbdOf(BLOG_RES.replace('allow-two-primaries yes;', ''), 8)),
    [],
    'one Primary: drbd-fencing covers it',
  );
});

t.test('a cluster file system without DLM: danger; DLM on one node only: danger too', async (t) => {
  const withoutDlm = GENERATED.replace(/<clone id="dlm-clone">[\s\S]*?<\/clone>/, '');
  t.notMatch(withoutDlm, /controld/);
  t.match(checkClusterFsWithoutDlm(generatedCib(withoutDlm)), [
    {
      check: 'cluster-fs-without-dlm',
      severity: 'danger',
      title: 'ocfs2 fs-shared-clone is a cluster file system, but the CIB runs no DLM (ocf:pacemaker:controld clone)',
      why: /dlm_new_lockspace/,
      fix: [/ocf:pacemaker:controld/, /pcs resource create dlm/, /order dlm-clone:start/],
    },
  ]);
  const dlmPrimitive = GENERATED.replace(
    /<clone id="dlm-clone">\s*(?:<meta_attributes[\s\S]*?<\/meta_attributes>\s*)?(<primitive[\s\S]*?<\/primitive>)\s*<\/clone>/,
    '$1',
  );
  t.match(checkClusterFsWithoutDlm(generatedCib(dlmPrimitive)), [
    { title: /DLM \(dlm\) runs on one node only/, fix: [/crm configure clone dlm-clone dlm meta interleave=true/, String] },
  ]);
  t.same(checkClusterFsWithoutDlm(generatedCib()), []);
  t.same(checkClusterFsWithoutDlm(cibOf(BLOG)), [], 'the blog has its DLM clone');
});

t.test('a cluster file system without fencing: danger, saying why DLM needs it', async (t) => {
  t.match(checkClusterFsWithoutFencing(cibOf(BLOG)), [
    {
      check: 'cluster-fs-without-fencing',
      severity: 'danger',
      title: 'gfs2 fs-clone is a cluster file system, but fencing is turned off (stonith-enabled=false)',
      why: /only once that node has been fenced.*wait fencing/s,
    },
  ]);
  const noDevice = GENERATED.replace(/<primitive id="fence-[a-z]+"[\s\S]*?<\/primitive>/g, '');
  t.match(checkClusterFsWithoutFencing(generatedCib(noDevice)), [{ title: /but no fence device is configured/ }]);
  t.same(checkClusterFsWithoutFencing(generatedCib()), []);
});

t.test('DLM, lvmlockd and cluster file system clones without interleave: warning, one per clone', async (t) => {
  t.match(checkCloneInterleave(cibOf(BLOG)), [
    {
      check: 'clone-interleave',
      severity: 'warning',
      title: 'dlm-clone (DLM) is a clone without interleave=true',
      why: /unmounted on every node/,
      fix: ['crm resource meta dlm-clone set interleave true   (pcs: pcs resource meta dlm-clone interleave=true)'],
    },
    { title: /^lvmlockd-clone \(lvmlockd\)/ },
    { title: /^fs-clone \(the gfs2 file system\)/ },
  ]);
  t.equal(checkCloneInterleave(cibOf(BLOG)).length, 3);
  t.same(checkCloneInterleave(generatedCib()), []);
  t.same(
    checkCloneInterleave(
      generatedCib(GENERATED.replace(/(<clone id="fs-shared-clone">[\s\S]*?)<nvpair[^>]*name="interleave"[^>]*\/>/, '$1')),
    ).map((f) => f.title),
    ['fs-shared-clone (the ocfs2 file system) is a clone without interleave=true'],
  );
});

// crm-examples/lvmlockd-dual-primary: DLM and lvmlockd cloned as one group (locking-clone).
const SHARED_VG = text('../../crm-examples/lvmlockd-dual-primary/pacemaker-2.1.cib.xml').replace(/^<\?xml[^>]*>/, '');

t.test('DLM and lvmlockd cloned as one group: the same interleave check, naming both', async (t) => {
  t.same(checkCloneInterleave(generatedCib(SHARED_VG)), [], 'as generated: interleaved');
  const withoutInterleave = SHARED_VG.replace(/(<clone id="locking-clone">[\s\S]*?)<nvpair[^>]*name="interleave"[^>]*\/>/, '$1');
  t.not(withoutInterleave, SHARED_VG);
  t.match(checkCloneInterleave(generatedCib(withoutInterleave)), [
    {
      check: 'clone-interleave',
      severity: 'warning',
      title: 'locking-clone (DLM, lvmlockd) is a clone without interleave=true',
      fix: ['crm resource meta locking-clone set interleave true   (pcs: pcs resource meta locking-clone interleave=true)'],
    },
  ]);
  // An lvmlockd clone of its own, as blog posts configure it, is found the same way.
  const lvmlockdAlone = SHARED_VG.replace(
    /<clone id="locking-clone">[\s\S]*?<\/clone>/,
    '<clone id="lvmlockd-clone"><primitive id="lvmlockd" class="ocf" provider="heartbeat" type="lvmlockd"/></clone>',
  );
  t.same(
    checkCloneInterleave(generatedCib(lvmlockdAlone)).map((finding) => finding.title),
    ['lvmlockd-clone (lvmlockd) is a clone without interleave=true'],
  );
});

t.test('the file system clone after the promotion and with the Promoted role: the promotable checks cover clones', async (t) => {
  const blog = cibOf(BLOG);
  t.match(checkColocationWithPromoted(blog), [
    { title: /fs-clone is colocated with ms-drbd-r0 in any role, not with its Promoted instance \(fs-with-drbd\)/ },
  ]);
  const promotedBlog = cibOf(BLOG.replace('with-rsc="ms-drbd-r0"', 'with-rsc="ms-drbd-r0" with-rsc-role="Master"'));
  t.match(checkOrderAfterPromote(promotedBlog), [
    { severity: 'danger', title: /fs-clone is ordered after ms-drbd-r0 starts, not after it is promoted \(drbd-then-fs\)/ },
  ]);
  const unordered = GENERATED.replace(/<rsc_order id="order-drbd-r1-promote-then-fs-shared-clone"[^>]*\/>/, '');
  t.not(unordered, GENERATED);
  t.match(checkOrderAfterPromote(generatedCib(unordered)), [
    { title: /fs-shared-clone must run with the promoted drbd-r1-clone .* but nothing orders it after the promotion/ },
  ]);
  const unplaced = GENERATED.replace(/<rsc_colocation id="colo-fs-shared-clone-with-drbd-r1-promoted"[^>]*\/>/, '');
  t.match(checkColocationWithPromoted(generatedCib(unplaced)), [
    { title: /fs-shared mounts \/dev\/drbd2 but is not colocated with a promoted DRBD instance/ },
  ]);
});

t.test('the blog-post stack: every pitfall, dangers first, in text and JSON', async (t) => {
  const facts: DoctorFacts = { cib: cibOf(BLOG), corosync: BLOG_COROSYNC, drbd: drbdOf(BLOG_RES, 8) };
  const found = ids(diagnose(facts));
  for (const expected of [
    'danger:stonith-disabled',
    'danger:cluster-fs-without-fencing',
    'danger:colocation-with-promoted',
    'danger:two-node-no-wait-for-all',
    'danger:drbd-dual-primary-fencing',
    'warning:clone-interleave',
  ]) {
    t.ok(found.includes(expected), `${expected} found`);
  }
  const lab = fakeIo({ 'cib.xml': BLOG, 'corosync.conf': fixture('blog-corosync.conf'), 'r0.res': BLOG_RES });
  t.equal(await runDoctor({ cib: 'cib.xml', corosync: 'corosync.conf', json: true }, lab.io), 1, 'dangerous: exit 1');
  const report = JSON.parse(lab.stdout()) as { findings: Finding[] };
  t.match(
    report.findings.find((finding) => finding.check === 'two-node-no-wait-for-all'),
    { severity: 'danger', why: String, fix: Array },
  );
  t.match(
    report.findings.find((finding) => finding.check === 'cluster-fs-without-fencing'),
    { severity: 'danger' },
  );
  const textLab = fakeIo({ 'cib.xml': BLOG, 'corosync.conf': fixture('blog-corosync.conf') });
  t.equal(await runDoctor({ cib: 'cib.xml', corosync: 'corosync.conf' }, textLab.io), 1);
  t.match(
    textLab.stdout(),
    /DANGER   wait_for_all: 0 with two_node: 1 under shared writes \(gfs2 fs-clone, DRBD r0 promoted on 2 nodes \(ms-drbd-r0\)\)   \[two-node-no-wait-for-all\]\n  Why:  two_node: 1 lets one node keep quorum alone/,
  );
  t.match(textLab.stdout(), /WARNING  dlm-clone \(DLM\) is a clone without interleave=true   \[clone-interleave\]/);
});

/** `ocfkit crm generate --dual-primary` as an admin types it, in memory: the CIB, then the .res file (--drbd-res -). */
async function generateDualPrimary(flags: Record<string, unknown>): Promise<{ cib: string; res: string }> {
  const out: string[] = [];
  const io = {
    ...processIo,
    stdout: (chunk: string) => void out.push(chunk),
    stderr: (chunk: string) => void out.push(`stderr: ${chunk}`),
  };
  const code = await runCrmGenerate(
    {
      name: 'shared',
      node: ['alice@10.0.0.1', 'bob@10.0.0.2'],
      drbdResource: 'r0',
      device: '/dev/drbd1',
      disk: '/dev/sdb1',
      directory: '/srv/shared',
      dualPrimary: true,
      stonith: [
        'fence_ipmilan:pcmk_host_list=alice ip=10.0.1.1 username=admin password=x',
        'fence_ipmilan:pcmk_host_list=bob ip=10.0.1.2 username=admin password=x',
      ],
      provider: 'ocfkit',
      format: 'cib',
      pacemaker: '2.1',
      drbdRes: '-',
      ...flags,
    },
    io,
  );
  const printed = out.join('');
  if (code !== 0) throw new Error(`crm generate exited ${code}: ${printed}`);
  const resAt = printed.indexOf('# DRBD ');
  return { cib: printed.slice(0, resAt).replace(/^<\?xml[^>]*>/, ''), res: printed.slice(resAt) };
}

t.test('what `ocfkit crm generate --dual-primary` prints raises none of them', async (t) => {
  const stacks: [string, CibModel, DoctorFacts['drbd']][] = [
    ['crm-examples/ocfs2-dual-primary (Pacemaker 2.1, DRBD 9)', generatedCib(), drbdOf(GENERATED_RES, 9)],
    ['crm-examples/ocfs2-dual-primary (Pacemaker 1.1)', generatedCib(GENERATED_11, 'pacemaker-2.10'), drbdOf(GENERATED_RES, 9)],
    [
      'crm-examples/lvmlockd-dual-primary (a shared VG)',
      generatedCib(SHARED_VG),
      drbdOf(text('../../crm-examples/lvmlockd-dual-primary/drbd.res'), 9),
    ],
  ];
  for (const [fstype, version] of [
    ['gfs2', '8.4'],
    ['ocfs2', '8.4'],
    ['gfs2', '9'],
  ] as const) {
    const generated = await generateDualPrimary({ fstype, drbdVersion: version });
    stacks.push([
      `--dual-primary --fstype ${fstype} --drbd-version ${version}`,
      generatedCib(generated.cib),
      drbdOf(generated.res, version === '9' ? 9 : 8),
    ]);
  }
  {
    const generated = await generateDualPrimary({ fstype: 'gfs2', drbdVersion: '8.4', sharedVg: 'vg_shared/data' });
    stacks.push(['--dual-primary --shared-vg vg_shared/data --drbd-version 8.4', generatedCib(generated.cib), drbdOf(generated.res, 8)]);
  }
  for (const [name, cib, drbd] of stacks) {
    const findings = diagnose({ cib, corosync: TWO_NODE, drbd });
    t.same(
      findings.filter((finding) => NEW_CHECKS.includes(finding.check)).map((finding) => finding.title),
      [],
      `${name}: none of the dual-primary pitfalls`,
    );
    t.same(ids(findings), ['warning:two-node-wait-for-all'], `${name}: only the wait_for_all reminder`);
  }
});
