// A long test file's time budget, declared once at its top: tap kills the file when the budget
// runs out (the per-file limit of package.json is only the ceiling for files that declare none),
// and every step prints how long it took and how much of the budget is left, so that a CI run
// shows the margin before it becomes a failure.
import type { Test } from 'tap';

export interface Budget {
  /** "step took 41.2 s; 312.0 s of the file's 1500 s budget used" */
  report(stepStartedAt: number): string;
}

export function declareBudget(t: Test, seconds: number): Budget {
  const startedAt = Date.now();
  // Sets this file's timeout; tap's runner reads it from the TAP stream ("# timeout=...").
  t.setTimeout(seconds * 1000);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  t.teardown(() => {
    const used = Date.now() - startedAt;
    t.comment(`time budget: ${s(used)} of ${seconds} s used (${Math.round((100 * used) / (seconds * 1000))}%)`);
  });
  return {
    report: (stepStartedAt) =>
      `step took ${s(Date.now() - stepStartedAt)}; ${s(Date.now() - startedAt)} of the file's ${seconds} s budget used`,
  };
}
