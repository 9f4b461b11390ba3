// Why the drbd monitor's cost does not grow with the number of DRBD resources on the node (issue
// 12, bench/scale-drbd.ts): a recurring monitor runs one `drbdsetup events2 --now` of its own
// resource and the promotion-score update, and nothing that parses the DRBD configuration
// (drbdadm parses all of it on every call: upstream's monitor cost grows with it).
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cmd, drbdDouble, OCF_1_1, RECURRING } from '../helpers/drbd-double/index.js';

const RESOURCES = 500;

t.test(`with ${RESOURCES} resources configured, a monitor reads only its own resource`, async (t) => {
  for (const [version, state, node, code, score] of [
    ['drbd-8.4', '03-synced', 'node1', 8, 10000],
    ['drbd-8.4', '03-synced', 'node2', 0, 10000],
    ['drbd-9', '03-synced-one-primary', 'node1', 8, 10000],
    ['drbd-9', '03-synced-one-primary', 'node2', 0, 10000],
  ] as const) {
    const others = Array.from({ length: RESOURCES - 1 }, (_, i) => `s${i + 1}`);
    const d = drbdDouble(t, { version, node, state, resources: ['r0', ...others] });
    // A configuration of that size, which the agent is pointed at and must not need to read.
    const conf = join(d.dir, 'drbd-large.conf');
    writeFileSync(
      conf,
      ['r0', ...others]
        .map(
          (r, i) =>
            `resource ${r} {\n  device /dev/drbd${i + 1} minor ${i + 1};\n  disk none;\n  on node1 { address 10.0.0.1:${7000 + i}; }\n  on node2 { address 10.0.0.2:${7000 + i}; }\n}\n`,
        )
        .join(''),
    );
    const r = d.run('monitor', { drbdconf: conf }, { ...RECURRING, ...OCF_1_1 });
    t.equal(r.code, code, `${version}/${state}/${node}: ${r.stderr}`);
    t.same(r.commands, [cmd.events2('r0'), cmd.setScore(score)], `${version}/${node}: one events2 of r0, no drbdadm`);
  }
});
