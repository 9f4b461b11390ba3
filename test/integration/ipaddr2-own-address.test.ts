// The built IPaddr2 agent touches only the address it added, inside network namespaces this test
// makes: `node` (v0 10.213.5.1/24 + fd00:213:5::1/64, v2 10.213.6.1/24) and `peer` on the other
// ends. The same IP held by the node's own configuration (another prefix, another interface,
// another label) is never reported as running, never taken over by start, never removed by stop.
// Also: stop with parameters that cannot work touches nothing, and 127.x addresses on lo work.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runAgentAction, type AgentRun } from '../helpers/agent.js';
import { Netns, requireNetns, vethPair } from '../helpers/netns.js';

requireNetns(t);

const node = Netns.create(t, 'ocfk-ip-', 'on');
const peer = Netns.create(t, 'ocfk-ip-', 'op');
vethPair(node, 'v0', peer, 'v1');
vethPair(node, 'v2', peer, 'v3');
node.ip('addr', 'add', '10.213.5.1/24', 'dev', 'v0');
node.ip('addr', 'add', 'fd00:213:5::1/64', 'dev', 'v0', 'nodad');
node.ip('addr', 'add', '10.213.6.1/24', 'dev', 'v2');
const rscTmp = mkdtempSync(`${tmpdir()}/ocfk-ip-rsc-`);
t.teardown(() => rmSync(rscTmp, { recursive: true, force: true }));

type Params = Record<string, string | number | undefined>;
const RECURRING = { OCF_RESKEY_CRM_meta_interval: '10000' };
const PROBE = { OCF_RESKEY_CRM_meta_interval: '0' };

function agent(action: string, params: Params, env: Record<string, string> = RECURRING): AgentRun {
  return runAgentAction('IPaddr2', action, params, { HA_RSCTMP: rscTmp, ...env }, { wrapper: node.wrapper });
}

/** Every address of the namespace, "ifname ip/prefix label", so a test sees any change anywhere. */
function addresses(): string[] {
  const links = node.ipJson<{ ifname: string; addr_info: { local?: string; prefixlen?: number; label?: string }[] }[]>('addr', 'show');
  return links
    .flatMap((l) => l.addr_info.filter((a) => a.local).map((a) => `${l.ifname} ${a.local}/${a.prefixlen}${a.label ? ` ${a.label}` : ''}`))
    .sort();
}
const has = (ifname: string, cidr: string) => node.addresses(ifname).includes(cidr);

/** The node's own copy of the IP is foreign: probe 7, monitor 7, start 1 with a reason, stop 0, and nothing changes. */
function foreignCopyIsLeftAlone(t: Test, p: Params, foreign: RegExp): void {
  const before = addresses();
  t.equal(agent('monitor', p, PROBE).code, 7, "a probe does not take the node's own address for the resource");
  t.equal(agent('monitor', p).code, 7, 'nor does a recurring monitor');
  const s = agent('start', p);
  t.equal(s.code, 1, `start refuses: ${s.stderr}`);
  t.match(s.reason, /is already configured on this node, not by this resource/);
  t.match(s.reason, foreign, 'and names the address in the way');
  t.same(addresses(), before, 'start added nothing');
  const r = agent('stop', p);
  t.equal(r.code, 0, `stop (as Pacemaker runs after the failed start) succeeds: ${r.stderr}`);
  t.match(r.stderr, /left alone, not added by this resource/);
  t.same(addresses(), before, 'and removed nothing');
}

t.test('the same IPv4 address with another prefix on nic is not ours', async (t) => {
  node.ip('addr', 'add', '10.213.5.20/16', 'dev', 'v0');
  t.teardown(() => node.ip('addr', 'del', '10.213.5.20/16', 'dev', 'v0'));
  foreignCopyIsLeftAlone(t, { ip: '10.213.5.20', nic: 'v0', cidr_netmask: 24 }, /10\.213\.5\.20\/16 on v0/);
  t.ok(has('v0', '10.213.5.20/16'), 'the static /16 is still there');
});

t.test('the same IPv6 address with another prefix on nic is not ours', async (t) => {
  node.ip('addr', 'add', 'fd00:213:5::20/48', 'dev', 'v0', 'nodad');
  t.teardown(() => node.ip('addr', 'del', 'fd00:213:5::20/48', 'dev', 'v0'));
  foreignCopyIsLeftAlone(t, { ip: 'fd00:213:5::20', nic: 'v0', cidr_netmask: 64, nodad: 'true' }, /fd00:213:5::20\/48 on v0/);
  t.ok(has('v0', 'fd00:213:5::20/48'));
});

t.test('the same IP on another interface is not ours (without nic the route puts ours on v0)', async (t) => {
  node.ip('addr', 'add', '10.213.5.21/32', 'dev', 'v2');
  t.teardown(() => node.ip('addr', 'del', '10.213.5.21/32', 'dev', 'v2'));
  foreignCopyIsLeftAlone(t, { ip: '10.213.5.21' }, /10\.213\.5\.21\/32 on v2/);
  t.ok(has('v2', '10.213.5.21/32'));
});

