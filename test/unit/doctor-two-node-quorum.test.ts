// two-node-quorum
import t from 'tap';
import { parseCorosyncConf, type CorosyncSection } from '../../lib/admin/pacemaker/corosync-conf.js';
import { checkTwoNodeQuorum } from '../../lib/admin/pacemaker/doctor/two-node-quorum.js';

function conf(quorum: string): CorosyncSection {
  const result = parseCorosyncConf(`quorum {\n${quorum}}\n`);
  if (!result.ok) throw new Error(result.reason);
  return result.conf;
}

t.test('two nodes, votequorum, no two_node: the survivor loses quorum', async (t) => {
  t.match(checkTwoNodeQuorum(conf('  provider: corosync_votequorum\n'), 2), [
    { check: 'two-node-quorum', severity: 'warning', why: /stops everything.*no-quorum-policy=ignore, is unsafe/, fix: [/two_node: 1/] },
  ]);
});

t.test('two_node, a quorum device, or three nodes: fine', async (t) => {
  t.same(checkTwoNodeQuorum(conf('  provider: corosync_votequorum\n  two_node: 1\n'), 2), []);
  t.same(checkTwoNodeQuorum(conf('  provider: corosync_votequorum\n  device {\n    model: net\n  }\n'), 2), []);
  t.same(checkTwoNodeQuorum(conf('  provider: corosync_votequorum\n'), 3), []);
  t.same(checkTwoNodeQuorum(conf(''), 2), [], 'no votequorum: nothing to say about its options');
});
