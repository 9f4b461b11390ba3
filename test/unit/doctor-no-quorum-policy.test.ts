// no-quorum-policy-ignore
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

import { checkNoQuorumPolicyIgnore } from '../../lib/pacemaker/doctor/no-quorum-policy.js';

t.test('default policy: fine', async (t) => {
  t.same(checkNoQuorumPolicyIgnore(cib(), 2), []);
  t.same(checkNoQuorumPolicyIgnore(cib(setProperty('no-quorum-policy', 'freeze')), 2), []);
});

t.test('ignore on two nodes: a warning with fencing, dangerous without', async (t) => {
  const ignore = setProperty('no-quorum-policy', 'ignore');
  t.match(checkNoQuorumPolicyIgnore(cib(ignore), 2), [{ check: 'no-quorum-policy-ignore', severity: 'warning', why: /two_node: 1/, fix: [/two_node: 1/, /no-quorum-policy=stop/] }]);
  const unfenced = ignore.replace('name="stonith-enabled" value="true"', 'name="stonith-enabled" value="false"');
  t.match(checkNoQuorumPolicyIgnore(cib(unfenced), 2), [{ severity: 'danger', why: /both nodes run everything: DRBD split brain/ }]);
});

t.test('ignore on three nodes: the minority keeps running', async (t) => {
  t.match(checkNoQuorumPolicyIgnore(cib(setProperty('no-quorum-policy', 'ignore')), 3), [{ severity: 'danger', why: /cannot see the majority/ }]);
});

