// Bad input to the built IPaddr2 agent, inside a network namespace this test makes: validate-all
// and start fail with 6 (wrong everywhere) or 5 (this node lacks the interface or route) and one
// ocf-exit-reason line, and nothing changes in the namespace; probes say 7 and stop succeeds.
import t from 'tap';
import { runAgentAction, type AgentRun } from '../helpers/agent.js';
import { Netns, requireNetns, vethPair, waitFor } from '../helpers/netns.js';

requireNetns(t);

const node = Netns.create(t, 'ocfk-ip-', 'bn');
const peer = Netns.create(t, 'ocfk-ip-', 'bp');
vethPair(node, 'v0', peer, 'v1');
node.ip('addr', 'add', '10.213.2.1/24', 'dev', 'v0');
node.ip('addr', 'add', 'fd00:213:2::1/64', 'dev', 'v0', 'nodad');
// The link-local address finishes its own DAD a second later: let it, so the snapshots compare only our doing.
t.before(async () => {
  if (!(await waitFor(() => node.ip('-6', 'addr', 'show', 'tentative').trim() === '', 10000)))
    throw new Error('link-local DAD did not finish');
});

type Params = Record<string, string | number | undefined>;
function agent(action: string, params: Params, env: Record<string, string> = {}): AgentRun {
  return runAgentAction(
    'IPaddr2',
    action,
    params,
    { OCF_RESKEY_CRM_meta_interval: action === 'monitor' ? '0' : '10000', ...env },
    { wrapper: node.wrapper },
  );
}

/** Everything a failed start could have changed: addresses, links, routes, address labels. */
function snapshot(): string {
  return [
    node.ip('-j', 'addr', 'show'),
    node.ip('-j', 'route', 'show', 'table', 'all'),
    node.ip('-j', '-6', 'route', 'show', 'table', 'all'),
    node.ip('addrlabel', 'list'),
  ].join('\n');
}

