// A private mount namespace per test: whatever an agent mounts, unmounts or breaks there (even
// with `directory=/`) never reaches the host's mounts. A `sleep` holds the namespace; commands
// and agents enter it with nsenter, and teardown kills everything started in it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { agentEnv, agentPath, runAgentAction, type AgentRun } from './agent.js';

export interface Tap {
  teardown(fn: () => unknown): void;
}

export class MountNamespace {
  private readonly started: ChildProcess[] = [];

  private constructor(readonly holder: ChildProcess) {}

  static async create(t: Tap): Promise<MountNamespace> {
    const holder = spawn('unshare', ['-m', '--propagation', 'private', 'sleep', '3600'], { stdio: 'ignore' });
    const ns = new MountNamespace(holder);
    t.teardown(() => ns.destroy());
    const ours = readlinkSync('/proc/self/ns/mnt');
    for (let i = 0; i < 100; i++) {
      try {
        if (readlinkSync(`/proc/${holder.pid}/ns/mnt`) !== ours) return ns;
      } catch {
        // not there yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('unshare -m did not create a mount namespace');
  }

  private get enter(): string[] {
    return ['nsenter', '-t', String(this.holder.pid), '-m', '--'];
  }

  /** Runs a command inside, throwing with its output when it fails. */
  sh(file: string, args: readonly string[]): string {
    const r = spawnSync(this.enter[0]!, [...this.enter.slice(1), file, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Starts a long-running process inside (killed at teardown). */
  spawn(args: readonly string[], cwd = '/'): ChildProcess {
    const child = spawn(this.enter[0]!, [...this.enter.slice(1), ...args], { cwd, stdio: 'ignore' });
    this.started.push(child);
    return child;
  }

  /** The agent run inside, as Pacemaker would (parameters as OCF_RESKEY_*). */
  agent(name: string, action: string, params: Record<string, string | number | undefined>, env: Record<string, string> = {}): AgentRun {
    return runAgentAction(name, action, params, env, { wrapper: this.enter });
  }

  /** The same without waiting: resolves when the agent exits, whenever that is. */
  agentAsync(
    name: string,
    action: string,
    params: Record<string, string | undefined>,
    extraEnv: Record<string, string> = {},
  ): Promise<AgentRun> {
    const child = spawn(this.enter[0]!, [...this.enter.slice(1), agentPath(name), action], { env: agentEnv(name, params, extraEnv) });
    this.started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    return new Promise((resolve) =>
      child.on('close', (code) => {
        resolve({ code: code ?? -1, stdout, stderr, reason: /^ocf-exit-reason:(.*)$/m.exec(stderr)?.[1] });
      }),
    );
  }

  /** The mount table inside the namespace. */
  mountinfo(): string {
    return readFileSync(`/proc/${this.holder.pid}/mountinfo`, 'utf8');
  }

  /** The sources mounted at `dir` inside, bottom of the stack first. */
  sourcesAt(dir: string): string[] {
    return this.mountinfo()
      .split('\n')
      .filter((l) => l.split(' ')[4] === dir)
      .map((l) => l.split(' - ')[1]!.split(' ')[1]!);
  }

  destroy(): void {
    for (const child of [...this.started, this.holder]) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}
