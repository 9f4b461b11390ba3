// IPaddr2: ours vs ocf:heartbeat:IPaddr2 on the same address, each run inside a network namespace
// made for the benchmark (ip netns exec NS agent action), never on the host's interfaces.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BenchCase, BenchSuite, Cmd } from '../harness.js';

const INSTALLED = '/usr/lib/ocf/resource.d/ocfkit/IPaddr2';
const BUILT = resolve(new URL('../../dist/agents/IPaddr2', import.meta.url).pathname);
const UPSTREAM = '/usr/lib/ocf/resource.d/heartbeat/IPaddr2';
const NS = 'ocfk-ip-bench';
const PEER = 'ocfk-ip-benchp';

interface Family {
  readonly label: string;
  readonly ip: string;
  readonly prefix: number;
  readonly extra: Record<string, string>;
}
const V4: Family = { label: 'IPv4', ip: '10.213.9.10', prefix: 24, extra: {} };
// nodad on both sides: DAD is the kernel's second, not the agents' work.
const V6: Family = { label: 'IPv6', ip: 'fd00:213:9::10', prefix: 64, extra: { OCF_RESKEY_nodad: 'true' } };

export default async function ipaddr2Suite(): Promise<BenchSuite> {
  const ours = existsSync(INSTALLED) ? INSTALLED : BUILT;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });
  const tryIp = (...args: string[]) => spawnSync('ip', args, { stdio: 'ignore' });
  const present = (f: Family) => {
    tryIp('-n', NS, 'addr', 'replace', `${f.ip}/${f.prefix}`, 'dev', 'v0', ...(f === V6 ? ['nodad'] : []));
  };
  const absent = (f: Family) => {
    tryIp('-n', NS, 'addr', 'del', `${f.ip}/${f.prefix}`, 'dev', 'v0');
  };

  const env = (f: Family): Record<string, string> => ({
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: 'vip_bench',
    OCF_RESKEY_ip: f.ip,
    OCF_RESKEY_nic: 'v0',
    OCF_RESKEY_cidr_netmask: String(f.prefix),
    OCF_RESKEY_CRM_meta_timeout: '20000',
    OCF_RESKEY_CRM_meta_interval: '10000',
    ...f.extra,
  });
  const argv = (agent: string, action: string) => ['ip', 'netns', 'exec', NS, agent, action];
  /** The same agent, unmeasured: puts the resource in the state a measured action starts from. */
  const unmeasured = (agent: string, action: string, f: Family) => () => {
    spawnSync(argv(agent, action)[0]!, argv(agent, action).slice(1), { env: env(f), stdio: 'ignore' });
  };
  const cmd = (agent: string, action: string, f: Family, extra: Partial<Cmd>): Cmd => ({
    argv: argv(agent, action),
    env: env(f),
    ...extra,
  });
  const both = (name: string, action: string, f: Family, extra: (agent: string) => Partial<Cmd>): BenchCase => ({
    name: `${f.label} ${name}`,
    ours: cmd(ours, action, f, extra(ours)),
    upstream: cmd(UPSTREAM, action, f, extra(UPSTREAM)),
  });

  return {
    name: 'IPaddr2',
    setup() {
      for (const n of [NS, PEER]) {
        tryIp('netns', 'delete', n);
        ip('netns', 'add', n);
        ip('-n', n, 'link', 'set', 'lo', 'up');
      }
      ip('-n', NS, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', PEER);
      ip('-n', NS, 'link', 'set', 'v0', 'up');
      ip('-n', PEER, 'link', 'set', 'v1', 'up');
      ip('-n', NS, 'addr', 'add', '10.213.9.1/24', 'dev', 'v0');
      ip('-n', NS, 'addr', 'add', 'fd00:213:9::1/64', 'dev', 'v0', 'nodad');
    },
    teardown() {
      for (const agent of [ours, UPSTREAM]) for (const f of [V4, V6]) unmeasured(agent, 'stop', f)();
      for (const n of [NS, PEER]) tryIp('netns', 'delete', n);
    },
    cases: [V4, V6].flatMap((f) => [
      both('monitor (configured)', 'monitor', f, () => ({ before: () => present(f), expectCode: 0 })),
      both('monitor (not configured)', 'monitor', f, () => ({ before: () => absent(f), expectCode: 7 })),
      both('start', 'start', f, (agent) => ({ before: unmeasured(agent, 'stop', f), expectCode: 0 })),
      both('stop', 'stop', f, (agent) => ({ before: unmeasured(agent, 'start', f), expectCode: 0 })),
    ]),
  };
}
