// Where an agent's time goes before it does anything: the interpreter's own start.
import type { BenchSuite } from '../harness.js';

const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
export default async function baselineSuite(): Promise<BenchSuite> {
  return {
    name: 'baseline',
    setup() {},
    teardown() {},
    cases: [
      {
        name: 'Node 24 (ours): node -e 0 vs sh -c :',
        ours: { argv: ['/usr/lib/ocfkit/node', '-e', '0'], env },
        upstream: { argv: ['/bin/sh', '-c', ':'], env },
      },
      {
        name: 'Node 20 (machine) -e 0 vs Node 24',
        ours: { argv: ['/usr/bin/node', '-e', '0'], env },
        upstream: { argv: ['/usr/lib/ocfkit/node', '-e', '0'], env },
      },
    ],
  };
}
