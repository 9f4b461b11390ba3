// The DRBD checks of ocfkit doctor (lib/admin/pacemaker/doctor/drbd-*.ts), each from real captured
// outputs (test/fixtures/drbd-9, drbd-doctor) or the parsers' input bent in one way.
import t from 'tap';
import { parseDrbdadmAdjust } from '../../lib/admin/drbd/adjust.js';
import { checkDrbdAsyncProtocol } from '../../lib/admin/pacemaker/doctor/drbd-async-protocol.js';
import { checkDrbdBackingDeviceLarger } from '../../lib/admin/pacemaker/doctor/drbd-backing-device-larger.js';
import { checkDrbdConfigDiffers } from '../../lib/admin/pacemaker/doctor/drbd-config-differs.js';
import { checkDrbdDualPrimary } from '../../lib/admin/pacemaker/doctor/drbd-dual-primary.js';
import { checkDrbdFencing } from '../../lib/admin/pacemaker/doctor/drbd-fencing.js';
import { checkDrbdInconsistent } from '../../lib/admin/pacemaker/doctor/drbd-inconsistent.js';
import { checkDrbdOutOfSync } from '../../lib/admin/pacemaker/doctor/drbd-out-of-sync.js';
import { checkDrbdPeerOutdated } from '../../lib/admin/pacemaker/doctor/drbd-peer-outdated.js';
import { checkDrbdQuorum } from '../../lib/admin/pacemaker/doctor/drbd-quorum.js';
import { checkDrbdUsermodeHelper } from '../../lib/admin/pacemaker/doctor/drbd-usermode-helper.js';
import { diagnose } from '../../lib/admin/pacemaker/doctor/index.js';
import { CLEAN, cib } from '../helpers/doctor-cib.js';
import { configsOf, fixture, statesOf } from '../helpers/doctor-drbd.js';

const FENCED = configsOf('drbd-doctor/dump-9-fenced.txt');
const UNFENCED = configsOf('drbd-doctor/dump-9-fixture-config.txt');
/** The same three nodes without quorum: then DRBD fencing is needed. */
const UNFENCED_NO_QUORUM = UNFENCED.map((config) => ({
  ...config,
  settings: Object.fromEntries(Object.entries(config.settings).filter(([key]) => !key.startsWith('options.quorum'))),
}));
const SYNCED = 'drbd-9/03-synced-one-primary/node1/drbdsetup_status_vs.txt';

t.test('usermode_helper', async (t) => {
  t.match(checkDrbdUsermodeHelper({ usermodeHelper: '/bin/true', configs: FENCED }), [
    {
      check: 'drbd-usermode-helper',
      severity: 'danger',
      title: /"\/bin\/true", not drbdadm, but r0 uses fencing/,
      fix: [/usermode_helper/, /modprobe\.d/],
    },
  ]);
  t.same(checkDrbdUsermodeHelper({ usermodeHelper: '/usr/sbin/drbdadm', configs: FENCED }), []);
  t.same(checkDrbdUsermodeHelper({ usermodeHelper: '/bin/true', configs: UNFENCED }), [], 'no fencing, no handlers: nothing is lost');
  t.same(checkDrbdUsermodeHelper({ configs: FENCED }), [], 'unknown helper: no finding');
});

t.test('fencing and handlers of a resource Pacemaker manages', async (t) => {
  t.same(checkDrbdFencing({ configs: FENCED }, cib()), []);
  // three DRBD 9 nodes with quorum need no DRBD fencing (quorum does its work) ...
  t.same(checkDrbdFencing({ configs: UNFENCED }, cib()), [], 'DRBD 9 quorum on three nodes instead of fencing');
  // ... without quorum they do
  t.match(checkDrbdFencing({ configs: UNFENCED_NO_QUORUM }, cib()), [
    {
      check: 'drbd-fencing',
      severity: 'danger',
      title: 'DRBD r0 (managed by drbd-r0-clone) has fencing dont-care',
      fix: [/^net \{ fencing resource-only; \}/],
    },
    {
      check: 'drbd-fencing',
      severity: 'danger',
      title: /no fence-peer handler/,
      fix: [/crm-fence-peer\.9\.sh.*unfence-peer "\/usr\/lib\/drbd\/crm-unfence-peer\.9\.sh"/],
    },
  ]);
  t.same(
    checkDrbdFencing({ configs: UNFENCED_NO_QUORUM }, cib(CLEAN.replace('value="r0"', 'value="r1"'))),
    [],
    'a resource Pacemaker does not manage',
  );
  // DRBD 8.4: fencing in the disk section, the unfence handler is after-resync-target.
  const without84 = configsOf('drbd-doctor/dump-84-common.txt').map((config) => ({ ...config, settings: { 'net.protocol': 'C' } }));
  t.match(checkDrbdFencing({ configs: without84, majorVersion: 8 }, cib()), [
    { fix: [/^disk \{ fencing resource-only; \}/] },
    { fix: [/crm-fence-peer\.sh.*after-resync-target/] },
  ]);
});

