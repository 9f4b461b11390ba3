// Pacemaker's meta attributes for this call (OCF_RESKEY_CRM_meta_*), typed.

export interface CrmMeta {
  /** The operation's timeout; Pacemaker always sets it, 20 s is what ocf-tester and crm_resource use. */
  readonly timeoutMs: number;
  /** 0 for a probe (a monitor Pacemaker runs once to learn the current state). */
  readonly intervalMs: number;
  readonly isProbe: boolean;
  readonly isClone: boolean;
  readonly cloneMax?: number;
  readonly promotedMax?: number;
  readonly onNode?: string;
  readonly notify: NotifyInfo;
}

export interface NotifyInfo {
  readonly type?: string; // pre | post
  readonly operation?: string; // start | stop | promote | demote
  /** Node names per notify list, e.g. `start` -> notify_start_uname. */
  readonly unames: Readonly<
    Record<'start' | 'stop' | 'promote' | 'demote' | 'active' | 'promoted' | 'unpromoted' | 'inactive', readonly string[]>
  >;
}

const intOrUndefined = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
const words = (v: string | undefined) => (v ?? '').split(/\s+/).filter(Boolean);

export function readCrmMeta(env: NodeJS.ProcessEnv, action: string): CrmMeta {
  const m = (name: string) => env[`OCF_RESKEY_CRM_meta_${name}`];
  const intervalMs = intOrUndefined(m('interval')) ?? 0;
  const cloneMax = intOrUndefined(m('clone_max'));
  return {
    timeoutMs: intOrUndefined(m('timeout')) ?? 20000,
    intervalMs,
    isProbe: action === 'monitor' && intervalMs === 0,
    isClone: cloneMax !== undefined,
    cloneMax,
    // Pacemaker 2.1 sets promoted_max; older ones master_max.
    promotedMax: intOrUndefined(m('promoted_max')) ?? intOrUndefined(m('master_max')),
    onNode: m('on_node'),
    notify: {
      type: m('notify_type'),
      operation: m('notify_operation'),
      unames: {
        start: words(m('notify_start_uname')),
        stop: words(m('notify_stop_uname')),
        promote: words(m('notify_promote_uname')),
        demote: words(m('notify_demote_uname')),
        active: words(m('notify_active_uname')),
        // Pacemaker 2.1 sends both spellings; older ones only master/slave.
        promoted: words(m('notify_promoted_uname') ?? m('notify_master_uname')),
        unpromoted: words(m('notify_unpromoted_uname') ?? m('notify_slave_uname')),
        inactive: words(m('notify_inactive_uname')),
      },
    },
  };
}
