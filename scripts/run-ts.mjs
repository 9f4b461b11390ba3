#!/usr/bin/env node
// Run a TypeScript script (bench, generators) on the pinned Node 24: bundle it with esbuild
// into dist/tmp and exec it. Usage: node scripts/run-ts.mjs FILE.ts [args...]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { runtimeBinary } from './runtime.mjs';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
const root = resolve(new URL('..', import.meta.url).pathname);
const out = join(root, 'dist', 'tmp', basename(file).replace(/\.ts$/, '.mjs'));
mkdirSync(join(root, 'dist', 'tmp'), { recursive: true });
await build({
  entryPoints: [file],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: out,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const r = spawnSync(runtimeBinary(root), [out, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
