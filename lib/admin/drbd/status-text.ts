// `drbdsetup status [--verbose --statistics]` and `drbdadm status`, DRBD 8.4 and 9:
//
//   r0 node-id:0 role:Primary suspended:no            resource, at column 0
//       write-ordering:flush                            (a continuation: deeper, key:value only)
//     volume:0 minor:0 disk:UpToDate quorum:yes        device, at column 2 (short form: `disk:...`)
//         size:65496 read:16060 ...
//     node2 node-id:1 connection:Connected role:...    connection, at column 2, starts with the
//         ap-in-flight:0 rs-in-flight:8                 peer's name (8.4: "peer", it has none)
//       volume:0 replication:SyncSource done:12.33     peer device, at column 4 under a connection
//           resync-suspended:no                         (short form: `peer-disk:...`)
//           received:0 sent:8080 out-of-sync:57420 ... eta:207
//
// Lines wrap at about 80 columns wherever the content puts the break, so a line is read by its
// indentation and first word, never by its position. The short form leaves out what is normal:
// `connection:` while Connected, `replication:` while Established (DRBD 9), `volume:` with a single
// volume, `quorum:` while there is quorum. DRBD 8.4 leaves out a StandAlone peer altogether, so
// decisions that depend on knowing every peer (the promotion score) should read events2 instead.

import {
  connectionStateOf,
  decimalOf,
  diskStateOf,
  fail,
  guarded,
  integerOf,
  keyValues,
  kibPerSecondOfMiB,
  parsedResources,
  replicationStateOf,
  resyncSuspendReasonsOf,
  roleOf,
  suspendReasonsOf,
  words,
  yesNoOf,
} from '../../agent-runtime/drbd/fields.js';
import {
  type Connection,
  type DrbdParseResult,
  type DrbdState,
  type PeerVolume,
  type Volume,
  peerNameOf,
} from '../../agent-runtime/drbd/model.js';

/** One entity of the output with all its key:value words, continuation lines included. */
interface Block {
  kind: 'resource' | 'device' | 'connection' | 'peer-device';
  /** The resource's or peer's name; devices have none. */
  name?: string;
  fields: Map<string, string>;
  lineNumber: number;
}

export function parseDrbdsetupStatusText(text: string): DrbdParseResult {
  return guarded(() => {
    // drbdadm status <unknown resource> says so before drbdsetup's own message.
    if (/^\S+: No such resource$/m.test(text)) return { ok: true, resources: [] };
    const blocks = readBlocks(text);
    return parsedResources(assemble(blocks));
  });
}

function readBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let underConnection = false;
  text.split('\n').forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '' || line.startsWith('# No currently configured DRBD found.')) return;
    const indent = line.length - line.trimStart().length;
    const [first, ...rest] = words(line);
    const where = `status line ${lineNumber}`;
    const startsWithName = !first!.includes(':');
    const current = blocks.at(-1);
    if (indent === 0) {
      if (!startsWithName) fail(`${where}: expected a resource name, got '${first}'`);
      blocks.push({ kind: 'resource', name: first!, fields: keyValues(rest, where), lineNumber });
      underConnection = false;
    } else if (indent === 2 && startsWithName) {
      blocks.push({ kind: 'connection', name: first!, fields: keyValues(rest, where), lineNumber });
      underConnection = true;
    } else if (indent === 2) {
      blocks.push({ kind: 'device', fields: keyValues([first!, ...rest], where), lineNumber });
      underConnection = false;
    } else if (indent === 4 && underConnection) {
      blocks.push({ kind: 'peer-device', fields: keyValues([first!, ...rest], where), lineNumber });
    } else if (current && indent > indentOf(current.kind)) {
      for (const [key, value] of keyValues([first!, ...rest], where)) current.fields.set(key, value);
    } else {
      fail(`${where}: unexpected indentation ${indent}`);
    }
  });
  return blocks;
}

function indentOf(kind: Block['kind']): number {
  return { resource: 0, device: 2, connection: 2, 'peer-device': 4 }[kind];
}

