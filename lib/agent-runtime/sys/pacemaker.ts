// Talking back to Pacemaker: the promotion score of this node for the resource in
// OCF_RESOURCE_INSTANCE (a transient node attribute, gone when the node leaves the cluster).
import { run, type RunResult } from './run.js';

/**
 * Sets (score) or deletes (undefined) the promotion score. Pacemaker 2.1 has
 * `crm_attribute --promotion`; older ones only `crm_master`, which is tried when the first is
 * not understood.
 */
export async function setPromotionScore(score: number | undefined, timeoutMs: number): Promise<RunResult> {
  const value = score === undefined ? ['-D'] : ['-v', String(score)];
  const modern = await run('crm_attribute', ['--promotion', '-l', 'reboot', '-q', ...value], { timeoutMs });
  if (modern.failure !== 'not-found' && !/unrecognized option|invalid option|unknown option/i.test(modern.stderr)) return modern;
  return run('crm_master', ['-l', 'reboot', '-q', ...value], { timeoutMs });
}
