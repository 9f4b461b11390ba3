// promotable-monitors
import t from 'tap';
import { readFileSync } from 'node:fs';

import { CLEAN, cib } from '../helpers/doctor-cib.js';

import { checkPromotableMonitors } from '../../lib/admin/pacemaker/doctor/promotable-monitors.js';

t.test('one monitor per role with different intervals: fine', async (t) => {
  t.same(checkPromotableMonitors(cib()), []);
});

t.test('the same interval for both roles', async (t) => {
  const same = CLEAN.replace('name="monitor" interval="20s" role="Unpromoted"', 'name="monitor" interval="10s" role="Unpromoted"');
  t.not(same, CLEAN);
  t.match(checkPromotableMonitors(cib(same)), [
    {
      check: 'promotable-monitors',
      severity: 'danger',
      title: /drbd-r0: monitors for Promoted and Unpromoted share the interval 10s/,
      why: /never\s+monitored/,
      fix: [/role=Promoted interval=29s .*role=Unpromoted interval=31s/],
    },
  ]);
});

t.test('a role without monitor', async (t) => {
  const promotedOnly = CLEAN.replace(/<op id="drbd-r0-monitor-20s"[^>]*\/>/, '');
  t.match(checkPromotableMonitors(cib(promotedOnly)), [
    { severity: 'danger', title: /drbd-r0 \(in promotable drbd-r0-clone\) has no monitor for the Unpromoted role/ },
  ]);
  const unpromotedOnly = CLEAN.replace(/<op id="drbd-r0-monitor-10s"[^>]*\/>/, '');
  t.match(checkPromotableMonitors(cib(unpromotedOnly)), [{ title: /no monitor for the Promoted role/ }]);
});

t.test('Pacemaker 1.1 names in a 1.1 CIB', async (t) => {
  const old = readFileSync(new URL('../../crm-examples/web-2node/pacemaker-1.1.cib.xml', import.meta.url), 'utf8').replace(
    /^<\?xml[^>]*>/,
    '',
  );
  t.same(checkPromotableMonitors(cib(old, 'pacemaker-2.10')), []);
  const broken = old.replace(/<op id="drbd-r0-monitor-10s"[^>]*\/>/, '');
  t.match(checkPromotableMonitors(cib(broken, 'pacemaker-2.10')), [{ title: /no monitor for the Master role/ }]);
});
