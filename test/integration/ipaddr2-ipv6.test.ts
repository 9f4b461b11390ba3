// The built IPaddr2 agent with IPv6 addresses inside network namespaces this test makes: `node`
// (v0 fd00:213:1::1/64) and `peer` (v1 fd00:213:1::2/64) on a veth pair. The peer captures the
// unsolicited neighbour advertisements (na6, ipv6toolkit) and shows its neighbour cache.
import t from 'tap';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runAgentAction, type AgentRun } from '../helpers/agent.js';
import { Netns, requireNetns, must, vethPair, waitFor } from '../helpers/netns.js';

requireNetns(t);
t.ok(existsSync('/usr/sbin/na6'), 'na6 is installed (package ipv6toolkit): it sends the IPv6 neighbour advertisements');

const OLD_MAC = '02:00:00:00:00:99';
const node = Netns.create(t, 'ocfk-ip-', '6n');
const peer = Netns.create(t, 'ocfk-ip-', '6p');
vethPair(node, 'v0', peer, 'v1');
node.ip('addr', 'add', 'fd00:213:1::1/64', 'dev', 'v0', 'nodad');
peer.ip('addr', 'add', 'fd00:213:1::2/64', 'dev', 'v1', 'nodad');
const MAC = node.mac('v0');
const rscTmp = mkdtempSync(`${tmpdir()}/ocfk-ip-rsc-`);
t.teardown(() => rmSync(rscTmp, { recursive: true, force: true }));

type Params = Record<string, string | number | undefined>;
const RECURRING = { OCF_RESKEY_CRM_meta_interval: '10000' };
const PROBE = { OCF_RESKEY_CRM_meta_interval: '0' };
const NA = 'icmp6 and ip6[40] == 136';

function agent(action: string, params: Params, env: Record<string, string> = RECURRING): AgentRun {
  return runAgentAction('IPaddr2', action, params, { HA_RSCTMP: rscTmp, ...env }, { wrapper: node.wrapper });
}

interface AddrInfo {
  local: string;
  prefixlen: number;
  tentative?: boolean;
  dadfailed?: boolean;
  nodad?: boolean;
}
const entryOf = (address: string) =>
  node.ipJson<{ addr_info: AddrInfo[] }[]>('-6', 'addr', 'show', 'dev', 'v0')[0]?.addr_info.find((a) => a.local === address);
const naFrom = (address: string) =>
  new RegExp(
    `^\\S+ ${MAC} > 33:33:00:00:00:01.* ${address.replace(/[.:]/g, '\\$&')} > ff02::1: ICMP6, neighbor advertisement, tgt is ${address.replace(/[.:]/g, '\\$&')}`,
  );

t.test('start with nic, cidr_netmask and nodad: added, advertised, the peer now points at our MAC', async (t) => {
  const p = { ip: 'fd00:213:1::10', nic: 'v0', cidr_netmask: 64, nodad: 'true' };
  peer.seedNeighbour('fd00:213:1::10', OLD_MAC, 'v1');
  const cap = await peer.capture(t, 'v1', NA);
  t.equal(agent('monitor', p, PROBE).code, 7);
  const r = agent('start', p);
  t.equal(r.code, 0, r.stderr);
  t.equal(entryOf('fd00:213:1::10')?.prefixlen, 64);
  t.equal(entryOf('fd00:213:1::10')?.nodad, true, 'added with nodad');
  const nas = await cap.waitFor(naFrom('fd00:213:1::10'), 3000, 5);
  t.equal(
    nas.length,
    5,
    `five unsolicited NAs from ${MAC} arrived (arp_count 5; arp_bg defaults to false for IPv6): ${cap.lines.join(' | ')}`,
  );
  t.equal(peer.neighbour('fd00:213:1::10', 'v1')?.lladdr, MAC, "the peer's neighbour entry moved from the old MAC to ours");
  t.equal(agent('monitor', p).code, 0);
  t.equal(agent('start', p).code, 0, 'a second start succeeds');
  t.equal(agent('stop', p).code, 0);
  t.equal(entryOf('fd00:213:1::10'), undefined, 'gone');
  t.equal(agent('stop', p).code, 0, 'a second stop succeeds');
  t.equal(agent('monitor', p).code, 7);
});

t.test('without nic and cidr_netmask, with duplicate address detection: start returns once the address is usable', async (t) => {
  const p = { ip: 'FD00:213:1:0::11' }; // any spelling: compared by value
  const cap = await peer.capture(t, 'v1', NA);
  const began = Date.now();
  const r = agent('start', p);
  t.equal(r.code, 0, r.stderr);
  const entry = entryOf('fd00:213:1::11');
  t.equal(entry?.prefixlen, 64, 'prefix from fd00:213:1::/64 dev v0');
  t.notOk(entry?.tentative, 'DAD is over when start returns');
  t.ok(Date.now() - began >= 500, 'start waited for DAD');
  t.ok((await cap.waitFor(naFrom('fd00:213:1::11'), 3000)).length >= 1, 'advertised after DAD');
  t.equal(agent('monitor', p).code, 0);
  t.equal(agent('stop', p).code, 0);
  t.equal(entryOf('fd00:213:1::11'), undefined);
});

