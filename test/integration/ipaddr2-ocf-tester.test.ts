// Debian's ocf-tester on our IPaddr2 (the installed copy when `make install` ran, else the build),
// inside a network namespace this test makes, for an IPv4 and an IPv6 address.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DIST_AGENTS, INSTALLED_AGENTS } from '../helpers/agent.js';
import { Netns, requireNetns, vethPair } from '../helpers/netns.js';

requireNetns(t);

const agent = existsSync(`${INSTALLED_AGENTS}/IPaddr2`) ? `${INSTALLED_AGENTS}/IPaddr2` : `${DIST_AGENTS}/IPaddr2`;
t.ok(existsSync('/usr/sbin/ocf-tester'), 'ocf-tester is installed (resource-agents)');
t.ok(existsSync(agent), `${agent} exists (make build / make install)`);

const node = Netns.create(t, 'ocfk-ip-', 'tn');
const peer = Netns.create(t, 'ocfk-ip-', 'tp');
vethPair(node, 'v0', peer, 'v1');
node.ip('addr', 'add', '10.213.3.1/24', 'dev', 'v0');
node.ip('addr', 'add', 'fd00:213:3::1/64', 'dev', 'v0', 'nodad');

for (const [name, options] of [
  ['IPv4 with nic and cidr_netmask', ['ip=10.213.3.10', 'nic=v0', 'cidr_netmask=24']],
  ['IPv4 from the routing table', ['ip=10.213.3.11']],
  ['IPv6', ['ip=fd00:213:3::10', 'nic=v0', 'cidr_netmask=64', 'nodad=true']],
] as const) {
  t.test(`ocf-tester passes: ${name}`, async (t) => {
    const args = ['-v', '-n', 'vip_ocftester', ...options.flatMap((o) => ['-o', o]), agent];
    const r = node.exec(['ocf-tester', ...args], { ...process.env, PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' }, 120000);
    t.comment(r.stdout + r.stderr);
    t.equal(r.code, 0, 'ocf-tester exit 0');
    t.match(r.stdout, /passed all tests/);
    t.same(
      node.addresses('v0').filter((a) => a.startsWith(options[0].slice(3))),
      [],
      'the address is gone afterwards',
    );
  });
}

t.test('the agent is readable and runnable by nobody (ocf-tester checks meta-data as nobody)', async (t) => {
  const r = spawnSync('su', ['nobody', '-s', '/bin/sh', '-c', `${agent} meta-data`], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
});
