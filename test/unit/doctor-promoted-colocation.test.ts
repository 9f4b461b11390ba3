// colocation-with-promoted
import t from 'tap';

import { CLEAN, cib } from '../helpers/doctor-cib.js';

import { checkColocationWithPromoted } from '../../lib/admin/pacemaker/doctor/promoted-colocation.js';

t.test('group colocated with the Promoted instance: fine', async (t) => {
  t.same(checkColocationWithPromoted(cib()), []);
});

t.test('colocated with the clone in any role', async (t) => {
  const anyRole = CLEAN.replace(' with-rsc-role="Promoted"', '');
  t.match(checkColocationWithPromoted(cib(anyRole)), [
    {
      check: 'colocation-with-promoted',
      severity: 'danger',
      title: /g-web is colocated with drbd-r0-clone in any role, not with its Promoted instance/,
      why: /Unpromoted \(Secondary\)/,
      fix: [/drbd-r0-clone:Promoted/, /pcs constraint colocation add g-web with Promoted drbd-r0-clone/],
    },
  ]);
});

t.test('a file system on DRBD with no colocation at all', async (t) => {
  const none = CLEAN.replace(/<rsc_colocation [^>]*\/>/, '');
  t.match(checkColocationWithPromoted(cib(none)), [
    {
      severity: 'danger',
      title: /fs-web mounts \/dev\/drbd1 but is not colocated with a promoted DRBD instance/,
      fix: [/colocation colo-g-web-with-drbd inf: g-web DRBD-CLONE:Promoted/],
    },
  ]);
});

t.test('non-DRBD file systems and clusters without DRBD are left alone', async (t) => {
  const noDrbdDevice = CLEAN.replace(/<rsc_colocation [^>]*\/>/, '').replace('value="/dev/drbd1"', 'value="/dev/sdb1"');
  t.same(checkColocationWithPromoted(cib(noDrbdDevice)), []);
});
