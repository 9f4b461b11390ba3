// stonith-disabled
import t from 'tap';

import { CLEAN, cib, setProperty } from '../helpers/doctor-cib.js';

import { checkStonithDisabled } from '../../lib/admin/pacemaker/doctor/stonith-disabled.js';

t.test('fencing on: nothing to say', async (t) => {
  t.same(checkStonithDisabled(cib()), []);
});

t.test('stonith-enabled=false is dangerous, more so with no-quorum-policy=ignore', async (t) => {
  const off = CLEAN.replace('name="stonith-enabled" value="true"', 'name="stonith-enabled" value="false"');
  const [finding] = checkStonithDisabled(cib(off));
  t.match(finding, {
    check: 'stonith-disabled',
    severity: 'danger',
    title: /stonith-enabled=false/,
    why: /split brain/,
    fix: [/fence device/, /stonith-enabled=true/],
  });
  t.notMatch(finding?.why, /no-quorum-policy/);
  const [both] = checkStonithDisabled(cib(setProperty('no-quorum-policy', 'ignore', off)));
  t.match(both?.why, /no-quorum-policy=ignore, each half of a split cluster goes ahead/);
  t.equal(checkStonithDisabled(cib(CLEAN.replace('value="true"/>', 'value="FALSE"/>'))).length, 1, 'booleans are case-insensitive');
});
