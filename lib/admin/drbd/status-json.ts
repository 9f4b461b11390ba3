// `drbdsetup status --json` (DRBD 9): an array of resources, each with `devices` and
// `connections`, each connection with `peer_devices` (the one key spelled with an underscore).
// `--json` always includes the statistics; resync details only while `has-sync-details` is true.

import {
  connectionStateOf,
  diskStateOf,
  fail,
  guarded,
  kibPerSecondOfMiB,
  parsedResources,
  replicationStateOf,
  resyncSuspendReasonsOf,
  roleOf,
} from '../../agent-runtime/drbd/fields.js';
import {
  type Connection,
  type DrbdParseResult,
  type DrbdState,
  type PeerVolume,
  type SuspendReason,
  type Volume,
} from '../../agent-runtime/drbd/model.js';

/** What a paused resync reports as `estimated-seconds-to-finish`: "no estimate". */
const NO_ESTIMATE_SECONDS = 987654321;

type JsonObject = Record<string, unknown>;

export function parseDrbdsetupStatusJson(text: string): DrbdParseResult {
  return guarded(() => {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      return fail(`not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(document)) fail('expected a JSON array of resources');
    return parsedResources(document.map((resource, index) => resourceOf(objectOf(resource, `resource #${index}`))));
  });
}

function resourceOf(json: JsonObject): DrbdState {
  const name = stringOf(json, 'name', 'resource');
  const where = `resource ${name}`;
  const suspended: SuspendReason[] = [];
  for (const [key, reason] of [
    ['suspended-user', 'user'],
    ['suspended-no-data', 'no-data'],
    ['suspended-fencing', 'fencing'],
    ['suspended-quorum', 'quorum'],
  ] as const) {
    if (booleanOf(json, key, where)) suspended.push(reason);
  }
  if (suspended.length === 0 && booleanOf(json, 'suspended', where)) suspended.push('unspecified');
  return {
    name,
    nodeId: integerOf(json, 'node-id', where),
    role: roleOf(stringOf(json, 'role', where), where),
    suspended,
    volumes: arrayOf(json, 'devices', where).map((device, index) => volumeOf(objectOf(device, `${where} device #${index}`), where)),
    connections: arrayOf(json, 'connections', where).map((connection, index) =>
      connectionOf(objectOf(connection, `${where} connection #${index}`), where),
    ),
  };
}

function volumeOf(json: JsonObject, resourceWhere: string): Volume {
  const volume = integerOf(json, 'volume', resourceWhere);
  const where = `${resourceWhere} volume ${volume}`;
  return {
    volume,
    minor: integerOf(json, 'minor', where),
    disk: diskStateOf(stringOf(json, 'disk-state', where), where),
    client: booleanOf(json, 'client', where),
    sizeKiB: integerOf(json, 'size', where),
    quorum: booleanOf(json, 'quorum', where),
  };
}

function connectionOf(json: JsonObject, resourceWhere: string): Connection {
  const name = stringOf(json, 'name', resourceWhere);
  const where = `${resourceWhere} connection ${name}`;
  return {
    name,
    peerNodeId: integerOf(json, 'peer-node-id', where),
    state: connectionStateOf(stringOf(json, 'connection-state', where), where),
    peerRole: roleOf(stringOf(json, 'peer-role', where), where),
    peerVolumes: arrayOf(json, 'peer_devices', where).map((peerDevice, index) =>
      peerVolumeOf(objectOf(peerDevice, `${where} peer device #${index}`), where),
    ),
  };
}

function peerVolumeOf(json: JsonObject, connectionWhere: string): PeerVolume {
  const volume = integerOf(json, 'volume', connectionWhere);
  const where = `${connectionWhere} volume ${volume}`;
  const peerVolume: PeerVolume = {
    volume,
    replication: replicationStateOf(stringOf(json, 'replication-state', where), where),
    peerDisk: diskStateOf(stringOf(json, 'peer-disk-state', where), where),
    peerClient: booleanOf(json, 'peer-client', where),
    resyncSuspended: resyncSuspendReasonsOf(stringOf(json, 'resync-suspended', where), where),
    outOfSyncKiB: integerOf(json, 'out-of-sync', where),
  };
  if (booleanOf(json, 'has-sync-details', where)) {
    peerVolume.resyncDonePercent = numberOf(json, 'percent-resync-done', where);
    const eta = numberOf(json, 'estimated-seconds-to-finish', where);
    if (eta !== NO_ESTIMATE_SECONDS) peerVolume.resyncEtaSeconds = eta;
    peerVolume.resyncKiBPerSecond = kibPerSecondOfMiB(numberOf(json, 'db1/dt1 [MiB/s]', where));
  }
  return peerVolume;
}

function objectOf(value: unknown, where: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where}: expected an object`);
  return value as JsonObject;
}

function arrayOf(json: JsonObject, key: string, where: string): unknown[] {
  const value = json[key];
  return Array.isArray(value) ? value : fail(`${where}: '${key}' is not an array`);
}

function stringOf(json: JsonObject, key: string, where: string): string {
  const value = json[key];
  return typeof value === 'string' ? value : fail(`${where}: '${key}' is not a string`);
}

function booleanOf(json: JsonObject, key: string, where: string): boolean {
  const value = json[key];
  return typeof value === 'boolean' ? value : fail(`${where}: '${key}' is not true or false`);
}

function numberOf(json: JsonObject, key: string, where: string): number {
  const value = json[key];
  return typeof value === 'number' && value >= 0 ? value : fail(`${where}: '${key}' is not a number >= 0`);
}

function integerOf(json: JsonObject, key: string, where: string): number {
  const value = numberOf(json, key, where);
  return Number.isSafeInteger(value) ? value : fail(`${where}: '${key}' is not a whole number`);
}
