// The upstream score table, test/fixtures/pacemaker/upstream-drbd-score-table.md (measured from the upstream
// ocf:linbit:drbd agent): its rows, what each row's label asks for, and the DRBD 9
// `drbdsetup events2 --now` snapshot of the state a row describes.
import { readFileSync } from 'node:fs';

export interface Row {
  label: string;
  rc: number;
  score: string;
}

/**
 * Monitor codes that differ from upstream's on purpose (the agent's meta-data says why), with the
 * exit reason ours gives there.
 */
export const DELIBERATELY_NOT_UPSTREAM: Record<string, { rc: number; reason: RegExp }> = {
  // a Primary without quorum whose I/O is not suspended: writes fail (on-no-quorum io-error)
  'Primary/UpToDate; no connection objects (no peer configured); quorum:no': { rc: 9, reason: /^r0: Primary without quorum: / },
};

/** The table's rows, below the header and its separator line. */
export function scoreTableRows(): Row[] {
  const table = readFileSync(new URL('../fixtures/pacemaker/upstream-drbd-score-table.md', import.meta.url), 'utf8');
  const lines = table.split('\n').filter((line) => line.startsWith('|'));
  return lines.slice(2).map((line) => {
    const [label, rc, score] = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    return { label: label!, rc: Number(rc), score: score! };
  });
}

/** A row's state, as written in the table ("Secondary/UpToDate; Connected; Primary/UpToDate; quorum:no"). */
export interface RowState {
  role: string;
  disk: string;
  client: boolean;
  peer?: { connection: string; role: string; disk: string };
  quorum: boolean;
}

export function rowState(description: string): RowState {
  const [local, connection, peer, ...extras] = description.split('; ');
  const m = /^(Primary|Secondary)\/(\w+)( \(detached\)| client)?$/.exec(local ?? '');
  if (!m) throw new Error(`cannot read the local state of '${description}'`);
  const state: RowState = { role: m[1]!, disk: m[2]!, client: m[3] === ' client', quorum: ![peer, ...extras].includes('quorum:no') };
  if (connection !== 'no connection objects (no peer configured)') {
    const [peerRole, peerDisk] = (peer ?? '').split('/');
    if (!connection || !peerRole || !peerDisk) throw new Error(`cannot read the peer state of '${description}'`);
    state.peer = { connection, role: peerRole, disk: peerDisk };
  }
  return state;
}

/** Rows that abbreviate the state. */
const SHORTHAND: Record<string, string> = {
  'Secondary/UpToDate no conn': 'Secondary/UpToDate; no connection objects (no peer configured)',
  'Sec/UpToDate no conn': 'Secondary/UpToDate; no connection objects (no peer configured)',
  'Primary/UpToDate connected': 'Primary/UpToDate; Connected; Secondary/UpToDate',
};

/** What a row's label asks for. */
export type RowCase =
  /** "Unconfigured (module loaded, resource down)", "Unconfigured, probe (interval=0)". */
  | { kind: 'unconfigured'; probe: boolean }
  /** "same, remove_master_score_if_peer_primary=…": the state of the row before, with that parameter. */
  | { kind: 'same'; removeIfPeerPrimary: 'true' | 'unexpected' }
  /** A state, spelled out or abbreviated; with adjust_master_score when the label sets it. */
  | { kind: 'state'; state: RowState; adjustMasterScore?: string };

export function rowCase(label: string): RowCase {
  if (label.startsWith('Unconfigured')) return { kind: 'unconfigured', probe: label.includes('probe') };
  const same = /^same, remove_master_score_if_peer_primary=(true|unexpected)$/.exec(label);
  if (same) return { kind: 'same', removeIfPeerPrimary: same[1] as 'true' | 'unexpected' };
  const adjusted = /^adjust_master_score='([^']*)'[^,]*, (.*)$/.exec(label);
  if (adjusted) return { kind: 'state', state: rowState(SHORTHAND[adjusted[2]!] ?? adjusted[2]!), adjustMasterScore: adjusted[1]! };
  return { kind: 'state', state: rowState(label) };
}

/**
 * What DRBD 9.2 / drbd-utils 9.22 print for `drbdsetup events2 --now --statistics r0` in that
 * state (the line layout of test/fixtures/drbd-9/*\/drbdsetup_events2_now_stats.txt).
 */
export function events2Of(s: RowState): string {
  const lines = [
    `exists resource name:r0 role:${s.role} suspended:no force-io-failures:no write-ordering:flush may_promote:no promotion_score:0`,
  ];
  if (s.peer) {
    lines.push(
      `exists connection name:r0 peer-node-id:1 conn-name:node2 connection:${s.peer.connection} role:${s.peer.role} congested:no ap-in-flight:0 rs-in-flight:0`,
    );
  }
  lines.push(
    `exists device name:r0 volume:0 minor:0 backing_dev:${s.client || s.disk === 'Diskless' ? 'none' : '/dev/vda'} disk:${s.disk} client:${s.client ? 'yes' : 'no'} quorum:${s.quorum ? 'yes' : 'no'} size:65496 read:0 written:0 al-writes:0 bm-writes:0 upper-pending:0 lower-pending:0 al-suspended:no blocked:no`,
  );
  if (s.peer) {
    const replication = s.peer.connection === 'Connected' ? 'Established' : 'Off';
    lines.push(
      `exists peer-device name:r0 peer-node-id:1 conn-name:node2 volume:0 replication:${replication} peer-disk:${s.peer.disk} peer-client:no resync-suspended:no received:0 sent:0 out-of-sync:0 pending:0 unacked:0`,
    );
  }
  lines.push('exists -');
  return `${lines.join('\n')}\n`;
}
