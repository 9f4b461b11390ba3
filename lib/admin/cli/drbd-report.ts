// What `ocfkit drbd status` prints, from parsed DRBD states: the words (lib/agent-runtime/drbd's diagnosis plus,
// for a split brain, which node should give up its data) and the stable JSON document. Pure.

import {
  describeDrbdState,
  foldEvents2Stream,
  markSplitBrains,
  parseDrbdsetupStatusJson,
  parseDrbdsetupStatusText,
  parseEvents2,
  parseProcDrbd,
  peerLabel,
  splitBrainSteps,
  THIS_NODE,
  unresolvedSplitBrainsInKernelLog,
  type DrbdParseResult,
  type DrbdState,
} from '../drbd/index.js';
import { escapeControlCharacters, escapeControlCharactersInLine } from './terminal.js';

export type DrbdInputFormat = 'proc' | 'status' | 'json' | 'events2';
export const DRBD_INPUT_FORMATS: readonly DrbdInputFormat[] = ['proc', 'status', 'json', 'events2'];

/** Which DRBD output a text is: /proc/drbd, `drbdsetup status`, its --json, or events2. */
export function detectDrbdFormat(text: string): DrbdInputFormat {
  if (/^version: \d/.test(text.trimStart())) return 'proc';
  if (/^\s*[[{]/.test(text)) return 'json';
  if (/^(\S+T\S+ )?(exists|create|change|destroy|call|response) /m.test(text)) return 'events2';
  return 'status';
}

/**
 * Parses any of the four. An events2 text is a `--now` snapshot when it only has `exists` lines
 * ending with `exists -`; anything else (a recorded stream) is replayed to its last state.
 */
export function parseDrbdText(text: string, format: DrbdInputFormat = detectDrbdFormat(text)): DrbdParseResult {
  switch (format) {
    case 'proc':
      return parseProcDrbd(text);
    case 'json':
      return parseDrbdsetupStatusJson(text);
    case 'status':
      return parseDrbdsetupStatusText(text);
    case 'events2': {
      const snapshot = parseEvents2(text);
      return snapshot.ok ? snapshot : foldEvents2Stream(text);
    }
  }
}

/** Marks split brains the kernel log reports (status snapshots cannot tell them from a disconnect). */
export function withKernelLog(states: DrbdState[], kernelLog: string | undefined): DrbdState[] {
  if (kernelLog === undefined) return states;
  const sightings = unresolvedSplitBrainsInKernelLog(kernelLog);
  return states.map((state) => markSplitBrains(state, sightings));
}

/**
 * Which node should discard its data after a split brain. DRBD cannot know which side has the
 * writes that matter; the usual answer is "the one the service ran on". A Secondary is the
 * suggested victim. A Primary keeps its data if the cluster ran the service there; both sides
 * may be Primary after a partition (the peer's role is unknown while disconnected), so the
 * advice for a Primary names that check instead of assuming it.
 */
export function splitBrainAdvice(state: DrbdState, localNode = THIS_NODE): string[] {
  const split = state.connections.filter((connection) => connection.splitBrain);
  if (split.length === 0) return [];
  const resource = state.name;
  const peers = split.map((connection) => peerLabel(connection)).join(', ');
  // With several peers the commands name connections (r0:node2), so each side's differ; see splitBrainSteps.
  if (state.role === 'Primary') {
    const peersLose = split.map((connection) => ({
      peer: peerLabel(connection),
      steps: splitBrainSteps(state, connection.name, localNode),
    }));
    return [
      `This node is Primary. If the service ran here since the split (crm_mon shows the promoted ${resource} and its file system on this node), keep this node's data and let ${peers} discard ${split.length === 1 ? 'its' : 'their'} changes:`,
      ...peersLose.map(({ peer, steps }) => `  on ${peer}: ${steps.victim}`),
      `  then on this node: ${[...new Set(peersLose.map(({ steps }) => steps.survivor))].join('; ')}`,
      'If the service ran on the other side, swap the roles: stop it here and discard here instead.',
    ];
  }
  const hereLoses = split.map((connection) => ({ peer: peerLabel(connection), steps: splitBrainSteps(state, localNode, connection.name) }));
  return [
    `This node is ${state.role}: unless it holds changes you need, it is the one to discard its data since the split.`,
    `  on this node: ${[...new Set(hereLoses.map(({ steps }) => steps.victim))].join('; ')}`,
    ...hereLoses.map(({ peer, steps }) => `  then on ${peer}: ${steps.survivor}`),
    `If this node's changes are the ones to keep, swap the roles: make it Primary and discard on ${peers} instead.`,
  ];
}

/** The stable JSON document of `ocfkit drbd status --json` (DRBD's own state names). */
export interface DrbdStatusDocument {
  resources: {
    name: string;
    role: string;
    /** quorum: DRBD 9's `quorum:`; null where the output does not say (DRBD 8.4, short `drbdsetup status`). */
    volumes: { volume: number; minor: number | null; disk: string; quorum: boolean | null }[];
    peers: {
      name: string;
      connection: string;
      role: string;
      /** outOfSync: KiB this node has to resync to that peer (`out-of-sync:`, 8.4 `oos:`); null where unknown. */
      volumes: { volume: number; peerDisk: string; replication: string; donePercent: number | null; outOfSync: number | null }[];
    }[];
    splitBrain: boolean;
    summary: string;
  }[];
}

export function statusDocument(states: DrbdState[]): DrbdStatusDocument {
  return {
    resources: states.map((state) => ({
      name: state.name,
      role: state.role,
      volumes: state.volumes.map((volume) => ({
        volume: volume.volume,
        minor: volume.minor ?? null,
        disk: volume.disk,
        quorum: volume.quorum ?? null,
      })),
      peers: state.connections.map((connection) => ({
        // As DRBD prints it: "peer" for DRBD 8.4's one peer, which has no name (`unnamed`).
        name: connection.name,
        connection: connection.state,
        role: connection.peerRole,
        volumes: connection.peerVolumes.map((peer) => ({
          volume: peer.volume,
          peerDisk: peer.peerDisk,
          replication: peer.replication,
          donePercent: peer.resyncDonePercent ?? null,
          outOfSync: peer.outOfSyncKiB ?? null,
        })),
      })),
      splitBrain: state.connections.some((connection) => connection.splitBrain === true),
      summary: describeDrbdState(state).summary,
    })),
  };
}

/**
 * The words: per resource its summary, the other findings, and recovery steps. Fit for a terminal:
 * control characters in the input's names are shown as escapes (see ./terminal.ts). `localNode`:
 * this node's DRBD name, which split-brain commands run on a peer name (THIS_NODE when unknown).
 */
export function formatStatusText(states: DrbdState[], localNode?: string): string {
  if (states.length === 0) return 'No DRBD resource is configured (up) on this node.\n';
  const blocks = states.map(withPrintableNames).map((state) => {
    const description = describeDrbdState(state, localNode);
    const lines = [description.summary];
    for (const finding of description.findings.slice(1)) lines.push(`  also: ${finding}`);
    const advice = splitBrainAdvice(state, localNode);
    if (description.recovery.length > 0 || advice.length > 0) {
      lines.push('  To recover:');
      for (const step of description.recovery) lines.push(`    - ${step}`);
      for (const line of advice) lines.push(`    ${line}`);
    }
    return lines.join('\n');
  });
  return escapeControlCharacters(`${blocks.join('\n\n')}\n`);
}

/** Names are the free text in DRBD's output (a JSON name may even hold a newline): one line each. */
function withPrintableNames(state: DrbdState): DrbdState {
  return {
    ...state,
    name: escapeControlCharactersInLine(state.name),
    connections: state.connections.map((connection) => ({ ...connection, name: escapeControlCharactersInLine(connection.name) })),
  };
}
