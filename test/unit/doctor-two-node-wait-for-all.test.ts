// two-node-wait-for-all
import t from 'tap';
import { parseCorosyncConf, type CorosyncSection } from '../../lib/admin/pacemaker/corosync-conf.js';
import { checkTwoNodeWaitForAll } from '../../lib/admin/pacemaker/doctor/two-node-wait-for-all.js';

function conf(quorum: string): CorosyncSection {
  const result = parseCorosyncConf(
    `totem {\n  version: 2\n}\nquorum {\n  provider: corosync_votequorum\n${quorum}}\nnodelist {\n  node {\n    name: alice\n    nodeid: 1\n  }\n  node {\n    name: bob\n    nodeid: 2\n  }\n}\n`,
  );
  if (!result.ok) throw new Error(result.reason);
  return result.conf;
}

t.test('two_node implies wait_for_all: say what happens after a full stop and how to get out', async (t) => {
  t.match(checkTwoNodeWaitForAll(conf('  two_node: 1\n'), 2), [
    {
      check: 'two-node-wait-for-all',
      severity: 'warning',
      title: /two_node: 1 implies wait_for_all: a node that boots alone waits for its peer/,
      why: /first one back does not become quorate/,
      fix: [/corosync-cmapctl -s quorum\.cancel_wait_for_all u8 1 .*pcs quorum unblock/, /only with reliable fencing/],
    },
  ]);
  t.match(checkTwoNodeWaitForAll(conf('  two_node: 1\n  wait_for_all: 1\n'), 2), [{ title: /\(set explicitly\)/ }]);
});

t.test('explicitly off, not two_node, or not two nodes: nothing', async (t) => {
  t.same(checkTwoNodeWaitForAll(conf('  two_node: 1\n  wait_for_all: 0\n'), 2), []);
  t.same(checkTwoNodeWaitForAll(conf(''), 2), []);
  t.same(checkTwoNodeWaitForAll(conf('  two_node: 1\n'), 3), []);
});
