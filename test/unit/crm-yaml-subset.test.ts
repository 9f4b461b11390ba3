// The YAML subset stack descriptions are written in.
import t from 'tap';
import { parseYamlSubset } from '../../lib/crm/yaml-subset.js';

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
