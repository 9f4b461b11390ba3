// IPaddr2's meta-data as a drop-in for ocf:heartbeat:IPaddr2: the same parameters in the same
// order, the unsupported ones saying so, and the actions and timeouts upstream advertises.
// (Validity against ra-api-1.dtd / metadata.rng and upstream's defaults: test/integration/metadata.test.ts.)
import t from 'tap';
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import agent from '../../agents/IPaddr2.js';
import { renderMetadata } from '../../lib/admin/ocf/metadata.js';
import { REPO } from '../helpers/agent.js';

interface Param {
  name: string;
  required?: string;
  unique?: string;
  longdesc: { '#text': string };
  content: { type: string; default?: string };
}
interface Action {
  name: string;
  timeout: string;
  interval?: string;
  depth?: string;
}
function parse(xml: string): { params: Param[]; actions: Action[] } {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml)['resource-agent'];
  return { params: [doc.parameters.parameter].flat(), actions: [doc.actions.action].flat() };
}

const upstream = parse(readFileSync(`${REPO}/test/fixtures/pacemaker/upstream-IPaddr2-meta-data.xml`, 'utf8'));
const ours = parse(renderMetadata(agent));

t.same(
  ours.params.map((p) => p.name),
  upstream.params.map((p) => p.name),
  'the same parameters in the same order',
);

t.test('ip is required and unique, as upstream', async (t) => {
  const ip = ours.params.find((p) => p.name === 'ip');
  t.equal(ip?.required, '1');
  t.equal(ip?.unique, '1');
  t.same(
    ours.params.filter((p) => p.required === '1').map((p) => p.name),
    ['ip'],
  );
});

t.test('the parameters ocfkit does not support say so', async (t) => {
  for (const name of ['mac', 'clusterip_hash', 'unique_clone_address']) {
    const p = ours.params.find((x) => x.name === name);
    t.match(p?.longdesc['#text'] ?? p?.longdesc, /not supported by ocfkit/i, name);
  }
  const sender = ours.params.find((x) => x.name === 'arp_sender');
  t.match(String(sender?.longdesc['#text'] ?? sender?.longdesc), /"libnet_arping" and "ipoibarping" are not supported by ocfkit/);
});

t.test("types: upstream's, or boolean where upstream said string for a yes/no setting", async (t) => {
  const up = new Map(upstream.params.map((p) => [p.name, p.content.type]));
  for (const p of ours.params) {
    const theirs = up.get(p.name);
    if (theirs !== p.content.type)
      t.ok(
        ['nodad', 'noprefixroute', 'run_arping'].includes(p.name) && p.content.type === 'boolean',
        `${p.name}: ${theirs} -> ${p.content.type}`,
      );
  }
});

t.test('actions and timeouts as upstream (status is served, not advertised twice)', async (t) => {
  const byName = new Map(ours.actions.map((a) => [a.name, a]));
  for (const a of upstream.actions.filter((x) => x.name !== 'status')) {
    t.equal(byName.get(a.name)?.timeout, a.timeout.trim(), `${a.name} timeout`);
    if (a.interval) t.equal(byName.get(a.name)?.interval, a.interval, `${a.name} interval`);
  }
});
