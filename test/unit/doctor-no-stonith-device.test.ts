// no-stonith-device
import t from 'tap';

import { CLEAN, cib } from '../helpers/doctor-cib.js';

import { checkNoStonithDevice } from '../../lib/admin/pacemaker/doctor/no-stonith-device.js';

const withoutFencing = CLEAN.replace(/<primitive id="fence-[a-z]+"[\s\S]*?<\/primitive>/g, '');

t.test('fence devices present: fine', async (t) => {
  t.same(checkNoStonithDevice(cib()), []);
});

t.test('fencing enabled without a device: nothing would start', async (t) => {
  t.notMatch(withoutFencing, /stonith:|class="stonith"/);
  t.match(checkNoStonithDevice(cib(withoutFencing)), [
    { check: 'no-stonith-device', severity: 'danger', why: /Resource start-up disabled/ },
  ]);
});

t.test('left to stonith-disabled when fencing is off; silent for an empty cluster', async (t) => {
  t.same(
    checkNoStonithDevice(cib(withoutFencing.replace('name="stonith-enabled" value="true"', 'name="stonith-enabled" value="false"'))),
    [],
  );
  t.same(checkNoStonithDevice(cib('<configuration><crm_config/><resources/><constraints/></configuration>')), []);
});
