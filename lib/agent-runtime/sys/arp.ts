// Telling the neighbours where the VIP now lives: unsolicited ARP with arping (iputils-arping)
// for IPv4, unsolicited neighbour advertisements with na6 (ipv6toolkit) for IPv6, in the
// foreground or as a detached background process whose pid file lets stop end it (a sender still
// announcing the VIP after stop would pull traffic back to a node that no longer has it).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runSync, type RunResult } from './run.js';
import { which } from './which.js';

/** `file args` as run inside network namespace `netns` (ip netns exec execs the program itself). */
export function inNetns(file: string, args: readonly string[], netns?: string): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, file, ...args]] : [file, [...args]];
}

/** Runs a sender in the foreground (synchronously: the agent has nothing else to do meanwhile). */
export function runSender(file: string, args: readonly string[], netns: string | undefined, timeoutMs: number): RunResult {
  const [f, a] = inNetns(file, args, netns);
  return runSync(f, a, { timeoutMs });
}

/** Where pid files and saved loopback addresses live: the resource agents' runtime directory. */
export function stateDir(env: NodeJS.ProcessEnv): string {
  return env.HA_RSCTMP || '/run/resource-agents';
}

/**
 * `announce`: the pid of a background sender; `loopback`: an LVS copy taken off lo, put back on
 * stop; `address`: the address start added (interface, prefix, label), the only one stop removes.
 */
export function stateFile(env: NodeJS.ProcessEnv, kind: 'announce' | 'loopback' | 'address', ip: string, netns?: string): string {
  const key = `${netns ? `${netns}-` : ''}${ip}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${stateDir(env)}/ocfkit-IPaddr2-${kind}-${key}`;
}

/**
 * Starts `file args` detached from us (own session, no stdio, not waited for) and records its pid in
 * `pidFile`. Returns the pid, or undefined when it could not be started.
 */
export function spawnDetached(file: string, args: readonly string[], env: NodeJS.ProcessEnv, pidFile: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawn(which(file) ?? file, args, { detached: true, stdio: 'ignore', env });
    child.once('error', () => resolve(undefined));
    child.once('spawn', () => {
      const pid = child.pid;
      child.unref();
      if (pid === undefined) return resolve(undefined);
      writeState(pidFile, `${pid}\n`);
      resolve(pid);
    });
  });
}

/**
 * Ends the background sender recorded in `pidFile`, if it still runs and really is ours (one of its
 * arguments is `tag` or ends in `=tag`, so a recycled pid is never signalled). Removes the pid file.
 */
export function stopDetached(pidFile: string, tag: string): 'none' | 'stopped' | 'gone' {
  const text = readState(pidFile);
  if (text === undefined) return 'none';
  rmSync(pidFile, { force: true });
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 1) return 'gone';
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return 'gone';
  }
  if (!argv.some((arg) => arg === tag || arg.endsWith(`=${tag}`))) return 'gone';
  try {
    process.kill(-pid, 'SIGTERM'); // its whole process group: the detached sender leads one
  } catch {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return 'gone';
    }
  }
  return 'stopped';
}

export function writeState(path: string, content: string): void {
  mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  writeFileSync(path, content);
}

export function readState(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function removeState(path: string): void {
  rmSync(path, { force: true });
}
