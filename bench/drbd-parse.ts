// How fast the DRBD parsers are on a big node: 1000 resources in `drbdsetup status --json`,
// DRBD 8.4's /proc/drbd, `drbdsetup events2 --now` and `drbdsetup status --verbose --statistics`.
// A monitor parses one of these every few seconds, so this shows the headroom.
//
//   node scripts/run-ts.mjs bench/drbd-parse.ts [rounds]     (default 20 rounds per format)

import {
  type DrbdParseResult,
  parseDrbdsetupStatusJson,
  parseDrbdsetupStatusText,
  parseEvents2,
  parseProcDrbd,
} from '../lib/admin/drbd/index.js';

const RESOURCES = 1000;
const rounds = Number(process.argv[2] ?? 20);
const names = Array.from({ length: RESOURCES }, (_, i) => `r${i}`);
// Every 10th resource resyncs to its first peer, so the progress fields are parsed too.
const resyncing = (i: number) => i % 10 === 0;

function statusJson(): string {
  const resources = names.map((name, i) => ({
    name,
    'node-id': 0,
    role: i % 2 ? 'Secondary' : 'Primary',
    suspended: false,
    'suspended-user': false,
    'suspended-no-data': false,
    'suspended-fencing': false,
    'suspended-quorum': false,
    'force-io-failures': false,
    'write-ordering': 'flush',
    devices: [
      {
        volume: 0,
        minor: i,
        'disk-state': 'UpToDate',
        client: false,
        quorum: true,
        size: 65496,
        read: 0,
        written: 0,
        'al-writes': 0,
        'bm-writes': 0,
        'upper-pending': 0,
        'lower-pending': 0,
      },
    ],
    connections: [1, 2].map((peerNodeId) => {
      const syncing = resyncing(i) && peerNodeId === 1;
      return {
        'peer-node-id': peerNodeId,
        name: `node${peerNodeId + 1}`,
        'connection-state': 'Connected',
        congested: false,
        'peer-role': 'Secondary',
        'ap-in-flight': 0,
        'rs-in-flight': 0,
        peer_devices: [
          {
            volume: 0,
            'replication-state': syncing ? 'SyncSource' : 'Established',
            'peer-disk-state': syncing ? 'Inconsistent' : 'UpToDate',
            'peer-client': false,
            'resync-suspended': 'no',
            received: 0,
            sent: 0,
            'out-of-sync': syncing ? 4096 : 0,
            pending: 0,
            unacked: 0,
            'has-sync-details': syncing,
            'has-online-verify-details': false,
            'percent-in-sync': syncing ? 93.75 : 100,
            ...(syncing && { 'percent-resync-done': 93.75, 'estimated-seconds-to-finish': 12, 'db1/dt1 [MiB/s]': 0.3 }),
          },
        ],
      };
    }),
  }));
  return JSON.stringify(resources, null, 2);
}

function procDrbd(): string {
  const lines = ['version: 8.4.11 (api:1/proto:86-101)', 'srcversion: F73C670A7EC572DB9CF3E5B '];
  names.forEach((_, minor) => {
    const cs = resyncing(minor) ? 'SyncSource' : 'Connected';
    const peerDisk = resyncing(minor) ? 'Inconsistent' : 'UpToDate';
    lines.push(`${String(minor).padStart(2)}: cs:${cs} ro:Primary/Secondary ds:UpToDate/${peerDisk} C r-----`);
    lines.push(`    ns:14420 nr:0 dw:0 dr:14420 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:${resyncing(minor) ? 51076 : 0}`);
    if (resyncing(minor)) {
      lines.push("\t[====>...............] sync'ed: 25.0% (51076/65496)K");
      lines.push('\tfinish: 0:00:13 speed: 3,604 (3,604) K/sec');
    }
  });
  return `${lines.join('\n')}\n`;
}

