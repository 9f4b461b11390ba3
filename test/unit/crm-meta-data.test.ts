// Agent meta-data -> typed model, and the operation defaults taken from it.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseAgentMetaData, normaliseRole, type AgentMetaData } from '../../lib/admin/crm/meta-data.js';
import { defaultOperations } from '../../lib/admin/crm/operations.js';
import { formatDuration, parseDurationMs } from '../../lib/admin/pacemaker/duration.js';

const FIXTURES = new URL('../fixtures/pacemaker/', import.meta.url).pathname;
function metaData(file: string): AgentMetaData {
  const parsed = parseAgentMetaData(readFileSync(`${FIXTURES}${file}`, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.metaData;
}

t.test('durations: bare numbers are seconds, units are kept apart', async (t) => {
  t.equal(parseDurationMs('240'), 240_000);
  t.equal(parseDurationMs('20s'), 20_000);
  t.equal(parseDurationMs('1min'), 60_000);
  t.equal(parseDurationMs('2m'), 120_000);
  t.equal(parseDurationMs('500ms'), 500);
  t.equal(parseDurationMs('1h'), 3_600_000);
  t.equal(parseDurationMs('soon'), undefined);
  t.equal(parseDurationMs('10 parsecs'), undefined);
  t.equal(formatDuration(240_000), '240s');
  t.equal(formatDuration(1500), '1500ms');
  t.equal(formatDuration(0), '0s');
});

t.test('roles of both generations', async (t) => {
  t.equal(normaliseRole('Master'), 'Promoted');
  t.equal(normaliseRole('Slave'), 'Unpromoted');
  t.equal(normaliseRole('Promoted'), 'Promoted');
  t.equal(normaliseRole('Started'), undefined);
});

t.test('ocf:linbit:drbd meta-data', async (t) => {
  const drbd = metaData('upstream-drbd-meta-data.xml');
  t.equal(drbd.name, 'drbd');
  const resource = drbd.parameters.find((parameter) => parameter.name === 'drbd_resource');
  t.match(resource, { required: true, unique: true, type: 'string' });
  t.same(drbd.parameters.find((parameter) => parameter.name === 'drbdconf')?.default, '/etc/drbd.conf');
  t.same(
    drbd.actions.filter((action) => action.name === 'monitor'),
    [
      { name: 'monitor', timeoutMs: 20_000, intervalMs: 20_000, role: 'Unpromoted' },
      { name: 'monitor', timeoutMs: 20_000, intervalMs: 10_000, role: 'Promoted' },
    ],
    'Master/Slave in the XML are read as Promoted/Unpromoted',
  );
  t.same(
    drbd.actions.find((action) => action.name === 'validate-all'),
    { name: 'validate-all' },
    'no timeout stays absent',
  );
});

t.test('upstream Filesystem and IPaddr2', async (t) => {
  const fs = metaData('upstream-Filesystem-meta-data.xml');
  t.same(
    fs.parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
    ['device', 'directory', 'fstype'],
  );
  const ip = metaData('upstream-IPaddr2-meta-data.xml');
  t.ok(ip.parameters.some((parameter) => parameter.name === 'cidr_netmask'));
  t.same(
    ip.actions.find((action) => action.name === 'monitor'),
    { name: 'monitor', timeoutMs: 20_000, intervalMs: 10_000, depth: 0 },
  );
});

t.test('garbage is refused', async (t) => {
  t.match(parseAgentMetaData('<not-an-agent/>'), { ok: false, reason: /no <resource-agent>/ });
  t.match(parseAgentMetaData('<<<'), { ok: false });
});

t.test('operations for a promotable DRBD clone come from its meta-data', async (t) => {
  const operations = defaultOperations(metaData('upstream-drbd-meta-data.xml'), { promotable: true, notify: true });
  t.same(operations, [
    { name: 'monitor', role: 'Promoted', intervalMs: 10_000, timeoutMs: 20_000 },
    { name: 'monitor', role: 'Unpromoted', intervalMs: 20_000, timeoutMs: 20_000 },
    { name: 'start', intervalMs: 0, timeoutMs: 240_000 },
    { name: 'stop', intervalMs: 0, timeoutMs: 100_000 },
    { name: 'promote', intervalMs: 0, timeoutMs: 90_000 },
    { name: 'demote', intervalMs: 0, timeoutMs: 90_000 },
    { name: 'notify', intervalMs: 0, timeoutMs: 90_000 },
  ]);
});

t.test('both roles always get different monitor intervals', async (t) => {
  const sameInterval: AgentMetaData = {
    name: 'x',
    parameters: [],
    actions: [
      { name: 'monitor', intervalMs: 15_000, timeoutMs: 20_000, role: 'Promoted' },
      { name: 'monitor', intervalMs: 15_000, timeoutMs: 25_000, role: 'Unpromoted' },
    ],
  };
  const [promoted, unpromoted] = defaultOperations(sameInterval, { promotable: true, notify: false });
  t.equal(promoted?.intervalMs, 15_000);
  t.equal(unpromoted?.intervalMs, 16_000, 'one second apart: Pacemaker would drop one of two equal intervals');
  t.equal(unpromoted?.timeoutMs, 25_000);

  const onlyPlain: AgentMetaData = { name: 'y', parameters: [], actions: [{ name: 'monitor', intervalMs: 30_000, timeoutMs: 30_000 }] };
  const [p, u] = defaultOperations(onlyPlain, { promotable: true, notify: false });
  t.not(p?.intervalMs, u?.intervalMs);
});

t.test('plain resources: no promote/demote/notify, fallbacks without meta-data', async (t) => {
  const fs = defaultOperations(metaData('upstream-Filesystem-meta-data.xml'), { promotable: false, notify: false });
  t.same(
    fs.map((op) => op.name),
    ['monitor', 'start', 'stop'],
  );
  t.same(fs[0], { name: 'monitor', intervalMs: 20_000, timeoutMs: 40_000 });
  t.same(
    defaultOperations(undefined, { promotable: false, notify: false }),
    [
      { name: 'monitor', intervalMs: 10_000, timeoutMs: 20_000 },
      { name: 'start', intervalMs: 0 },
      { name: 'stop', intervalMs: 0 },
    ],
    'a systemd unit: Pacemaker defaults, written as such',
  );
  t.equal(
    defaultOperations(undefined, { promotable: false, notify: false }, true)[0]?.intervalMs,
    60_000,
    'fence devices are checked every minute',
  );
});
