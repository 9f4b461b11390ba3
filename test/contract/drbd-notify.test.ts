// notify of the built drbd agent against the DRBD test double: every pre/post x start/stop/promote/
// demote refreshes the promotion score from the current state and Pacemaker's node lists;
// unfence_if_all_uptodate runs `drbdadm unfence-peer` after a post notification when all is UpToDate.
import t from 'tap';
import { cmd, drbdDouble } from '../helpers/drbd-double/index.js';

const TYPES = ['pre', 'post'] as const;
const OPERATIONS = ['start', 'stop', 'promote', 'demote'] as const;

/** What Pacemaker 2.1 passes to a notify of a two-node promotable clone, node1 promoted. */
function notifyEnv(type: string, operation: string, lists: Record<string, string> = {}): Record<string, string> {
  const promoted = lists.promoted ?? 'node1';
  const unpromoted = lists.unpromoted ?? 'node2';
  return {
    OCF_RESKEY_CRM_meta_clone_max: '2',
    OCF_RESKEY_CRM_meta_clone_node_max: '1',
    OCF_RESKEY_CRM_meta_promoted_max: '1',
    OCF_RESKEY_CRM_meta_notify: 'true',
    OCF_RESKEY_CRM_meta_notify_type: type,
    OCF_RESKEY_CRM_meta_notify_operation: operation,
    OCF_RESKEY_CRM_meta_notify_start_uname: lists.start ?? '',
    OCF_RESKEY_CRM_meta_notify_stop_uname: lists.stop ?? '',
    OCF_RESKEY_CRM_meta_notify_promote_uname: lists.promote ?? '',
    OCF_RESKEY_CRM_meta_notify_demote_uname: lists.demote ?? '',
    OCF_RESKEY_CRM_meta_notify_active_uname: lists.active ?? 'node1 node2',
    OCF_RESKEY_CRM_meta_notify_inactive_uname: lists.inactive ?? '',
    OCF_RESKEY_CRM_meta_notify_promoted_uname: promoted,
    OCF_RESKEY_CRM_meta_notify_master_uname: promoted,
    OCF_RESKEY_CRM_meta_notify_unpromoted_uname: unpromoted,
    OCF_RESKEY_CRM_meta_notify_slave_uname: unpromoted,
  };
}

t.test('every notification refreshes the score from the state; nothing else by default', async (t) => {
  // DRBD 8.4 node2 in three states: synced (10000), peer unknown (1000), syncing target (10).
  for (const [state, score] of [
    ['03-synced', '10000'],
    ['08-link-down', '1000'],
    ['02-syncing', '10'],
  ] as const) {
    const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', state });
    for (const type of TYPES) {
      for (const operation of OPERATIONS) {
        d.setScore('4711');
        const r = d.run('notify', {}, notifyEnv(type, operation, { [operation]: 'node1' }));
        t.equal(r.code, 0, `${state} ${type}-${operation}: ${r.stderr}`);
        t.same(r.commands, [cmd.events2(), cmd.setScore(score)], `${state} ${type}-${operation}: commands`);
        t.equal(d.score(), score, `${state} ${type}-${operation}: score`);
      }
    }
  }
});

t.test('notify on a node where the resource is not running: no score, success', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-9', node: 'node3' });
  for (const type of TYPES) {
    for (const operation of OPERATIONS) {
      d.setScore('4711');
      const r = d.run('notify', { unfence_if_all_uptodate: 'true' }, notifyEnv(type, operation));
      t.equal(r.code, 0, `${type}-${operation}`);
      t.same(r.commands, [cmd.events2(), cmd.removeScore], `${type}-${operation}`);
      t.equal(d.score(), undefined);
    }
  }
});

t.test('DRBD 9, three nodes: the score follows every peer', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['02-initial-sync', 'node2', '10'], // Inconsistent, node1 UpToDate
    ['04-peer-link-down', 'node2', '1000'], // node3's data unknown
    ['04-peer-link-down', 'node3', '-'], // no quorum
    ['07-primary-quorum-lost', 'node3', '1000'], // node1's data unknown
    ['08-quorum-regained', 'node3', '10000'],
  ];
  for (const [state, node, score] of cases) {
    const d = drbdDouble(t, { version: 'drbd-9', node, state });
    const r = d.run(
      'notify',
      {},
      notifyEnv('post', 'start', { start: 'node1 node2 node3', active: 'node1 node2 node3', unpromoted: 'node2 node3' }),
    );
    t.equal(r.code, 0);
    t.same(r.commands, [cmd.events2(), score === '-' ? cmd.removeScore : cmd.setScore(score)], `${state}/${node}`);
    t.equal(d.score() ?? '-', score, `${state}/${node}`);
  }
});

t.test('unfence_if_all_uptodate: unfence-peer after a post notification when everything is UpToDate', async (t) => {
  for (const operation of OPERATIONS) {
    const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', state: '03-synced' });
    const post = d.run('notify', { unfence_if_all_uptodate: 'true' }, notifyEnv('post', operation));
    t.equal(post.code, 0);
    t.same(post.commands, [cmd.events2(), cmd.setScore(10000), cmd.drbdadm(d.conf, 'unfence-peer', 'r0')], `post-${operation}`);
    const pre = d.run('notify', { unfence_if_all_uptodate: 'true' }, notifyEnv('pre', operation));
    t.same(pre.commands, [cmd.events2(), cmd.setScore(10000)], `pre-${operation}: never`);
  }
  const nine = drbdDouble(t, { version: 'drbd-9', node: 'node1', state: '11-split-brain-resolved' });
  t.same(
    nine.run('notify', { unfence_if_all_uptodate: 'true' }, notifyEnv('post', 'promote')).commands,
    [cmd.events2(), cmd.setScore(10000), cmd.drbdadm(nine.conf, 'unfence-peer', 'r0')],
    'DRBD 9: both peers UpToDate',
  );
});

