// drbdadm dump / drbdsetup show (lib/admin/drbd/config.ts) and drbdadm -d adjust (lib/admin/drbd/adjust.ts)
import t from 'tap';
import { fencingPolicyOf, handlersOf, parseDrbdConfig, protocolOf } from '../../lib/admin/drbd/config.js';
import { describeAdjustStep, parseDrbdadmAdjust } from '../../lib/admin/drbd/adjust.js';
import { configsOf, fixture } from '../helpers/doctor-drbd.js';

t.test('drbdadm dump, DRBD 9: settings, handlers, this host and its volume', async (t) => {
  const [r0] = configsOf('drbd-doctor/dump-9-fenced.txt');
  t.match(r0, { name: 'r0', thisHost: 'vm', nodeCount: 3, volumes: [{ volume: 0, minor: 0, disk: '/dev/vda', metaDisk: 'internal' }] });
  t.equal(fencingPolicyOf(r0!), 'resource-only');
  t.equal(r0!.settings['options.quorum'], 'majority');
  t.same(handlersOf(r0!), { 'fence-peer': '/usr/lib/drbd/crm-fence-peer.9.sh', 'unfence-peer': '/usr/lib/drbd/crm-unfence-peer.9.sh' });
});

t.test('drbdadm-84 dump: common applies, devices in the `on` section of this host', async (t) => {
  const [r0] = configsOf('drbd-doctor/dump-84-common.txt');
  t.match(r0, { name: 'r0', thisHost: 'vm', nodeCount: 2, volumes: [{ volume: 0, minor: 0, disk: '/dev/vdb', metaDisk: 'internal' }] });
  t.equal(fencingPolicyOf(r0!), 'resource-only');
  t.equal(protocolOf(r0!), 'A');
  t.equal(r0!.settings['net.allow-two-primaries'], 'yes');
});

t.test('drbdsetup show: _this_host, connections, quoted names', async (t) => {
  const [r0] = configsOf('drbd-9/03-synced-one-primary/node1/drbdsetup_show.txt');
  t.match(r0, { name: 'r0', nodeCount: 3, volumes: [{ volume: 0, minor: 0, disk: '/dev/vda', metaDisk: 'internal' }] });
  t.equal(fencingPolicyOf(r0!), 'dont-care');
  t.equal(r0!.settings['disk.resync-rate'], '307200k');
});

t.test('garbage is refused, not guessed', async (t) => {
  t.match(parseDrbdConfig('resource r0 { net { protocol C; }'), { ok: false, reason: /without }/ });
  t.match(parseDrbdConfig('resource r0 { protocol C }'), { ok: false });
  t.match(parseDrbdadmAdjust('rm -rf /\n'), { ok: false, reason: /unexpected line/ });
});

t.test('drbdadm -d adjust: the commands and what they change', async (t) => {
  const parsed = parseDrbdadmAdjust(fixture('drbd-doctor/adjust-9-fencing-not-applied.txt'));
  if (!parsed.ok) throw new Error(parsed.reason);
  t.equal(parsed.steps.length, 4);
  t.match(parsed.steps[0], { command: 'net-options', targets: ['r0', '1'], options: { fencing: 'resource-only', protocol: 'C' } });
  t.notOk('_name' in parsed.steps[0]!.options);
  t.equal(
    describeAdjustStep(parsed.steps[0]!, { 1: 'node2' }),
    'network options for node2 (node-id 1) would be set: fencing=resource-only, protocol=C',
  );
  t.equal(
    describeAdjustStep(parsed.steps[2]!),
    'resync options for peer node-id 1, volume 0 would be set: c-plan-ahead=0, resync-rate=40k',
  );
  t.same(parseDrbdadmAdjust(''), { ok: true, steps: [] });
});
