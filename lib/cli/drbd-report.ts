// What `ocfkit drbd status` prints, from parsed DRBD states: the words (lib/drbd's diagnosis plus,
// for a split brain, which node should give up its data) and the stable JSON document. Pure.

import {
  describeDrbdState, foldEvents2Stream, markSplitBrains, parseDrbdsetupStatusJson, parseDrbdsetupStatusText,
  parseEvents2, parseProcDrbd, peerLabel, unresolvedSplitBrainsInKernelLog, type DrbdParseResult, type DrbdState,
} from '../drbd/index.js';

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
export function splitBrainAdvice(state: DrbdState): string[] {
  const split = state.connections.filter((connection) => connection.splitBrain);
  if (split.length === 0) return [];
  const resource = state.name;
  const discard = `drbdadm disconnect ${resource}; drbdadm secondary ${resource}; drbdadm connect --discard-my-data ${resource}`;
  const peers = split.map((connection) => peerLabel(connection)).join(', ');
  if (state.role === 'Primary') {
    return [
      `This node is Primary. If the service ran here since the split (crm_mon shows the promoted ${resource} and its file system on this node), keep this node's data and let ${peers} discard ${split.length === 1 ? 'its' : 'their'} changes:`,
      `  on ${peers}: ${discard}`,
      `  then on this node: drbdadm connect ${resource}`,
      'If the service ran on the other side, swap the roles: stop it here and discard here instead.',
    ];
  }
  return [
    `This node is ${state.role}: unless it holds changes you need, it is the one to discard its data since the split.`,
    `  on this node: ${discard}`,
    `  then on ${peers}: drbdadm connect ${resource}`,
    `If this node's changes are the ones to keep, swap the roles: make it Primary and discard on ${peers} instead.`,
  ];
}

/** The stable JSON document of `ocfkit drbd status --json` (DRBD's own state names). */
export interface DrbdStatusDocument {
  resources: {
    name: string;
    role: string;
    volumes: { volume: number; minor: number | null; disk: string }[];
    peers: {
      name: string;
      connection: string;
      role: string;
      volumes: { volume: number; peerDisk: string; replication: string; donePercent: number | null }[];
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
      volumes: state.volumes.map((volume) => ({ volume: volume.volume, minor: volume.minor ?? null, disk: volume.disk })),
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
        })),
      })),
      splitBrain: state.connections.some((connection) => connection.splitBrain === true),
      summary: describeDrbdState(state).summary,
    })),
  };
}

/** The words: per resource its summary, the other findings, and recovery steps. */
export function formatStatusText(states: DrbdState[]): string {
  if (states.length === 0) return 'No DRBD resource is configured (up) on this node.\n';
  const blocks = states.map((state) => {
    const description = describeDrbdState(state);
    const lines = [description.summary];
    for (const finding of description.findings.slice(1)) lines.push(`  also: ${finding}`);
    const advice = splitBrainAdvice(state);
    if (description.recovery.length > 0 || advice.length > 0) {
      lines.push('  To recover:');
      for (const step of description.recovery) lines.push(`    - ${step}`);
      for (const line of advice) lines.push(`    ${line}`);
    }
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}
