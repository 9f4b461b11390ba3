// DRBD's generation identifiers (GIs): which "data generation" a node's data belongs to, and how
// much it wrote since it last saw a peer. Two sources:
//
//   `drbdadm get-gi r0` / `show-gi r0` (this node only; show-gi adds an ASCII legend):
//     8.4:  8D1E0E4945DA4E57:96B86968AA0A6913:45797A965A29CFE7:45787A965A29CFE7:1:1:1:0:0:0:0
//     9:    the same four UUIDs and 12 flags, one line per peer (which peer is not said)
//   the kernel log, at every connection handshake (both sides, with the bitmap's weight):
//     8.4:  block drbd0: self 8D1E...:96B8...:4579...:4578... bits:512 flags:0
//           block drbd0: peer 7030...:96B8...:4579...:4578... bits:512 flags:0
//           block drbd0: uuid_compare()=100 by rule 90
//     9:    drbd r0/0 drbd0 node2: self ... / peer ... / uuid_compare()=split-brain-auto-recover by rule=bitmap-both
//
// The four UUIDs are: current (the generation the data is in now), bitmap (the generation the
// out-of-sync bitmap is based on: set when a node starts a new generation without its peer), and
// two older ones. The lowest bit of a UUID is not part of it: DRBD sets it while the node is
// Primary. `bits` counts 4 KiB blocks marked out of sync: the blocks written since the split.
// Pure.

import { fail, guarded } from '../../agent-runtime/drbd/fields.js';
import { sightingOf } from '../../agent-runtime/drbd/kernel-log.js';
import type { Parsed } from '../../agent-runtime/drbd/model.js';

export interface GenerationIds {
  /** 16 hex digits each, as DRBD prints them. */
  current: string;
  bitmap: string;
  history: [string, string];
  /** "Data consistency flag" and "Data was/is currently up-to-date". */
  consistent: boolean;
  upToDate: boolean;
  /** "Node was/is currently primary". */
  primary: boolean;
}

const UUID = '[0-9A-F]{16}';
const GI_LINE = new RegExp(`^(${UUID}):(${UUID}):(${UUID}):(${UUID})((?::[01])+)$`);

/**
 * `drbdadm get-gi` or `show-gi`: one entry per line of identifiers (DRBD 9: one per peer, in an
 * order drbdadm does not name). The legend and `zero size device -- never seen peer yet?` are skipped.
 */
export function parseGenerationIds(text: string): Parsed<{ sets: GenerationIds[] }> {
  return guarded(() => {
    const sets = text
      .split('\n')
      .map((line) => line.trim())
      .flatMap((line): GenerationIds[] => {
        const match = GI_LINE.exec(line);
        if (!match) return [];
        const flags = match[5]!
          .slice(1)
          .split(':')
          .map((flag) => flag === '1');
        // 8.4 prints 7 flags, DRBD 9 12; the first three mean the same in both.
        if (flags.length !== 7 && flags.length !== 12) fail(`get-gi: ${flags.length} flags in '${line}' (expected 7 or 12)`);
        return [
          {
            current: match[1]!,
            bitmap: match[2]!,
            history: [match[3]!, match[4]!],
            consistent: flags[0]!,
            upToDate: flags[1]!,
            primary: flags[2]!,
          },
        ];
      });
    if (sets.length === 0) fail(`get-gi: no generation identifiers in '${text.trim().split('\n')[0] ?? ''}'`);
    return { ok: true, sets };
  });
}

/** Whether two UUIDs name the same generation (the lowest bit only says "was Primary"). */
export function sameGeneration(a: string, b: string): boolean {
  return (BigInt(`0x${a}`) | 1n) === (BigInt(`0x${b}`) | 1n);
}

/** Whether the node was Primary when DRBD printed this current UUID. */
export function primaryAt(uuid: string): boolean {
  return (BigInt(`0x${uuid}`) & 1n) === 1n;
}

/** One side of a handshake as the kernel logged it. */
export interface HandshakeSide {
  current: string;
  bitmap: string;
  /** 4 KiB blocks marked out of sync (written while not connected). */
  bits: number;
}

/** One connection handshake (sync decision) in the kernel log. */
export interface SyncHandshake {
  /** DRBD 9 names resource, peer and volume; DRBD 8.4 only the minor. */
  resource?: string;
  peer?: string;
  minor?: number;
  self: HandshakeSide;
  peerSide: HandshakeSide;
  /** `100 by rule 90`, `split-brain-auto-recover by rule=bitmap-both`, ... */
  verdict: string;
  /** DRBD found both sides in new generations from the same base: a split brain. */
  splitBrain: boolean;
}

const HANDSHAKE_SIDE = new RegExp(`: (self|peer) (${UUID}):(${UUID}):${UUID}:${UUID} bits:(\\d+) flags:\\S+`);
const VERDICT = /: uuid_compare\(\)=(\S+ by rule[= ]\S+)/;

/** Every handshake the kernel logged, oldest first. */
export function syncHandshakesInKernelLog(kernelLog: string): SyncHandshake[] {
  const handshakes: SyncHandshake[] = [];
  const pending = new Map<string, { self?: HandshakeSide; peer?: HandshakeSide }>();
  for (const line of kernelLog.split('\n')) {
    const where = sightingOf(line);
    if (!where) continue;
    const key = `${where.resource}/${where.peer}/${where.minor}`;
    const side = HANDSHAKE_SIDE.exec(line);
    if (side) {
      const parts = pending.get(key) ?? {};
      parts[side[1] as 'self' | 'peer'] = { current: side[2]!, bitmap: side[3]!, bits: Number(side[4]) };
      pending.set(key, parts);
      continue;
    }
    const verdict = VERDICT.exec(line);
    const parts = pending.get(key);
    if (!verdict || !parts?.self || !parts.peer) continue;
    pending.delete(key);
    handshakes.push({
      ...where,
      self: parts.self,
      peerSide: parts.peer,
      verdict: verdict[1]!,
      // 8.4: 100 / -100 (rules 90, 100); 9: split-brain-auto-recover / split-brain-disconnect.
      splitBrain: /^(-?100 |split-brain)/.test(verdict[1]!),
    });
  }
  return handshakes;
}
