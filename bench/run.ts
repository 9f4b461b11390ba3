// make bench: every suite in bench/cases, ours vs upstream in the same run, printed as ratios.
// BENCH_RUNS (default 30) runs per side; BENCH_ONLY=regex to pick suites.
import baseline from './cases/baseline.js';
import filesystem from './cases/filesystem.js';
import ipaddr2 from './cases/ipaddr2.js';
import { formatResults, runCase, type BenchSuite, type CaseResult } from './harness.js';

const SUITES: Array<() => Promise<BenchSuite>> = [baseline, filesystem, ipaddr2];
const runs = Number(process.env.BENCH_RUNS ?? 30);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;

const results: CaseResult[] = [];
for (const make of SUITES) {
  const suite = await make();
  if (only && !only.test(suite.name)) continue;
  await suite.setup();
  try {
    for (const c of suite.cases) {
      const r = await runCase(suite.name, c, runs);
      results.push(r);
      process.stderr.write(`.. ${suite.name}: ${c.name}\n`);
    }
  } finally {
    await suite.teardown();
  }
}
console.log(formatResults(results, runs));
