// A split brain as `ocfkit drbd split-brain` explains it: for each connection in split brain, both
// sides (role, how much each wrote since the split, its data generation), which side should
// discard its changes, and the commands for each node. Pure: the CLI reads DRBD and the kernel
// log and hands the parsed outputs in.
//
// What this node can know: its own role, generation (get-gi) and the blocks it wrote since the
// split (the out-of-sync count towards that peer, live). The peer is unreachable; what it had at
// the moment DRBD detected the split brain is in this node's kernel log (the handshake's `peer`
// line: its UUIDs, with the Primary bit, and its bitmap's weight). It may have written more since.

import { splitBrainSteps, type SplitBrainSteps } from '../../agent-runtime/drbd/split-brain-steps.js';
import { type GenerationIds, type SyncHandshake, primaryAt, sameGeneration } from './generation-ids.js';
import type { Connection, DrbdState, Role } from '../../agent-runtime/drbd/model.js';

export interface SplitBrainSide {
  /** Its host name as DRBD's configuration has it; for DRBD 8.4's peer, "the peer" when the configuration did not say. */
  node: string;
  here: boolean;
  /** This node: now. The peer: when DRBD detected the split brain (the Primary bit of its UUID); Unknown without a handshake. */
  role: Role;
  /** KiB written since the split (blocks marked out of sync); undefined when nothing says. */
  changedKiB?: number;
  /** The data generation the side is in, and the one it started from when it split off. */
  generation?: { current: string; base: string };
  /** Its current UUID at the detection (both nodes logged the same handshake, mirrored). */
  currentAtDetection?: string;
}

export interface VictimProposal {
  /** The side that should discard its changes; undefined when nothing allows a suggestion. */
  victim?: 'here' | 'peer';
  /** The victim is known to have written nothing: no data is lost, no choice needed. */
  safe: boolean;
  /** Why, in one sentence. */
  reason: string;
}

export interface SplitBrainCase {
  resource: string;
  /** The connection as DRBD's outputs name it (`node2`; DRBD 8.4: `peer`). */
  connection: string;
  here: SplitBrainSide;
  peer: SplitBrainSide;
  proposal: VictimProposal;
}

export interface SplitBrainInput {
  /** The live state, split brains marked (markSplitBrains). */
  state: DrbdState;
  handshakes: readonly SyncHandshake[];
  /** `drbdadm get-gi` of this resource; absent when it could not be read. */
  localGenerations?: readonly GenerationIds[];
  /** This node's name in the resource's configuration (its host name). */
  hereName: string;
  /** DRBD 8.4's peer's name, from the configuration (8.4 outputs never name it). */
  unnamedPeerName?: string;
}

export function splitBrainCases(input: SplitBrainInput): SplitBrainCase[] {
  const { state } = input;
  return state.connections
    .filter((connection) => connection.splitBrain)
    .map((connection) => {
      const detected = lastSplitBrainHandshakes(input, connection);
      const localGi = input.localGenerations?.[0];
      const ownKiB = connection.peerVolumes.every((peer) => peer.outOfSyncKiB !== undefined)
        ? sum(connection.peerVolumes.map((peer) => peer.outOfSyncKiB!))
        : detected.length > 0
          ? sum(detected.map((handshake) => handshake.self.bits * 4))
          : undefined;
      const first = detected[0];
      const here: SplitBrainSide = {
        node: input.hereName,
        here: true,
        role: state.role,
        changedKiB: ownKiB,
        generation: localGi
          ? { current: localGi.current, base: localGi.bitmap }
          : first
            ? { current: first.self.current, base: first.self.bitmap }
            : undefined,
        currentAtDetection: first?.self.current,
      };
      const peer: SplitBrainSide = {
        node: connection.unnamed ? (input.unnamedPeerName ?? 'the peer') : connection.name,
        here: false,
        role: first ? (primaryAt(first.peerSide.current) ? 'Primary' : 'Secondary') : 'Unknown',
        changedKiB: detected.length > 0 ? sum(detected.map((handshake) => handshake.peerSide.bits * 4)) : undefined,
        generation: first ? { current: first.peerSide.current, base: first.peerSide.bitmap } : undefined,
        currentAtDetection: first?.peerSide.current,
      };
      return { resource: state.name, connection: connection.name, here, peer, proposal: proposeVictim(here, peer) };
    });
}

