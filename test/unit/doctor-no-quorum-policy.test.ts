// no-quorum-policy-ignore
import t from 'tap';

import { cib, setProperty } from '../helpers/doctor-cib.js';

import { checkNoQuorumPolicyIgnore } from '../../lib/admin/pacemaker/doctor/no-quorum-policy.js';

t.test('default policy: fine', async (t) => {
  t.same(checkNoQuorumPolicyIgnore(cib(), 2), []);
  t.same(checkNoQuorumPolicyIgnore(cib(setProperty('no-quorum-policy', 'freeze')), 2), []);
});

t.test('ignore on two nodes: a warning with fencing, dangerous without', async (t) => {
  const ignore = setProperty('no-quorum-policy', 'ignore');
  t.match(checkNoQuorumPolicyIgnore(cib(ignore), 2), [
    { check: 'no-quorum-policy-ignore', severity: 'warning', why: /two_node: 1/, fix: [/two_node: 1/, /no-quorum-policy=stop/] },
  ]);
  const unfenced = ignore.replace('name="stonith-enabled" value="true"', 'name="stonith-enabled" value="false"');
  t.match(checkNoQuorumPolicyIgnore(cib(unfenced), 2), [{ severity: 'danger', why: /both nodes run everything: DRBD split brain/ }]);
});

t.test('ignore on three nodes: the minority keeps running', async (t) => {
  t.match(checkNoQuorumPolicyIgnore(cib(setProperty('no-quorum-policy', 'ignore')), 3), [
    { severity: 'danger', why: /cannot see the majority/ },
  ]);
});
