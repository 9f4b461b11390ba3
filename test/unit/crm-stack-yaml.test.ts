// Stack descriptions in YAML (the `yaml` package, YAML 1.2): what they are read as, and what is
// refused, with the line.
import t from 'tap';
import { parseYaml } from '../../lib/admin/crm/yaml.js';
import { parseStackFile } from '../../lib/admin/crm/stack-input.js';
import { validateClusterSpec } from '../../lib/admin/crm/spec.js';

const value = (text: string) => {
  const result = parseYaml(text);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
};

t.test('mappings, lists, scalars', async (t) => {
  t.same(
    value(`
# a comment
---
nodes:
  - name: alice        # trailing comment
    address: 10.0.0.1
  - name: bob
    address: "10.0.0.2"
stickiness: 100
version: 8.4
quorum: true
nothing: ~
empty:
list:
- one
- 'two # not a comment'
- "three: \\"quoted\\""
flow: [a, b, 'c d']
map: { x: 1, y: [2, 3], z: "a,b" }
url: http://localhost:80/status
ipv6: fd00::20/64
`),
    {
      nodes: [
        { name: 'alice', address: '10.0.0.1' },
        { name: 'bob', address: '10.0.0.2' },
      ],
      stickiness: 100,
      version: 8.4,
      quorum: true,
      nothing: null,
      empty: null,
      list: ['one', 'two # not a comment', 'three: "quoted"'],
      flow: ['a', 'b', 'c d'],
      map: { x: 1, y: [2, 3], z: 'a,b' },
      url: 'http://localhost:80/status',
      ipv6: 'fd00::20/64',
    },
  );
});

t.test('nested lists and mappings in list items', async (t) => {
  t.same(
    value(
      'stacks:\n  - name: web\n    drbd:\n      resource: r0\n    services:\n      - agent: x\n        params:\n          a: 1\n  - name: db\n',
    ),
    {
      stacks: [{ name: 'web', drbd: { resource: 'r0' }, services: [{ agent: 'x', params: { a: 1 } }] }, { name: 'db' }],
    },
  );
  t.same(value('- - a\n  - b\n- c\n'), [['a', 'b'], 'c']);
  t.same(value("it's: don't\n"), { "it's": "don't" }, 'apostrophes inside plain words are not quotes');
  t.same(value(''), null);
  // YAML 1.2: yes/no/on/off are words (YAML 1.1 read them as booleans), and a long text may be a block.
  t.same(value('a: yes\nb: off\nc: |\n  line one\n  line two\n'), { a: 'yes', b: 'off', c: 'line one\nline two\n' });
  t.same(
    value('base: &params { ip: 10.0.1.1 }\ncopy: *params\n'),
    { base: { ip: '10.0.1.1' }, copy: { ip: '10.0.1.1' } },
    'anchors and aliases',
  );
});

t.test('what is refused, with the line', async (t) => {
  const reason = (text: string) => {
    const result = parseYaml(text);
    return result.ok ? '' : result.reason;
  };
  t.equal(reason('a: 1\na: 2\n'), 'line 2: Map keys must be unique');
  t.equal(reason('a: *ref\n'), 'Unresolved alias (the anchor must be set before the alias): ref');
  t.equal(reason('a:\n\tb: 1\n'), 'line 2: Tabs are not allowed as indentation');
  t.match(reason('a: 1\n   b: 2\n'), /^line 1: /);
  t.match(reason('a: "open\n'), /^line \d: Missing closing "quote/);
  t.match(reason('a: [1, 2\n'), /^line \d: Flow sequence .* end with a \]/);
  // A billion laughs: aliases of aliases would expand to 9^5 items.
  const bomb = [
    'a: &a [1,1,1,1,1,1,1,1,1]',
    ...['b', 'c', 'd', 'e'].map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcd'[i]}`).join(',')}]`),
  ].join('\n');
  t.match(reason(bomb), /Excessive alias count/);
});

t.test('depth and size are bounded, with a clear message instead of a stack overflow or minutes of work', async (t) => {
  const reason = (text: string, file = 'deep.yaml') => {
    const result = parseStackFile(text, file);
    return result.ok ? '' : result.reason;
  };
  // 20,000 levels used to end in "Maximum call stack size exceeded".
  const deepBlock = Array.from({ length: 20_000 }, (_, level) => `${' '.repeat(level)}a:`).join('\n');
  const deepResult = parseYaml(deepBlock);
  t.match(deepResult.ok ? '' : deepResult.reason, /^line 33: nested more than 32 levels deep$/);
  t.match(reason(`${'- '.repeat(20_000)}x\n`), /^deep\.yaml: line 1: nested more than 32 levels deep$/);
  t.match(reason(`a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`), /^deep\.yaml: line 1: nested more than 32 levels deep$/);
  t.ok(parseYaml(Array.from({ length: 32 }, (_, level) => `${' '.repeat(level)}a:`).join('\n')).ok, '32 levels are fine');

  // 25 MB used to keep the reader busy for more than five minutes.
  const started = Date.now();
  t.match(
    reason(`nodes:\n${'  - node\n'.repeat(3_000_000)}`, 'big.yaml'),
    /^big\.yaml is 25\.7 MiB; a stack description may be at most 1 MiB \(is it the right file\?\)$/,
  );
  t.match(
    reason(`{"nodes": [${'"n", '.repeat(5_000_000)}"n"]}`, 'big.json'),
    /^big\.json is 23\.8 MiB; a stack description may be at most 1 MiB/,
  );
  t.ok(Date.now() - started < 5_000, 'refused at once');
});

t.test('a description just under the size limit is read and checked quickly', async (t) => {
  let text = 'withoutFencing: true\nnodes: [a, b]\nstacks:\n';
  for (let index = 0; text.length < 1_000_000; index++) {
    text += `  - drbd: { resource: r${index}, device: /dev/drbd${index}, port: ${1000 + (index % 60_000)} }\n    filesystem: { directory: /srv/d${index}, fstype: ext4 }\n`;
  }
  const nodes =
    `withoutFencing: true\nstacks: []\nnodes:\n${'  - n\n'.repeat(10)}${Array.from({ length: 80_000 }, (_, index) => `  - node${index}\n`).join('')}`.slice(
      0,
      1_000_000,
    );
  for (const [name, yaml] of [
    ['11,000 stacks', text],
    ['80,000 nodes', nodes],
  ] as const) {
    const started = Date.now();
    const parsed = parseStackFile(yaml, 'near-limit.yaml');
    t.ok(parsed.ok, `${name}: parsed`);
    if (parsed.ok) validateClusterSpec(parsed.raw);
    // Checking each node against all the others made 80,000 nodes take minutes.
    t.ok(Date.now() - started < 10_000, `${name}: read and checked in ${Date.now() - started} ms`);
  }
});
