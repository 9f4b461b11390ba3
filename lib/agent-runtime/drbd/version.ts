// DRBD module versions as the require_drbd_module_version_* parameters spell them ("9.0.16").
import type { DrbdVersion } from './proc-drbd-version.js';

export function parseVersion(text: string): DrbdVersion | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/** <0, 0, >0 as a is older than, equal to, newer than b; a string b is parsed first. */
export function compareVersions(a: DrbdVersion, b: DrbdVersion | string): number {
  const other = typeof b === 'string' ? parseVersion(b) : b;
  if (!other) return 0;
  return a.major - other.major || a.minor - other.minor || a.patch - other.patch;
}

export function formatVersion(v: DrbdVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}
