// What an agent bundle is made of. Pacemaker runs every agent every few seconds on every node, so a
// bundle must hold only the agent and the agent runtime: nothing from node_modules (xmlbuilder2, the
// meta-data renderer's library, used to ride along), nothing of the admin CLI (lib/cli, lib/crm,
// lib/pacemaker), and no XML renderer (the meta-data is rendered at build time and passed in).
// Each agent is bundled with the build's own options (scripts/agent-bundle.mjs), in memory, and
// esbuild's metafile says which files went in and what stayed outside.
import t from 'tap';
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { agentBundleOptions } from '../../scripts/agent-bundle.mjs';
import { REPO } from '../helpers/agent.js';

const AGENTS = readdirSync(`${REPO}/agents`)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

/** Why `input` (a path relative to the repository) must not be in an agent bundle; undefined when it may. */
export function forbiddenReason(input: string): string | undefined {
  if (/(^|\/)node_modules\//.test(input)) return 'a dependency from node_modules';
  if (/^lib\/(cli|crm|pacemaker)\//.test(input)) return 'code of the admin CLI';
  if (input === 'lib/ocf/metadata.ts') return 'the meta-data renderer (meta-data is rendered at build time)';
  if (!/^(agents|lib)\/.+\.ts$/.test(input) && !/^[A-Za-z0-9]+-main\.ts$/.test(input)) return 'not agent or agent-runtime code';
  return undefined;
}

async function bundleContents(name: string) {
  const result = await build({
    ...agentBundleOptions(REPO, name, '<resource-agent/>'),
    absWorkingDir: REPO,
    write: false,
    metafile: true,
    outfile: `${REPO}/dist/tmp/${name}-bundle-check.js`,
  });
  // What the bundle still imports at run time (an import that only brought types is gone by then).
  const external = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((imp) => imp.path));
  return { files: Object.keys(result.metafile.inputs), external: [...new Set(external)] };
}

t.test('the rule itself', async (t) => {
  t.equal(forbiddenReason('lib/sys/run.ts'), undefined);
  t.equal(forbiddenReason('Filesystem-main.ts'), undefined);
  t.match(forbiddenReason('node_modules/xmlbuilder2/lib/index.js'), /node_modules/);
  t.match(forbiddenReason('lib/crm/spec.ts'), /admin CLI/);
  t.match(forbiddenReason('lib/ocf/metadata.ts'), /renderer/);
});

for (const name of AGENTS) {
  t.test(`${name}: only its own code, the agent runtime and Node built-ins`, async (t) => {
    const { files, external } = await bundleContents(name);
    t.ok(files.includes(`agents/${name}.ts`), `the bundle is built from agents/${name}.ts`);
    const bad = files.flatMap((f) => {
      const why = forbiddenReason(f);
      return why ? [`${f}: ${why}`] : [];
    });
    t.same(bad, [], 'nothing beyond the agent and the agent runtime');
    t.same(
      external.filter((p) => !isBuiltin(p)),
      [],
      'everything left outside the bundle is a Node built-in',
    );
  });
}
