// meta-data: checked in, current, valid for ocf-tester (ra-api-1.dtd) and crm_resource (metadata.rng),
// and a drop-in: every parameter of the upstream agent of the same name exists with the same default.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { checkReloadDeclarations, renderMetadata } from '../../lib/admin/ocf/metadata.js';
import { parseBoolean } from '../../lib/agent-runtime/ocf/params.js';
import { REPO, runAgentAction } from '../helpers/agent.js';

const DTD_DIR = '/usr/share/resource-agents';
const agentNames = readdirSync(`${REPO}/agents`)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

const UPSTREAM: Record<string, string> = {
  Filesystem: 'upstream-Filesystem-meta-data.xml',
  IPaddr2: 'upstream-IPaddr2-meta-data.xml',
  drbd: 'upstream-drbd-meta-data.xml',
};

interface ParamXml {
  name: string;
  unique?: string;
  longdesc: string | { '#text': string };
  content: { type: string; default?: string };
}

function parsed(xml: string): { ocfVersion: string; params: ParamXml[]; actions: string[] } {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false }).parse(xml)['resource-agent'];
  return {
    // (the <version> element: the OCF API; the resource-agent's version attribute is the package's)
    ocfVersion: /<version>([^<]*)<\/version>/.exec(xml)?.[1] ?? '',
    params: [doc.parameters.parameter].flat(),
    actions: [doc.actions.action].flat().map((a: { name: string }) => a.name),
  };
}

function parametersOf(xml: string): Map<string, { type: string; default?: string }> {
  return new Map(parsed(xml).params.map((p) => [p.name, { type: p.content.type, default: p.content.default }]));
}

const uniqueOf = (xml: string) =>
  parsed(xml)
    .params.filter((p) => p.unique === '1')
    .map((p) => p.name)
    .sort();
const claimsReload = (p: ParamXml) =>
  (typeof p.longdesc === 'string' ? p.longdesc : p.longdesc['#text']).includes('Can be changed without a restart');

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

    // Pacemaker 2.1 uses `reload` only for agents that say OCF 1.0 (reload-agent, the 1.1 way, is not
    // in ra-api-1.dtd), and then restarts for a change of a unique="1" parameter and reloads for
    // any other: "Can be changed without a restart" is true exactly for the parameters that are
    // not unique, and only in an agent that offers reload.
    const { ocfVersion, params, actions } = parsed(checkedIn);
    t.equal(ocfVersion, '1.0', 'OCF 1.0: Pacemaker 2.1 ignores `reload` of an agent that says 1.1');
    const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
    t.match(
      checkedIn,
      new RegExp(`<resource-agent name="[^"]+" version="${packageVersion.replace(/\./g, '\\.')}"`),
      `the agent's version is the package's (${packageVersion})`,
    );
    const offersReload = actions.includes('reload');
    for (const p of params) {
      t.equal(
        claimsReload(p),
        offersReload && p.unique !== '1',
        `${p.name}: ${offersReload ? (p.unique === '1' ? 'unique, so a change restarts' : 'not unique, so a change reloads') : 'no reload action, so a change restarts'}`,
      );
    }

    const upstreamFile = UPSTREAM[name];
    if (!upstreamFile) return;
    // pcs refuses a second resource of the agent with the same value of a unique parameter (without
    // --force): unique="1" where upstream has it, and nowhere else.
    t.same(
      uniqueOf(checkedIn),
      uniqueOf(readFileSync(`${REPO}/test/fixtures/pacemaker/${upstreamFile}`, 'utf8')),
      'unique="1" on the same parameters as upstream',
    );
    const upstream = parametersOf(readFileSync(`${REPO}/test/fixtures/pacemaker/${upstreamFile}`, 'utf8'));
    const ours = parametersOf(checkedIn);
    for (const [param, up] of upstream) {
      t.ok(ours.has(param), `upstream parameter ${param} exists`);
      const our = ours.get(param);
      if (!our || up.default === undefined || up.default === '') continue;
      const same =
        up.type === 'boolean' || our.type === 'boolean'
          ? parseBoolean(String(our.default)) === parseBoolean(String(up.default))
          : String(our.default) === String(up.default);
      t.ok(same, `${param} keeps upstream's default (${up.default}; ours ${our.default})`);
    }
  });
}

t.test('declarations that Pacemaker would not honour are refused at build time', async (t) => {
  const agent = (over: { reload: boolean; reloadable?: boolean; unique?: boolean }) => ({
    name: 'x',
    version: '1',
    shortdesc: 's',
    longdesc: 'l',
    handlers: {},
    actions: [{ name: 'start' as const, timeout: 5 }, ...(over.reload ? [{ name: 'reload' as const, timeout: 5 }] : [])],
    parameters: [{ name: 'p', type: 'string' as const, shortdesc: 's', longdesc: 'l', reloadable: over.reloadable, unique: over.unique }],
  });
  t.throws(
    () => checkReloadDeclarations(agent({ reload: false, reloadable: true })),
    /p is reloadable but the agent offers no reload action/,
  );
  t.throws(() => checkReloadDeclarations(agent({ reload: true })), /p is neither reloadable nor unique/);
  t.throws(() => checkReloadDeclarations(agent({ reload: true, reloadable: true, unique: true })), /p is both reloadable and unique/);
  t.doesNotThrow(() => checkReloadDeclarations(agent({ reload: true, reloadable: true })));
  t.doesNotThrow(() => checkReloadDeclarations(agent({ reload: true, unique: true })));
  t.doesNotThrow(() => checkReloadDeclarations(agent({ reload: false, unique: true })));
});