t.test('the same IP and prefix with another label is not ours', async (t) => {
  node.ip('addr', 'add', '10.213.5.23/24', 'dev', 'v0', 'label', 'v0:admin');
  t.teardown(() => node.ip('addr', 'del', '10.213.5.23/24', 'dev', 'v0'));
  foreignCopyIsLeftAlone(t, { ip: '10.213.5.23', nic: 'v0', cidr_netmask: 24 }, /10\.213\.5\.23\/24 on v0 \(label v0:admin\)/);
});

t.test('stop removes the copy start added and leaves copies that appeared later', async (t) => {
  const p = { ip: '10.213.5.22' };
  const r = agent('start', p);
  t.equal(r.code, 0, r.stderr);
  t.ok(has('v0', '10.213.5.22/24'), "added on v0 with the route's /24");
  node.ip('addr', 'add', '10.213.5.22/32', 'dev', 'v2');
  node.ip('addr', 'add', '10.213.5.22/16', 'dev', 'v0');
  t.teardown(() => {
    node.ip('addr', 'del', '10.213.5.22/32', 'dev', 'v2');
    node.ip('addr', 'del', '10.213.5.22/16', 'dev', 'v0');
  });
  t.equal(agent('monitor', p).code, 0, 'ours is still running');
  const s = agent('stop', p);
  t.equal(s.code, 0, s.stderr);
  t.notOk(has('v0', '10.213.5.22/24'), 'ours is gone');
  t.ok(has('v2', '10.213.5.22/32'), 'the copy on v2 is still there');
  t.ok(has('v0', '10.213.5.22/16'), 'the /16 on v0 is still there');
  t.equal(agent('monitor', p).code, 7, 'and they do not count as running');
});

t.test('without nic, stop still finds the address start added after the route went away', async (t) => {
  const p = { ip: '10.213.6.30' };
  t.equal(agent('start', p).code, 0);
  t.ok(has('v2', '10.213.6.30/24'));
  node.ip('route', 'del', '10.213.6.0/24', 'dev', 'v2');
  t.teardown(() => node.ip('route', 'replace', '10.213.6.0/24', 'dev', 'v2', 'proto', 'kernel', 'scope', 'link', 'src', '10.213.6.1'));
  t.equal(agent('monitor', p).code, 0, 'running where start put it');
  t.equal(agent('stop', p).code, 0);
  t.notOk(has('v2', '10.213.6.30/24'), 'removed');
});

t.test('stop with parameters that cannot work returns 0 and touches nothing', async (t) => {
  const p = { ip: '10.213.5.24', nic: 'v0', cidr_netmask: 24 };
  t.equal(agent('start', p).code, 0);
  const before = addresses();
  for (const bad of [
    { ...p, arp_count: 0 },
    { ...p, arp_bg: 'maybe' },
    { ...p, cidr_netmask: 'wide' },
    { ...p, nic: 'a/b' },
    { ...p, nic: 'eth7' },
    { ...p, mac: '01:00:5e:00:00:01' },
    { ...p, network_namespace: 'ocfk-ip-no-such-ns' },
    { ip: '10.213.5.24', cidr_netmask: 16 },
    { ip: '10.213.5.24', nic: 'v0', iflabel: 'averylonglabel' },
  ]) {
    const r = agent('stop', bad);
    t.equal(r.code, 0, `stop ${JSON.stringify(bad)}: 0 (${r.stderr.trim().split('\n')[0] ?? ''})`);
    t.equal(r.reason, undefined, 'no exit reason: it did not fail');
  }
  t.same(addresses(), before, 'the running address was not touched');
  t.equal(agent('monitor', p).code, 0, 'and still runs');
  t.equal(agent('stop', p).code, 0);
  t.notOk(has('v0', '10.213.5.24/24'));
});

t.test('127.x on lo works as upstream: with nic=lo, without nic, with a prefix', async (t) => {
  for (const p of [
    { ip: '127.0.0.2', nic: 'lo' },
    { ip: '127.0.0.3' },
    { ip: '127.0.0.4', nic: 'lo', cidr_netmask: 32 },
    { ip: '127.0.0.5', cidr_netmask: 16 },
  ]) {
    const want = `${p.ip}/${p.cidr_netmask ?? 8}`;
    t.equal(agent('validate-all', p).code, 0, `validate-all ${JSON.stringify(p)}`);
    t.equal(agent('monitor', p, PROBE).code, 7, 'probe: not running');
    const r = agent('start', p);
    t.equal(r.code, 0, `start: ${r.stderr}`);
    t.ok(has('lo', want), `${want} on lo`);
    t.equal(agent('monitor', p).code, 0, 'monitor: running');
    t.equal(agent('stop', p).code, 0, 'stop');
    t.notOk(has('lo', want), 'gone');
    t.ok(has('lo', '127.0.0.1/8'), 'lo keeps its own address');
    t.equal(agent('monitor', p).code, 7, 'monitor after stop: not running');
  }
});
