// order-after-promote
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseCib, type CibModel } from '../../lib/pacemaker/cib.js';

// The generated two-node web stack (fence devices, promotable DRBD, group, colocation, order):
// a configuration without pitfalls, which each test breaks in one way.
const CLEAN = readFileSync(new URL('../../crm-examples/web-2node/pacemaker-2.1.cib.xml', import.meta.url), 'utf8').replace(/^<\?xml[^>]*>/, '');
function cib(configuration = CLEAN, validateWith = 'pacemaker-3.9', nodes = ['alice', 'bob']): CibModel {
  const withNodes = configuration.replace('<resources>', `<nodes>${nodes.map((node, index) => `<node id="${index + 1}" uname="${node}"/>`).join('')}</nodes><resources>`);
  const result = parseCib(`<cib validate-with="${validateWith}">${withNodes}</cib>`);
  if (!result.ok) throw new Error(result.reason);
  return result.cib;
}
const setProperty = (name: string, value: string, xml = CLEAN) =>
  xml.replace('<cluster_property_set id="cib-bootstrap-options">', `<cluster_property_set id="cib-bootstrap-options"><nvpair id="p-${name}" name="${name}" value="${value}"/>`);

import { checkStonithDisabled } from '../../lib/pacemaker/doctor/stonith-disabled.js';
import { checkOrderAfterPromote } from '../../lib/pacemaker/doctor/order-after-promote.js';

t.test('ordered after the promotion: fine', async (t) => {
  t.same(checkOrderAfterPromote(cib()), []);
});

t.test('no order constraint', async (t) => {
  const none = CLEAN.replace(/<rsc_order [^>]*\/>/, '');
  t.match(checkOrderAfterPromote(cib(none)), [{ check: 'order-after-promote', severity: 'danger', title: /g-web must run with the promoted drbd-r0-clone \(colo-g-web-with-drbd-r0-promoted\) but nothing orders it after the promotion/, why: /still\s+Secondary/, fix: [/order order-drbd-r0-clone-promote-then-g-web Mandatory: drbd-r0-clone:promote g-web:start/, /pcs constraint order promote drbd-r0-clone then start g-web/] }]);
});

t.test('ordered after start instead of promote, or optionally', async (t) => {
  const afterStart = CLEAN.replace('first-action="promote"', 'first-action="start"');
  t.match(checkOrderAfterPromote(cib(afterStart)), [{ title: /ordered after drbd-r0-clone starts, not after it is promoted/, why: /only makes it Secondary/ }]);
  const optional = CLEAN.replace('kind="Mandatory"', 'kind="Optional"');
  t.match(checkOrderAfterPromote(cib(optional)), [{ title: /only optionally \(order-drbd-r0-promote-then-g-web, kind=Optional\)/ }]);
});

t.test('an order on a member of the colocated group counts', async (t) => {
  const onMember = CLEAN.replace('then="g-web"', 'then="fs-web"');
  t.same(checkOrderAfterPromote(cib(onMember)), []);
});

