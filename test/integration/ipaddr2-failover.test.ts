// A failover as clients see it: two nodes and a client on one layer-2 segment (a bridge in a hub
// namespace), all namespaces this test makes. The VIP moves from node1 to node2; the client's
// neighbour entry must follow to node2's MAC from the announcements alone (the client sends
// nothing), and node1 must announce nothing once stopped.
import t from 'tap';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runAgentAction, type AgentRun } from '../helpers/agent.js';
import { Netns, requireNetns, bridgeSegment, sleep, waitFor } from '../helpers/netns.js';

requireNetns(t);
t.ok(existsSync('/usr/sbin/na6'), 'na6 is installed (package ipv6toolkit): it sends the IPv6 neighbour advertisements');

const hub = Netns.create(t, 'ocfk-ip-', 'fh');
const node1 = Netns.create(t, 'ocfk-ip-', 'f1');
const node2 = Netns.create(t, 'ocfk-ip-', 'f2');
const client = Netns.create(t, 'ocfk-ip-', 'fc');
bridgeSegment(hub, [
  { ns: node1, ifname: 'eth0' },
  { ns: node2, ifname: 'eth0' },
  { ns: client, ifname: 'eth0' },
]);
for (const [ns, host] of [
  [node1, 1],
  [node2, 2],
  [client, 100],
] as const) {
  ns.ip('addr', 'add', `10.213.4.${host}/24`, 'dev', 'eth0');
  ns.ip('addr', 'add', `fd00:213:4::${host}/64`, 'dev', 'eth0', 'nodad');
}
const mac1 = node1.mac('eth0');
const mac2 = node2.mac('eth0');
const rscTmp = mkdtempSync(`${tmpdir()}/ocfk-ip-rsc-`);
t.teardown(() => rmSync(rscTmp, { recursive: true, force: true }));

function agent(ns: Netns, action: string, params: Record<string, string>): AgentRun {
  // Each node has its own runtime directory, as separate machines would.
  return runAgentAction(
    'IPaddr2',
    action,
    params,
    { HA_RSCTMP: `${rscTmp}/${ns.name}`, OCF_RESKEY_CRM_meta_interval: '10000' },
    { wrapper: ns.wrapper },
  );
}

for (const { family, vip, filter, announcement, ping } of [
  {
    family: 'IPv4',
    vip: '10.213.4.10',
    filter: 'arp',
    announcement: /Request who-has 10\.213\.4\.10 (\(\S+\) )?tell 10\.213\.4\.10,/,
    ping: ['ping', '-c', '1', '-W', '2'],
  },
  {
    family: 'IPv6',
    vip: 'fd00:213:4::10',
    filter: 'icmp6 and ip6[40] == 136',
    announcement: /neighbor advertisement, tgt is fd00:213:4::10,/,
    ping: ['ping', '-6', '-c', '1', '-W', '2'],
  },
]) {
  t.test(`${family}: the client follows the VIP from node1 to node2`, async (t) => {
    const p = { ip: vip }; // nic and prefix from the routing table, announcements at their defaults
    const r1 = agent(node1, 'start', p);
    t.equal(r1.code, 0, r1.stderr);
    t.equal(client.exec([...ping, vip]).code, 0, 'the client reaches the VIP on node1');
    t.equal(client.neighbour(vip, 'eth0')?.lladdr, mac1, "the client's neighbour entry points at node1");

    const cap = await client.capture(t, 'eth0', filter);
    t.equal(agent(node1, 'stop', p).code, 0, 'stop on node1');
    t.equal(agent(node1, 'monitor', p).code, 7);
    const stoppedAt = new Date();
    const r2 = agent(node2, 'start', p);
    t.equal(r2.code, 0, r2.stderr);
    t.ok(
      await waitFor(() => client.neighbour(vip, 'eth0')?.lladdr === mac2, 3000),
      "the client's entry moved to node2 without the client asking",
    );
    const fromNode2 = await cap.waitFor(new RegExp(`^\\S+ ${mac2} > .*${announcement.source}`), 3000);
    t.ok(fromNode2.length >= 1, `the client saw node2's announcement: ${cap.lines.join(' | ')}`);
    t.equal(agent(node2, 'monitor', p).code, 0);
    t.equal(client.exec([...ping, vip]).code, 0, 'the client reaches the VIP on node2');

    await sleep(1500); // node1's arping (1 s interval) would have sent again by now
    const late = cap.since(stoppedAt).filter((l) => l.split(' ')[1] === mac1 && announcement.test(l));
    t.same(late, [], 'node1 announced nothing after its stop');
    t.equal(agent(node2, 'stop', p).code, 0);
  });
}
