// IPaddr2's parameters turned into one checked configuration: upstream's defaults and meaning,
// unsupported Cluster IP settings refused, settings of the other address family flagged.
import t from 'tap';
import { resolveConfig, type VipParams } from '../../lib/agent-runtime/ip/config.js';

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
const resolve = (p: Partial<VipParams>, ctx = {}) => resolveConfig({ ...DEFAULTS, ...p }, ctx);

t.test('a plain IPv4 VIP', async (t) => {
  const r = resolve({ ip: '192.168.1.10', nic: 'eth0', cidr_netmask: '24' });
  t.same(r.errors, []);
  t.same(r.warnings, []);
  t.match(r.config, {
    family: 'inet',
    nic: 'eth0',
    prefix: 24,
    broadcast: undefined,
    labelSuffix: undefined,
    nodad: false,
    lvsSupport: false,
    announce: { count: 5, intervalMs: 200, refreshCount: 0, background: true, extraArgs: [] },
  });
  t.equal(r.config?.ip.text, '192.168.1.10');
});

t.test('arp_bg defaults per family, as upstream', async (t) => {
  t.equal(resolve({ ip: '10.0.0.1' }).config?.announce.background, true, 'IPv4: background');
  t.equal(resolve({ ip: 'fd00::1' }).config?.announce.background, false, 'IPv6: foreground');
  t.equal(resolve({ ip: '10.0.0.1', arp_bg: 'no' }).config?.announce.background, false);
  t.equal(resolve({ ip: 'fd00::1', arp_bg: 'yes' }).config?.announce.background, true);
  t.match(resolve({ ip: '10.0.0.1', arp_bg: 'sometimes' }).errors, [/arp_bg='sometimes' is not a boolean/]);
});

t.test('labels: iflabel, or the old nic:label form which wins', async (t) => {
  t.equal(resolve({ ip: '10.0.0.1', nic: 'eth0', iflabel: 'web' }).config?.labelSuffix, 'web');
  const old = resolve({ ip: '10.0.0.1', nic: 'eth0:db', iflabel: 'web' }).config;
  t.equal(old?.nic, 'eth0');
  t.equal(old?.labelSuffix, 'db');
  t.match(resolve({ ip: '10.0.0.1', nic: 'bond0.1234', iflabel: 'toolong' }).errors, [
    /'bond0.1234:toolong' is longer than the kernel's 15 characters/,
  ]);
  t.equal(
    resolve({ ip: '10.0.0.1', iflabel: 'toolongforanynic' }).errors.length,
    0,
    'without nic the length is checked once the route names it',
  );
  const v6 = resolve({ ip: 'fd00::1', nic: 'eth0', iflabel: 'web' });
  t.equal(v6.config?.labelSuffix, undefined);
  t.match(v6.warnings, [/iflabel applies to IPv4 addresses only/]);
});

t.test('Cluster IP and its parameters are refused, not ignored', async (t) => {
  t.match(resolve({ ip: '10.0.0.1' }, { cloneMax: 2 }).errors, [/clone-max=2 asks for a load-shared Cluster IP .*not supported by ocfkit/]);
  t.same(resolve({ ip: '10.0.0.1' }, { cloneMax: 1 }).errors, [], 'a clone of one instance is fine');
  t.match(resolve({ ip: '10.0.0.1', mac: '01:00:5e:00:00:01' }).errors, [/mac .*not supported by ocfkit/]);
  t.match(resolve({ ip: '10.0.0.1', clusterip_hash: 'sourceip' }).errors, [/clusterip_hash .*not supported by ocfkit/]);
  t.match(resolve({ ip: '10.0.0.1', unique_clone_address: true }).errors, [/unique_clone_address is not supported by ocfkit/]);
  t.match(resolve({ ip: '10.0.0.1', arp_sender: 'ipoibarping' }).errors, [/arp_sender=ipoibarping is not supported by ocfkit/]);
  for (const sender of ['', 'send_arp', 'iputils_arping'])
    t.same(resolve({ ip: '10.0.0.1', arp_sender: sender }).errors, [], `arp_sender '${sender}' means arping`);
});

t.test('every problem at once', async (t) => {
  const r = resolve({
    ip: '10.0.0.1',
    nic: 'a b',
    cidr_netmask: '40',
    broadcast: 'x',
    mac: 'aa',
    lvs_ipv6_addrlabel: true,
    preferred_lft: 'later',
  });
  t.equal(r.config, undefined);
  t.equal(r.errors.length, 6, r.errors.join('\n'));
});

t.test('the family decides what applies', async (t) => {
  t.match(resolve({ ip: 'fd00::1', broadcast: '+' }).errors, [/broadcast applies to IPv4/]);
  t.match(resolve({ ip: 'fd00::1', lvs_support: true }).errors, [/lvs_support is for IPv4/]);
  t.match(resolve({ ip: '10.0.0.1', lvs_ipv6_addrlabel: true }).errors, [/lvs_ipv6_addrlabel is for IPv6/]);
  t.match(resolve({ ip: 'fe80::1' }).errors, [/nic is required for the link-local address fe80::1/]);
  const v4 = resolve({ ip: '10.0.0.1', nodad: true, preferred_lft: '0' });
  t.same(v4.errors, []);
  t.equal(v4.config?.nodad, false);
  t.match(v4.warnings, [/preferred_lft applies to IPv6/, /nodad applies to IPv6/]);
  const v6 = resolve({ ip: 'fd00::1', arp_count_refresh: 3, run_arping: true, send_arp_opts: '-A', arp_sender: 'send_arp' });
  t.same(v6.errors, []);
  t.equal(v6.config?.announce.refreshCount, 0);
  t.equal(v6.config?.runArping, false);
  t.same(v6.config?.announce.extraArgs, []);
  t.equal(v6.warnings.length, 4);
  t.equal(resolve({ ip: 'fd00::1', lvs_ipv6_addrlabel: true, lvs_ipv6_addrlabel_value: 7 }).config?.ipv6AddrLabel, 7);
});

t.test('netmask, legacy netmask parameter, send_arp_opts, network namespace', async (t) => {
  const dotted = resolve({ ip: '10.0.0.1', cidr_netmask: '255.255.0.0' });
  t.equal(dotted.config?.prefix, 16);
  t.match(dotted.notes, [/please write 16/]);
  t.equal(resolve({ ip: '10.0.0.1' }, { legacyNetmask: '22' }).config?.prefix, 22, 'OCF_RESKEY_netmask still works');
  t.equal(resolve({ ip: '10.0.0.1', cidr_netmask: '24' }, { legacyNetmask: '22' }).config?.prefix, 24, 'cidr_netmask wins');
  t.same(resolve({ ip: '10.0.0.1', send_arp_opts: ' -A  -q ' }).config?.announce.extraArgs, ['-A', '-q']);
  t.equal(resolve({ ip: '10.0.0.1', network_namespace: 'blue' }).config?.netns, 'blue');
  t.match(resolve({ ip: '10.0.0.1', network_namespace: '../x' }).errors, [/not a valid namespace name/]);
  t.match(resolve({ ip: 'fd00::1', preferred_lft: '99999999999' }).errors, [/preferred_lft/]);
  t.equal(resolve({ ip: 'fd00::1', preferred_lft: '3600' }).config?.preferredLft, '3600');
});
