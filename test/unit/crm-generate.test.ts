// ClusterSpec + meta-data -> crm / pcs / CIB text, and the DRBD resource file.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { buildClusterConfig, agentsNeeded, coreAgents, type AgentCatalog } from '../../lib/admin/crm/build.js';
import { renderDrbdResFile } from '../../lib/admin/crm/drbd-res.js';
import { drbdResWithoutDrbd, generate } from '../../lib/admin/crm/generate.js';
import { parseAgentMetaData, type AgentMetaData } from '../../lib/admin/crm/meta-data.js';
import { validateClusterSpec, type ClusterSpec } from '../../lib/admin/crm/spec.js';
import { parseCib, allPrimitives } from '../../lib/admin/pacemaker/cib.js';

const FIXTURES = new URL('../fixtures/pacemaker/', import.meta.url).pathname;
function parsed(xml: string): AgentMetaData {
  const result = parseAgentMetaData(xml);
  if (!result.ok) throw new Error(result.reason);
  return result.metaData;
}
const fixture = (agent: string) => parsed(readFileSync(`${FIXTURES}upstream-${agent}-meta-data.xml`, 'utf8'));
const tinyAgent = (name: string, params: string, actions: string) =>
  parsed(`<resource-agent name="${name}"><parameters>${params}</parameters><actions>${actions}</actions></resource-agent>`);

const catalog: AgentCatalog = new Map([
  ['ocf:ocfkit:drbd', fixture('drbd')],
  ['ocf:ocfkit:Filesystem', fixture('Filesystem')],
  ['ocf:ocfkit:IPaddr2', fixture('IPaddr2')],
  ['ocf:linbit:drbd', fixture('drbd')],
  ['ocf:heartbeat:Filesystem', fixture('Filesystem')],
  ['ocf:heartbeat:IPaddr2', fixture('IPaddr2')],
  [
    'ocf:heartbeat:apache',
    tinyAgent(
      'apache',
      '<parameter name="configfile"><content type="string"/></parameter><parameter name="statusurl"><content type="string"/></parameter>',
      '<action name="start" timeout="40s"/><action name="stop" timeout="60s"/><action name="monitor" timeout="20s" interval="10s" depth="0"/>',
    ),
  ],
  [
    'ocf:heartbeat:exportfs',
    tinyAgent(
      'exportfs',
      '<parameter name="fsid" required="1"><shortdesc>Unique fsid</shortdesc><content type="string"/></parameter><parameter name="options"><content type="string"/></parameter>',
      '<action name="start" timeout="40s"/>',
    ),
  ],
  [
    'ocf:pacemaker:controld',
    tinyAgent(
      'controld',
      '',
      '<action name="start" timeout="90s"/><action name="stop" timeout="100s"/><action name="monitor" timeout="20s" interval="10s"/>',
    ),
  ],
  [
    'ocf:heartbeat:lvmlockd',
    tinyAgent(
      'lvmlockd',
      '<parameter name="pidfile"><content type="string"/></parameter>',
      '<action name="start" timeout="90s"/><action name="stop" timeout="90s"/><action name="monitor" timeout="90s" interval="30s" depth="0"/>',
    ),
  ],
  [
    'ocf:heartbeat:LVM-activate',
    tinyAgent(
      'LVM-activate',
      '<parameter name="vgname" required="1"><content type="string"/></parameter><parameter name="lvname"><content type="string"/></parameter>' +
        '<parameter name="vg_access_mode" required="1"><content type="string"/></parameter><parameter name="activation_mode"><content type="string"/></parameter>',
      '<action name="start" timeout="90s"/><action name="stop" timeout="90s"/><action name="monitor" timeout="90s" interval="30s" depth="0"/>',
    ),
  ],
  [
    'stonith:fence_ipmilan',
    tinyAgent(
      'fence_ipmilan',
      '<parameter name="ip"><content type="string"/></parameter><parameter name="username"><content type="string"/></parameter><parameter name="password"><content type="string"/></parameter>',
      '<action name="monitor"/><action name="start" timeout="20s"/><action name="stop" timeout="20s"/>',
    ),
  ],
]);

function spec(raw: Record<string, unknown>): ClusterSpec {
  const result = validateClusterSpec(raw);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.spec;
}

const web = {
  nodes: ['alice@10.0.0.1', 'bob@10.0.0.2'],
  stonith: [
    { agent: 'fence_ipmilan', params: { pcmk_host_list: 'alice', ip: '10.0.1.1', username: 'admin', password: 'p w' } },
    { agent: 'fence_ipmilan', params: { pcmk_host_list: 'bob', ip: '10.0.1.2', username: 'admin', password: "it's" } },
  ],
  stacks: [
    {
      name: 'web',
      drbd: { resource: 'r0', device: '/dev/drbd1', disk: '/dev/sdb1' },
      filesystem: { directory: '/srv/www', fstype: 'ext4', options: 'noatime,nodiratime' },
      ip: '192.168.0.20/24',
      services: ['ocf:heartbeat:apache:configfile=/etc/apache2/apache2.conf'],
    },
  ],
};