t.test('a duplicate found by DAD: start fails and takes the address away again', async (t) => {
  const p = { ip: 'fd00:213:1::2', nic: 'v0', cidr_netmask: 64 }; // the peer's own address
  const r = agent('start', p);
  t.equal(r.code, 1);
  t.match(r.reason, /duplicate address detection failed/);
  t.equal(entryOf('fd00:213:1::2'), undefined, 'not left behind');
  t.equal(agent('monitor', p).code, 7);
});

t.test('arp_bg=true: announced by a detached sender that stop ends', async (t) => {
  const p = { ip: 'fd00:213:1::12', nic: 'v0', cidr_netmask: 64, nodad: 'true', arp_bg: 'true', arp_count: 4, arp_interval: 500 };
  const cap = await peer.capture(t, 'v1', NA);
  const r = agent('start', p);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /in the background/);
  t.ok((await cap.waitFor(naFrom('fd00:213:1::12'), 5000)).length >= 1, 'the background sender advertises');
  t.equal(agent('stop', p).code, 0);
  const stoppedAt = new Date();
  const gone = await waitFor(() => !must('ps', ['-eo', 'args']).includes('--announce=fd00:213:1::12'), 2000);
  t.ok(gone, 'stop ended the background sender');
  await new Promise((resolve) => setTimeout(resolve, 1200)); // two more intervals of 500 ms
  t.same(
    cap.since(stoppedAt).filter((l) => naFrom('fd00:213:1::12').test(l)),
    [],
    'and nothing more is announced after stop',
  );
});

t.test('interface down: the kernel drops IPv6 addresses; monitor says 1, a probe 7', async (t) => {
  const p = { ip: 'fd00:213:1::13', nic: 'v0', cidr_netmask: 64, nodad: 'true' };
  t.equal(agent('start', p).code, 0);
  node.ip('link', 'set', 'v0', 'down');
  const m = agent('monitor', p);
  t.equal(m.code, 1);
  t.match(m.reason, /administratively down/);
  t.equal(agent('monitor', p, PROBE).code, 7);
  t.equal(agent('stop', p).code, 0);
  node.ip('link', 'set', 'v0', 'up');
  node.ip('addr', 'replace', 'fd00:213:1::1/64', 'dev', 'v0', 'nodad');
});

t.test('preferred_lft and noprefixroute reach the kernel', async (t) => {
  const p = { ip: 'fd00:213:1::14', nic: 'v0', cidr_netmask: 64, nodad: 'true', preferred_lft: 0, noprefixroute: 'true' };
  t.equal(agent('start', p).code, 0);
  const e = node
    .ipJson<{ addr_info: (AddrInfo & { preferred_life_time?: number; noprefixroute?: boolean })[] }[]>('-6', 'addr', 'show', 'dev', 'v0')[0]
    ?.addr_info.find((a) => a.local === 'fd00:213:1::14');
  t.equal(e?.preferred_life_time, 0);
  t.equal(e?.noprefixroute, true);
  t.equal(agent('monitor', p).code, 0, 'a deprecated address is still there and running');
  t.equal(agent('stop', p).code, 0);
});

t.test('lvs_ipv6_addrlabel adds the label on start and removes it on stop', async (t) => {
  const p = { ip: 'fd00:213:1::15', nic: 'v0', cidr_netmask: 64, nodad: 'true', lvs_ipv6_addrlabel: 'true', lvs_ipv6_addrlabel_value: 77 };
  const labels = () => node.ip('addrlabel', 'list');
  t.equal(agent('start', p).code, 0);
  t.match(labels(), /prefix fd00:213:1::15\/128 .*label 77/);
  t.equal(agent('stop', p).code, 0);
  t.notMatch(labels(), /fd00:213:1::15/);
});

t.test('a link-local address needs nic', async (t) => {
  const r = agent('validate-all', { ip: 'fe80::10' });
  t.equal(r.code, 6);
  t.match(r.reason, /nic is required for the link-local address/);
  const p = { ip: 'fe80::10', nic: 'v0', cidr_netmask: 64, nodad: 'true' };
  t.equal(agent('start', p).code, 0);
  t.equal(agent('monitor', p).code, 0);
  t.equal(agent('stop', p).code, 0);
});

t.test("announcements in the foreground end by the operation's deadline", async (t) => {
  // 30 advertisements 1 s apart would take 29 s; the operation has 4 s.
  const SHORT = { ...RECURRING, OCF_RESKEY_CRM_meta_timeout: '4000' };
  for (const p of [
    { ip: 'fd00:213:1::16', nic: 'v0', cidr_netmask: 64, nodad: 'true', arp_count: 30, arp_interval: 1000 },
    { ip: 'fd00:213:1::17', arp_count: 30, arp_interval: 1000 }, // with duplicate address detection first
  ]) {
    const cap = await peer.capture(t, 'v1', NA);
    const began = Date.now();
    const r = agent('start', p, SHORT);
    const took = Date.now() - began;
    t.equal(r.code, 0, `start succeeds: the address is up (${r.stderr.trim()})`);
    t.ok(took < 4000, `start returned within its 4 s timeout (took ${took} ms)`);
    t.match(r.stderr, /the operation's deadline came first/, 'and says the announcements were cut short');
    t.ok((await cap.waitFor(naFrom(p.ip), 2000)).length >= 1, 'it announced until then');
    t.equal(agent('monitor', p).code, 0);
    t.equal(agent('stop', p).code, 0);
    await cap.stop();
  }
});