function assemble(blocks: Block[]): DrbdState[] {
  const resources: DrbdState[] = [];
  let resource: DrbdState | undefined;
  let connection: Connection | undefined;
  for (const block of blocks) {
    const where = `status line ${block.lineNumber}`;
    if (block.kind === 'resource') {
      resource = resourceOf(block, where);
      resources.push(resource);
      connection = undefined;
      continue;
    }
    if (!resource) fail(`${where}: ${block.kind} before any resource`);
    if (block.kind === 'device') {
      const volume = volumeOf(block, where);
      if (resource.volumes.some((known) => known.volume === volume.volume)) fail(`${where}: volume ${volume.volume} twice`);
      resource.volumes.push(volume);
    } else if (block.kind === 'connection') {
      connection = connectionOf(block, where);
      resource.connections.push(connection);
    } else {
      if (!connection) fail(`${where}: peer device outside a connection`);
      const peerVolume = peerVolumeOf(block, connection, where);
      if (connection.peerVolumes.some((known) => known.volume === peerVolume.volume)) fail(`${where}: peer volume twice`);
      connection.peerVolumes.push(peerVolume);
    }
  }
  return resources;
}

function resourceOf(block: Block, where: string): DrbdState {
  const { fields } = block;
  const role = fields.get('role') ?? fail(`${where}: resource without role:`);
  return {
    name: block.name!,
    ...(fields.has('node-id') && { nodeId: integerOf(fields.get('node-id')!, where) }),
    role: roleOf(role, where),
    suspended: suspendReasonsOf(fields.get('suspended') ?? 'no', where),
    volumes: [],
    connections: [],
  };
}

function volumeOf({ fields }: Block, where: string): Volume {
  const disk = fields.get('disk') ?? fail(`${where}: device without disk:`);
  const volume: Volume = {
    volume: integerOf(fields.get('volume') ?? '0', where),
    disk: diskStateOf(disk, where),
  };
  if (fields.has('minor')) volume.minor = integerOf(fields.get('minor')!, where);
  if (fields.has('client')) volume.client = yesNoOf(fields.get('client')!, where);
  if (fields.has('size')) volume.sizeKiB = integerOf(fields.get('size')!, where);
  if (fields.has('quorum')) volume.quorum = yesNoOf(fields.get('quorum')!, where);
  return volume;
}

function connectionOf(block: Block, where: string): Connection {
  const { fields } = block;
  const connection: Connection = {
    ...peerNameOf(block.name),
    state: connectionStateOf(fields.get('connection') ?? 'Connected', where),
    peerRole: roleOf(fields.get('role') ?? 'Unknown', where),
    peerVolumes: [],
  };
  if (fields.has('node-id')) connection.peerNodeId = integerOf(fields.get('node-id')!, where);
  return connection;
}

function peerVolumeOf({ fields }: Block, connection: Connection, where: string): PeerVolume {
  const impliedReplication = connection.state === 'Connected' ? 'Established' : 'Off';
  const peerVolume: PeerVolume = {
    volume: integerOf(fields.get('volume') ?? '0', where),
    replication: replicationStateOf(fields.get('replication') ?? impliedReplication, where),
    peerDisk: diskStateOf(fields.get('peer-disk') ?? 'DUnknown', where),
    resyncSuspended: resyncSuspendReasonsOf(fields.get('resync-suspended') ?? 'no', where),
  };
  if (fields.has('peer-client')) peerVolume.peerClient = yesNoOf(fields.get('peer-client')!, where);
  if (fields.has('out-of-sync')) peerVolume.outOfSyncKiB = integerOf(fields.get('out-of-sync')!, where);
  const done = fields.has('done') ? decimalOf(fields.get('done')!, where) : undefined;
  if (done !== undefined) peerVolume.resyncDonePercent = done;
  const eta = fields.has('eta') ? decimalOf(fields.get('eta')!, where) : undefined;
  if (eta !== undefined) peerVolume.resyncEtaSeconds = eta;
  const rate = fields.has('dbdt1') ? decimalOf(fields.get('dbdt1')!, where) : undefined;
  if (rate !== undefined) peerVolume.resyncKiBPerSecond = kibPerSecondOfMiB(rate);
  return peerVolume;
}
