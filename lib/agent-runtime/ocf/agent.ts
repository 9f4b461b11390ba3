// The OCF runtime every agent uses: an agent declares its parameters and actions once
// (defineAgent), and runAgent turns argv + environment into one action call and one exit code.
// Whatever happens inside an action, Pacemaker gets an OCF code and, on failure, one
// `ocf-exit-reason:` line — never a stack trace.
import { OCF, OcfError, ocfCodeName, type OcfCode } from './codes.js';
import { createLogger, type Logger } from './log.js';
import { readCrmMeta, type CrmMeta } from './meta.js';
import { readParams, type ParamSpec, type ParamValues } from './params.js';

/** The action names ra-api-1.dtd allows (what ocf-tester validates). */
export type ActionName =
  | 'start'
  | 'stop'
  | 'monitor'
  | 'promote'
  | 'demote'
  | 'notify'
  | 'reload'
  | 'migrate_to'
  | 'migrate_from'
  | 'status'
  | 'meta-data'
  | 'validate-all';

/** One `<action>` line of meta-data: its default timeout and, for monitors, interval/depth/role. */
export interface ActionDecl {
  readonly name: ActionName;
  readonly timeout: number; // seconds
  readonly interval?: number; // seconds
  readonly depth?: number;
  readonly role?: 'Promoted' | 'Unpromoted';
}

export interface ActionContext<Ps extends readonly ParamSpec[]> {
  readonly action: string;
  readonly params: ParamValues<Ps>;
  readonly meta: CrmMeta;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  /** OCF_RESOURCE_INSTANCE, e.g. `fs_data` or `drbd_r0:1`. */
  readonly instance: string;
  /** OCF_CHECK_LEVEL as a number (0, 10, 20). */
  readonly checkLevel: number;
  /** Milliseconds left of this operation's timeout, minus a safety margin to report before Pacemaker kills us. */
  remainingMs(): number;
}

export type ActionHandler<Ps extends readonly ParamSpec[]> = (ctx: ActionContext<Ps>) => Promise<OcfCode> | OcfCode;

export interface AgentDefinition<Ps extends readonly ParamSpec[]> {
  readonly name: string;
  readonly version: string;
  readonly shortdesc: string;
  readonly longdesc: string;
  readonly parameters: Ps;
  readonly actions: readonly ActionDecl[];
  readonly handlers: Partial<Record<Exclude<ActionName, 'meta-data' | 'validate-all'>, ActionHandler<Ps>>>;
  /**
   * Checks beyond the declarations (files, programs, combinations of parameters); throws OcfError.
   * Runs for validate-all; actions call it themselves where it matters (start, typically).
   */
  readonly validate?: (ctx: ActionContext<Ps>) => Promise<void> | void;
  /**
   * Commands that are not OCF actions and not in meta-data, for programs other than Pacemaker
   * that call the agent (DRBD's handlers). They get the raw environment and arguments.
   */
  readonly entryPoints?: Readonly<Record<string, (env: NodeJS.ProcessEnv, args: readonly string[]) => Promise<number>>>;
}

export function defineAgent<const Ps extends readonly ParamSpec[]>(agent: AgentDefinition<Ps>): AgentDefinition<Ps> {
  return agent;
}

/** A margin kept from every timeout so that we report a reason instead of being killed. */
export function safetyMarginMs(timeoutMs: number): number {
  return Math.max(500, Math.min(5000, timeoutMs * 0.1));
}

/**
 * Runs the action named by argv[2] and exits with its OCF code. `metadataXml` is what `meta-data`
 * prints: rendered at build time and passed in by the bundle's generated entry point
 * (scripts/agent-bundle.mjs), so that no agent carries the XML renderer.
 */
