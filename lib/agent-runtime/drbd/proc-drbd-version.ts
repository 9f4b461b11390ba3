// The first line of /proc/drbd: the version of the loaded DRBD module (`version: 9.2.19
// (api:2/proto:86-122)`), which the drbd agent checks against require_drbd_module_version_*.
// The rest of /proc/drbd (DRBD 8.4's state of each minor) only the CLI reads:
// lib/admin/drbd/proc-drbd.ts.
import type { Parsed } from './model.js';

export interface DrbdVersion {
  major: number;
  minor: number;
  patch: number;
}

const VERSION_LINE = /^version: (\d+)\.(\d+)\.(\d+)/;

export function parseProcDrbdVersion(text: string): Parsed<{ version: DrbdVersion }> {
  const match = VERSION_LINE.exec(text);
  if (!match) return { ok: false, reason: "no 'version:' line at the start: not /proc/drbd" };
  return { ok: true, version: { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) } };
}
