// no-stonith-device
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

import { checkNoStonithDevice } from '../../lib/pacemaker/doctor/no-stonith-device.js';

const withoutFencing = CLEAN.replace(/<primitive id="fence-[a-z]+"[\s\S]*?<\/primitive>/g, '');

t.test('fence devices present: fine', async (t) => {
  t.same(checkNoStonithDevice(cib()), []);
});

t.test('fencing enabled without a device: nothing would start', async (t) => {
  t.notMatch(withoutFencing, /stonith:|class="stonith"/);
  t.match(checkNoStonithDevice(cib(withoutFencing)), [{ check: 'no-stonith-device', severity: 'danger', why: /Resource start-up disabled/ }]);
});

t.test('left to stonith-disabled when fencing is off; silent for an empty cluster', async (t) => {
  t.same(checkNoStonithDevice(cib(withoutFencing.replace('name="stonith-enabled" value="true"', 'name="stonith-enabled" value="false"'))), []);
  t.same(checkNoStonithDevice(cib('<configuration><crm_config/><resources/><constraints/></configuration>')), []);
});

