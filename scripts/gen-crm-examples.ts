// Regenerates crm-examples/ from the stack descriptions in it.
// Run: node scripts/run-ts.mjs scripts/gen-crm-examples.ts
import { join } from 'node:path';
import { findRepoRoot } from '../lib/admin/cli/agent-catalog.js';
import { listExamples, renderExample, renderExamplesIndex } from '../lib/admin/cli/crm-examples.js';
import { processIo } from '../lib/admin/cli/system.js';

const root = await findRepoRoot(processIo, process.cwd());
if (!root) {
  console.error('gen-crm-examples: run this inside the ocfkit checkout');
  process.exit(1);
}
const examplesRoot = join(root, 'crm-examples');
const entries = [];
let failed = false;
for (const example of listExamples(examplesRoot)) {
  const rendered = await renderExample(example, processIo);
  if (!rendered.ok) {
    console.error(`${example.name}:\n${rendered.errors.map((error) => `  - ${error}`).join('\n')}`);
    failed = true;
    continue;
  }
  for (const warning of rendered.warnings) console.error(`${example.name}: warning: ${warning}`);
  for (const [file, text] of rendered.files) await processIo.writeText(join(example.directory, file), text);
  entries.push({ example, description: rendered.description });
  console.log(`${example.name}: ${[...rendered.files.keys()].join(', ')}`);
}
await processIo.writeText(join(examplesRoot, 'README.md'), renderExamplesIndex(entries));
process.exit(failed ? 1 : 0);
