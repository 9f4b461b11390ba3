// OCF exit codes (OCF Resource Agent API 1.1, plus Pacemaker's degraded codes) and the error
// that carries one from deep inside an action up to the dispatcher.

export const OCF = {
  SUCCESS: 0,
  ERR_GENERIC: 1,
  ERR_ARGS: 2,
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5,
  ERR_CONFIGURED: 6,
  NOT_RUNNING: 7,
  RUNNING_PROMOTED: 8,
  FAILED_PROMOTED: 9,
  DEGRADED: 190,
  DEGRADED_PROMOTED: 191,
} as const;

export type OcfCode = (typeof OCF)[keyof typeof OCF];

const NAMES = new Map<number, string>(Object.entries(OCF).map(([name, code]) => [code, `OCF_${name}`]));

export function ocfCodeName(code: number): string {
  return NAMES.get(code) ?? `code ${code}`;
}

/**
 * Thrown by agent code to end the action with `code`; `reason` becomes the
 * `ocf-exit-reason:` line that Pacemaker shows in crm_mon.
 */
export class OcfError extends Error {
  constructor(
    readonly code: OcfCode,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'OcfError';
  }
}

export const configError = (reason: string) => new OcfError(OCF.ERR_CONFIGURED, reason);
export const installError = (reason: string) => new OcfError(OCF.ERR_INSTALLED, reason);
export const genericError = (reason: string) => new OcfError(OCF.ERR_GENERIC, reason);
