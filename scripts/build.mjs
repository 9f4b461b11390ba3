#!/usr/bin/env node
// Build: render meta-data/*.xml from the agents' declarations, then bundle every agent (and the
// CLI) into one self-contained executable under dist/ whose first line runs it with the pinned
// Node 24 (scripts/runtime.mjs; `make install` rewrites that line to the installed copy).
// Runs on the machine's Node 20 too.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { agentBundleOptions } from './agent-bundle.mjs';
import { checkRuntime } from './runtime.mjs';

// Bundled CommonJS dependencies (xmlbuilder2's) call require(); an ESM bundle needs one made for it.
const ESM_REQUIRE = "import { createRequire as __ocfkitRequire } from 'node:module'; const require = __ocfkitRequire(import.meta.url);";
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const node24 = await checkRuntime(root); // throws unless it is the binary package-lock.json pins
const agentNames = readdirSync(join(root, 'agents'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

// 1. meta-data/*.xml, rendered by the same code the tests use.
const gen = join(root, 'dist', 'tmp', 'gen-metadata.mjs');
mkdirSync(dirname(gen), { recursive: true });
const genSource =
  agentNames.map((n, i) => `import a${i} from './agents/${n}.js';`).join('\n') +
  `\nimport { writeMetadataFiles } from './scripts/gen-metadata.js';\nwriteMetadataFiles([${agentNames.map((_, i) => `a${i}`).join(', ')}], process.argv[2]);\n`;
await build({
  stdin: { contents: genSource, resolveDir: root, sourcefile: 'gen-metadata-main.ts', loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: gen,
  logLevel: 'warning',
  banner: { js: ESM_REQUIRE },
});
execFileSync(process.execPath, [gen, join(root, 'meta-data')], { stdio: 'inherit' });

// The bundles are CommonJS; without this the repository's "type": "module" would make Node read them as ESM.
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'package.json'), '{ "type": "commonjs" }\n');

// 2. One executable per agent, its meta-data XML (rendered above) passed in by the generated entry
// point, so that an agent never carries the XML renderer (scripts/agent-bundle.mjs).
// Readable, not minified: an admin who opens /usr/lib/ocf/resource.d/ocfkit/Filesystem reads our
// names, with a `// lib/agent-runtime/sys/run.ts` comment where each module starts (measured: a monitor costs
// the same CPU as with the minified bundle, within noise). The source map beside it (Filesystem.map)
// turns the stack trace that debug logging prints into TypeScript files and lines.
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  minify: false,
  legalComments: 'none',
  sourcemap: 'linked',
  banner: { js: `#!${node24}` },
  logLevel: 'warning',
};
// Node maps only the code it compiles after source maps are switched on, and reading the map on
// every monitor would cost CPU for nothing: so only with debug logging on (HA_debug, as lib/agent-runtime/ocf/log.ts
// reads it) does the agent switch them on and load its own file once more, mapped, then return.
// One line, so that the second line onwards is the same in dist/ and installed (only line 1 differs).
const DEBUG_SOURCE_MAPS =
  "if (/^(1|true)$/.test(process.env.HA_debug ?? '') && require.main === module) { process.setSourceMapsEnabled(true); delete require.cache[__filename]; require(__filename); return; }";
for (const name of agentNames) {
  const xml = readFileSync(join(root, 'meta-data', `${name}.xml`), 'utf8');
  const outfile = join(root, 'dist', 'agents', name);
  await build({
    ...common,
    ...agentBundleOptions(root, name, xml),
    outfile,
    banner: { js: `${common.banner.js}\n${DEBUG_SOURCE_MAPS}` },
  });
  chmodSync(outfile, 0o755);
  sourcesFromRepository(`${outfile}.map`);
}

// 3. The admin CLI: an ESM bundle (yargs is ESM-only and the CLI may await at top level)
// next to a one-line launcher, both run by the pinned Node 24.
if (existsSync(join(root, 'lib/admin/cli/main.ts'))) {
  mkdirSync(join(root, 'dist', 'bin'), { recursive: true });
  // `ocfkit --version`: installed, there is no package.json next to the bundle to read it from.
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  await build({
    ...common,
    format: 'esm',
    banner: { js: ESM_REQUIRE },
    entryPoints: [join(root, 'lib/admin/cli/main.ts')],
    outfile: join(root, 'dist', 'bin', 'ocfkit.mjs'),
    define: { OCFKIT_VERSION: JSON.stringify(version) },
  });
  sourcesFromRepository(join(root, 'dist', 'bin', 'ocfkit.mjs.map'));
  writeFileSync(join(root, 'dist', 'bin', 'ocfkit'), `#!${node24}\nimport(require('node:path').join(__dirname, 'ocfkit.mjs'));\n`);
  chmodSync(join(root, 'dist', 'bin', 'ocfkit'), 0o755);
}

// esbuild names each source relative to the map ("../../agents/Filesystem.ts"), which Node would
// resolve against the installed map into a file that does not exist (/usr/lib/ocf/agents/...).
// Named from the repository root under an ocfkit: URL instead, a stack trace reads
// "ocfkit:///agents/Filesystem.ts:131:9"; the TypeScript itself is in the map (sourcesContent).
function sourcesFromRepository(mapFile) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  map.sources = map.sources.map((source) => relative(root, resolve(dirname(mapFile), source)));
  map.sourceRoot = 'ocfkit:///';
  writeFileSync(mapFile, JSON.stringify(map));
}
