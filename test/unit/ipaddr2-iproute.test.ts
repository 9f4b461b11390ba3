// Parsing what `ip -j` prints (captured from iproute2 6.1 in network namespaces), the questions
// IPaddr2 asks of it (where is our address, is the link usable, which route places an address),
// and its decisions: the monitor's verdict in every state and the exact command lines for ip,
// arping and na6.
import t from 'tap';
import { parseAddress, type IpAddress } from '../../lib/agent-runtime/ip/address.js';
import { resolveConfig, type VipConfig, type VipParams } from '../../lib/agent-runtime/ip/config.js';
import {
  findEntry,
  isLoopback,
  linkProblem,
  parseAddrShow,
  parseRouteShow,
  placeByRoute,
  type Link,
} from '../../lib/agent-runtime/ip/iproute.js';
import {
  addAddressArgs,
  announceSkipReason,
  arpingArgs,
  arpingDadArgs,
  broadcastFor,
  deleteAddressArgs,
  findOwn,
  foreignCopies,
  formatOwnRecord,
  monitorVerdict,
  na6Args,
  ownAddress,
  parseOwnRecord,
  placeAddress,
  recordFits,
} from '../../lib/agent-runtime/ip/plan.js';

const addr = (text: string): IpAddress => {
  const r = parseAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

// `ip -j addr show dev v0`: a VIP beside the static address, and an IPv6 address whose DAD failed.
const V0_UP =
  '[{"ifindex":2,"link_index":2,"ifname":"v0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"d2:b0:93:2e:34:a5","broadcast":"ff:ff:ff:ff:ff:ff","link_netnsid":0,"addr_info":[{"family":"inet","local":"10.213.0.1","prefixlen":24,"broadcast":"10.213.0.255","scope":"global","label":"v0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.213.0.50","prefixlen":24,"scope":"global","secondary":true,"label":"v0:web","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fd00:213::2","prefixlen":64,"scope":"global","dadfailed":true,"tentative":true,"valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fd00:213::60","prefixlen":64,"scope":"global","tentative":true,"valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fd00:213::1","prefixlen":64,"scope":"global","nodad":true,"valid_life_time":4294967295,"preferred_life_time":4294967295}]}]';
// The same link after its veth peer went down.
const V0_NO_CARRIER =
  '[{"ifindex":2,"link_index":2,"ifname":"v0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"qdisc":"noqueue","operstate":"DOWN","group":"default","txqlen":1000,"link_type":"ether","address":"d2:b0:93:2e:34:a5","broadcast":"ff:ff:ff:ff:ff:ff","link_netnsid":0,"addr_info":[{"family":"inet","local":"10.213.0.1","prefixlen":24,"scope":"global","label":"v0","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]';
// A veth that was never set up, with no addresses.
const V9_DOWN =
  '[{"ifindex":4,"link":"v9p","ifname":"v9","flags":["BROADCAST","MULTICAST","M-DOWN"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":1000,"link_type":"ether","address":"3a:60:cb:6d:d3:08","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[]}]';
// `ip -j -4 addr show to 127.0.0.1/32`: the filtered form has no link_type or MAC, and empty entries.
const LO_FILTERED =
  '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"addr_info":[{},{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]';
// `ip -j -4 route show match 10.213.0.50` with a gateway route, the connected /24 and a static /29.
const ROUTES_V4 =
  '[{"dst":"10.0.0.0/8","gateway":"10.213.0.2","dev":"v0","flags":[]},{"dst":"10.213.0.0/24","dev":"v0","protocol":"kernel","scope":"link","prefsrc":"10.213.0.1","flags":[]},{"dst":"10.213.0.48/29","dev":"v0","scope":"link","flags":[]}]';
const ROUTES_V6 = '[{"dst":"fd00:213::/64","dev":"v0","protocol":"kernel","metric":256,"flags":[],"pref":"medium"}]';

const one = (json: string): Link => parseAddrShow(json)[0]!;

t.test('ip -j addr show', async (t) => {
  const v0 = one(V0_UP);
  t.equal(v0.name, 'v0');
  t.equal(v0.mac, 'd2:b0:93:2e:34:a5');
  t.equal(v0.linkType, 'ether');
  t.equal(v0.addresses.length, 5);
  t.same(findEntry(v0, addr('10.213.0.50')), {
    family: 'inet',
    local: '10.213.0.50',
    prefixlen: 24,
    broadcast: undefined,
    label: 'v0:web',
    tentative: false,
    dadfailed: false,
  });
  t.equal(findEntry(v0, addr('10.213.0.1'))?.broadcast, '10.213.0.255');
  t.equal(findEntry(v0, addr('FD00:213:0::2'))?.dadfailed, true, 'found by value');
  t.equal(findEntry(v0, addr('fd00:213::60'))?.tentative, true);
  t.equal(findEntry(v0, addr('10.213.0.51')), undefined);
  const lo = one(LO_FILTERED);
  t.ok(isLoopback(lo), 'loopback told by its flags when link_type is missing');
  t.equal(lo.addresses.length, 1, 'empty addr_info entries are skipped');
  t.same(parseAddrShow(''), []);
  t.same(parseAddrShow('[]'), []);
  t.throws(() => parseAddrShow('Device "x" does not exist.'), /cannot parse the JSON/);
  t.throws(() => parseAddrShow('{"a":1}'), /did not print a JSON array/);
});

t.test('whether a link can carry traffic', async (t) => {
  t.equal(linkProblem(one(V0_UP)), undefined);
  t.match(linkProblem(one(V0_NO_CARRIER)), /v0 has no carrier \(state DOWN\)/);
  t.match(linkProblem(one(V9_DOWN)), /v9 is administratively down/);
  t.equal(linkProblem(one(LO_FILTERED)), undefined, 'UNKNOWN with UP (loopback, tun) counts as up');
  const dormant: Link = { ...one(V0_UP), operstate: 'DORMANT' };
  t.match(linkProblem(dormant), /not operational \(state DORMANT\)/);
  const lowerDown: Link = { ...one(V0_UP), operstate: 'LOWERLAYERDOWN', flags: ['BROADCAST', 'MULTICAST', 'UP'] };
  t.match(linkProblem(lowerDown), /no carrier \(state LOWERLAYERDOWN\)/);
});

t.test('placing an address by the routing table', async (t) => {
  const v4 = parseRouteShow(ROUTES_V4);
  t.same(v4[0], { dst: '10.0.0.0/8', dev: 'v0', gateway: '10.213.0.2', scope: undefined, prefsrc: undefined, type: undefined });
  t.same(placeByRoute(v4, addr('10.213.0.50')), { nic: 'v0', prefix: 29, prefsrc: undefined }, 'the most specific connected route');
  t.same(
    placeByRoute(v4.slice(0, 2), addr('10.213.0.50')),
    { nic: 'v0', prefix: 24, prefsrc: '10.213.0.1' },
    'gateway routes never place an address',
  );
  t.same(placeByRoute(v4, addr('10.213.0.50'), 'eth1'), undefined, 'only routes on the given nic');
  t.same(placeByRoute(parseRouteShow(ROUTES_V6), addr('fd00:213::50')), { nic: 'v0', prefix: 64, prefsrc: undefined });
  t.same(
    placeByRoute(parseRouteShow('[{"dst":"fd00:213::7","dev":"v1","metric":1024,"flags":[]}]'), addr('fd00:213::7')),
    { nic: 'v1', prefix: 128, prefsrc: undefined },
    'an IPv6 host route prints without /128',
  );
  t.same(placeByRoute(parseRouteShow('[{"dst":"default","gateway":"fd00::1","dev":"v0","flags":[]}]'), addr('fd00:213::7')), undefined);
  t.same(
    placeByRoute(parseRouteShow('[{"type":"unreachable","dst":"10.9.0.0/16","dev":"lo","scope":"link","flags":[]}]'), addr('10.9.0.1')),
    undefined,
  );
  t.same(
    placeByRoute(
      parseRouteShow('[{"dst":"10.1.0.0/16","dev":"a","scope":"link"},{"dst":"10.1.0.0/16","dev":"b","scope":"link"}]'),
      addr('10.1.2.3'),
    ),
    { nic: 'b', prefix: 16, prefsrc: undefined },
    'a tie goes to the last, as upstream',
  );
});

const DEFAULTS: VipParams = {
  ip: '',
  nic: '',
  cidr_netmask: '',
  broadcast: '',
  iflabel: '',
  lvs_support: false,
  lvs_ipv6_addrlabel: false,
  lvs_ipv6_addrlabel_value: 99,
  mac: '',
  clusterip_hash: '',
  unique_clone_address: false,
  arp_interval: 200,
  arp_count: 5,
  arp_count_refresh: 0,
  arp_bg: '',
  arp_sender: '',
  send_arp_opts: '',
  flush_routes: false,
  run_arping: false,
  nodad: false,
  noprefixroute: false,
  preferred_lft: 'forever',
  network_namespace: '',
};
const config = (p: Partial<VipParams>): VipConfig => {
  const r = resolveConfig({ ...DEFAULTS, ...p });
  if (!r.config) throw new Error(r.errors.join('; '));
  return r.config;
};
const links = (json: string): Link[] => parseAddrShow(json);

t.test('monitor verdicts: only our exact copy counts', async (t) => {
  const withNic = config({ ip: '10.213.0.50', nic: 'v0', iflabel: 'web' });
  const ours = { nic: 'v0', prefix: 24, label: 'v0:web' };
  t.match(monitorVerdict(withNic, ours, links(V0_UP), false), { state: 'running' });
  t.match(
    monitorVerdict(withNic, { ...ours, prefix: 16 }, links(V0_UP), false),
    { state: 'stopped' },
    'the IP with another prefix is not ours',
  );
  t.match(monitorVerdict(withNic, { ...ours, label: 'v0' }, links(V0_UP), false), { state: 'stopped' }, 'nor with another label');
  t.match(monitorVerdict(withNic, undefined, links(V0_UP), false), { state: 'stopped' }, 'nor when ours cannot be placed');
  t.match(
    monitorVerdict(config({ ip: '10.213.0.51', nic: 'v0' }), { nic: 'v0', prefix: 24 }, links(V0_UP), false),
    { state: 'stopped' },
    'absent on an up link',
  );
  t.match(monitorVerdict(withNic, ours, [], false), { state: 'failed', reason: 'interface v0 does not exist (any more)' }, 'nic gone');
  t.match(monitorVerdict(withNic, ours, [], true), { state: 'stopped' }, 'nic gone, probe: not running here');
  const noCarrier = config({ ip: '10.213.0.1', nic: 'v0' });
  t.match(
    monitorVerdict(noCarrier, { nic: 'v0', prefix: 24 }, links(V0_NO_CARRIER), true),
    { state: 'failed', reason: /10\.213\.0\.1 is on v0, but interface v0 has no carrier/ },
    'present on a dead link, even in a probe',
  );
  t.match(
    monitorVerdict(config({ ip: '10.213.0.9', nic: 'v9' }), { nic: 'v9', prefix: 24 }, links(V9_DOWN), false),
    { state: 'failed', reason: /administratively down, and 10\.213\.0\.9 is gone from it/ },
    'IPv6-style: the address went with the link',
  );
  t.match(
    monitorVerdict(config({ ip: '10.213.0.9', nic: 'v9' }), { nic: 'v9', prefix: 24 }, links(V9_DOWN), true),
    { state: 'stopped' },
    'the same in a probe: not running',
  );
  t.match(monitorVerdict(config({ ip: 'fd00:213::2', nic: 'v0' }), { nic: 'v0', prefix: 64 }, links(V0_UP), false), {
    state: 'failed',
    reason: /failed duplicate address detection/,
  });
  t.match(
    monitorVerdict(config({ ip: 'fd00:213::60', nic: 'v0' }), { nic: 'v0', prefix: 64 }, links(V0_UP), false),
    { state: 'running' },
    'tentative still counts as there',
  );

  const noNic = config({ ip: '10.213.0.50' });
  t.match(monitorVerdict(noNic, ours, links(V0_UP), false), { state: 'running', link: { name: 'v0' } }, 'without nic: where it was added');
  t.match(monitorVerdict(noNic, ours, [], false), { state: 'stopped' });
  t.match(
    monitorVerdict(config({ ip: '127.0.0.1' }), ours, links(LO_FILTERED), false),
    { state: 'stopped' },
    'a copy on loopback is not the resource',
  );
  t.match(
    monitorVerdict(config({ ip: '127.0.0.1', nic: 'lo' }), { nic: 'lo', prefix: 8, label: 'lo' }, links(LO_FILTERED), false),
    { state: 'running' },
    'unless it is ours there',
  );
});

t.test('our address and the copies that are not ours', async (t) => {
  const c = config({ ip: '10.213.0.50' });
  t.same(
    ownAddress(c, { nic: 'v0', prefix: 24 }),
    { nic: 'v0', prefix: 24, label: 'v0' },
    'IPv4 without iflabel: the kernel labels it with the nic',
  );
  t.same(ownAddress(config({ ip: '10.213.0.50', iflabel: 'web' }), { nic: 'v0', prefix: 24 }), { nic: 'v0', prefix: 24, label: 'v0:web' });
  t.same(ownAddress(config({ ip: 'fd00:213::60' }), { nic: 'v0', prefix: 64 }), { nic: 'v0', prefix: 64 }, 'IPv6 has no labels');
  const all = [...links(LO_FILTERED), ...links(V0_UP)];
  t.match(findOwn(all, c, { nic: 'v0', prefix: 24, label: 'v0:web' }), { link: { name: 'v0' }, entry: { prefixlen: 24 } });
  t.equal(findOwn(all, c, { nic: 'v0', prefix: 16, label: 'v0:web' }), undefined);
  t.same(foreignCopies(all, c, { nic: 'v0', prefix: 24, label: 'v0:web' }), [], 'ours is not foreign');
  t.same(
    foreignCopies(all, c, { nic: 'v0', prefix: 16, label: 'v0' }),
    ['10.213.0.50/24 on v0 (label v0:web)'],
    'another prefix on the same nic',
  );
  t.same(foreignCopies(all, c, { nic: 'v1', prefix: 24, label: 'v1' }), ['10.213.0.50/24 on v0 (label v0:web)'], 'another interface');
  t.same(foreignCopies(all, c, undefined), ['10.213.0.50/24 on v0 (label v0:web)'], 'ours unknown: every copy');
  const lo = config({ ip: '127.0.0.1' });
  t.same(foreignCopies(all, lo, { nic: 'v0', prefix: 24, label: 'v0' }), [], 'a copy on another loopback interface (LVS) is no conflict');
  t.same(foreignCopies(all, lo, { nic: 'lo', prefix: 16, label: 'lo' }), ['127.0.0.1/8 on lo'], 'but on our own nic it is');

  const own = { nic: 'v0', prefix: 24, label: 'v0:web' };
  t.same(parseOwnRecord(formatOwnRecord(own)), own, 'the record start writes is what stop reads');
  t.same(parseOwnRecord(formatOwnRecord({ nic: 'v0', prefix: 64 })), { nic: 'v0', prefix: 64, label: undefined });
  t.ok(
    recordFits(config({ ip: '10.213.0.50', iflabel: 'web' }), own),
    'a record fits a configuration that leaves nic and prefix to the routes',
  );
  t.ok(recordFits(config({ ip: '10.213.0.50', nic: 'v0', cidr_netmask: '24', iflabel: 'web' }), own));
  t.notOk(recordFits(config({ ip: '10.213.0.50', nic: 'eth7', iflabel: 'web' }), own), 'not one with another nic');
  t.notOk(recordFits(config({ ip: '10.213.0.50', cidr_netmask: '16', iflabel: 'web' }), own), 'nor another prefix');
  t.notOk(recordFits(config({ ip: '10.213.0.50' }), own), 'nor another label');
  for (const bad of [undefined, '', 'v0 24', '{"nic":"v0"}', '{"nic":"","prefix":24}', '{"nic":"v0","prefix":"24"}']) {
    t.equal(parseOwnRecord(bad), undefined, `no record from ${JSON.stringify(bad)}`);
  }
});

t.test('placing the address', async (t) => {
  t.same(
    placeAddress(config({ ip: '10.213.0.50', nic: 'v0', cidr_netmask: '24' }), undefined),
    { ok: true, placement: { nic: 'v0', prefix: 24 } },
    'no route needed',
  );
  t.same(placeAddress(config({ ip: '10.213.0.50', nic: 'v0' }), parseRouteShow(ROUTES_V4).slice(0, 2)), {
    ok: true,
    placement: { nic: 'v0', prefix: 24, prefsrc: '10.213.0.1' },
  });
  t.same(
    placeAddress(config({ ip: '10.213.0.50', cidr_netmask: '26' }), parseRouteShow(ROUTES_V4).slice(0, 2)),
    { ok: true, placement: { nic: 'v0', prefix: 26, prefsrc: '10.213.0.1' } },
    'the configured prefix wins',
  );
  t.same(placeAddress(config({ ip: 'fd00:213::50' }), parseRouteShow(ROUTES_V6)), {
    ok: true,
    placement: { nic: 'v0', prefix: 64, prefsrc: undefined },
  });
  t.same(placeAddress(config({ ip: '10.99.0.5' }), []), {
    ok: false,
    reason: 'no connected route contains 10.99.0.5, so nic and cidr_netmask cannot be found; set nic and cidr_netmask',
  });
  t.same(placeAddress(config({ ip: '10.99.0.5', nic: 'v0' }), []), {
    ok: false,
    reason: 'no connected route on v0 contains 10.99.0.5, so cidr_netmask cannot be found; set cidr_netmask',
  });

  // As upstream's findif (`ip route list match IP/cidr_netmask`): without nic, the route must cover the whole prefix.
  const v4 = parseRouteShow(ROUTES_V4).slice(0, 2);
  t.same(
    placeAddress(config({ ip: '10.213.0.50', cidr_netmask: '24' }), v4),
    { ok: true, placement: { nic: 'v0', prefix: 24, prefsrc: '10.213.0.1' } },
    'a prefix as wide as the route',
  );
  t.match(
    placeAddress(config({ ip: '10.213.0.50', cidr_netmask: '16' }), v4),
    {
      ok: false,
      configError: true,
      reason:
        'cidr_netmask 16 is wider than the connected route that contains 10.213.0.50 (a /24 on v0): no route covers 10.213.0.50/16, so nic cannot be found; set cidr_netmask to 24 or more, or set nic',
    },
    'a prefix wider than the route: a configuration error',
  );
  t.match(placeAddress(config({ ip: 'fd00:213::50', cidr_netmask: '48' }), parseRouteShow(ROUTES_V6)), {
    ok: false,
    configError: true,
    reason: /wider than the connected route .*a \/64 on v0/,
  });
  t.same(
    placeAddress(config({ ip: '10.213.0.50', nic: 'v0', cidr_netmask: '16' }), undefined),
    { ok: true, placement: { nic: 'v0', prefix: 16 } },
    'with nic given, upstream takes any prefix',
  );

  // 127.x: no route in the main table; upstream's findif takes the local table's network.
  const local = parseRouteShow(
    '[{"type":"local","dst":"127.0.0.0/8","dev":"lo","protocol":"kernel","prefsrc":"127.0.0.1","flags":[]},{"type":"local","dst":"127.0.0.2","dev":"lo","protocol":"kernel","prefsrc":"127.0.0.1","flags":[]}]',
  );
  t.same(
    placeAddress(config({ ip: '127.0.0.2' }), [], local),
    { ok: true, placement: { nic: 'lo', prefix: 8, prefsrc: '127.0.0.1' } },
    'loopback without nic',
  );
  t.same(
    placeAddress(config({ ip: '127.0.0.2', nic: 'lo' }), [], local),
    { ok: true, placement: { nic: 'lo', prefix: 8, prefsrc: '127.0.0.1' } },
    'loopback with nic=lo',
  );
  t.same(placeAddress(config({ ip: '127.0.0.2', cidr_netmask: '32' }), [], local), {
    ok: true,
    placement: { nic: 'lo', prefix: 32, prefsrc: '127.0.0.1' },
  });
  t.same(placeAddress(config({ ip: '127.0.0.2', nic: 'v0' }), [], local), {
    ok: false,
    reason: 'no connected route on v0 contains 127.0.0.2, so cidr_netmask cannot be found; set cidr_netmask',
  });
  t.same(
    placeAddress(config({ ip: '10.99.0.5' }), [], local),
    { ok: false, reason: 'no connected route contains 10.99.0.5, so nic and cidr_netmask cannot be found; set nic and cidr_netmask' },
    'the local table places only 127.x',
  );
});

t.test('ip addr add / del command lines', async (t) => {
  const v0 = links(V0_UP)[0];
  const place = { nic: 'v0', prefix: 24, prefsrc: '10.213.0.1' };
  const plain = config({ ip: '10.213.0.60' });
  t.equal(broadcastFor(plain, place, v0), '10.213.0.255', 'the broadcast of the address the route names');
  t.equal(broadcastFor(config({ ip: '10.213.0.60', broadcast: '-' }), place, v0), '-');
  t.equal(broadcastFor(plain, { nic: 'v0', prefix: 24 }, v0), undefined);
  t.same(addAddressArgs(plain, place, '10.213.0.255'), ['-f', 'inet', 'addr', 'add', '10.213.0.60/24', 'brd', '10.213.0.255', 'dev', 'v0']);
  t.same(addAddressArgs(config({ ip: '10.213.0.60', iflabel: 'web', noprefixroute: true }), place, undefined), [
    '-f',
    'inet',
    'addr',
    'add',
    '10.213.0.60/24',
    'dev',
    'v0',
    'noprefixroute',
    'label',
    'v0:web',
  ]);
  t.same(addAddressArgs(config({ ip: 'FD00::60', nodad: true, preferred_lft: '0' }), { nic: 'v0', prefix: 64 }, undefined), [
    '-f',
    'inet6',
    'addr',
    'add',
    'fd00::60/64',
    'dev',
    'v0',
    'nodad',
    'preferred_lft',
    '0',
  ]);
  t.same(deleteAddressArgs(plain, 'v0', 24), ['-f', 'inet', 'addr', 'del', '10.213.0.60/24', 'dev', 'v0']);
});

t.test('announcement command lines', async (t) => {
  t.same(
    arpingArgs('v0', '10.0.0.5', 5, 200, []),
    ['-U', '-c', '5', '-i', '1', '-I', 'v0', '10.0.0.5'],
    'iputils counts whole seconds: 200 ms -> 1 s',
  );
  t.same(arpingArgs('v0', '10.0.0.5', 3, 2500, ['-A']), ['-A', '-U', '-c', '3', '-i', '3', '-I', 'v0', '10.0.0.5']);
  t.same(arpingDadArgs('v0', '10.0.0.5'), ['-q', '-D', '-c', '2', '-w', '3', '-I', 'v0', '10.0.0.5']);
  t.same(na6Args('v0', 'fd00::5', 'd2:b0:93:2e:34:a5'), [
    '-i',
    'v0',
    '-s',
    'fd00::5',
    '-d',
    'ff02::1',
    '-t',
    'fd00::5',
    '-o',
    '-e',
    '-S',
    'd2:b0:93:2e:34:a5',
  ]);
  t.match(announceSkipReason(links(LO_FILTERED)[0]!, 'inet'), /loopback/);
  t.equal(announceSkipReason(links(V0_UP)[0]!, 'inet6'), undefined);
  const noMac: Link = { ...links(V0_UP)[0]!, mac: undefined };
  t.equal(announceSkipReason(noMac, 'inet'), undefined, 'arping finds the MAC itself');
  t.match(announceSkipReason(noMac, 'inet6'), /no link-layer address/);
});
