// The signal schedule for processes that keep a file system busy during stop.
import { constants } from 'node:os';

export function parseSignalList(text: string): { signals: NodeJS.Signals[]; error?: string } {
  const names = text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((s) => s.toUpperCase().replace(/^SIG/, ''));
  if (names.length === 0) return { signals: [], error: 'needs at least one signal name' };
  const unknown = names.filter((n) => !(`SIG${n}` in constants.signals));
  if (unknown.length > 0) return { signals: [], error: `unknown signal ${unknown.join(', ')}` };
  return { signals: names.map((n) => `SIG${n}` as NodeJS.Signals) };
}

/**
 * The signal for attempt `attempt`: the configured signals in order (the last one repeating) for
 * the first half of the stop budget, then KILL — a process that ignores TERM for that long is
 * not going to leave by itself, and a failed stop gets the whole node fenced.
 */
export function stopSignalFor(signals: readonly NodeJS.Signals[], attempt: number, elapsedMs: number, budgetMs: number): NodeJS.Signals {
  if (elapsedMs >= budgetMs / 2 || signals.length === 0) return 'SIGKILL';
  return signals[Math.min(attempt, signals.length - 1)]!;
}
