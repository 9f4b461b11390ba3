// Runs a built agent the way Pacemaker does: action as argv[1], parameters as OCF_RESKEY_*.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO = resolve(new URL('../..', import.meta.url).pathname);
export const DIST_AGENTS = `${REPO}/dist/agents`;
export const INSTALLED_AGENTS = '/usr/lib/ocf/resource.d/ocfkit';

export interface AgentRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The `ocf-exit-reason:` line's text, if the agent printed one. */
  readonly reason?: string;
}

export function agentPath(name: string): string {
  const path = `${DIST_AGENTS}/${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run "make build" first`);
  return path;
}

/** The environment Pacemaker gives an agent: the parameters as OCF_RESKEY_*, a 20 s timeout. */
export function agentEnv(
  name: string,
  params: Record<string, string | number | undefined>,
  extraEnv: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: `test_${name}`,
    OCF_RESKEY_CRM_meta_timeout: '20000',
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) env[`OCF_RESKEY_${k}`] = String(v);
  return env;
}

export function runAgentAction(
  name: string,
  action: string,
  params: Record<string, string | number | undefined>,
  extraEnv: Record<string, string> = {},
  options: { wrapper?: string[]; timeoutMs?: number } = {},
): AgentRun {
  const env = agentEnv(name, params, extraEnv);
  const argv = [...(options.wrapper ?? []), agentPath(name), action];
  const r = spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8', timeout: options.timeoutMs ?? 60000 });
  const reason = /^ocf-exit-reason:(.*)$/m.exec(r.stderr ?? '')?.[1];
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', reason };
}

/** Runs a command, throwing with its output when it fails (test set-up must not fail silently). */
export function sh(file: string, args: readonly string[], input?: string): string {
  const r = spawnSync(file, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}