export async function runAgent<Ps extends readonly ParamSpec[]>(
  agent: AgentDefinition<Ps>,
  metadataXml: string,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Promise<never> {
  const entryPoint = argv[0] ? agent.entryPoints?.[argv[0]] : undefined;
  const code = entryPoint
    ? await entryPoint(env, argv.slice(1)).catch(() => OCF.ERR_GENERIC)
    : await dispatch(agent, argv[0], env, metadataXml);
  process.exit(code);
}

/** One action; `metadataXml` as for runAgent (without it, `meta-data` is not implemented: 3). */
export async function dispatch<Ps extends readonly ParamSpec[]>(
  agent: AgentDefinition<Ps>,
  action: string | undefined,
  env: NodeJS.ProcessEnv,
  metadataXml?: string,
): Promise<number> {
  const usage = `usage: ${agent.name} {${actionNames(agent).join('|')}}`;
  if (action === 'meta-data') {
    if (metadataXml === undefined) return OCF.ERR_UNIMPLEMENTED;
    process.stdout.write(metadataXml);
    return OCF.SUCCESS;
  }
  if (action === 'usage' || action === 'help' || action === '--help') {
    process.stdout.write(`${usage}\n`);
    return OCF.SUCCESS;
  }
  if (action === undefined) {
    process.stderr.write(`${usage}\n`);
    return OCF.ERR_ARGS;
  }
  const handler = action === 'validate-all' ? undefined : agent.handlers[action as keyof typeof agent.handlers];
  if (action !== 'validate-all' && !handler) {
    process.stderr.write(`${usage}\n`);
    return OCF.ERR_UNIMPLEMENTED;
  }

  const instance = env.OCF_RESOURCE_INSTANCE || agent.name;
  const log = createLogger(`${agent.name}(${instance})`, env);
  try {
    const meta = readCrmMeta(env, action);
    const { values, problems } = readParams(agent.parameters, env);
    if (problems.length > 0) throw new OcfError(OCF.ERR_CONFIGURED, problems.join('; '));
    // Pacemaker's clock started when it spawned us, before Node's own start-up.
    const startedAt = Date.now() - process.uptime() * 1000;
    const deadline = startedAt + meta.timeoutMs - safetyMarginMs(meta.timeoutMs);
    const ctx: ActionContext<Ps> = {
      action,
      params: values,
      meta,
      env,
      log,
      instance,
      checkLevel: Number(env.OCF_CHECK_LEVEL) || 0,
      remainingMs: () => Math.max(0, Math.floor(deadline - Date.now())),
    };
    if (action === 'validate-all') {
      await agent.validate?.(ctx);
      return OCF.SUCCESS;
    }
    return await handler!(ctx);
  } catch (error) {
    const code = error instanceof OcfError ? error.code : OCF.ERR_GENERIC;
    const reason = error instanceof Error ? error.message : String(error);
    const firstLine = reason.split('\n')[0] ?? '';
    if (action === 'stop' && code === OCF.ERR_CONFIGURED) {
      // A failed stop gets the node fenced. With parameters that cannot work, nothing of this
      // resource can have been started by us: there is nothing to stop, and nothing is touched.
      log.error(`stop: ${reason}; with this configuration nothing of this resource can be running here, so there is nothing to stop`);
      return OCF.SUCCESS;
    }
    log.error(`${action} failed (${ocfCodeName(code)}): ${reason}`);
    if (!(error instanceof OcfError) && error instanceof Error) log.debug(error.stack ?? '');
    process.stderr.write(`ocf-exit-reason:${firstLine}\n`);
    return code;
  }
}

function actionNames(agent: AgentDefinition<readonly ParamSpec[]>): string[] {
  return [...new Set(['meta-data', 'validate-all', 'usage', ...Object.keys(agent.handlers)])];
}

/**
 * Reports a reason without throwing: for monitor results such as 1 or 9 (a failure, logged at
 * ERROR), and with `level` 'warn' for a resource that runs degraded (190/191). A recurring monitor
 * reports such a state every few seconds for as long as it lasts; at ERROR that would flood syslog
 * with errors for what is expected while, say, a resync runs.
 */
export function exitReason(log: Logger, reason: string, level: 'error' | 'warn' = 'error'): void {
  if (level === 'warn') log.warn(reason);
  else log.error(reason);
  process.stderr.write(`ocf-exit-reason:${reason}\n`);
}