/**
 * Which side discards. Safe only when that side wrote nothing since the split; when both wrote,
 * the one with fewer changes is suggested, but only the admin can know whose writes matter.
 * Ties are broken the same way on both nodes (they see the same handshake, mirrored), so that
 * the two nodes never propose each other.
 */
export function proposeVictim(here: SplitBrainSide, peer: SplitBrainSide): VictimProposal {
  const hereUnchanged = here.changedKiB === 0;
  const peerUnchanged = peer.changedKiB === 0;
  if (hereUnchanged && peerUnchanged) {
    return { victim: tieBreak(here, peer), safe: true, reason: 'neither side wrote since the split: nothing is lost either way' };
  }
  if (hereUnchanged || peerUnchanged) {
    const victim = hereUnchanged ? here : peer;
    return {
      victim: hereUnchanged ? 'here' : 'peer',
      safe: true,
      reason: `${victim.node} wrote nothing since the split: discarding its side loses nothing`,
    };
  }
  if (here.changedKiB === undefined || peer.changedKiB === undefined) {
    const unknown = here.changedKiB === undefined ? here : peer;
    return {
      safe: false,
      reason: `nothing here says how much ${unknown.node} wrote since the split (the kernel log no longer has the handshake)`,
    };
  }
  const victim = here.changedKiB === peer.changedKiB ? tieBreak(here, peer) : here.changedKiB < peer.changedKiB ? 'here' : 'peer';
  const fewer = victim === 'here' ? here : peer;
  return {
    victim,
    safe: false,
    reason:
      `both sides wrote since the split (${here.node}: ${here.changedKiB} KiB, ${peer.node}: ${peer.changedKiB} KiB); ` +
      `${here.changedKiB === peer.changedKiB ? 'as much on each' : `${fewer.node} wrote less`}, but whichever side discards loses what it wrote`,
  };
}

/** Prefer the side that was Secondary at the detection, then the lower generation UUID: the same answer on both nodes. */
function tieBreak(here: SplitBrainSide, peer: SplitBrainSide): 'here' | 'peer' {
  const a = here.currentAtDetection;
  const b = peer.currentAtDetection;
  if (a === undefined || b === undefined || sameGeneration(a, b)) return 'peer';
  if (primaryAt(a) !== primaryAt(b)) return primaryAt(a) ? 'peer' : 'here';
  return (BigInt(`0x${a}`) | 1n) < (BigInt(`0x${b}`) | 1n) ? 'here' : 'peer';
}

/** The commands when `victim` discards: the same step builder as the agent's advice. */
export function resolutionSteps(
  state: DrbdState,
  splitCase: SplitBrainCase,
  victim: 'here' | 'peer',
): SplitBrainSteps & { victimNode: SplitBrainSide; survivorNode: SplitBrainSide } {
  const victimNode = victim === 'here' ? splitCase.here : splitCase.peer;
  const survivorNode = victim === 'here' ? splitCase.peer : splitCase.here;
  // Commands name the other end by its connection name: the peer's as DRBD prints it, this node's host name.
  const connectionName = (side: SplitBrainSide) => (side.here ? side.node : splitCase.connection);
  return { ...splitBrainSteps(state, connectionName(victimNode), connectionName(survivorNode)), victimNode, survivorNode };
}

/** Host names of the `on` sections of a `drbdadm dump` (8.4 outputs never name the peer; the configuration does). */
export function hostsInDump(dump: string): { thisHost?: string; hosts: string[] } {
  const thisHost = /^# resource \S+ on (\S+?):/m.exec(dump)?.[1];
  const hosts = [...dump.matchAll(/^\s*on\s+(\S+)\s*\{/gm)].map((match) => match[1]!);
  return { ...(thisHost === undefined ? {} : { thisHost }), hosts };
}

/** The newest handshake that found the split brain, per volume of this connection. */
function lastSplitBrainHandshakes(input: SplitBrainInput, connection: Connection): SyncHandshake[] {
  const minors = new Set(input.state.volumes.flatMap((volume) => (volume.minor === undefined ? [] : [volume.minor])));
  const ours = input.handshakes.filter(
    (handshake) =>
      handshake.splitBrain &&
      (handshake.peer === undefined
        ? handshake.minor !== undefined && minors.has(handshake.minor)
        : handshake.resource === input.state.name && handshake.peer === connection.name),
  );
  const newestPerMinor = new Map<string, SyncHandshake>();
  for (const handshake of ours) newestPerMinor.set(String(handshake.minor), handshake);
  return [...newestPerMinor.values()];
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
