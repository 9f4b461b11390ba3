// ocfkit doctor with DRBD: from saved outputs (--drbd-*), and live through a fake of the machine.
import t from 'tap';
import { runDoctor } from '../../lib/admin/cli/doctor.js';
import type { CommandResult } from '../../lib/admin/cli/system.js';
import { fakeIo } from '../helpers/fake-io.js';
import { CLEAN } from '../helpers/doctor-cib.js';
import { fixture } from '../helpers/doctor-drbd.js';

const CIB = `<cib validate-with="pacemaker-3.9">${CLEAN}</cib>`;

t.test('from saved outputs, in --json', async (t) => {
  const lab = fakeIo({
    'cib.xml': CLEAN,
    status: fixture('drbd-9/03-synced-one-primary/node1/drbdsetup_status_json.txt'),
    // three nodes without quorum and without fencing
    dump: fixture('drbd-doctor/dump-9-no-quorum.txt'),
    helper: '/bin/true\n',
  });
  const args = { cib: 'cib.xml', drbdStatus: 'status', drbdConfig: 'dump', drbdUsermodeHelper: 'helper', json: true };
  t.equal(await runDoctor(args, lab.io), 1, 'dangerous: neither quorum nor fencing');
  const document = JSON.parse(lab.stdout());
  t.same(document.checked, ['the CIB in cib.xml', 'status', 'dump', 'helper']);
  t.same(document.findings.map((finding: { check: string }) => finding.check).sort(), ['drbd-fencing', 'drbd-fencing', 'drbd-quorum']);
  t.equal(lab.ran.length, 0, 'nothing asked of this node');
});

t.test('an unreadable --drbd-* file is an input error', async (t) => {
  const lab = fakeIo({ 'cib.xml': CLEAN, dump: 'resource r0 {' });
  t.equal(await runDoctor({ cib: 'cib.xml', drbdConfig: 'dump' }, lab.io), 2);
  t.match(lab.stderr(), /dump is not drbdadm dump output I can read/);
  t.equal(await runDoctor({ cib: 'cib.xml', drbdStatus: 'missing' }, lab.io), 2);
});

t.test('live: a node without DRBD has no DRBD findings and says nothing about DRBD', async (t) => {
  const lab = fakeIo({}, { 'cibadmin -Q': { exitCode: 0, stdout: CIB, stderr: '' } });
  t.equal(await runDoctor({}, lab.io), 0);
  t.notMatch(lab.stdout(), /DRBD/);
});

t.test('live: usermode_helper, drbdadm dump, status, adjust and blockdev, each with a timeout', async (t) => {
  const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
  const lab = fakeIo(
    {
      '/proc/drbd': fixture('drbd-9/03-synced-one-primary/node1/proc_drbd.txt'),
      '/sys/module/drbd/parameters/usermode_helper': '/bin/true\n',
    },
    {
      'cibadmin -Q': ok(CIB),
      'drbdadm dump': ok(fixture('drbd-doctor/dump-9-fenced.txt')),
      'drbdsetup status --json': ok(fixture('drbd-9/03-synced-one-primary/node1/drbdsetup_status_json.txt')),
      'drbdadm -d adjust r0': ok(fixture('drbd-doctor/adjust-9-fencing-not-applied.txt')),
      'blockdev --getsize64 /dev/vda': ok('134217728\n'),
    },
  );
  t.equal(await runDoctor({ json: true }, lab.io), 1);
  const document = JSON.parse(lab.stdout());
  t.same(
    document.findings.map((finding: { check: string }) => finding.check),
    ['drbd-usermode-helper', 'drbd-backing-device-larger', 'drbd-config-differs'],
  );
  t.match(document.checked, [
    'the live CIB (cibadmin -Q)',
    '/sys/module/drbd/parameters/usermode_helper',
    'drbdadm dump',
    'drbdsetup status --json',
    'drbdadm -d adjust',
  ]);
});
