// /proc/drbd of DRBD 8.4 during the resync of a big device: the sizes switch from K to M (more than
// 4 GiB to resync), and the kernel's own DRBD 8.4 (mainline Linux, Debian's kernel: the one the
// fixtures were captured from) then prints the finish line on the same line. Until this was
// understood, the whole file was refused ("unexpected line") for every big device.
import t from 'tap';
import { describeDrbdState, parseProcDrbd } from '../../lib/admin/drbd/index.js';

const HEADER = [
  'version: 8.4.11 (api:1/proto:86-101)',
  'srcversion: F73C670A7EC572DB9CF3E5B ',
  ' 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----',
  // 2 TiB device, 1 GiB of it resynced: 2146435072 KiB = 2096128 MiB left of 2097152 MiB.
  '    ns:0 nr:1048576 dw:1048576 dr:0 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:2146435072',
];
const owners = new Map([[0, { resource: 'r0', volume: 0 }]]);
const expectedPeerVolume = {
  volume: 0,
  replication: 'SyncTarget',
  peerDisk: 'UpToDate',
  resyncSuspended: [],
  outOfSyncKiB: 2146435072,
  resyncDonePercent: 0.1,
  resyncEtaSeconds: 20961,
  resyncKiBPerSecond: 102400,
};

function peerVolumeOf(lines: string[]) {
  const result = parseProcDrbd([...HEADER, ...lines, ''].join('\n'), owners);
  if (!result.ok) return result.reason;
  return result.resources[0]?.connections[0]?.peerVolumes[0];
}

t.test('M sizes with the finish line glued on (mainline kernel DRBD 8.4)', async (t) => {
  t.same(
    peerVolumeOf([
      "\t[>....................] sync'ed:  0.1% (2096128/2097152)Mfinish: 5:49:21 speed: 102,400 (98,304) want: 102,400 K/sec",
    ]),
    expectedPeerVolume,
  );
});

t.test("M sizes on their own line (DRBD 8.4 built from LINBIT's sources)", async (t) => {
  t.same(
    peerVolumeOf([
      "\t[>....................] sync'ed:  0.1% (2096128/2097152)M",
      '\tfinish: 5:49:21 speed: 102,400 (98,304) want: 102,400 K/sec',
    ]),
    expectedPeerVolume,
  );
});

t.test('any unit letter, a verify, the 3-second speed of proc_details, a stalled resync', async (t) => {
  for (const unit of ['K', 'M', 'G', 'T']) {
    t.match(peerVolumeOf([`\t[>....................] sync'ed:  0.1% (2047/2048)${unit}`]), { resyncDonePercent: 0.1 }, unit);
  }
  t.match(
    peerVolumeOf([
      '\t[=========>..........] verified: 50.0% (1048576/2097152)Mfinish: 2:54:40 speed: 102,400 (101,000 -- 98,304) K/sec (stalled)',
    ]),
    { resyncDonePercent: 50, resyncEtaSeconds: 10480, resyncKiBPerSecond: 102400 },
  );
  t.match(peerVolumeOf(["\t[>....................] sync'ed:  0.1% (2047/2048)M", '\tstalled']), { resyncDonePercent: 0.1 });
});

t.test('what an admin reads: the resync, not an unreadable file', async (t) => {
  const result = parseProcDrbd(
    [
      ...HEADER,
      "\t[>....................] sync'ed:  0.1% (2096128/2097152)Mfinish: 5:49:21 speed: 102,400 (98,304) want: 102,400 K/sec",
      '',
    ].join('\n'),
    owners,
  );
  t.ok(result.ok);
  if (!result.ok) return;
  t.equal(describeDrbdState(result.resources[0]).summary, 'r0: Secondary, Inconsistent; resync 0.1% ETA 5h49m (SyncTarget from the peer)');
});

t.test('garbage after the sizes is still refused', async (t) => {
  t.match(peerVolumeOf(["\t[>....................] sync'ed:  0.1% (2047/2048)Mwhatever"]), /unexpected/);
  t.match(peerVolumeOf(["\t[>....................] sync'ed:  0.1% (2047/2048)X"]), /unexpected/);
});