t.test('DRBD 9 quorum with three nodes', async (t) => {
  t.same(checkDrbdQuorum({ configs: UNFENCED }, cib()), []);
  t.match(checkDrbdQuorum({ configs: configsOf('drbd-doctor/dump-9-no-quorum.txt') }, cib()), [
    { check: 'drbd-quorum', severity: 'danger', title: 'DRBD r0 has 3 nodes but no quorum', fix: [/quorum majority/] },
  ]);
});

t.test('allow-two-primaries', async (t) => {
  const dual = configsOf('drbd-doctor/dump-84-common.txt');
  t.match(checkDrbdDualPrimary({ configs: dual }, cib()), [
    { check: 'drbd-dual-primary', severity: 'warning', title: /no cluster file system/ },
  ]);
  const twoPromoted = CLEAN.replace('name="promoted-max" value="1"', 'name="promoted-max" value="2"');
  t.match(checkDrbdDualPrimary({ configs: dual }, cib(twoPromoted)), [
    { severity: 'danger', why: /promoted-max=2/, fix: [/allow-two-primaries/, /promoted-max 1/] },
  ]);
  const gfs2 = CLEAN.replace('name="fstype" value="ext4"', 'name="fstype" value="gfs2"');
  t.match(checkDrbdDualPrimary({ configs: dual }, cib(gfs2)), [{ severity: 'warning', title: /promotes only one \(promoted-max=1\)/ }]);
  t.same(checkDrbdDualPrimary({ configs: dual }, cib(gfs2.replace('name="promoted-max" value="1"', 'name="promoted-max" value="2"'))), []);
  t.same(checkDrbdDualPrimary({ configs: FENCED }, cib()), []);
});

t.test('protocol A or B under a promotable clone', async (t) => {
  t.match(checkDrbdAsyncProtocol({ configs: configsOf('drbd-doctor/dump-84-common.txt') }, cib()), [
    { check: 'drbd-async-protocol', severity: 'warning', title: /protocol A/, why: /in flight to the peer/, fix: [/protocol C/] },
  ]);
  t.same(checkDrbdAsyncProtocol({ configs: FENCED }, cib()), []);
});

t.test('Inconsistent data with no resync', async (t) => {
  t.match(checkDrbdInconsistent({ states: statesOf('drbd-9/01-connected-inconsistent/node1/drbdsetup_status_vs.txt') }), [
    {
      check: 'drbd-inconsistent',
      severity: 'danger',
      title: 'DRBD r0: volume 0 is Inconsistent and no resync is running',
      fix: [/drbdadm primary --force r0/, /overwrites/],
    },
  ]);
  t.same(checkDrbdInconsistent({ states: statesOf('drbd-9/02-initial-sync/node2/drbdsetup_status_vs.txt') }), [], 'a resync is running');
  t.same(checkDrbdInconsistent({ states: statesOf(SYNCED) }), []);
});

