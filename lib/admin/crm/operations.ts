// Operation defaults (timeouts, monitor intervals) taken from an agent's own meta-data.

import type { AgentMetaData, Role } from './meta-data.js';

export interface Operation {
  name: string;
  intervalMs: number;
  timeoutMs?: number;
  role?: Role;
}

export interface OperationNeeds {
  /** A promotable clone: promote/demote and one monitor per role. */
  promotable: boolean;
  /** The clone has notify=true, so the notify action needs its timeout. */
  notify: boolean;
}

// Used only when an agent's meta-data advertises no monitor at all (systemd units, some fence
// agents): Pacemaker's own default timeout is 20 s; 10 s / 60 s are the intervals its docs use.
const FALLBACK_MONITOR = { intervalMs: 10_000, timeoutMs: 20_000 };
const FALLBACK_STONITH_MONITOR = { intervalMs: 60_000, timeoutMs: 20_000 };

/**
 * The operations to write for one resource. Only actions Pacemaker actually schedules are listed
 * (start, stop, monitor, and promote/demote/notify when the resource is used that way);
 * meta-data, validate-all and the like would only add noise.
 */
export function defaultOperations(metaData: AgentMetaData | undefined, needs: OperationNeeds, isStonith = false): Operation[] {
  const actions = metaData?.actions ?? [];
  const timeoutOf = (name: string) => actions.find((action) => action.name === name && action.timeoutMs !== undefined)?.timeoutMs;
  const fallback = isStonith ? FALLBACK_STONITH_MONITOR : FALLBACK_MONITOR;

  const monitors = actions.filter((action) => action.name === 'monitor' && (action.intervalMs ?? 0) > 0);
  const operations: Operation[] = [];

  if (needs.promotable) {
    operations.push(...roleMonitors(monitors, fallback));
  } else {
    // Prefer the plain (role-less, shallowest) monitor the agent advertises.
    const plain = monitors.filter((action) => action.role === undefined).sort((a, b) => (a.depth ?? 0) - (b.depth ?? 0))[0] ?? monitors[0];
    operations.push({
      name: 'monitor',
      intervalMs: plain?.intervalMs ?? fallback.intervalMs,
      timeoutMs: plain?.timeoutMs ?? timeoutOf('monitor') ?? fallback.timeoutMs,
    });
  }

  const lifecycle = ['start', 'stop', ...(needs.promotable ? ['promote', 'demote'] : []), ...(needs.notify ? ['notify'] : [])];
  for (const name of lifecycle) {
    const timeoutMs = timeoutOf(name);
    // Without a timeout in meta-data, Pacemaker's default applies: writing nothing says so.
    operations.push(timeoutMs === undefined ? { name, intervalMs: 0 } : { name, intervalMs: 0, timeoutMs });
  }
  return operations;
}

/**
 * One monitor per role. Pacemaker identifies a recurring operation by name and interval, so two
 * monitors with the same interval are one operation: the second is dropped and that role is never
 * monitored. When meta-data gives equal (or missing) intervals we keep the promoted one and move
 * the unpromoted one by a second.
 */
function roleMonitors(
  monitors: { intervalMs?: number; timeoutMs?: number; role?: Role }[],
  fallback: { intervalMs: number; timeoutMs: number },
): Operation[] {
  const plain = monitors.find((action) => action.role === undefined);
  const promoted = monitors.find((action) => action.role === 'Promoted') ?? plain;
  const unpromoted = monitors.find((action) => action.role === 'Unpromoted') ?? plain;
  const promotedInterval = promoted?.intervalMs ?? fallback.intervalMs;
  let unpromotedInterval = unpromoted?.intervalMs ?? promotedInterval + 1000;
  if (unpromotedInterval === promotedInterval) unpromotedInterval += 1000;
  return [
    { name: 'monitor', role: 'Promoted', intervalMs: promotedInterval, timeoutMs: promoted?.timeoutMs ?? fallback.timeoutMs },
    {
      name: 'monitor',
      role: 'Unpromoted',
      intervalMs: unpromotedInterval,
      timeoutMs: unpromoted?.timeoutMs ?? promoted?.timeoutMs ?? fallback.timeoutMs,
    },
  ];
}
