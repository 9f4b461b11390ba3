// order-after-promote
import t from 'tap';

import { CLEAN, cib } from '../helpers/doctor-cib.js';

import { checkOrderAfterPromote } from '../../lib/admin/pacemaker/doctor/order-after-promote.js';

t.test('ordered after the promotion: fine', async (t) => {
  t.same(checkOrderAfterPromote(cib()), []);
});

t.test('no order constraint', async (t) => {
  const none = CLEAN.replace(/<rsc_order [^>]*\/>/, '');
  t.match(checkOrderAfterPromote(cib(none)), [
    {
      check: 'order-after-promote',
      severity: 'danger',
      title:
        /g-web must run with the promoted drbd-r0-clone \(colo-g-web-with-drbd-r0-promoted\) but nothing orders it after the promotion/,
      why: /still\s+Secondary/,
      fix: [
        /order order-drbd-r0-clone-promote-then-g-web Mandatory: drbd-r0-clone:promote g-web:start/,
        /pcs constraint order promote drbd-r0-clone then start g-web/,
      ],
    },
  ]);
});

t.test('ordered after start instead of promote, or optionally', async (t) => {
  const afterStart = CLEAN.replace('first-action="promote"', 'first-action="start"');
  t.match(checkOrderAfterPromote(cib(afterStart)), [
    { title: /ordered after drbd-r0-clone starts, not after it is promoted/, why: /only makes it Secondary/ },
  ]);
  const optional = CLEAN.replace('kind="Mandatory"', 'kind="Optional"');
  t.match(checkOrderAfterPromote(cib(optional)), [{ title: /only optionally \(order-drbd-r0-promote-then-g-web, kind=Optional\)/ }]);
});

t.test('an order on a member of the colocated group counts', async (t) => {
  const onMember = CLEAN.replace('then="g-web"', 'then="fs-web"');
  t.same(checkOrderAfterPromote(cib(onMember)), []);
});
