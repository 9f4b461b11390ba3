// crm-examples/ must be what scripts/gen-crm-examples.ts produces today.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DRBD_RES_FILE, EXAMPLE_VARIANTS, listExamples, renderExample, renderExamplesIndex } from '../../lib/admin/cli/crm-examples.js';
import { processIo } from '../../lib/admin/cli/system.js';

const ROOT = new URL('../../crm-examples/', import.meta.url).pathname;
const REGENERATE = 'run: node scripts/run-ts.mjs scripts/gen-crm-examples.ts';

t.test('the named stacks exist', async (t) => {
  const names = listExamples(ROOT).map((example) => example.name);
  for (const required of ['web-2node', 'drbd9-3node-quorum', 'ocfs2-dual-primary'])
    t.ok(names.includes(required), `${required} is an example`);
});

t.test('every generated file is up to date', async (t) => {
  const entries = [];
  for (const example of listExamples(ROOT)) {
    const rendered = await renderExample(example, processIo);
    if (!rendered.ok) {
      t.fail(`${example.name} does not generate:\n${rendered.errors.join('\n')}`);
      continue;
    }
    t.same(rendered.warnings, [], `${example.name}: an example must not need warnings`);
    t.same(
      [...rendered.files.keys()].sort(),
      [...EXAMPLE_VARIANTS.map((variant) => variant.file), DRBD_RES_FILE].sort(),
      `${example.name}: every format`,
    );
    for (const [file, expected] of rendered.files) {
      const path = join(example.directory, file);
      const actual = existsSync(path) ? readFileSync(path, 'utf8') : '(missing)';
      t.equal(actual, expected, `${example.name}/${file} is stale; ${REGENERATE}`);
    }
    entries.push({ example, description: rendered.description });
  }
  t.equal(readFileSync(join(ROOT, 'README.md'), 'utf8'), renderExamplesIndex(entries), `crm-examples/README.md is stale; ${REGENERATE}`);
});