function events2Now(): string {
  const lines = names.flatMap((name, i) => [
    `exists resource name:${name} role:Primary suspended:no force-io-failures:no may_promote:no promotion_score:10102`,
    ...[2, 1].map((id) => `exists connection name:${name} peer-node-id:${id} conn-name:node${id + 1} connection:Connected role:Secondary`),
    `exists device name:${name} volume:0 minor:${i} backing_dev:/dev/vg/${name} disk:UpToDate client:no quorum:yes`,
    ...[2, 1].flatMap((id) => {
      const syncing = resyncing(i) && id === 1;
      return [
        `exists peer-device name:${name} peer-node-id:${id} conn-name:node${id + 1} volume:0 replication:${syncing ? 'SyncSource' : 'Established'} peer-disk:${syncing ? 'Inconsistent' : 'UpToDate'} peer-client:no resync-suspended:no${syncing ? ' done:93.75' : ''}`,
        `exists path name:${name} peer-node-id:${id} conn-name:node${id + 1} local:ipv4:192.168.77.1:7789 peer:ipv4:192.168.77.${id + 1}:7789 established:yes`,
      ];
    }),
  ]);
  return `${[...lines, 'exists -'].join('\n')}\n`;
}

function statusText(): string {
  const blocks = names.map((name, i) => {
    const syncing = resyncing(i);
    return [
      `${name} node-id:0 role:Primary suspended:no force-io-failures:no`,
      '    write-ordering:flush',
      `  volume:0 minor:${i} disk:UpToDate backing_dev:/dev/vg/${name} quorum:yes`,
      '      size:65496 read:0 written:0 al-writes:0 bm-writes:0 upper-pending:0',
      '      lower-pending:0 al-suspended:no blocked:no',
      ...[1, 2].flatMap((id) => [
        `  node${id + 1} node-id:${id} connection:Connected role:Secondary congested:no`,
        '      ap-in-flight:0 rs-in-flight:0',
        `    volume:0 replication:${syncing && id === 1 ? 'SyncSource' : 'Established'} peer-disk:${syncing && id === 1 ? 'Inconsistent' : 'UpToDate'}${syncing && id === 1 ? ' done:93.75' : ''}`,
        '        resync-suspended:no',
        `        received:0 sent:0 out-of-sync:${syncing && id === 1 ? 4096 : 0} pending:0 unacked:0${syncing && id === 1 ? ' dbdt1:0.30 eta:12' : ''}`,
      ]),
      '',
    ].join('\n');
  });
  return blocks.join('\n');
}

const formats: [label: string, text: string, parse: (text: string) => DrbdParseResult][] = [
  ['drbdsetup status --json', statusJson(), parseDrbdsetupStatusJson],
  ['/proc/drbd (8.4)', procDrbd(), parseProcDrbd],
  ['drbdsetup events2 --now', events2Now(), parseEvents2],
  ['drbdsetup status -vs', statusText(), parseDrbdsetupStatusText],
];

console.log(`${RESOURCES} resources, ${rounds} rounds per format\n`);
console.log(`${'format'.padEnd(26)}${'KiB'.padStart(8)}${'ms/parse'.padStart(11)}${'resources/s'.padStart(14)}`);
for (const [label, text, parse] of formats) {
  const check = parse(text);
  if (!check.ok || check.resources.length !== RESOURCES) {
    console.error(
      `${label}: synthesized input did not parse into ${RESOURCES} resources: ${check.ok ? check.resources.length : check.reason}`,
    );
    process.exit(1);
  }
  const started = performance.now();
  for (let round = 0; round < rounds; round++) parse(text);
  const msPerParse = (performance.now() - started) / rounds;
  const resourcesPerSecond = Math.round((RESOURCES / msPerParse) * 1000);
  console.log(
    `${label.padEnd(26)}${(text.length / 1024).toFixed(0).padStart(8)}${msPerParse.toFixed(2).padStart(11)}${String(resourcesPerSecond).padStart(14)}`,
  );
}
