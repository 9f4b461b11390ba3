// resource-stickiness
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
import { checkResourceStickiness } from '../../lib/pacemaker/doctor/resource-stickiness.js';

const noDefaults = CLEAN.replace(/<rsc_defaults>[\s\S]*?<\/rsc_defaults>/, '');

t.test('stickiness in rsc_defaults: fine', async (t) => {
  t.same(checkResourceStickiness(cib()), []);
});

t.test('none, or 0: advice', async (t) => {
  t.match(checkResourceStickiness(cib(noDefaults)), [{ check: 'resource-stickiness', severity: 'advice', fix: [/rsc_defaults resource-stickiness=100/] }]);
  t.equal(checkResourceStickiness(cib(CLEAN.replace('name="resource-stickiness" value="100"', 'name="resource-stickiness" value="0"'))).length, 1);
});

t.test('stickiness on the resources themselves counts', async (t) => {
  const onGroup = noDefaults.replace('<group id="g-web">', '<group id="g-web"><meta_attributes id="g-web-meta"><nvpair id="g-web-meta-s" name="resource-stickiness" value="200"/></meta_attributes>');
  t.same(checkResourceStickiness(cib(onGroup)), []);
});

