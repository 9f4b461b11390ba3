// The built IPaddr2 agent with IPv4 addresses, for real, inside network namespaces this test makes:
// `node` (where the agent runs, v0 10.213.1.1/24) and `peer` (v1 10.213.1.2/24) on the other end
// of a veth pair. The peer captures with tcpdump and shows its ARP cache, so the tests see the
// gratuitous ARP arrive and the peer's entry move to our MAC.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runAgentAction, type AgentRun } from '../helpers/agent.js';
import { Netns, requireNetns, must, sleep, vethPair, waitFor } from '../helpers/netns.js';

requireNetns(t);

const OLD_MAC = '02:00:00:00:00:99';
const node = Netns.create(t, 'ocfk-ip-', '4n');
const peer = Netns.create(t, 'ocfk-ip-', '4p');
vethPair(node, 'v0', peer, 'v1');
node.ip('addr', 'add', '10.213.1.1/24', 'dev', 'v0');
peer.ip('addr', 'add', '10.213.1.2/24', 'dev', 'v1');
const MAC = node.mac('v0');
const rscTmp = mkdtempSync(`${tmpdir()}/ocfk-ip-rsc-`);
t.teardown(() => rmSync(rscTmp, { recursive: true, force: true }));

type Params = Record<string, string | number | undefined>;
const RECURRING = { OCF_RESKEY_CRM_meta_interval: '10000' };
const PROBE = { OCF_RESKEY_CRM_meta_interval: '0' };

function agent(action: string, params: Params, env: Record<string, string> = RECURRING, ns: Netns = node): AgentRun {
  return runAgentAction('IPaddr2', action, params, { HA_RSCTMP: rscTmp, ...env }, { wrapper: ns.wrapper });
}

const hasAddress = (ns: Netns, ifname: string, cidr: string) => ns.addresses(ifname).includes(cidr);
const senders = (address: string) =>
  must('ps', ['-eo', 'args'])
    .split('\n')
    .filter((l) => l.startsWith('arping') && l.includes(address));

t.test('start with nic and cidr_netmask: added, announced, and the peer now points at our MAC', async (t) => {
  const p = { ip: '10.213.1.10', nic: 'v0', cidr_netmask: 24 };
  peer.seedNeighbour('10.213.1.10', OLD_MAC, 'v1');
  const cap = await peer.capture(t, 'v1', 'arp');

  t.equal(agent('monitor', p, PROBE).code, 7, 'probe before start: not running');
  const r = agent('start', p);
  t.equal(r.code, 0, r.stderr);
  t.ok(hasAddress(node, 'v0', '10.213.1.10/24'), 'the address is on v0');
  const garps = await cap.waitFor(
    new RegExp(`^\\S+ ${MAC} > ff:ff:ff:ff:ff:ff.*Request who-has 10\\.213\\.1\\.10 (\\(\\S+\\) )?tell 10\\.213\\.1\\.10`),
    5000,
  );
  t.ok(garps.length >= 1, `the peer captured a gratuitous ARP from ${MAC}: ${cap.lines.join(' | ')}`);
  t.ok(
    await waitFor(() => peer.neighbour('10.213.1.10', 'v1')?.lladdr === MAC, 3000),
    "the peer's ARP entry moved from the old MAC to ours",
  );
  t.equal(agent('monitor', p).code, 0, 'monitor: running');
  t.equal(agent('monitor', p, PROBE).code, 0, 'probe: running');

  t.equal(agent('start', p).code, 0, 'a second start succeeds');
  t.same(
    node.addresses('v0').filter((a) => a.startsWith('10.213.1.10/')),
    ['10.213.1.10/24'],
    'still exactly one copy',
  );

  const s = agent('stop', p);
  t.equal(s.code, 0, s.stderr);
  t.notOk(hasAddress(node, 'v0', '10.213.1.10/24'), 'gone after stop');
  t.ok(
    await waitFor(() => senders('10.213.1.10').length === 0, 2000),
    'stop ended the background arping: a stopped node announces nothing',
  );
  t.equal(agent('stop', p).code, 0, 'a second stop succeeds');
  t.equal(agent('monitor', p).code, 7, 'monitor after stop: not running');
  t.equal(agent('monitor', p, PROBE).code, 7, 'probe after stop: not running');
});