t.test('out-of-sync blocks left while connected (after a verify)', async (t) => {
  t.same(checkDrbdOutOfSync({ states: statesOf(SYNCED) }), []);
  const afterVerify = fixture(SYNCED).replace('sent:65496 out-of-sync:0', 'sent:65496 out-of-sync:4096');
  t.match(checkDrbdOutOfSync({ states: statesOf(afterVerify, true) }), [
    {
      check: 'drbd-out-of-sync',
      severity: 'warning',
      title: 'DRBD r0: 4096 KiB in volume 0 out of sync with peer node2 while connected',
      fix: ['drbdadm disconnect r0:node2 && drbdadm connect r0:node2   (on this node; the resync starts at once)'],
    },
  ]);
  // DRBD 8.4: one unnamed peer, the commands name the resource.
  const old = fixture('drbd-8.4/03-synced/node1/drbdsetup_status_vs.txt').replace('out-of-sync:0', 'out-of-sync:8');
  t.match(checkDrbdOutOfSync({ states: statesOf(old, true) }), [
    { title: /with the peer/, fix: [/^drbdadm disconnect r0 && drbdadm connect r0 /] },
  ]);
  t.same(
    checkDrbdOutOfSync({ states: statesOf('drbd-9/04-peer-link-down/node1/drbdsetup_status_vs.txt') }),
    [],
    'disconnected: a resync follows the reconnect anyway',
  );
  // Regression: a never-synced resource (all Inconsistent, whole device out of sync) is not a verify's leftover.
  t.same(checkDrbdOutOfSync({ states: statesOf('drbd-9/01-connected-inconsistent/node1/drbdsetup_status_vs.txt') }), []);
});

t.test('a peer Outdated', async (t) => {
  t.match(checkDrbdPeerOutdated({ states: statesOf('drbd-9/10-split-brain/node2/drbdsetup_status_vs.txt') }), [
    { check: 'drbd-peer-outdated', severity: 'warning', title: /peer node3 is Outdated/, fix: [/drbdadm connect r0/] },
  ]);
  t.same(checkDrbdPeerOutdated({ states: statesOf(SYNCED) }), []);
});

t.test('backing device grown but DRBD not resized', async (t) => {
  const states = statesOf(SYNCED);
  t.same(
    checkDrbdBackingDeviceLarger({ states, configs: FENCED, backingDeviceBytes: { '/dev/vda': 64 * 1024 * 1024 } }),
    [],
    'the captured 64 MiB disk: only metadata',
  );
  t.match(checkDrbdBackingDeviceLarger({ states, configs: FENCED, backingDeviceBytes: { '/dev/vda': 128 * 1024 * 1024 } }), [
    {
      check: 'drbd-backing-device-larger',
      severity: 'warning',
      title: /\/dev\/vda has 63 MiB that DRBD does not use/,
      fix: [/drbdadm resize r0$/, /resize2fs/],
    },
  ]);
  const resyncing = statesOf('drbd-9/02-initial-sync/node1/drbdsetup_status_vs.txt');
  t.match(checkDrbdBackingDeviceLarger({ states: resyncing, configs: FENCED, backingDeviceBytes: { '/dev/vda': 128 * 1024 * 1024 } }), [
    { why: /A resync is running now/, fix: [/wait until the resync has finished/, /drbdadm resize r0/] },
  ]);
});

t.test('running configuration differs from the files', async (t) => {
  const parsed = parseDrbdadmAdjust(fixture('drbd-doctor/adjust-9-fencing-not-applied.txt'));
  if (!parsed.ok) throw new Error(parsed.reason);
  const states = statesOf(SYNCED);
  t.match(checkDrbdConfigDiffers({ states, adjust: { r0: parsed.steps } }), [
    {
      check: 'drbd-config-differs',
      severity: 'warning',
      title: /drbdadm adjust would change 4 things/,
      why: /network options for node2 \(node-id 1\) would be set: fencing=resource-only, protocol=C/,
      fix: [/drbdadm -d adjust r0/, /drbdadm adjust r0/],
    },
  ]);
  t.same(checkDrbdConfigDiffers({ states, adjust: { r0: [] } }), []);
});

t.test('diagnose runs the DRBD checks only with DRBD facts', async (t) => {
  t.notOk(diagnose({ cib: cib() }).some((finding) => finding.check.startsWith('drbd-') && finding.check !== 'drbd-notify'));
  const findings = diagnose({
    cib: cib(),
    drbd: { configs: UNFENCED_NO_QUORUM, states: statesOf(SYNCED), usermodeHelper: '/usr/sbin/drbdadm' },
  });
  t.same(findings.map((finding) => finding.check).sort(), ['drbd-fencing', 'drbd-fencing', 'drbd-quorum']);
  t.same(
    diagnose({ cib: cib(), drbd: { configs: UNFENCED, states: statesOf(SYNCED), usermodeHelper: '/usr/sbin/drbdadm' } }).map(
      (finding) => finding.check,
    ),
    [],
    'quorum: nothing to say',
  );
});
