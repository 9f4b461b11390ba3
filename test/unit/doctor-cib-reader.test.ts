// Reading CIBs and corosync.conf for the doctor.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { allPrimitives, parseCib, placementIds, promotableClones } from '../../lib/admin/pacemaker/cib.js';
import { nodelistNodes, parseCorosyncConf, quorumSettings } from '../../lib/admin/pacemaker/corosync-conf.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

t.test('a real CIB of Pacemaker 2.1.5', async (t) => {
  const result = parseCib(read('../fixtures/pacemaker/cib-running.xml'));
  if (!result.ok) throw new Error(result.reason);
  const { cib } = result;
  t.equal(cib.validateWith, 'pacemaker-3.9');
  t.match(cib.properties, { 'stonith-enabled': 'false', 'no-quorum-policy': 'ignore', 'dc-deadtime': '2s' });
  t.same(cib.nodes, ['node1']);
  t.same(
    cib.resources.map((resource) => `${resource.kind}:${resource.id}`),
    ['primitive:fs3', 'group:g2'],
  );
  const fs2 = allPrimitives(cib).find(({ primitive }) => primitive.id === 'fs2');
  t.match(fs2, {
    group: { id: 'g2' },
    primitive: { standard: 'ocf', provider: 'heartbeat', type: 'Filesystem', params: { device: '/dev/loop1', fstype: 'ext4' } },
  });
  t.same(
    fs2?.primitive.operations.map((op) => [op.name, op.intervalMs, op.timeoutMs]),
    [
      ['monitor', 5000, 40_000],
      ['start', 0, 60_000],
      ['stop', 0, 60_000],
    ],
  );
  t.same(placementIds(fs2!), ['fs2', 'g2']);
  t.same(allPrimitives(cib).find(({ primitive }) => primitive.id === 'fs3')?.primitive.meta, { 'target-role': 'Stopped' });
});

t.test('a generated fragment, promotable clones and ms resources', async (t) => {
  const modern = parseCib(read('../../crm-examples/web-2node/pacemaker-2.1.cib.xml'));
  const old = parseCib(read('../../crm-examples/web-2node/pacemaker-1.1.cib.xml'));
  if (!modern.ok || !old.ok) throw new Error('fragments do not parse');
  t.match(promotableClones(modern.cib), [{ id: 'drbd-r0-clone', element: 'clone', promotable: true }]);
  t.match(promotableClones(old.cib), [{ id: 'drbd-r0-clone', element: 'master', promotable: true }]);
  t.equal(modern.cib.validateWith, undefined, 'a bare <configuration> has no schema version');
});

t.test('constraints with resource sets become pairs', async (t) => {
  const result = parseCib(`<cib validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources/><constraints>
    <rsc_order id="o1" kind="Mandatory">
      <resource_set id="o1-0" action="promote"><resource_ref id="drbd-clone"/></resource_set>
      <resource_set id="o1-1"><resource_ref id="fs"/><resource_ref id="vip"/></resource_set>
    </rsc_order>
    <rsc_colocation id="c1" score="INFINITY">
      <resource_set id="c1-0"><resource_ref id="fs"/><resource_ref id="vip"/></resource_set>
      <resource_set id="c1-1" role="Promoted"><resource_ref id="drbd-clone"/></resource_set>
    </rsc_colocation>
    <rsc_location id="cli-ban-g-on-node1" rsc="g" role="Started" node="node1" score="-INFINITY">
      <rule id="r" score="-INFINITY" boolean-op="and"><date_expression id="d" operation="lt" end="2030-01-01 00:00:00Z"/></rule>
    </rsc_location>
  </constraints></configuration></cib>`);
  if (!result.ok) throw new Error(result.reason);
  t.same(
    result.cib.orders.map((order) => `${order.first}:${order.firstAction} -> ${order.then}:${order.thenAction}`),
    ['drbd-clone:promote -> fs:start', 'drbd-clone:promote -> vip:start', 'fs:start -> vip:start'],
  );
  t.same(
    result.cib.colocations.map(
      (colocation) => `${colocation.rsc} with ${colocation.withRsc}${colocation.withRscRole ? `:${colocation.withRscRole}` : ''}`,
    ),
    ['vip with fs', 'fs with drbd-clone:Promoted', 'vip with drbd-clone:Promoted'],
  );
  t.match(result.cib.locations, [
    { id: 'cli-ban-g-on-node1', rsc: 'g', node: 'node1', score: '-INFINITY', hasRules: true, expires: '2030-01-01 00:00:00Z' },
  ]);
});

t.test('not a CIB', async (t) => {
  t.match(parseCib('<html/>'), { ok: false, reason: /no <cib> or <configuration>/ });
  t.match(parseCib('<cib'), { ok: false });
});

t.test('corosync.conf', async (t) => {
  const conf = parseCorosyncConf(`
totem {
    version: 2
    cluster_name: web   # comment
    interface {
        linknumber: 0
    }
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
nodelist {
    node {
        name: alice
        nodeid: 1
        ring0_addr: 10.0.0.1
        ring1_addr: 10.1.0.1
    }
    node {
        name: bob
        nodeid: 2
        ring0_addr: 10.0.0.2
    }
}
`);
  if (!conf.ok) throw new Error(conf.reason);
  t.same(nodelistNodes(conf.conf), [
    { name: 'alice', nodeid: '1', addresses: ['10.0.0.1', '10.1.0.1'] },
    { name: 'bob', nodeid: '2', addresses: ['10.0.0.2'] },
  ]);
  t.same(quorumSettings(conf.conf), { provider: 'corosync_votequorum', twoNode: true, hasQdevice: false });
  t.match(parseCorosyncConf('totem {\n'), { ok: false, reason: /section "totem" is not closed/ });
  t.match(parseCorosyncConf('}\n'), { ok: false, reason: /line 1: "}" without an open section/ });
  t.match(parseCorosyncConf('quorum {\n  what\n}\n'), { ok: false, reason: /line 2: expected "key: value"/ });
  const explicit = parseCorosyncConf(
    'quorum {\n provider: corosync_votequorum\n two_node: 1\n wait_for_all: 0\n expected_votes: 2\n device {\n  model: net\n }\n}\n',
  );
  t.same(explicit.ok && quorumSettings(explicit.conf), {
    provider: 'corosync_votequorum',
    twoNode: true,
    hasQdevice: true,
    waitForAll: false,
    expectedVotes: 2,
  });
});
