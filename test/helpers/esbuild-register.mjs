// `make test-unit` loads the tests' TypeScript with esbuild's transform instead of ts-node:
// ts-node costs about as much CPU per test file as the unit tests themselves. No type-check
// here (`make typecheck` does that). Used as: node --import ./test/helpers/esbuild-register.mjs
import { register } from 'node:module';

register('./esbuild-hooks.mjs', import.meta.url);