t.test('without nic and cidr_netmask both come from the connected route', async (t) => {
  const p = { ip: '10.213.1.11' };
  t.equal(agent('validate-all', p).code, 0);
  const r = agent('start', p);
  t.equal(r.code, 0, r.stderr);
  t.ok(hasAddress(node, 'v0', '10.213.1.11/24'), 'on v0 with /24, from 10.213.1.0/24 dev v0');
  t.equal(agent('monitor', p).code, 0);
  t.equal(agent('stop', p).code, 0);
  t.notOk(hasAddress(node, 'v0', '10.213.1.11/24'));
  t.equal(agent('monitor', p).code, 7);
});

t.test('only nic: the prefix comes from the route on that interface; only cidr_netmask: the nic from the route', async (t) => {
  for (const p of [
    { ip: '10.213.1.12', nic: 'v0' },
    { ip: '10.213.1.12', cidr_netmask: 28 },
  ]) {
    const r = agent('start', p);
    t.equal(r.code, 0, r.stderr);
    const want = p.cidr_netmask ? '10.213.1.12/28' : '10.213.1.12/24';
    t.ok(hasAddress(node, 'v0', want), `${want} on v0`);
    t.equal(agent('monitor', p).code, 0);
    t.equal(agent('stop', p).code, 0);
    t.notOk(hasAddress(node, 'v0', want));
  }
});

t.test('arp_bg=false: start returns after all its ARPs are out', async (t) => {
  const p = { ip: '10.213.1.13', nic: 'v0', cidr_netmask: 24, arp_bg: 'false', arp_count: 2 };
  const cap = await peer.capture(t, 'v1', 'arp');
  const r = agent('start', p);
  t.equal(r.code, 0, r.stderr);
  const garps = await cap.waitFor(/who-has 10\.213\.1\.13 (\(\S+\) )?tell 10\.213\.1\.13/, 2000, 2);
  t.equal(garps.length, 2, 'both ARPs were on the wire when start returned');
  t.same(senders('10.213.1.13'), [], 'no sender left behind');
  t.equal(agent('stop', p).code, 0);
});

t.test('iflabel and broadcast reach the kernel', async (t) => {
  const p = { ip: '10.213.1.14', nic: 'v0', cidr_netmask: 24, iflabel: 'web', broadcast: '+' };
  t.equal(agent('start', p).code, 0);
  const [link] = node.ipJson<{ addr_info: { local: string; label?: string; broadcast?: string }[] }[]>('-4', 'addr', 'show', 'dev', 'v0');
  const entry = link?.addr_info.find((a) => a.local === '10.213.1.14');
  t.equal(entry?.label, 'v0:web');
  t.equal(entry?.broadcast, '10.213.1.255');
  t.equal(agent('stop', p).code, 0);

  const old = { ip: '10.213.1.14', nic: 'v0:db', cidr_netmask: 24 };
  t.equal(agent('start', old).code, 0, 'the old nic:label form');
  t.equal(
    node
      .ipJson<{ addr_info: { local: string; label?: string }[] }[]>('-4', 'addr', 'show', 'dev', 'v0')[0]
      ?.addr_info.find((a) => a.local === '10.213.1.14')?.label,
    'v0:db',
  );
  t.equal(agent('monitor', old).code, 0);
  t.equal(agent('stop', old).code, 0);
});

t.test('interface down, without carrier, or gone: monitor 1 (a probe of a vanished nic: 7)', async (t) => {
  const p = { ip: '10.213.1.15', nic: 'v0', cidr_netmask: 24 };
  t.equal(agent('start', p).code, 0);

  node.ip('link', 'set', 'v0', 'down');
  let m = agent('monitor', p);
  t.equal(m.code, 1, 'administratively down');
  t.match(m.reason, /v0 is administratively down/);
  node.ip('link', 'set', 'v0', 'up');
  t.equal(agent('monitor', p).code, 0, 'up again');

  peer.ip('link', 'set', 'v1', 'down');
  t.ok(await waitFor(() => node.ipJson<{ operstate: string }[]>('link', 'show', 'dev', 'v0')[0]?.operstate !== 'UP', 2000));
  m = agent('monitor', p);
  t.equal(m.code, 1, 'no carrier (the other end is down)');
  t.match(m.reason, /no carrier/);
  peer.ip('link', 'set', 'v1', 'up');
  t.ok(await waitFor(() => agent('monitor', p).code === 0, 3000), 'carrier back: running');
  t.equal(agent('stop', p).code, 0);

  // A second pair that can disappear.
  vethPair(node, 'v2', peer, 'v3');
  node.ip('addr', 'add', '10.213.11.1/24', 'dev', 'v2');
  const q = { ip: '10.213.11.10', nic: 'v2', cidr_netmask: 24 };
  t.equal(agent('start', q).code, 0);
  node.ip('link', 'del', 'v2');
  m = agent('monitor', q);
  t.equal(m.code, 1, 'recurring monitor: the interface is gone');
  t.match(m.reason, /interface v2 does not exist/);
  t.equal(agent('monitor', q, PROBE).code, 7, 'probe: simply not running here');
  t.equal(agent('stop', q).code, 0, 'stop succeeds: nothing left to remove');
});