function text(raw: Record<string, unknown>, format: 'crm' | 'pcs' | 'cib', pacemaker: '2.1' | '1.1' = '2.1'): string {
  const result = generate(spec(raw), catalog, { format, pacemaker });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.text;
}

t.test('which agents a configuration needs', async (t) => {
  t.same(
    agentsNeeded(spec(web)).map((agent) => `${agent.standard}:${agent.provider ?? ''}:${agent.type}`),
    ['ocf:ocfkit:drbd', 'ocf:ocfkit:Filesystem', 'ocf:ocfkit:IPaddr2', 'stonith::fence_ipmilan', 'ocf:heartbeat:apache'],
  );
  t.same(coreAgents('linbit'), coreAgents('heartbeat'), 'heartbeat and linbit both mean the upstream agents');
  t.equal(coreAgents('heartbeat').drbd.provider, 'linbit');
  t.equal(coreAgents('heartbeat').filesystem.provider, 'heartbeat');
});

t.test('the classic stack: promotable DRBD, group colocated with Promoted and ordered after promote', async (t) => {
  const built = buildClusterConfig(spec(web), catalog);
  if (!built.ok) throw new Error(built.errors.join('\n'));
  const { config, warnings } = built;
  t.same(warnings, []);
  t.same(
    config.resources.map((resource) => `${resource.kind}:${resource.id}`),
    ['primitive:fence-alice', 'primitive:fence-bob', 'clone:drbd-r0-clone', 'group:g-web'],
  );
  const clone = config.resources[2];
  t.match(clone, {
    kind: 'clone',
    promotable: true,
    meta: [
      ['promoted-max', '1'],
      ['promoted-node-max', '1'],
      ['clone-max', '2'],
      ['clone-node-max', '1'],
      ['notify', 'true'],
    ],
  });
  const group = config.resources[3];
  t.same(
    group?.kind === 'group' && group.members.map((member) => member.id),
    ['fs-web', 'vip-web', 'apache-web'],
    'file system first, then address, then service',
  );
  t.same(config.constraints, [
    {
      kind: 'colocation',
      id: 'colo-g-web-with-drbd-r0-promoted',
      rsc: 'g-web',
      withRsc: 'drbd-r0-clone',
      withRole: 'Promoted',
      score: 'INFINITY',
      comment: 'g-web runs only where DRBD r0 is Primary',
    },
    {
      kind: 'order',
      id: 'order-drbd-r0-promote-then-g-web',
      first: 'drbd-r0-clone',
      firstAction: 'promote',
      then: 'g-web',
      thenAction: 'start',
      comment: 'g-web starts only after DRBD r0 has been promoted there',
    },
  ]);
  t.same(config.properties, [['stonith-enabled', 'true']]);
  t.same(config.resourceDefaults, [['resource-stickiness', '100']]);
});

t.test('crm for Pacemaker 2.1', async (t) => {
  const crm = text(web, 'crm');
  t.match(
    crm,
    /^primitive drbd-r0 ocf:ocfkit:drbd \\\n\tparams drbd_resource=r0 \\\n\top monitor role=Promoted interval=10s timeout=20s \\\n\top monitor role=Unpromoted interval=20s timeout=20s \\\n\top start interval=0s timeout=240s/m,
  );
  t.match(
    crm,
    /^clone drbd-r0-clone drbd-r0 \\\n\tmeta promotable=true promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true$/m,
  );
  t.match(crm, /^\tparams device=\/dev\/drbd1 directory=\/srv\/www fstype=ext4 options=noatime,nodiratime/m);
  t.match(crm, /^group g-web fs-web vip-web apache-web$/m);
  t.match(crm, /^colocation colo-g-web-with-drbd-r0-promoted inf: g-web drbd-r0-clone:Promoted$/m);
  t.match(crm, /^order order-drbd-r0-promote-then-g-web Mandatory: drbd-r0-clone:promote g-web:start$/m);
  t.match(crm, /^property cib-bootstrap-options: \\\n\tstonith-enabled=true$/m);
  t.match(crm, /^rsc_defaults rsc-options: \\\n\tresource-stickiness=100$/m);
  t.match(crm, /password="p w"/, 'values with spaces are quoted');
  t.match(
    crm,
    /#   resource r0 \{\n#     net \{ fencing resource-only; \}\n#     handlers \{\n#       fence-peer "\/usr\/lib\/drbd\/crm-fence-peer\.9\.sh";/,
    'the DRBD fencing snippet',
  );
  t.notMatch(
    crm
      .split('\n')
      .filter((line) => line.startsWith('#'))
      .join('\n'),
    /--/,
    'crmsh stores comments as XML comments, which may not contain --',
  );
  t.notMatch(crm, /Master|Slave|\bms\b/);
});

t.test('crm for Pacemaker 1.1', async (t) => {
  const crm = text(web, 'crm', '1.1');
  t.match(crm, /^ms drbd-r0-clone drbd-r0 \\\n\tmeta master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 notify=true$/m);
  t.match(crm, /op monitor role=Master interval=10s timeout=20s/);
  t.match(crm, /op monitor role=Slave interval=20s timeout=20s/);
  t.match(crm, /inf: g-web drbd-r0-clone:Master$/m);
  t.notMatch(crm, /promotable|Promoted|Unpromoted|promoted-max/);
});

