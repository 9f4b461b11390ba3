// stonith-disabled
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

t.test('fencing on: nothing to say', async (t) => {
  t.same(checkStonithDisabled(cib()), []);
});

t.test('stonith-enabled=false is dangerous, more so with no-quorum-policy=ignore', async (t) => {
  const off = CLEAN.replace('name="stonith-enabled" value="true"', 'name="stonith-enabled" value="false"');
  const [finding] = checkStonithDisabled(cib(off));
  t.match(finding, { check: 'stonith-disabled', severity: 'danger', title: /stonith-enabled=false/, why: /split brain/, fix: [/fence device/, /stonith-enabled=true/] });
  t.notMatch(finding?.why, /no-quorum-policy/);
  const [both] = checkStonithDisabled(cib(setProperty('no-quorum-policy', 'ignore', off)));
  t.match(both?.why, /no-quorum-policy=ignore, each half of a split cluster goes ahead/);
  t.equal(checkStonithDisabled(cib(CLEAN.replace('value="true"/>', 'value="FALSE"/>'))).length, 1, 'booleans are case-insensitive');
});

