// The YAML subset stack descriptions are written in.
import t from 'tap';
import { parseYamlSubset } from '../../lib/crm/yaml-subset.js';
import { parseStackFile } from '../../lib/crm/stack-input.js';
import { validateClusterSpec } from '../../lib/crm/spec.js';

const value = (text: string) => {
  const result = parseYamlSubset(text);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
};

t.test('mappings, lists, scalars', async (t) => {
  t.same(value(`
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
`), {
    nodes: [{ name: 'alice', address: '10.0.0.1' }, { name: 'bob', address: '10.0.0.2' }],
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
  });
});

t.test('nested lists and mappings in list items', async (t) => {
  t.same(value('stacks:\n  - name: web\n    drbd:\n      resource: r0\n    services:\n      - agent: x\n        params:\n          a: 1\n  - name: db\n'), {
    stacks: [
      { name: 'web', drbd: { resource: 'r0' }, services: [{ agent: 'x', params: { a: 1 } }] },
      { name: 'db' },
    ],
  });
  t.same(value('- - a\n  - b\n- c\n'), [['a', 'b'], 'c']);
  t.same(value("it's: don't\n"), { "it's": "don't" }, 'apostrophes inside plain words are not quotes');
  t.same(value(''), null);
});

t.test('what is refused, with the line', async (t) => {
  const reason = (text: string) => {
    const result = parseYamlSubset(text);
    return result.ok ? '' : result.reason;
  };
  t.match(reason('a: 1\na: 2\n'), /line 2: "a" is given twice/);
  t.match(reason('a: |\n  text\n'), /line 1: multi-line strings/);
  t.match(reason('a: *ref\n'), /line 1: anchors, aliases and tags/);
  t.match(reason('a:\n\tb: 1\n'), /line 2: indent with spaces, not tabs/);
  t.match(reason('a: 1\n   b: 2\n'), /line 2: unexpected indentation/);
  t.match(reason('a: "open\n'), /line 1: unterminated double-quoted string/);
  t.match(reason('just words\n'), /line 1: expected "key: value"/);
  t.match(reason('a: [1, 2\n'), /line 1: expected "," or "]"/);
});

t.test('depth and size are bounded, with a clear message instead of a stack overflow or minutes of work', async (t) => {
  const reason = (text: string, file = 'deep.yaml') => {
    const result = parseStackFile(text, file);
    return result.ok ? '' : result.reason;
  };
  // 20,000 levels used to end in "Maximum call stack size exceeded".
  const deepBlock = Array.from({ length: 20_000 }, (_, level) => `${' '.repeat(level)}a:`).join('\n');
  const deepResult = parseYamlSubset(deepBlock);
  t.match(deepResult.ok ? '' : deepResult.reason, /^line 33: nested more than 32 levels deep$/);
  t.match(reason(`${'- '.repeat(20_000)}x\n`), /^deep\.yaml: line 1: nested more than 32 levels deep$/);
  t.match(reason(`a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`), /^deep\.yaml: line 1: nested more than 32 levels deep$/);
  t.ok(parseYamlSubset(Array.from({ length: 32 }, (_, level) => `${' '.repeat(level)}a:`).join('\n')).ok, '32 levels are fine');

  // 25 MB used to keep the reader busy for more than five minutes.
  const started = Date.now();
  t.match(reason(`nodes:\n${'  - node\n'.repeat(3_000_000)}`, 'big.yaml'), /^big\.yaml is 25\.7 MiB; a stack description may be at most 1 MiB \(is it the right file\?\)$/);
  t.match(reason(`{"nodes": [${'"n", '.repeat(5_000_000)}"n"]}`, 'big.json'), /^big\.json is 23\.8 MiB; a stack description may be at most 1 MiB/);
  t.ok(Date.now() - started < 5_000, 'refused at once');
});

t.test('a description just under the size limit is read and checked quickly', async (t) => {
  let text = 'withoutFencing: true\nnodes: [a, b]\nstacks:\n';
  for (let index = 0; text.length < 1_000_000; index++) {
    text += `  - drbd: { resource: r${index}, device: /dev/drbd${index}, port: ${1000 + (index % 60_000)} }\n    filesystem: { directory: /srv/d${index}, fstype: ext4 }\n`;
  }
  const nodes = `withoutFencing: true\nstacks: []\nnodes:\n${'  - n\n'.repeat(10)}${Array.from({ length: 80_000 }, (_, index) => `  - node${index}\n`).join('')}`.slice(0, 1_000_000);
  for (const [name, yaml] of [['11,000 stacks', text], ['80,000 nodes', nodes]] as const) {
    const started = Date.now();
    const parsed = parseStackFile(yaml, 'near-limit.yaml');
    t.ok(parsed.ok, `${name}: parsed`);
    if (parsed.ok) validateClusterSpec(parsed.raw);
    // Checking each node against all the others made 80,000 nodes take minutes.
    t.ok(Date.now() - started < 10_000, `${name}: read and checked in ${Date.now() - started} ms`);
  }
});
