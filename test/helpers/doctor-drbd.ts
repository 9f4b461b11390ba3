// DRBD facts for the doctor's DRBD checks, from the real captured outputs in test/fixtures.
import { readFileSync } from 'node:fs';
import { parseDrbdConfig, type DrbdResourceConfig } from '../../lib/admin/drbd/config.js';
import type { DrbdState } from '../../lib/agent-runtime/drbd/model.js';
import { parseDrbdText } from '../../lib/admin/cli/drbd-report.js';

export const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

export function configsOf(path: string): DrbdResourceConfig[] {
  const parsed = parseDrbdConfig(fixture(path));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.resources;
}

export function statesOf(pathOrText: string, isText = false): DrbdState[] {
  const parsed = parseDrbdText(isText ? pathOrText : fixture(pathOrText));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.resources;
}