const cases: { name: string; params: Params; env?: Record<string, string>; code: number; reason: RegExp }[] = [
  {
    name: 'malformed IPv4 address',
    params: { ip: '10.213.2.300', nic: 'v0', cidr_netmask: 24 },
    code: 6,
    reason: /not a valid IPv4 address/,
  },
  { name: 'IPv4 address with letters', params: { ip: '10.213.two.5' }, code: 6, reason: /not a valid IPv4 address/ },
  { name: 'malformed IPv6 address', params: { ip: 'fd00:213:2::1::5', nic: 'v0' }, code: 6, reason: /not a valid IPv6 address/ },
  { name: 'address with a prefix length', params: { ip: '10.213.2.5/24' }, code: 6, reason: /give it in cidr_netmask/ },
  { name: 'multicast address', params: { ip: '239.1.2.3', nic: 'v0', cidr_netmask: 24 }, code: 6, reason: /multicast/ },
  {
    name: 'IPv4 netmask out of range',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 33 },
    code: 6,
    reason: /cidr_netmask 33 is out of range \(1-32/,
  },
  { name: 'IPv4 netmask 0', params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 0 }, code: 6, reason: /out of range/ },
  {
    name: 'IPv6 netmask out of range',
    params: { ip: 'fd00:213:2::5', nic: 'v0', cidr_netmask: 129 },
    code: 6,
    reason: /out of range \(1-128/,
  },
  {
    name: 'netmask that is no number',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 'wide' },
    code: 6,
    reason: /not a prefix length/,
  },
  {
    name: 'non-contiguous dotted netmask',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: '255.0.255.0' },
    code: 6,
    reason: /not a contiguous netmask/,
  },
  { name: 'bad broadcast', params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, broadcast: 'everyone' }, code: 6, reason: /broadcast/ },
  { name: 'broadcast on IPv6', params: { ip: 'fd00:213:2::5', nic: 'v0', broadcast: '+' }, code: 6, reason: /broadcast applies to IPv4/ },
  {
    name: 'label too long',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, iflabel: 'averylonglabel' },
    code: 6,
    reason: /longer than the kernel's 15 characters/,
  },
  {
    name: 'nic that does not exist',
    params: { ip: '10.213.2.5', nic: 'eth7', cidr_netmask: 24 },
    code: 5,
    reason: /interface eth7 does not exist on this node/,
  },
  {
    name: 'nic that is no interface name',
    params: { ip: '10.213.2.5', nic: 'a/b', cidr_netmask: 24 },
    code: 6,
    reason: /not a valid interface name/,
  },
  { name: 'no route can place it (IPv4)', params: { ip: '10.213.99.5' }, code: 5, reason: /no connected route contains 10\.213\.99\.5/ },
  { name: 'no route can place it (IPv6)', params: { ip: 'fd00:213:99::5' }, code: 5, reason: /no connected route contains fd00:213:99::5/ },
  {
    name: 'cidr_netmask wider than the connected route (IPv4)',
    params: { ip: '10.213.2.5', cidr_netmask: 16 },
    code: 6,
    reason: /cidr_netmask 16 is wider than the connected route that contains 10\.213\.2\.5 \(a \/24 on v0\)/,
  },
  {
    name: 'cidr_netmask wider than the connected route (IPv6)',
    params: { ip: 'fd00:213:2::5', cidr_netmask: 48 },
    code: 6,
    reason: /cidr_netmask 48 is wider than the connected route that contains fd00:213:2::5 \(a \/64 on v0\)/,
  },
  {
    name: 'no route on the given nic',
    params: { ip: '10.213.99.5', nic: 'v0' },
    code: 5,
    reason: /no connected route on v0 contains .* set cidr_netmask/,
  },
  {
    name: 'arp_count 0',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, arp_count: 0 },
    code: 6,
    reason: /arp_count='0': must be greater than 0/,
  },
  {
    name: 'arp_interval not a number',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, arp_interval: 'fast' },
    code: 6,
    reason: /arp_interval='fast' is not an integer/,
  },
  {
    name: 'arp_bg not a boolean',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, arp_bg: 'maybe' },
    code: 6,
    reason: /arp_bg='maybe' is not a boolean/,
  },
  {
    name: 'preferred_lft garbage',
    params: { ip: 'fd00:213:2::5', nic: 'v0', preferred_lft: 'soon' },
    code: 6,
    reason: /preferred_lft 'soon'/,
  },
  {
    name: 'lvs_support on IPv6',
    params: { ip: 'fd00:213:2::5', nic: 'v0', lvs_support: 'true' },
    code: 6,
    reason: /lvs_support is for IPv4/,
  },
  {
    name: 'lvs_ipv6_addrlabel on IPv4',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, lvs_ipv6_addrlabel: 'true' },
    code: 6,
    reason: /lvs_ipv6_addrlabel is for IPv6/,
  },
  {
    name: 'unsupported: mac',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, mac: '01:00:5e:00:00:01' },
    code: 6,
    reason: /mac .*not supported by ocfkit/,
  },
  {
    name: 'unsupported: clusterip_hash',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, clusterip_hash: 'sourceip' },
    code: 6,
    reason: /clusterip_hash .*not supported by ocfkit/,
  },
  {
    name: 'unsupported: unique_clone_address',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, unique_clone_address: 'true' },
    code: 6,
    reason: /unique_clone_address is not supported by ocfkit/,
  },
  {
    name: 'unsupported: a Cluster IP clone',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24 },
    env: { OCF_RESKEY_CRM_meta_clone_max: '3' },
    code: 6,
    reason: /clone-max=3 .*not supported by ocfkit/,
  },
  {
    name: 'unsupported: arp_sender=libnet_arping',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, arp_sender: 'libnet_arping' },
    code: 6,
    reason: /arp_sender=libnet_arping is not supported by ocfkit/,
  },
  {
    name: 'unknown arp_sender',
    params: { ip: '10.213.2.5', nic: 'v0', cidr_netmask: 24, arp_sender: 'carrier_pigeon' },
    code: 6,
    reason: /arp_sender='carrier_pigeon' is not one of/,
  },
  { name: 'missing ip', params: { nic: 'v0' }, code: 6, reason: /parameter 'ip' is required/ },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const before = snapshot();
    for (const action of ['validate-all', 'start']) {
      const r = agent(action, c.params, c.env);
      t.equal(r.code, c.code, `${action} exits ${c.code}: ${r.stderr}`);
      t.match(r.reason, c.reason, `${action} says why`);
      t.equal(r.stderr.split('\n').filter((l) => l.startsWith('ocf-exit-reason:')).length, 1, 'exactly one exit reason line');
    }
    t.equal(snapshot(), before, 'nothing changed in the namespace');
    if (c.params.ip !== undefined && !c.reason.source.includes('not an integer') && !c.reason.source.includes('greater than 0')) {
      // Parameters upstream checks on every action (arp_count, arp_interval) fail everywhere; the rest cannot have started anything.
      t.equal(agent('monitor', c.params, c.env).code, 7, 'a probe says not running');
    }
    // A failed stop gets the node fenced: whatever is wrong, nothing of this resource can be running.
    const stop = agent('stop', c.params, c.env);
    t.equal(stop.code, 0, `stop succeeds: nothing to remove (${stop.stderr.trim()})`);
    t.equal(stop.reason, undefined, 'stop prints no exit reason');
    t.equal(snapshot(), before, 'stop changed nothing either');
  });
}

t.test('validate-all and a probe do not touch the network', async (t) => {
  const cap = await peer.capture(t, 'v1', 'arp or (icmp6 and (ip6[40] == 135 or ip6[40] == 136))'); // ARP, neighbour solicitations and advertisements
  const before = snapshot();
  t.equal(agent('validate-all', { ip: '10.213.2.6' }).code, 0);
  t.equal(agent('validate-all', { ip: 'fd00:213:2::6' }).code, 0);
  t.equal(agent('monitor', { ip: '10.213.2.6' }).code, 7);
  t.equal(agent('monitor', { ip: 'fd00:213:2::6', nic: 'v0' }).code, 7);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(snapshot(), before, 'no change');
  t.same(cap.lines, [], 'no ARP or neighbour discovery packet left the node');
});

t.test('settings for the other address family are ignored with a warning', async (t) => {
  const r = agent('validate-all', { ip: '10.213.2.7', nic: 'v0', cidr_netmask: 24, nodad: 'true', preferred_lft: 0 });
  t.equal(r.code, 0);
  t.match(r.stderr, /nodad applies to IPv6 addresses only/);
  t.match(r.stderr, /preferred_lft applies to IPv6 addresses only/);
  const r6 = agent('validate-all', { ip: 'fd00:213:2::7', nic: 'v0', iflabel: 'x', arp_count_refresh: 2 });
  t.equal(r6.code, 0);
  t.match(r6.stderr, /iflabel applies to IPv4 addresses only/);
  t.match(r6.stderr, /arp_count_refresh applies to IPv4 addresses only/);
});
