// drbd-notify
import t from 'tap';

import { CLEAN, cib } from '../helpers/doctor-cib.js';

import { checkDrbdNotify } from '../../lib/admin/pacemaker/doctor/drbd-notify.js';

t.test('notify=true: fine', async (t) => {
  t.same(checkDrbdNotify(cib()), []);
});

t.test('missing or false', async (t) => {
  const missing = CLEAN.replace(/<nvpair id="drbd-r0-clone-meta_attributes-notify"[^>]*\/>/, '');
  t.not(missing, CLEAN);
  t.match(checkDrbdNotify(cib(missing)), [
    {
      check: 'drbd-notify',
      severity: 'danger',
      title: 'DRBD clone drbd-r0-clone does not have notify=true',
      fix: [/crm resource meta drbd-r0-clone set notify true/],
    },
  ]);
  const off = CLEAN.replace('name="notify" value="true"', 'name="notify" value="false"');
  t.equal(checkDrbdNotify(cib(off)).length, 1);
});

t.test('other promotable agents are not judged', async (t) => {
  const other = CLEAN.replace(/<nvpair id="drbd-r0-clone-meta_attributes-notify"[^>]*\/>/, '').replace('type="drbd"', 'type="Stateful"');
  t.same(checkDrbdNotify(cib(other)), []);
});
