// Steps that build on each other (a VM lab, a cluster): after a failed step the rest are skipped
// with its name, instead of each one timing out on a broken lab; every step prints how long it
// took (and the file's budget used, with a budget).
import type { Test } from 'tap';
import type { Budget } from './budget.js';

export interface StepOptions {
  budget?: Budget;
  /** Runs as a step starts (e.g. remember where to write comments). */
  onStart?: (t: Test) => void;
  /** Runs when a step failed: what to print for whoever reads the failure (logs, state). */
  onFailure?: (t: Test) => Promise<void> | void;
}

export type Step = (name: string, fn: (t: Test) => Promise<void>) => Promise<void>;

export function steps(parent: Test, options: StepOptions = {}): Step {
  let broken = '';
  const fail = async (t: Test, name: string) => {
    broken = name;
    await options.onFailure?.(t);
  };
  return async (name, fn) => {
    await parent.test(name, async (t) => {
      if (broken) return void t.plan(0, `skipped after the failed step "${broken}"`);
      options.onStart?.(t);
      const started = Date.now();
      try {
        await fn(t);
      } catch (error) {
        await fail(t, name);
        throw error;
      } finally {
        t.comment(options.budget ? options.budget.report(started) : `step took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      if (!t.passing()) await fail(t, name);
    });
  };
}
