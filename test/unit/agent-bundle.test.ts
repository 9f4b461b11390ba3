// What an agent bundle is made of. Pacemaker runs every agent every few seconds on every node, so a
// bundle must hold only the agent and lib/agent-runtime: nothing from node_modules (xmlbuilder2, the
// meta-data renderer's library, used to ride along) and nothing from lib/admin (the CLI, the
// meta-data renderer: the meta-data is rendered at build time and passed in). And the other way
// round, lib/agent-runtime holds only what some agent runs, so that the folder tells an engineer
// what ships to every node.
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
  if (input === 'lib/admin/ocf/metadata.ts') return 'the meta-data renderer (meta-data is rendered at build time)';
  if (input.startsWith('lib/admin/')) return 'admin code (lib/admin: the CLI and what only it uses)';
  if (!/^(agents|lib\/agent-runtime)\/.+\.ts$/.test(input) && !/^[A-Za-z0-9]+-main\.ts$/.test(input)) {
    return 'not agent or agent-runtime code';
  }
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
  const outputs = Object.values(result.metafile.outputs);
  // What the bundle still imports at run time (an import that only brought types is gone by then).
  const external = outputs.flatMap((o) => o.imports.map((imp) => imp.path));
  return {
    // Every file esbuild read, including those whose exports were all left out.
    files: Object.keys(result.metafile.inputs),
    // The files that put code into the bundle.
    shipped: outputs.flatMap((o) => Object.keys(o.inputs)),
    external: [...new Set(external)],
  };
}

/** The files under lib/agent-runtime, relative to the repository. */
function agentRuntimeFiles(): string[] {
  return readdirSync(`${REPO}/lib/agent-runtime`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `lib/agent-runtime/${f}`);
}

t.test('the rule itself', async (t) => {
  t.equal(forbiddenReason('lib/agent-runtime/sys/run.ts'), undefined);
  t.equal(forbiddenReason('agents/drbd.ts'), undefined);
  t.equal(forbiddenReason('Filesystem-main.ts'), undefined);
  t.match(forbiddenReason('node_modules/xmlbuilder2/lib/index.js'), /node_modules/);
  t.match(forbiddenReason('lib/admin/crm/spec.ts'), /admin code/);
  t.match(forbiddenReason('lib/admin/drbd/split-brain.ts'), /admin code/);
  t.match(forbiddenReason('lib/admin/ocf/metadata.ts'), /renderer/);
  t.match(forbiddenReason('lib/other/thing.ts'), /not agent or agent-runtime/);
});

const shippedByAny = new Set<string>();

for (const name of AGENTS) {
  t.test(`${name}: only its own code, the agent runtime and Node built-ins`, async (t) => {
    const { files, shipped, external } = await bundleContents(name);
    shipped.forEach((f) => shippedByAny.add(f));
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

t.test('lib/agent-runtime holds exactly what the agents run', async (t) => {
  const unused = agentRuntimeFiles().filter((f) => !shippedByAny.has(f) && !f.endsWith('/index.ts'));
  t.same(unused, [], 'every file under lib/agent-runtime puts code into some agent bundle (else it belongs in lib/admin)');
});
