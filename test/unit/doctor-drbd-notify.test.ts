// drbd-notify
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
import { checkDrbdNotify } from '../../lib/pacemaker/doctor/drbd-notify.js';

t.test('notify=true: fine', async (t) => {
  t.same(checkDrbdNotify(cib()), []);
});

t.test('missing or false', async (t) => {
  const missing = CLEAN.replace(/<nvpair id="drbd-r0-clone-meta_attributes-notify"[^>]*\/>/, '');
  t.not(missing, CLEAN);
  t.match(checkDrbdNotify(cib(missing)), [{ check: 'drbd-notify', severity: 'danger', title: 'DRBD clone drbd-r0-clone does not have notify=true', fix: [/crm resource meta drbd-r0-clone set notify true/] }]);
  const off = CLEAN.replace('name="notify" value="true"', 'name="notify" value="false"');
  t.equal(checkDrbdNotify(cib(off)).length, 1);
});

t.test('other promotable agents are not judged', async (t) => {
  const other = CLEAN.replace(/<nvpair id="drbd-r0-clone-meta_attributes-notify"[^>]*\/>/, '').replace('type="drbd"', 'type="Stateful"');
  t.same(checkDrbdNotify(cib(other)), []);
});