t.test('unfence_if_all_uptodate: not while some disk or peer is not UpToDate', async (t) => {
  const states: Array<[string, string, string]> = [
    ['drbd-8.4', 'node2', '02-syncing'], // Inconsistent
    ['drbd-8.4', 'node1', '02-syncing'], // peer Inconsistent
    ['drbd-8.4', 'node2', '08-link-down'], // peer unknown
    ['drbd-9', 'node1', '04-peer-link-down'], // one of two peers unknown
    ['drbd-9', 'node2', '07-primary-quorum-lost'],
  ];
  for (const [version, node, state] of states) {
    const d = drbdDouble(t, { version: version as 'drbd-8.4' | 'drbd-9', node, state });
    const r = d.run('notify', { unfence_if_all_uptodate: 'true' }, notifyEnv('post', 'start'));
    t.equal(r.code, 0);
    t.notOk(
      r.commands.some((c) => c.includes('unfence-peer')),
      `${version}/${state}/${node}: no unfence-peer (${r.commands.join(', ')})`,
    );
  }
  const off = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', state: '03-synced' });
  t.same(off.run('notify', {}, notifyEnv('post', 'start')).commands, [cmd.events2(), cmd.setScore(10000)], 'not without the parameter');
});

t.test('a failing unfence-peer is only a warning', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', state: '03-synced' });
  d.fail('drbdadm-unfence-peer', 'always', 1, 'crm-unfence-peer.9.sh: could not remove the constraint');
  const r = d.run('notify', { unfence_if_all_uptodate: 'true' }, notifyEnv('post', 'start'));
  t.equal(r.code, 0);
  t.match(r.stderr, /WARNING: unfence-peer r0: crm-unfence-peer\.9\.sh: could not remove the constraint/);
  t.equal(r.reason, undefined);
});

t.test('remove_master_score_if_peer_primary: the notify lists decide for "unexpected"', async (t) => {
  // 8.4 node2 in 03-synced: Secondary/UpToDate, connected to a Primary/UpToDate peer.
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', state: '03-synced' });
  const known = d.run('notify', { remove_master_score_if_peer_primary: 'unexpected' }, notifyEnv('post', 'promote', { promote: 'node1' }));
  t.same(known.commands, [cmd.events2(), cmd.setScore(10000)], 'Pacemaker promoted node1: the Primary is expected, the score stays');
  const oldSpelling = notifyEnv('post', 'promote');
  delete oldSpelling.OCF_RESKEY_CRM_meta_notify_promoted_uname;
  t.same(
    d.run('notify', { remove_master_score_if_peer_primary: 'unexpected' }, oldSpelling).commands,
    [cmd.events2(), cmd.setScore(10000)],
    'Pacemaker before 2.1: notify_master_uname',
  );
  const unknown = d.run(
    'notify',
    { remove_master_score_if_peer_primary: 'unexpected' },
    notifyEnv('post', 'demote', { promoted: '', demote: 'node1' }),
  );
  t.same(
    unknown.commands,
    [cmd.events2(), cmd.removeScore],
    'no promoted instance known to Pacemaker: a Primary outside its control, no score',
  );
  t.equal(d.score(), undefined);
  const always = d.run('notify', { remove_master_score_if_peer_primary: 'true' }, notifyEnv('post', 'promote'));
  t.same(always.commands, [cmd.events2(), cmd.removeScore], 'true: no score while the peer is Primary');
  const dual = d.run(
    'notify',
    { remove_master_score_if_peer_primary: 'unexpected' },
    { ...notifyEnv('post', 'demote', { promoted: '' }), OCF_RESKEY_CRM_meta_promoted_max: '2' },
  );
  t.same(dual.commands, [cmd.events2(), cmd.setScore(10000)], 'unexpected applies to promoted-max 1 only');
});

t.test('Pacemaker before 2.1: crm_attribute without --promotion, crm_master instead', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', state: '03-synced' });
  d.withoutPromotionOption();
  const r = d.run('notify', {}, notifyEnv('post', 'start'));
  t.equal(r.code, 0);
  t.same(r.commands, [cmd.events2(), cmd.setScore(10000), cmd.masterSet(10000)]);
  t.equal(d.score(), '10000');
  d.setState('00-unconfigured');
  const gone = d.run('notify', {}, notifyEnv('post', 'stop'));
  t.same(gone.commands, [cmd.events2(), cmd.removeScore, cmd.masterRemove]);
  t.equal(d.score(), undefined);
});

t.test('no attribute daemon (outside a cluster): the score cannot be published, the action still succeeds', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', state: '03-synced' });
  d.fail('crm_attribute', 'always', 102, 'Could not connect to the CIB: Transport endpoint is not connected');
  for (const [action, env] of [
    ['notify', notifyEnv('post', 'start')],
    ['monitor', { OCF_RESKEY_CRM_meta_interval: '20000' }],
  ] as const) {
    const r = d.run(action, {}, env);
    t.equal(r.code, 0, action);
    t.same(r.commands, [cmd.events2(), cmd.setScore(10000)], `${action}: no crm_master for a crm_attribute that understood the option`);
    t.match(r.stderr, /WARNING: could not set the promotion score 10000: Could not connect to the CIB/, action);
  }
});
