// validate-all, unknown actions and missing programs of the built drbd agent against the DRBD test
// double: the exit code (5 for this node, 6 for the configuration everywhere) and what it ran.
import t from 'tap';
import { cmd, drbdDouble, withoutHostCopies, RECURRING, PROBE } from '../helpers/drbd-double/index.js';

t.test('a good configuration: validate-all only asks drbdadm for the resource', async (t) => {
  for (const [version, state] of [
    ['drbd-8.4', '00-unconfigured'],
    ['drbd-8.4', '03-synced'],
    ['drbd-9', '03-synced-one-primary'],
  ] as const) {
    const d = drbdDouble(t, { version, node: 'node1', state });
    const r = d.run('validate-all');
    t.equal(r.code, 0, `${version}/${state}: ${r.stderr}`);
    t.same(r.commands, [cmd.drbdadm(d.conf, 'dump', 'r0')], `${version}/${state}`);
    t.equal(r.reason, undefined);
  }
});

t.test('drbdadm or drbdsetup missing: OCF_ERR_INSTALLED', async (t) => {
  for (const missing of ['drbdadm', 'drbdsetup'] as const) {
    const d = drbdDouble(t, { version: 'drbd-9', node: 'node1', omit: [missing] });
    const r = d.run('validate-all', {}, {}, { wrapper: withoutHostCopies([missing]) });
    t.equal(r.code, 5, `${missing}: ${r.stderr}`);
    t.equal(r.reason, 'drbdadm/drbdsetup not found (install drbd-utils)', missing);
    t.same(r.commands, [], `${missing}: nothing run`);
    const start = d.run('start', {}, {}, { wrapper: withoutHostCopies([missing]) });
    t.equal(start.code, 5, `${missing}: start`);
  }
});

t.test('drbdsetup missing: a probe says "not running" (7), a recurring monitor "not installed" (5)', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-9', node: 'node1', state: '03-synced-one-primary', omit: ['drbdsetup'] });
  const hidden = { wrapper: withoutHostCopies(['drbdsetup']) }; // drbd-utils is installed on this host
  const probe = d.run('monitor', {}, PROBE, hidden);
  t.equal(probe.code, 7, probe.stderr);
  t.same(probe.commands, [cmd.removeScore]);
  const monitor = d.run('monitor', {}, RECURRING, hidden);
  t.equal(monitor.code, 5);
  t.equal(monitor.reason, 'drbdsetup not found (drbd-utils)');
  t.same(monitor.commands, []);
});

t.test('adjust_master_score that is not four non-decreasing numbers: OCF_ERR_CONFIGURED', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-9', node: 'node1', state: '03-synced-one-primary' });
  for (const [value, why] of [
    ['100 10 1 0', "adjust_master_score '100 10 1 0': values must not decrease"],
    ['1 2 3', "adjust_master_score '1 2 3': needs 4 values, got 3"],
    ['0 10 1000 lots', "adjust_master_score '0 10 1000 lots': values must be whole numbers >= 0"],
    ['-5 10 1000 10000', "adjust_master_score '-5 10 1000 10000': values must be whole numbers >= 0"],
  ] as const) {
    for (const action of ['validate-all', 'start', 'reload']) {
      const r = d.run(action, { adjust_master_score: value });
      t.equal(r.code, 6, `${action} '${value}'`);
      t.equal(r.reason, why, `${action} '${value}'`);
      t.same(r.commands, [], `${action} '${value}': nothing run`);
    }
    // A running resource is not failed for it: monitor uses the default scores, like upstream.
    const m = d.run('monitor', { adjust_master_score: value }, RECURRING);
    t.equal(m.code, 8, `monitor '${value}'`);
    t.same(m.commands, [cmd.events2(), cmd.setScore(10000)], `monitor '${value}': default scores`);
    t.match(m.stderr, /WARNING: adjust_master_score '.*': .*; using the default/);
  }
  t.equal(d.run('validate-all', { adjust_master_score: '5 50 500 5000' }).code, 0, 'a good one');
});

t.test('a resource that is not in the DRBD configuration: OCF_ERR_INSTALLED (this node)', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node1', resources: ['r0'] });
  const r = d.run('validate-all', { drbd_resource: 'r1' });
  t.equal(r.code, 5);
  t.equal(r.reason, `resource r1 is not in ${d.conf} on this node: 'r1' not defined in your config (for this host).`);
  t.same(r.commands, [cmd.drbdadm(d.conf, 'dump', 'r1')]);
  const start = d.run('start', { drbd_resource: 'r1' });
  t.equal(start.code, 5);
  t.same(start.commands, [cmd.drbdadm(d.conf, 'dump', 'r1')], 'start stops at validation');
});

t.test('a configuration file that does not exist: OCF_ERR_INSTALLED', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-8.4', node: 'node1' });
  const r = d.run('validate-all', { drbdconf: `${d.dir}/nope.conf` });
  t.equal(r.code, 5);
  t.equal(r.reason, `DRBD configuration ${d.dir}/nope.conf does not exist on this node`);
  t.same(r.commands, []);
  t.equal(d.run('validate-all', { drbdconf: 'relative.conf' }).code, 6, 'a relative path is a configuration error');
});

