// The whole of `ocfkit crm generate` without I/O: a checked ClusterSpec and the agents' meta-data
// in, the configuration text (and the DRBD resource file) out. Nothing is produced when anything
// is wrong, so a half-valid input never yields a half-valid configuration.

import { buildClusterConfig, type AgentCatalog } from './build.js';
import { renderDrbdResFile } from './drbd-res.js';
import type { OutputFormat } from './header.js';
import type { PacemakerVersion } from './model.js';
import { renderCib } from './render-cib.js';
import { renderCrm } from './render-crm.js';
import { renderPcs } from './render-pcs.js';
import type { ClusterSpec } from './spec.js';

export interface GenerateOptions {
  format: OutputFormat;
  pacemaker: PacemakerVersion;
  /** Also produce the DRBD resource file(s). */
  drbdRes?: boolean;
}

export type GenerateResult = { ok: true; text: string; drbdRes?: string; warnings: string[] } | { ok: false; errors: string[] };

/** The error for asking for the DRBD resource file of stacks that have no DRBD, or undefined. */
export function drbdResWithoutDrbd(spec: ClusterSpec): string | undefined {
  if (spec.stacks.some((stack) => stack.drbd)) return undefined;
  return '--drbd-res: no stack uses DRBD, so there is no DRBD resource file to write (name the DRBD resource with --drbd-resource, or drop --drbd-res for shared storage)';
}

export function generate(spec: ClusterSpec, catalog: AgentCatalog, options: GenerateOptions): GenerateResult {
  const built = buildClusterConfig(spec, catalog);
  const errors = built.ok ? [] : [...built.errors];

  let drbdRes: string | undefined;
  // Stacks on shared storage have no resource file; with none on DRBD there is no file at all
  // (the command line refuses --drbd-res then, see drbdResWithoutDrbd).
  if (options.drbdRes && spec.stacks.some((stack) => stack.drbd)) {
    const files: string[] = [];
    for (const stack of spec.stacks.filter((stack) => stack.drbd)) {
      const file = renderDrbdResFile(stack, spec.nodes);
      if (file.ok) files.push(file.text);
      else errors.push(...file.errors);
    }
    drbdRes = files.join('\n');
  }
  if (!built.ok || errors.length > 0) return { ok: false, errors };

  const context = { spec, version: options.pacemaker, warnings: built.warnings };
  const render = { crm: renderCrm, pcs: renderPcs, cib: renderCib }[options.format];
  const text = render(built.config, context);
  return drbdRes === undefined ? { ok: true, text, warnings: built.warnings } : { ok: true, text, drbdRes, warnings: built.warnings };
}
