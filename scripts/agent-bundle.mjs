// How one agent becomes one self-contained bundle: the esbuild options scripts/build.mjs builds
// dist/agents/<name> with, shared with the test that checks what a bundle may contain
// (test/unit/agent-bundle.test.ts) and with bench/scale.ts, so that the three cannot drift apart.
//
// The entry point is generated: it imports the agent and the OCF runtime and hands runAgent the
// agent's meta-data XML, rendered at build time (meta-data/<name>.xml). That is what keeps the
// XML renderer (lib/admin/ocf/metadata.ts and xmlbuilder2) out of the agents: nothing an agent imports
// leads to it. The test fails the build's rules the moment anything does.

/** The generated entry point of agent `name`; `start` is the statement that runs it (for bench/scale.ts's snapshot entry). */
export function agentEntry(name, metadataXml, start = 'void runAgent(agent, META_DATA_XML);') {
  return [
    `import agent from './agents/${name}.js';`,
    "import { runAgent } from './lib/agent-runtime/ocf/agent.js';",
    `const META_DATA_XML = ${JSON.stringify(metadataXml)};`,
    start,
    '',
  ].join('\n');
}

/**
 * esbuild options for agent `name` (no output file, banner or source map: the build adds those).
 * CommonJS, so that the bundle runs as a plain script with the shebang line on top.
 */
export function agentBundleOptions(root, name, metadataXml, start) {
  return {
    stdin: { contents: agentEntry(name, metadataXml, start), resolveDir: root, sourcefile: `${name}-main.ts`, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
  };
}