t.test('the clone needs notify=true (or ignore_missing_notifications)', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-9', node: 'node1' });
  const clone = { OCF_RESKEY_CRM_meta_clone_max: '3', OCF_RESKEY_CRM_meta_promoted_max: '1' };
  const r = d.run('validate-all', {}, clone);
  t.equal(r.code, 6);
  t.equal(r.reason, 'the drbd clone needs notifications: set meta notify=true on it (or ignore_missing_notifications=true)');
  t.same(r.commands, []);
  t.equal(d.run('validate-all', {}, { ...clone, OCF_RESKEY_CRM_meta_notify: 'false' }).code, 6, 'notify=false');
  t.equal(d.run('validate-all', {}, { ...clone, OCF_RESKEY_CRM_meta_notify: 'true' }).code, 0, 'notify=true');
  t.equal(d.run('validate-all', { ignore_missing_notifications: 'true' }, clone).code, 0, 'ignore_missing_notifications');
  t.equal(d.run('validate-all').code, 0, 'not a clone (crm_resource --validate, ocf-tester)');
});

t.test('promoted-max above 2: OCF_ERR_CONFIGURED', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-9', node: 'node1' });
  const r = d.run('validate-all', {}, { OCF_RESKEY_CRM_meta_promoted_max: '3' });
  t.equal(r.code, 6);
  t.match(r.reason, /promoted-max above 2/);
  t.equal(d.run('validate-all', {}, { OCF_RESKEY_CRM_meta_master_max: '3' }).code, 6, 'the old name too');
  t.equal(d.run('validate-all', {}, { OCF_RESKEY_CRM_meta_promoted_max: '2' }).code, 0);
});

t.test('parameters: required, names, booleans, choices', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-9', node: 'node1' });
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ drbd_resource: '' }, /parameter 'drbd_resource' is required/],
    [{ drbd_resource: 'r0; reboot' }, /is not a DRBD resource name/],
    [{ stop_outdates_secondary: 'maybe' }, /is not a boolean/],
    [{ remove_master_score_if_peer_primary: 'sometimes' }, /is not one of/],
    [{ wfc_timeout: 'soon' }, /is not an integer/],
    [{ require_drbd_module_version_ge: '9' }, /must be a version x\.y\.z/],
  ];
  for (const [params, reason] of bad) {
    for (const action of ['validate-all', 'monitor', 'start']) {
      const r = d.run(action, params);
      t.equal(r.code, 6, `${action} ${JSON.stringify(params)}`);
      t.match(r.reason, reason);
      t.same(r.commands, []);
    }
  }
});

t.test('require_drbd_module_version_ge / _lt against the loaded module', async (t) => {
  const cases: Array<['drbd-8.4' | 'drbd-9', Record<string, string>, number, string?]> = [
    ['drbd-8.4', {}, 0],
    ['drbd-9', {}, 0],
    ['drbd-8.4', { require_drbd_module_version_ge: '9.0.0' }, 5, 'DRBD module 8.4.11 is older than require_drbd_module_version_ge=9.0.0'],
    ['drbd-9', { require_drbd_module_version_ge: '9.0.0' }, 0],
    ['drbd-9', { require_drbd_module_version_ge: '9.2.20' }, 5, 'DRBD module 9.2.19 is older than require_drbd_module_version_ge=9.2.20'],
    ['drbd-9', { require_drbd_module_version_lt: '9.0.0' }, 5, 'DRBD module 9.2.19 is not older than require_drbd_module_version_lt=9.0.0'],
    ['drbd-8.4', { require_drbd_module_version_lt: '9.0.0' }, 0],
    ['drbd-9', { require_drbd_module_version_lt: '' }, 0],
  ];
  for (const [version, params, code, reason] of cases) {
    const d = drbdDouble(t, { version, node: 'node1' });
    const r = d.run('validate-all', params);
    t.equal(r.code, code, `${version} ${JSON.stringify(params)}`);
    t.equal(r.reason, reason, `${version} ${JSON.stringify(params)}: reason`);
  }
  const unloaded = drbdDouble(t, { version: 'drbd-8.4', node: 'node1', moduleLoaded: false });
  t.equal(unloaded.run('validate-all', { require_drbd_module_version_ge: '9.0.0' }).code, 0, 'no module loaded yet: nothing to compare');
  t.same(unloaded.log(), [cmd.drbdadm(unloaded.conf, 'dump', 'r0')], 'validate-all does not load the module');
});

t.test('unknown actions: OCF_ERR_UNIMPLEMENTED, nothing run', async (t) => {
  const d = drbdDouble(t, { version: 'drbd-9', node: 'node1', state: '03-synced-one-primary' });
  for (const action of ['migrate_to', 'migrate_from', 'frobnicate', 'recover', 'split-brain']) {
    const r = d.run(action);
    t.equal(r.code, 3, action);
    t.match(r.stderr, /^usage: drbd \{/, action);
  }
  t.same(d.log(), []);
  const meta = d.run('meta-data');
  t.equal(meta.code, 0);
  t.match(meta.stdout, /<resource-agent name="drbd"/);
  t.same(meta.commands, []);
});
