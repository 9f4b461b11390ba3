// Pacemaker time values ("20", "20s", "1min", "500ms", "2h") in milliseconds, and back.
// Agents' meta-data often omits the unit (ocf:linbit:drbd says timeout="240"): a bare number
// means seconds, as it does everywhere in the CIB.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  msec: 1,
  '': 1000,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

/** Milliseconds, or undefined when the text is not a time value. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = UNIT_MS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.round(Number(match[1]) * unit);
}

/** 240000 -> "240s", 1500 -> "1500ms", 0 -> "0s": always with a unit, so nobody has to guess. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
