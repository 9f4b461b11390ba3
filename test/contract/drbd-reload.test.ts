// reload of the built drbd agent against the DRBD test double: what Pacemaker calls after a change
// of any parameter but drbd_resource (the meta-data's unique one). Like ocf:linbit:drbd it applies
// the DRBD configuration (drbdadm adjust) and the promotion score at once; the rest applies from
// the next action on. That Pacemaker really calls reload (and not stop/start) is proven under a
// real Pacemaker in test/cluster/reload.test.ts.
import t from 'tap';
import { cmd, drbdDouble } from '../helpers/drbd-double/index.js';

t.test('running: validate, adjust, and the score with the new adjust_master_score', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node1', state: '03-synced' }); // Primary, UpToDate
  const r = d.run('reload', { adjust_master_score: '0 10 1000 20000' });
  t.equal(r.code, 0, r.stderr);
  t.same(r.commands, [cmd.drbdadm(d.conf, 'dump', 'r0'), cmd.events2(), cmd.drbdadm(d.conf, 'adjust', 'r0'), cmd.setScore(20000)]);
  t.equal(d.score(), '20000');
  t.equal(d.stateName(), 'drbd-8.4/03-synced/node1', 'the resource runs as before');
});

t.test('a changed drbdconf is what adjust reads', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-9', node: 'node2', state: '03-synced-one-primary' });
  const r = d.run('reload', { drbdconf: d.conf });
  t.equal(r.code, 0, r.stderr);
  t.ok(r.commands.includes(cmd.drbdadm(d.conf, 'adjust', 'r0')), r.commands.join('\n'));
});

t.test('a failing adjust is a warning, not a failed reload (that would restart the whole stack)', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', state: '03-synced' });
  d.fail('drbdadm-adjust', 'always', 10, 'r0: Failure: (102) Local address(port) already in use.');
  const r = d.run('reload');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /WARNING: drbdadm adjust r0 failed: r0: Failure: \(102\)/);
});

t.test('connect_only_after_promote: a Secondary stays disconnected (no adjust)', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node2', state: '04-disconnected' });
  const r = d.run('reload', { connect_only_after_promote: 'true' });
  t.equal(r.code, 0, r.stderr);
  t.notOk(
    r.commands.some((c) => c.includes(' adjust ')),
    r.commands.join('\n'),
  );
});

t.test('not running: nothing to apply now, the new values apply at start', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-9', node: 'node1', state: '00-unconfigured' });
  const r = d.run('reload');
  t.equal(r.code, 0, r.stderr);
  t.same(r.commands, [cmd.drbdadm(d.conf, 'dump', 'r0'), cmd.events2(), cmd.removeScore]);
});

t.test('an invalid new value fails the reload with OCF_ERR_CONFIGURED and runs nothing', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node1', state: '03-synced' });
  const r = d.run('reload', { wfc_timeout: 'soon' });
  t.equal(r.code, 6);
  t.same(r.commands, []);
});
