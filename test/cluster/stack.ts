// The configuration the namespace cluster runs: what `ocfkit crm generate` prints for a stack of
// file system + VIP + the counter service + fencing, loaded with crmsh.
//
// The namespace cluster has no DRBD (no kernel module here; DRBD runs in the qemu VMs): its stack
// is on shared storage, one loop device every node sees. The generator writes that stack itself
// (no --drbd-resource, --device is the loop device), and its output is loaded as it is.
//
// The generator runs inside node1, as an admin would run it on a cluster node: that is where the
// test-only fence agent is in /usr/sbin for its meta-data to be read.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runtimeBinary } from '../../scripts/runtime.mjs';
import { harnessDir, nodeBinary, promotedNodes, STACK_NAME, type Cluster, type ClusterStatus, type StackSite } from './nodes.js';

export type Provider = 'ocfkit' | 'upstream';

export interface Stack {
  provider: Provider;
  /** The crmsh block that is loaded. */
  crm: string;
  /** The generator's command line (run in node1). */
  command: string[];
  /** The cluster's site it was generated for (paths, VIP). */
  site: StackSite;
  /** Agent of each resource, as loaded, e.g. ocf:ocfkit:Filesystem. */
  agents: { fs: string; vip: string; service: string; drbd?: string };
  /** Primitive ids (drbd: the DRBD primitive, whose promotable clone is `${drbd}-clone`). */
  ids: { group: string; fs: string; vip: string; service: string; drbd?: string };
  /** The recurring monitor's interval of each primitive, in ms (from the generated operations). */
  monitorMs: Record<string, number>;
  /** What differs from the plain generator output, in words (printed by the test and bench). */
  notes: string[];
}

export { STACK_NAME };
export const OCF_ROOT = '/usr/lib/ocf';

export const repoRoot = (): string => dirname(dirname(harnessDir()));

/** Why the ocfkit stack cannot run here (agents not installed), or undefined. */
export function ocfkitUnavailable(): string | undefined {
  if (!existsSync(join(OCF_ROOT, 'resource.d', 'ocfkit', 'Filesystem'))) return 'ocf:ocfkit:Filesystem is not installed (make install)';
  if (!existsSync(join(repoRoot(), 'dist', 'bin', 'ocfkit.mjs')) && !existsSync(join(repoRoot(), 'lib', 'admin', 'cli', 'main.ts')))
    return 'no ocfkit CLI (make build)';
  return undefined;
}

/**
 * `ocfkit ...` as a command line: the built CLI, else (not built, or older than a source file in
 * lib/) the sources through scripts/run-ts.mjs, so a stale dist/ does not test old code.
 */
function ocfkitCommand(): string[] {
  const root = repoRoot();
  const built = join(root, 'dist', 'bin', 'ocfkit.mjs');
  const node = existsSync(runtimeBinary(root)) ? runtimeBinary(root) : nodeBinary();
  const fresh = existsSync(built) && newestSourceMs(join(root, 'lib')) <= statSync(built).mtimeMs;
  return fresh ? [node, built] : [node, join(root, 'scripts', 'run-ts.mjs'), join(root, 'lib', 'admin', 'cli', 'main.ts')];
}

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

// ---------------------------------------------------------------------------------------------
// The crmsh block, as statements

interface Chunk {
  /** Comment lines directly above the statement. */
  comments: string[];
  /** The statement's lines (continued with a trailing backslash). */
  lines: string[];
}

function chunks(crm: string): { header: string[]; chunks: Chunk[] } {
  const header: string[] = [];
  const result: Chunk[] = [];
  let comments: string[] = [];
  let current: Chunk | undefined;
  let seenStatement = false;
  for (const line of crm.split('\n')) {
    if (current && current.lines[current.lines.length - 1]!.endsWith('\\')) {
      current.lines.push(line);
      continue;
    }
    current = undefined;
    if (line.startsWith('#')) {
      comments.push(line);
    } else if (line.trim() === '') {
      if (!seenStatement) header.push(...comments, line);
      else if (comments.length > 0) result.push({ comments, lines: [] });
      comments = [];
    } else {
      seenStatement = true;
      current = { comments, lines: [line] };
      result.push(current);
      comments = [];
    }
  }
  if (comments.length > 0) result.push({ comments, lines: [] });
  return { header, chunks: result };
}

const words = (chunk: Chunk): string[] => chunk.lines.join(' ').replace(/\\/g, ' ').split(/\s+/).filter(Boolean);

/**
 * Runs `ocfkit crm generate` in node1 for the cluster's site (cluster.site(): the namespace
 * cluster's shared loop device, or the VM cluster's DRBD resource).
 */