t.test('lvs_support: a loopback copy of the VIP steps aside while it runs and comes back on stop', async (t) => {
  node.ip('addr', 'add', '10.213.1.16/32', 'dev', 'lo');
  const p = { ip: '10.213.1.16', nic: 'v0', cidr_netmask: 24, lvs_support: 'true' };
  t.equal(agent('monitor', p, PROBE).code, 7, 'the copy on lo is not the resource');
  t.equal(agent('start', p).code, 0);
  t.notOk(hasAddress(node, 'lo', '10.213.1.16/32'), 'removed from lo');
  t.ok(hasAddress(node, 'v0', '10.213.1.16/24'));
  t.equal(agent('stop', p).code, 0);
  t.notOk(hasAddress(node, 'v0', '10.213.1.16/24'));
  t.ok(hasAddress(node, 'lo', '10.213.1.16/32'), 'back on lo');
  node.ip('addr', 'del', '10.213.1.16/32', 'dev', 'lo');
});

t.test('run_arping: an address another host answers for is not taken', async (t) => {
  const p = { ip: '10.213.1.2', nic: 'v0', cidr_netmask: 24, run_arping: 'true' };
  const before = node.addresses();
  const r = agent('start', p);
  t.equal(r.code, 1);
  t.match(r.reason, /collision/);
  t.same(node.addresses(), before, 'nothing added');
});

t.test('arp_count_refresh: every monitor re-announces', async (t) => {
  const p = { ip: '10.213.1.17', nic: 'v0', cidr_netmask: 24, arp_count: 1, arp_count_refresh: 1, arp_bg: 'false' };
  t.equal(agent('start', p).code, 0);
  const cap = await peer.capture(t, 'v1', 'arp');
  t.equal(agent('monitor', p).code, 0);
  t.equal((await cap.waitFor(/who-has 10\.213\.1\.17 (\(\S+\) )?tell 10\.213\.1\.17/, 3000)).length, 1, 'one ARP from the monitor');
  t.equal(agent('stop', p).code, 0);
});

t.test('network_namespace: the agent runs outside and manages the address inside', async (t) => {
  const p = { ip: '10.213.1.18', nic: 'v0', cidr_netmask: 24, network_namespace: node.name };
  const cap = await peer.capture(t, 'v1', 'arp');
  // The agent itself runs in the peer namespace: nothing of the peer may change.
  const peerBefore = peer.addresses();
  t.equal(agent('start', p, RECURRING, peer).code, 0);
  t.ok(hasAddress(node, 'v0', '10.213.1.18/24'), 'added inside the namespace');
  t.same(peer.addresses(), peerBefore, 'the namespace the agent ran in is untouched');
  t.ok((await cap.waitFor(/who-has 10\.213\.1\.18 (\(\S+\) )?tell 10\.213\.1\.18/, 3000)).length >= 1, 'announced from inside');
  t.equal(agent('monitor', p, RECURRING, peer).code, 0);
  t.equal(agent('stop', p, RECURRING, peer).code, 0);
  t.notOk(hasAddress(node, 'v0', '10.213.1.18/24'));
  const gone = { ...p, network_namespace: 'ocfk-ip-no-such-ns' };
  t.equal(agent('monitor', gone, PROBE, peer).code, 7, 'probe with a missing namespace: not running');
  t.equal(agent('start', gone, RECURRING, peer).code, 5, 'start with a missing namespace: not installed here');
  await sleep(0);
});