t.test('pcs for Pacemaker 2.1 (pcs 0.10+) and 1.1 (pcs 0.9)', async (t) => {
  const pcs = text(web, 'pcs');
  t.match(pcs, /^#!\/bin\/sh\n/);
  t.match(
    pcs,
    /^pcs -f "\$CIB" resource create drbd-r0 ocf:ocfkit:drbd drbd_resource=r0 op monitor role=Promoted interval=10s timeout=20s monitor role=Unpromoted interval=20s timeout=20s start interval=0s timeout=240s .* promotable drbd-r0-clone promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true --no-default-ops$/m,
  );
  t.match(pcs, /^pcs -f "\$CIB" resource create fs-web ocf:ocfkit:Filesystem device=\/dev\/drbd1 .* --group g-web --no-default-ops$/m);
  t.match(
    pcs,
    /^pcs -f "\$CIB" stonith create fence-alice fence_ipmilan pcmk_host_list=alice ip=10\.0\.1\.1 username=admin 'password=p w' op monitor interval=60s timeout=20s/m,
  );
  t.match(pcs, /'password=it'\\''s'/, 'single quotes survive shell quoting');
  t.match(
    pcs,
    /^pcs -f "\$CIB" constraint colocation add g-web with Promoted drbd-r0-clone INFINITY id=colo-g-web-with-drbd-r0-promoted$/m,
  );
  t.match(
    pcs,
    /^pcs -f "\$CIB" constraint order promote drbd-r0-clone then start g-web kind=Mandatory id=order-drbd-r0-promote-then-g-web$/m,
  );
  t.match(pcs, /^pcs -f "\$CIB" resource defaults update resource-stickiness=100$/m);
  t.match(pcs, /pcs cluster cib-push "\$CIB" --config/);

  const old = text(web, 'pcs', '1.1');
  t.match(
    old,
    /^pcs -f "\$CIB" resource create drbd-r0 ocf:ocfkit:drbd drbd_resource=r0 op monitor role=Master interval=10s .* --no-default-ops\npcs -f "\$CIB" resource master drbd-r0-clone drbd-r0 master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 notify=true$/m,
  );
  t.match(old, /constraint colocation add g-web with master drbd-r0-clone INFINITY/);
  t.match(old, /^pcs -f "\$CIB" resource defaults resource-stickiness=100$/m);
});

t.test('CIB XML: well-formed, and it says what the model says', async (t) => {
  for (const version of ['2.1', '1.1'] as const) {
    const xml = text(web, 'cib', version);
    t.doesNotThrow(() => new XMLParser().parse(xml));
    t.notMatch(
      xml
        .replace(/^<\?xml[^>]*>/, '')
        .replace(/<!--/g, '')
        .replace(/-->/g, ''),
      /--/,
      'no -- inside comments',
    );
    const cib = parseCib(xml);
    if (!cib.ok) throw new Error(cib.reason);
    const drbdClone = cib.cib.resources.find((resource) => resource.kind === 'clone' && resource.id === 'drbd-r0-clone');
    t.match(drbdClone, { element: version === '2.1' ? 'clone' : 'master', promotable: true, meta: { notify: 'true', 'clone-max': '2' } });
    const drbd = allPrimitives(cib.cib).find(({ primitive }) => primitive.id === 'drbd-r0')?.primitive;
    t.same(
      drbd?.operations.filter((op) => op.name === 'monitor').map((op) => [op.role, op.intervalMs]),
      version === '2.1'
        ? [
            ['Promoted', 10_000],
            ['Unpromoted', 20_000],
          ]
        : [
            ['Master', 10_000],
            ['Slave', 20_000],
          ],
    );
    t.same(cib.cib.colocations, [
      {
        id: 'colo-g-web-with-drbd-r0-promoted',
        rsc: 'g-web',
        withRsc: 'drbd-r0-clone',
        score: 'INFINITY',
        withRscRole: version === '2.1' ? 'Promoted' : 'Master',
      },
    ]);
    t.same(cib.cib.orders, [
      {
        id: 'order-drbd-r0-promote-then-g-web',
        first: 'drbd-r0-clone',
        firstAction: 'promote',
        then: 'g-web',
        thenAction: 'start',
        kind: 'Mandatory',
      },
    ]);
    t.same(cib.cib.properties, { 'stonith-enabled': 'true' });
    t.same(cib.cib.resourceDefaults, { 'resource-stickiness': '100' });
    t.match(
      xml,
      /<nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="true"\/>/,
      'the id crmsh and pcs use, so cibadmin merges instead of duplicating',
    );
  }
});

t.test('no fence device: only when the admin says so, then stonith-enabled=false and a warning', async (t) => {
  // stonith-enabled=true without a fence device is a configuration crmsh refuses to load.
  t.match(validateClusterSpec({ ...web, stonith: [] }), {
    ok: false,
    errors: [/^stonith: no fence device is configured: .* say so with withoutFencing/],
  });
  const result = generate(spec({ ...web, stonith: [], withoutFencing: true }), catalog, { format: 'crm', pacemaker: '2.1' });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  t.match(result.warnings, [/runs without fencing \(stonith-enabled=false\), as asked.*split brain/]);
  t.match(result.text, /stonith-enabled=false/);
  const partial = generate(spec({ ...web, stonith: [web.stonith[0]] }), catalog, { format: 'crm', pacemaker: '2.1' });
  t.match(partial.ok && partial.warnings, [/no fence device lists bob in pcmk_host_list/]);
});

t.test('warnings stay out of the crmsh block (crmsh stores its comments in the CIB), not out of pcs and CIB XML', async (t) => {
  const partial = { ...web, stonith: [web.stonith[0]] };
  t.notMatch(text(partial, 'crm'), /WARNING|lists bob/);
  t.match(text(partial, 'pcs'), /^# WARNING: no fence device lists bob in pcmk_host_list/m);
  t.match(text(partial, 'cib'), /^<!-- WARNING: no fence device lists bob in pcmk_host_list/m);
});

t.test('resource and operation defaults, in every format', async (t) => {
  const withDefaults = { ...web, rscDefaults: { 'migration-threshold': 1, 'failure-timeout': '10min' }, opDefaults: ['timeout=60s'] };
  t.match(
    text(withDefaults, 'crm'),
    /^rsc_defaults rsc-options: \\\n\tresource-stickiness=100 migration-threshold=1 failure-timeout=10min\n\nop_defaults op-options: \\\n\ttimeout=60s\n$/m,
  );
  t.match(
    text(withDefaults, 'pcs'),
    /^pcs -f "\$CIB" resource defaults update resource-stickiness=100 migration-threshold=1 failure-timeout=10min\npcs -f "\$CIB" resource op defaults update timeout=60s$/m,
  );
  t.match(text(withDefaults, 'pcs', '1.1'), /^pcs -f "\$CIB" resource op defaults timeout=60s$/m, 'pcs 0.9 has no "update"');
  t.match(
    text(withDefaults, 'cib'),
    /<op_defaults>\n    <meta_attributes id="op-options">\n      <nvpair id="op-options-timeout" name="timeout" value="60s"\/>/,
  );
  t.match(text(withDefaults, 'cib'), /<nvpair id="rsc-options-migration-threshold" name="migration-threshold" value="1"\/>/);
  t.notMatch(text(web, 'crm'), /op_defaults/, 'none asked, none written');
  t.notMatch(text(web, 'cib'), /op_defaults/);
});

t.test('unknown agents and parameters: clear errors, nothing generated', async (t) => {
  const bad = {
    ...web,
    stonith: [{ agent: 'fence_nonexistent', params: {} }],
    stacks: [
      {
        ...web.stacks[0],
        services: [
          'ocf:heartbeat:apachee',
          'ocf:heartbeat:apache:configfle=/x',
          'ocf:heartbeat:exportfs:options=rw',
          'systemd:nginx:port=80',
        ],
      },
    ],
  };
  const result = generate(spec(bad), catalog, { format: 'crm', pacemaker: '2.1' });
  t.equal(result.ok, false);
  t.notOk('text' in result, 'no text at all');
  t.match(!result.ok && result.errors, [
    /^fence-nonexistent: unknown agent stonith:fence_nonexistent: its meta-data could not be read/,
    /^apachee-web: unknown agent ocf:heartbeat:apachee: .*\/usr\/lib\/ocf\/resource\.d\/heartbeat\/apachee/,
    /^apache-web: ocf:heartbeat:apache has no parameter "configfle" \(did you mean "configfile"\?\)/,
    /^exportfs-web: ocf:heartbeat:exportfs needs the parameter "fsid" \(Unique fsid\)/,
    /^nginx-web: systemd:nginx takes no parameters/,
  ]);
  const systemd = generate(spec({ ...web, stacks: [{ ...web.stacks[0], services: ['systemd:nginx'] }] }), catalog, {
    format: 'crm',
    pacemaker: '2.1',
  });
  t.match(
    systemd.ok && systemd.text,
    /^primitive nginx-web systemd:nginx \\\n\top monitor interval=10s timeout=20s \\\n\top start interval=0s \\\n\top stop interval=0s$/m,
    'systemd units work without meta-data',
  );
});

t.test('dual-primary OCFS2', async (t) => {
  const dual = {
    nodes: ['alice', 'bob'],
    stonith: web.stonith,
    stacks: [
      {
        name: 'shared',
        dualPrimary: true,
        drbd: { resource: 'r1', device: '/dev/drbd2' },
        filesystem: { directory: '/srv/shared', fstype: 'ocfs2' },
      },
    ],
  };
  const crm = text(dual, 'crm');
  t.match(crm, /^clone dlm-clone dlm \\\n\tmeta interleave=true$/m);
  t.match(crm, /meta promotable=true promoted-max=2 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true interleave=true$/m);
  t.match(crm, /^clone fs-shared-clone fs-shared \\\n\tmeta clone-max=2 interleave=true$/m);
  t.match(crm, /^colocation colo-fs-shared-clone-with-drbd-r1-promoted inf: fs-shared-clone drbd-r1-clone:Promoted$/m);
  t.match(crm, /^order order-drbd-r1-promote-then-fs-shared-clone Mandatory: drbd-r1-clone:promote fs-shared-clone:start$/m);
  t.match(crm, /^colocation colo-fs-shared-clone-with-dlm-clone inf: fs-shared-clone dlm-clone$/m);
  t.match(crm, /^order order-dlm-clone-then-fs-shared-clone Mandatory: dlm-clone:start fs-shared-clone:start$/m);
  t.match(crm, /stonith-enabled=true no-quorum-policy=freeze/);
  t.match(crm, /fencing resource-and-stonith/);
  const pcs = text(dual, 'pcs', '1.1');
  t.match(
    pcs,
    /resource create fs-shared ocf:ocfkit:Filesystem .* clone clone-max=2 interleave=true --no-default-ops/,
    'pcs 0.9 names the clone itself: fs-shared-clone',
  );

  const withVip = text({ ...dual, stacks: [{ ...dual.stacks[0], ip: '10.0.0.50/24' }] }, 'crm');
  t.match(withVip, /^colocation colo-vip-shared-with-fs-shared-clone inf: vip-shared fs-shared-clone$/m);
  t.match(withVip, /^order order-fs-shared-clone-then-vip-shared Mandatory: fs-shared-clone:start vip-shared:start$/m);
});

t.test('dual-primary GFS2 on a shared VG: DLM + lvmlockd, LVM-activate, then the file system', async (t) => {
  const dual = {
    nodes: ['alice', 'bob'],
    stonith: web.stonith,
    stacks: [
      {
        name: 'shared',
        dualPrimary: true,
        sharedVg: 'vg_shared/data',
        drbd: { resource: 'r1', device: '/dev/drbd2', disk: '/dev/sdc1' },
        filesystem: { directory: '/srv/shared', fstype: 'gfs2' },
      },
    ],
  };
  t.same(
    agentsNeeded(spec(dual)).map((agent) => `${agent.standard}:${agent.provider ?? ''}:${agent.type}`),
    [
      'ocf:ocfkit:drbd',
      'ocf:ocfkit:Filesystem',
      'ocf:pacemaker:controld',
      'ocf:heartbeat:lvmlockd',
      'ocf:heartbeat:LVM-activate',
      'stonith::fence_ipmilan',
    ],
  );
  const crm = text(dual, 'crm');
  t.match(crm, /^primitive lvmlockd ocf:heartbeat:lvmlockd \\\n\top monitor interval=30s timeout=90s/m);
  t.match(crm, /^group locking dlm lvmlockd\nclone locking-clone locking \\\n\tmeta interleave=true$/m, 'DLM first, one clone');
  t.notMatch(crm, /dlm-clone/, 'no DLM clone of its own');
  t.match(
    crm,
    /^primitive lvm-shared ocf:heartbeat:LVM-activate \\\n\tparams vgname=vg_shared lvname=data vg_access_mode=lvmlockd activation_mode=shared \\$/m,
  );
  t.match(crm, /^clone lvm-shared-clone lvm-shared \\\n\tmeta clone-max=2 interleave=true$/m);
  t.match(crm, /params device=\/dev\/vg_shared\/data directory=\/srv\/shared fstype=gfs2/);
  const constraints = crm.split('\n').filter((line) => /^(colocation|order) /.test(line));
  t.same(constraints, [
    'colocation colo-lvm-shared-clone-with-drbd-r1-promoted inf: lvm-shared-clone drbd-r1-clone:Promoted',
    'order order-drbd-r1-promote-then-lvm-shared-clone Mandatory: drbd-r1-clone:promote lvm-shared-clone:start',
    'colocation colo-lvm-shared-clone-with-locking-clone inf: lvm-shared-clone locking-clone',
    'order order-locking-clone-then-lvm-shared-clone Mandatory: locking-clone:start lvm-shared-clone:start',
    'colocation colo-fs-shared-clone-with-lvm-shared-clone inf: fs-shared-clone lvm-shared-clone',
    'order order-lvm-shared-clone-then-fs-shared-clone Mandatory: lvm-shared-clone:start fs-shared-clone:start',
  ]);
  // What the admin does by hand, in the header: lvm.conf on every node, the VG once.
  t.match(crm, /^#   global \{ use_lvmlockd = 1 \}$/m);
  t.match(crm, /^#   devices \{ global_filter = \[ "a\|\^\/dev\/drbd2\$\|", "r\|\^\/dev\/sdc1\$\|" \] \}$/m, 'the PV on DRBD, not on sdc1');
  t.match(crm, /^#   vgcreate the shared option vg_shared \/dev\/drbd2$/m, 'crmsh comments hold no "--"');
  t.match(crm, /^#   lvcreate -n data -l 100%FREE vg_shared$/m);
  const noDisk = text({ ...dual, stacks: [{ ...dual.stacks[0], drbd: { resource: 'r1', device: '/dev/drbd2' } }] }, 'pcs');
  t.match(noDisk, /^#   devices \{ global_filter = \[ "a\|\^\/dev\/drbd2\$\|", "r\|\^BACKING-DISK\$\|" \] \}$/m);
  t.match(noDisk, /\(BACKING-DISK: the disk of r1\)/);
  t.match(noDisk, /^#   vgcreate --shared vg_shared \/dev\/drbd2$/m);
  t.match(noDisk, /pcs resource cleanup lvm-shared-clone/);

  for (const version of ['2.1', '1.1'] as const) {
    const pcs = text(dual, 'pcs', version);
    t.match(
      pcs,
      /resource create dlm ocf:pacemaker:controld .* --group locking --no-default-ops\n.*resource create lvmlockd ocf:heartbeat:lvmlockd .* --group locking --no-default-ops\n.*resource clone locking interleave=true$/m,
      `pcs for ${version}: the group, then its clone`,
    );
    t.match(
      pcs,
      /resource create lvm-shared ocf:heartbeat:LVM-activate vgname=vg_shared lvname=data vg_access_mode=lvmlockd activation_mode=shared .* clone /,
    );
  }

  const cib = text(dual, 'cib');
  const parsedCib = parseCib(`<cib>${cib.replace(/^<\?xml[^>]*>/, '')}</cib>`);
  t.ok(parsedCib.ok, 'the CIB fragment parses');
  if (parsedCib.ok) {
    t.same(
      allPrimitives(parsedCib.cib).map(({ primitive, clone, group }) => `${clone?.id ?? '-'}/${group?.id ?? '-'}/${primitive.id}`),
      [
        '-/-/fence-alice',
        '-/-/fence-bob',
        'locking-clone/locking/dlm',
        'locking-clone/locking/lvmlockd',
        'drbd-r1-clone/-/drbd-r1',
        'lvm-shared-clone/-/lvm-shared',
        'fs-shared-clone/-/fs-shared',
      ],
    );
  }
});

t.test('the DRBD resource file', async (t) => {
  const two = spec(web);
  const res = renderDrbdResFile(two.stacks[0]!, two.nodes);
  t.match(
    res.ok && res.text,
    /^# For DRBD 9 \(kernel module 9\.x, drbd-utils 9\): check it with drbdadm -c FILE dump\.$/m,
    'names its drbdadm',
  );
  t.same(res.ok && res.text.split('\n').slice(3), [
    'resource r0 {',
    '  device    /dev/drbd1;',
    '  disk      /dev/sdb1;',
    '  meta-disk internal;',
    '  net {',
    '    protocol C;',
    '    fencing resource-only;',
    '  }',
    '  handlers {',
    '    fence-peer "/usr/lib/drbd/crm-fence-peer.9.sh";',
    '    unfence-peer "/usr/lib/drbd/crm-unfence-peer.9.sh";',
    '  }',
    '  on alice { node-id 0; address 10.0.0.1:7789; }',
    '  on bob   { node-id 1; address 10.0.0.2:7789; }',
    '}',
    '',
  ]);

  const three = spec({ ...web, nodes: ['a@10.0.0.1', 'b@10.0.0.2', 'c@fd00::3'] });
  const mesh = renderDrbdResFile(three.stacks[0]!, three.nodes);
  t.match(
    mesh.ok && mesh.text,
    /options \{\n.*\n    quorum majority;\n    on-no-quorum io-error;\n    # No fencing policy, no crm-fence-peer handler: quorum does their work.*\n.*\n  \}/,
  );
  // quorum or fencing, not both: with crm-fence-peer's constraint a Primary that lost its peers
  // (and its quorum) would keep the Promoted role to itself while its writes fail
  t.notMatch(mesh.ok && mesh.text, /^ *(fencing|handlers)\b|fence-peer "/m, 'three DRBD 9 nodes: no DRBD fencing beside quorum');
  const meshFenced = spec({
    ...web,
    nodes: ['a@10.0.0.1', 'b@10.0.0.2', 'c@10.0.0.3'],
    stacks: [{ ...web.stacks[0], drbd: { ...web.stacks[0]!.drbd, fencing: 'resource-only' } }],
  });
  const fenced = renderDrbdResFile(meshFenced.stacks[0]!, meshFenced.nodes);
  t.match(
    fenced.ok && fenced.text,
    /quorum majority;[\s\S]*fencing resource-only;[\s\S]*crm-fence-peer\.9\.sh/,
    'an explicit fencing policy is kept beside quorum',
  );
  t.match(mesh.ok && mesh.text, /on c \{ node-id 2; address ipv6 \[fd00::3\]:7789; \}/);
  t.match(mesh.ok && mesh.text, /connection-mesh \{ hosts a b c; \}/);

  const old = spec({ ...web, stacks: [{ ...web.stacks[0], drbd: { ...web.stacks[0]!.drbd, version: '8.4' } }] });
  const res84 = renderDrbdResFile(old.stacks[0]!, old.nodes);
  t.match(res84.ok && res84.text, /  disk \{\n    fencing resource-only;\n  \}/, '8.4: fencing lives in the disk section');
  t.match(res84.ok && res84.text, /after-resync-target "\/usr\/lib\/drbd\/crm-unfence-peer\.sh";/);
  t.notMatch(res84.ok && res84.text, /node-id/);
  t.match(res84.ok && res84.text, /^# .*check it with \/usr\/lib\/drbd\/drbdadm-84 -c FILE dump\.$/m, '8.4: names drbdadm-84');

  const external = spec({
    ...web,
    stacks: [{ ...web.stacks[0], drbd: { ...web.stacks[0]!.drbd, disk: '/dev/disk/by-id/wwn-0x5000:1', metaDisk: '/dev/sdc1[2]' } }],
  });
  const externalRes = renderDrbdResFile(external.stacks[0]!, external.nodes);
  t.match(
    externalRes.ok && externalRes.text,
    /^  disk      "\/dev\/disk\/by-id\/wwn-0x5000:1";\n  meta-disk \/dev\/sdc1 \[2\];$/m,
    'quoted where drbdadm needs it; indexed meta data',
  );

  const incomplete = spec({
    ...web,
    nodes: ['alice', 'bob@10.0.0.2'],
    stacks: [{ ...web.stacks[0], drbd: { resource: 'r0', device: '/dev/drbd1' } }],
  });
  t.match(renderDrbdResFile(incomplete.stacks[0]!, incomplete.nodes), {
    ok: false,
    errors: [/needs the backing disk \(--disk/, /needs each node's replication address .* missing for alice/],
  });
  const viaGenerate = generate(incomplete, catalog, { format: 'crm', pacemaker: '2.1', drbdRes: true });
  t.equal(viaGenerate.ok, false, 'asking for a .res file that cannot be written generates nothing');
});

const shared = {
  nodes: ['alice', 'bob'],
  stonith: web.stonith,
  stacks: [
    {
      name: 'web',
      filesystem: { device: '/dev/mapper/mpatha', directory: '/srv/www', fstype: 'xfs', options: 'noatime' },
      ip: '192.168.0.20/24',
      services: ['ocf:heartbeat:apache:configfile=/etc/apache2/apache2.conf'],
    },
  ],
};

t.test('shared storage without DRBD: one group, no DRBD, no constraints', async (t) => {
  t.same(
    agentsNeeded(spec(shared)).map((agent) => `${agent.standard}:${agent.provider ?? ''}:${agent.type}`),
    ['ocf:ocfkit:Filesystem', 'ocf:ocfkit:IPaddr2', 'stonith::fence_ipmilan', 'ocf:heartbeat:apache'],
    'no DRBD agent',
  );
  const built = buildClusterConfig(spec(shared), catalog);
  if (!built.ok) throw new Error(built.errors.join('\n'));
  t.same(built.warnings, []);
  t.same(
    built.config.resources.map((resource) => `${resource.kind}:${resource.id}`),
    ['primitive:fence-alice', 'primitive:fence-bob', 'group:g-web'],
  );
  t.same(built.config.constraints, [], 'the group places and orders its members');
  t.same(built.config.properties, [['stonith-enabled', 'true']]);

  for (const version of ['2.1', '1.1'] as const) {
    const crm = text(shared, 'crm', version);
    const body = (configuration: string) =>
      configuration
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .join('\n');
    t.notMatch(crm, /drbd|DRBD/, `crm ${version}: nothing about DRBD`);
    t.notMatch(body(crm), /colocation|order |clone|\bms\b/, `crm ${version}: no constraints, no clones`);
    t.match(
      crm,
      /^# Shared storage: every node must see the device.*\n# mounting it at once:\n#   web: \/dev\/mapper\/mpatha on \/srv\/www$/m,
    );
    t.match(
      crm,
      /^primitive fs-web ocf:ocfkit:Filesystem \\\n\tparams device=\/dev\/mapper\/mpatha directory=\/srv\/www fstype=xfs options=noatime \\\n\top monitor interval=20s/m,
    );
    t.match(
      crm,
      /^# web: on shared storage \/dev\/mapper\/mpatha; started in this order, stopped in reverse, always on the same node\ngroup g-web fs-web vip-web apache-web$/m,
    );
    t.match(
      crm,
      /^property cib-bootstrap-options: \\\n\tstonith-enabled=true\n\nrsc_defaults rsc-options: \\\n\tresource-stickiness=100\n$/m,
    );
    t.match(crm, /^primitive fence-alice stonith:fence_ipmilan/m);

    const pcs = text(shared, 'pcs', version);
    t.notMatch(pcs, /drbd|DRBD/, `pcs ${version}: nothing about DRBD`);
    t.notMatch(body(pcs), /constraint|promotable|master/, `pcs ${version}: no constraints, no clones`);
    t.match(
      pcs,
      /^pcs -f "\$CIB" resource create fs-web ocf:ocfkit:Filesystem device=\/dev\/mapper\/mpatha directory=\/srv\/www fstype=xfs options=noatime op .* --group g-web --no-default-ops$/m,
    );
    t.match(pcs, /^pcs -f "\$CIB" resource create vip-web ocf:ocfkit:IPaddr2 .* --group g-web --no-default-ops$/m);
    t.match(pcs, /^pcs -f "\$CIB" resource create apache-web ocf:heartbeat:apache .* --group g-web --no-default-ops$/m);
    t.match(pcs, version === '2.1' ? /resource defaults update resource-stickiness=100$/m : /resource defaults resource-stickiness=100$/m);

    const xml = text(shared, 'cib', version);
    t.notMatch(xml, /drbd|DRBD|rsc_colocation|rsc_order|<clone|<master/, `cib ${version}: nothing about DRBD, no constraints, no clones`);
    const cib = parseCib(
      xml
        .replace(/^<\?xml[^>]*>\n/, '')
        .replace(/<configuration>/, '<cib><configuration>')
        .replace(/<\/configuration>/, '</configuration></cib>'),
    );
    if (!cib.ok) throw new Error(cib.reason);
    t.same(
      allPrimitives(cib.cib).map(({ primitive, group }) => `${primitive.id}@${group?.id ?? '-'}`),
      ['fence-alice@-', 'fence-bob@-', 'fs-web@g-web', 'vip-web@g-web', 'apache-web@g-web'],
    );
    t.equal(allPrimitives(cib.cib).find(({ primitive }) => primitive.id === 'fs-web')?.primitive.params.device, '/dev/mapper/mpatha');
  }

  const upstream = text({ ...shared, provider: 'heartbeat' }, 'crm');
  t.match(upstream, /^primitive fs-web ocf:heartbeat:Filesystem /m);

  const alone = buildClusterConfig(
    spec({ ...shared, stacks: [{ name: 'data', filesystem: { device: '-U 1234-abcd', directory: '/srv/data', fstype: 'ext4' } }] }),
    catalog,
  );
  t.match(
    alone.ok && alone.config.resources.at(-1),
    {
      kind: 'primitive',
      id: 'fs-data',
      params: [
        ['device', '-U 1234-abcd'],
        ['directory', '/srv/data'],
        ['fstype', 'ext4'],
      ],
    },
    'just the file system: no group of one',
  );
  t.match(
    text({ ...shared, stacks: [{ name: 'data', filesystem: { device: '-L data', directory: '/srv/data', fstype: 'ext4' } }] }, 'crm'),
    /params device="-L data" directory=\/srv\/data/,
  );

  const mixed = text(
    {
      ...shared,
      nodes: ['alice@10.0.0.1', 'bob@10.0.0.2'],
      stacks: [
        ...web.stacks,
        { ...shared.stacks[0], name: 'db', ip: '192.168.0.21/24', filesystem: { device: '/dev/sdc', directory: '/srv/db', fstype: 'xfs' } },
      ],
    },
    'crm',
  );
  t.match(mixed, /^#   resource r0 \{$/m, 'mixed: the DRBD note for the DRBD stack');
  t.match(mixed, /^#   db: \/dev\/sdc on \/srv\/db$/m, 'and the shared-storage note for the other');
  t.match(mixed, /^group g-db fs-db vip-db apache-db$/m);
  t.notMatch(mixed, /colocation \S+ inf: g-db/);
});

t.test('shared storage: without fencing, the warning is about the shared file system, not DRBD', async (t) => {
  const result = generate(spec({ ...shared, stonith: [], withoutFencing: true }), catalog, { format: 'crm', pacemaker: '2.1' });
  t.match(result.ok && result.warnings, [
    /runs without fencing.*mounting the shared file system at once, which corrupts it\. Add a fence device/,
  ]);
  t.notMatch(result.ok && result.warnings.join(''), /DRBD/);
});

t.test('shared storage: the DRBD resource file', async (t) => {
  t.match(
    drbdResWithoutDrbd(spec(shared)),
    /^--drbd-res: no stack uses DRBD, so there is no DRBD resource file to write/,
    '--drbd-res without DRBD is an error',
  );
  t.equal(drbdResWithoutDrbd(spec(web)), undefined);
  const only = spec(shared);
  t.match(renderDrbdResFile(only.stacks[0]!, only.nodes), { ok: false, errors: [/web: is on shared storage, not DRBD/] });
  const asked = generate(only, catalog, { format: 'crm', pacemaker: '2.1', drbdRes: true });
  t.equal(asked.ok && asked.drbdRes, undefined, 'generate itself writes no resource file for shared stacks');
  const mixed = generate(
    spec({ ...web, stacks: [...web.stacks, { name: 'db', filesystem: { device: '/dev/sdc', directory: '/srv/db', fstype: 'xfs' } }] }),
    catalog,
    { format: 'crm', pacemaker: '2.1', drbdRes: true },
  );
  t.match(mixed.ok && mixed.drbdRes, /^resource r0 \{$/m, 'mixed: the file holds the DRBD stacks only');
  t.notMatch(mixed.ok && mixed.drbdRes, /sdc|srv\/db|"db"/);
});