export async function generateStack(cluster: Cluster, provider: Provider): Promise<Stack> {
  const site = cluster.site();
  const notes: string[] = [];
  const command = [
    ...ocfkitCommand(),
    'crm',
    'generate',
    ...site.generatorArgs,
    ...(provider === 'upstream' ? ['--provider', 'heartbeat'] : []),
  ];
  const result = await cluster.run(1, command[0]!, command.slice(1));
  if (result.exitCode !== 0) throw new Error(`${command.join(' ')} exited ${result.exitCode}:\n${result.stdout}${result.stderr}`);
  let crm = result.stdout;
  const factor = site.opTimeoutFactor ?? 1;
  if (factor > 1) {
    crm = crm.replace(
      /^(\s*op \S+ .*?\btimeout=)(\d+)(s?)\b/gm,
      (_, before: string, value: string, unit: string) => `${before}${Math.ceil(Number(value) * factor)}${unit}`,
    );
    notes.push(`operation timeouts multiplied by ${factor.toFixed(1)} for this host's speed`);
  }
  if (provider === 'ocfkit' && !existsSync(join(OCF_ROOT, 'resource.d', 'ocfkit', 'IPaddr2'))) {
    crm = crm.replace(/\bocf:ocfkit:IPaddr2\b/g, 'ocf:heartbeat:IPaddr2');
    notes.push('ocf:ocfkit:IPaddr2 is not installed yet: the ocfkit stack uses ocf:heartbeat:IPaddr2 for the VIP');
  }
  const agentOf = (id: string) => new RegExp(`^primitive ${id} (\\S+)`, 'm').exec(crm)?.[1] ?? '?';
  const ids: Stack['ids'] = {
    group: `g-${STACK_NAME}`,
    fs: `fs-${STACK_NAME}`,
    vip: `vip-${STACK_NAME}`,
    service: `anything-${STACK_NAME}`,
    ...(site.drbdResource ? { drbd: `drbd-${site.drbdResource}` } : {}),
  };
  for (const id of Object.values(ids)) {
    if (!new RegExp(`^(primitive|group) ${id} `, 'm').test(crm)) throw new Error(`the generated configuration has no ${id}:\n${crm}`);
  }
  const monitorMs: Record<string, number> = {};
  for (const chunk of chunks(crm).chunks) {
    const [keyword, id] = words(chunk);
    const interval = /\bop monitor (?:\S+ )*?interval=(\d+)(ms|s|m)?\b/.exec(chunk.lines.join(' '));
    if (keyword === 'primitive' && interval)
      monitorMs[id!] = Number(interval[1]) * ({ ms: 1, s: 1000, m: 60_000 }[interval[2] ?? 's'] ?? 1000);
  }
  const agents = {
    fs: agentOf(ids.fs),
    vip: agentOf(ids.vip),
    service: agentOf(ids.service),
    ...(ids.drbd ? { drbd: agentOf(ids.drbd) } : {}),
  };
  return { provider, crm, command, site, agents, ids, monitorMs, notes };
}

/**
 * Loads the stack (crm configure load update) and waits until its group runs with these agents
 * on one node (and DRBD is promoted there) and the service answers through the VIP. `replacing`:
 * another provider's stack runs; it is stopped before this one is loaded.
 */
export async function loadStack(
  cluster: Cluster,
  stack: Stack,
  timeoutMs = 180_000,
  options: { replacing?: boolean } = {},
): Promise<string> {
  // the file is written inside node1 (a VM does not see the host's files written after it booted)
  const file = `/tmp/ocfkit-stack-${stack.provider}.crm`;
  await cluster.runOk(1, 'sh', ['-c', 'cat > "$1"', 'sh', file], { input: stack.crm });
  // Replacing another provider's running stack: stop everything first. Loaded over a running
  // stack, Pacemaker swaps the agents of every primitive in one transition, and with DRBD that
  // can demote the device while the old Filesystem still holds it (seen: demote fails, "held open").
  const stopAll = ['--type', 'crm_config', '--name', 'stop-all-resources'];
  if (options.replacing) {
    await cluster.runOk(1, 'crm_attribute', [...stopAll, '--update', 'true']);
    await cluster.waitForStatus(1, 'every resource stopped', (s) => [...s.resources.values()].every((r) => !r.active), timeoutMs);
  }
  await cluster.runOk(1, 'crm', ['configure', 'load', 'update', file], { timeoutMs: 120_000 });
  if (options.replacing) await cluster.runOk(1, 'crm_attribute', [...stopAll, '--delete']);
  const wanted = [
    [stack.ids.fs, stack.agents.fs],
    [stack.ids.vip, stack.agents.vip],
    [stack.ids.service, stack.agents.service],
  ] as const;
  const status = await cluster.waitForStatus(
    1,
    `${stack.ids.group} started with ${stack.provider} agents`,
    (s) =>
      wanted.every(([id, agent]) => {
        const resource = s.resources.get(id);
        return (
          resource?.active === true &&
          resource.role === 'Started' &&
          !resource.failed &&
          resource.agent === agent &&
          resource.nodes.length === 1
        );
      }) &&
      new Set(wanted.map(([id]) => s.resources.get(id)!.nodes[0])).size === 1 &&
      (!stack.ids.drbd || drbdPromotedOnlyOn(s, stack, s.resources.get(stack.ids.service)!.nodes[0]!)),
    timeoutMs,
  );
  const owner = status.resources.get(stack.ids.service)!.nodes[0]!;
  const since = Date.now();
  // The client (probe.mjs) runs inside the VMs there: its answers come as slowly as the host runs them.
  await waitUntil(
    `the service answering through the VIP from ${owner}`,
    () => cluster.samples().some((s) => s.time >= since && s.ok && s.instance?.startsWith(`${owner}.`)),
    60_000 * (stack.site.opTimeoutFactor ?? 1),
  );
  return owner;
}

/** DRBD (if the stack has it) is promoted on `node` only, with the stack's agent, nothing failed. */
export function drbdPromotedOnlyOn(s: ClusterStatus, stack: Stack, node: string): boolean {
  const drbd = stack.ids.drbd && s.resources.get(stack.ids.drbd);
  if (!drbd) return !stack.ids.drbd;
  return drbd.agent === stack.agents.drbd && !drbd.failed && promotedNodes(s, drbd.id).join() === node;
}

export async function waitUntil(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
