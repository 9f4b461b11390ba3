// meta-data: checked in, current, valid for ocf-tester (ra-api-1.dtd) and crm_resource (metadata.rng),
// and a drop-in: every parameter of the upstream agent of the same name exists with the same default.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { renderMetadata } from '../../lib/ocf/metadata.js';
import { parseBoolean } from '../../lib/ocf/params.js';
import { REPO, runAgentAction } from '../helpers/agent.js';

const DTD_DIR = '/usr/share/resource-agents';
const agentNames = readdirSync(`${REPO}/agents`).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));

const UPSTREAM: Record<string, string> = {
  Filesystem: 'q5-Filesystem-meta-data.xml',
  IPaddr2: 'q5-IPaddr2-meta-data.xml',
  drbd: 'q5-drbd-meta-data.xml',
};

function parametersOf(xml: string): Map<string, { type: string; default?: string }> {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
  const list = [doc['resource-agent'].parameters.parameter].flat();
  return new Map(list.map((p: { name: string; content: { type: string; default?: string } }) => [p.name, { type: p.content.type, default: p.content.default }]));
}

t.ok(existsSync(`${DTD_DIR}/ra-api-1.dtd`), 'resource-agents is installed (ra-api-1.dtd)');

for (const name of agentNames) {
  t.test(`${name} meta-data`, async (t) => {
    const agent = (await import(`../../agents/${name}.js`)).default;
    const checkedIn = readFileSync(`${REPO}/meta-data/${name}.xml`, 'utf8');
    t.equal(checkedIn, renderMetadata(agent), `meta-data/${name}.xml is current (run "make build" and commit it)`);

    const printed = runAgentAction(name, 'meta-data', {});
    t.equal(printed.code, 0, 'meta-data exits 0 with no environment');
    t.equal(printed.stdout, checkedIn, 'the executable prints exactly the checked-in XML');

    const dtd = spawnSync('xmllint', ['--noout', '--valid', '-'], { cwd: DTD_DIR, input: checkedIn, encoding: 'utf8' });
    t.equal(dtd.status, 0, `valid against ra-api-1.dtd (what ocf-tester checks) ${dtd.stderr}`);
    const rng = spawnSync('xmllint', ['--noout', '--relaxng', `${DTD_DIR}/metadata.rng`, '-'], { input: checkedIn, encoding: 'utf8' });
    t.equal(rng.status, 0, `valid against metadata.rng ${rng.stderr}`);

    const upstreamFile = UPSTREAM[name];
    if (!upstreamFile) return;
    const upstream = parametersOf(readFileSync(`${REPO}/test/fixtures/pacemaker/${upstreamFile}`, 'utf8'));
    const ours = parametersOf(checkedIn);
    for (const [param, up] of upstream) {
      t.ok(ours.has(param), `upstream parameter ${param} exists`);
      const our = ours.get(param);
      if (!our || up.default === undefined || up.default === '') continue;
      const same = up.type === 'boolean' || our.type === 'boolean'
        ? parseBoolean(String(our.default)) === parseBoolean(String(up.default))
        : String(our.default) === String(up.default);
      t.ok(same, `${param} keeps upstream's default (${up.default}; ours ${our.default})`);
    }
  });
}
