// `drbdsetup events2`: one event per line, `[timestamp] <verb> <object> key:value...`.
//
//   exists resource name:r0 role:Primary suspended:no
//   exists connection name:r0 peer-node-id:1 conn-name:node2 connection:Connected role:Secondary
//   exists device name:r0 volume:0 minor:0 disk:UpToDate quorum:yes
//   exists peer-device name:r0 peer-node-id:1 conn-name:node2 volume:0 replication:SyncSource ...
//   exists -
//
// With `--now` the output is only the `exists` snapshot, ended by `exists -`: parseEvents2.
// Without it, `create`/`change`/`destroy` events follow for as long as it runs; a `change` names
// its object and lists only what changed. foldEvents2Stream applies them all in order and returns
// the state after the last one. `path` objects (addresses) and statistics we do not model are
// skipped. `call helper ... helper:split-brain` is the one place besides the kernel log where a
// split brain shows: status outputs only show the StandAlone connection it leaves behind.

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
} from './fields.js';
import { type Connection, type DrbdParseResult, type DrbdState, type Parsed, type PeerVolume, type Volume, peerNameOf } from './model.js';

type Verb = 'exists' | 'create' | 'change' | 'destroy' | 'call' | 'response';
const VERBS: readonly string[] = ['exists', 'create', 'change', 'destroy', 'call', 'response'];
const OBJECTS: readonly string[] = ['resource', 'connection', 'device', 'peer-device', 'path', 'helper'];
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\S+$/;

interface Event {
  verb: Verb;
  object: string;
  fields: Map<string, string>;
  where: string;
}

/** `events2 --now`: the `exists` snapshot up to and including `exists -`. */
export function parseEvents2(text: string): DrbdParseResult {
  return guarded(() => {
    const folder = new Events2Folder();
    let complete = false;
    for (const event of events(text)) {
      if (complete) fail(`${event.where}: event after 'exists -'; a stream needs foldEvents2Stream`);
      if (event.verb !== 'exists') fail(`${event.where}: '${event.verb}' in an events2 --now snapshot`);
      if (event.object === '-') complete = true;
      else folder.apply(event);
    }
    if (!complete) fail("no 'exists -' line: the snapshot is incomplete");
    return parsedResources(folder.resources());
  });
}

/** `events2 [--timestamps]` as a stream: the state after its last event. */
export function foldEvents2Stream(text: string): DrbdParseResult {
  return guarded(() => {
    const folder = new Events2Folder();
    for (const event of events(text)) {
      if (event.object !== '-') folder.apply(event);
    }
    return parsedResources(folder.resources());
  });
}

/** What a live stream's line was, for the caller's wording: `change peer-device` of r0 at 00:28:38. */
export interface Events2Event {
  verb: Verb;
  /** `resource`, `connection`, `device`, `peer-device`, `path`, `helper`; `-` ends the initial dump. */
  object: string;
  /** The resource it concerns (`name:`), absent for `exists -`. */
  resource?: string;
  /** DRBD's own time of the event, when it runs with --timestamps. */
  timestamp?: string;
}

/**
 * `drbdsetup events2` while it runs (`ocfkit drbd status --watch`), one line at a time: first the
 * `exists` dump of what is up, ended by `exists -`, then every create/change/destroy. The state
 * after each line is `resources()`.
 */
export class Events2Stream {
  private readonly folder = new Events2Folder();
  private lineNumber = 0;
  /** `exists -` was seen: from now on every event is a change as it happens. */
  initialDumpDone = false;

  /** Applies one line (an empty one is no event); `ok: false` says why a line cannot be read. */
  apply(line: string): Parsed<{ event: Events2Event | undefined }> {
    this.lineNumber += 1;
    return guarded(() => {
      const parsed = parseLine(line, `events2 line ${this.lineNumber}`);
      if (!parsed) return { ok: true as const, event: undefined };
      const { event, timestamp } = parsed;
      if (event.object === '-') this.initialDumpDone = true;
      else this.folder.apply(event);
      const resource = event.fields.get('name');
      return {
        ok: true as const,
        event: {
          verb: event.verb,
          object: event.object,
          ...(resource !== undefined && { resource }),
          ...(timestamp !== undefined && { timestamp }),
        },
      };
    });
  }

  /** A copy: the folder goes on changing its own records with the next line. */
  resources(): DrbdState[] {
    return structuredClone(parsedResources(this.folder.resources()).resources);
  }
}

function* events(text: string): Generator<Event> {
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const parsed = parseLine(line, `events2 line ${index + 1}`);
    if (parsed) yield parsed.event;
  }
}

function parseLine(line: string, where: string): { event: Event; timestamp?: string } | undefined {
  const lineWords = words(line);
  if (lineWords.length === 0) return undefined;
  const timestamp = TIMESTAMP.test(lineWords[0]!) ? lineWords.shift() : undefined;
  const [verb, object, ...rest] = lineWords;
  if (verb === undefined || !VERBS.includes(verb)) fail(`${where}: unknown event '${verb ?? ''}'`);
  const stamped = timestamp === undefined ? {} : { timestamp };
  if (object === '-' && verb === 'exists' && rest.length === 0) {
    return { event: { verb, object, fields: new Map(), where }, ...stamped };
  }
  if (object === undefined || !OBJECTS.includes(object)) fail(`${where}: unknown object '${object ?? ''}'`);
  return { event: { verb: verb as Verb, object, fields: keyValues(rest, where), where }, ...stamped };
}

interface ResourceRecord {
  state: DrbdState;
  devices: Map<number, Volume>;
  connections: Map<number, ConnectionRecord>;
}

interface ConnectionRecord {
  connection: Connection;
  peerDevices: Map<number, PeerVolume>;
}

class Events2Folder {
  private readonly byName = new Map<string, ResourceRecord>();

  resources(): DrbdState[] {
    return [...this.byName.values()].map((record) => ({
      ...record.state,
      volumes: [...record.devices.values()],
      // events2 lists connections newest first; node id order is stable across runs.
      connections: [...record.connections.values()]
        .sort((a, b) => (a.connection.peerNodeId ?? 0) - (b.connection.peerNodeId ?? 0))
        .map(({ connection, peerDevices }) => ({ ...connection, peerVolumes: [...peerDevices.values()] })),
    }));
  }

  apply(event: Event): void {
    switch (event.object) {
      case 'resource':
        return this.applyResource(event);
      case 'device':
        return this.applyDevice(event);
      case 'connection':
        return this.applyConnection(event);
      case 'peer-device':
        return this.applyPeerDevice(event);
      case 'helper':
        return this.applyHelper(event);
      default:
        return; // path: addresses are not part of the model
    }
  }

  private applyResource({ verb, fields, where }: Event): void {
    const name = required(fields, 'name', where);
    if (verb === 'destroy') {
      this.byName.delete(name);
      return;
    }
    let record = this.byName.get(name);
    if (isCreation(verb)) {
      const role = roleOf(required(fields, 'role', where), where);
      record = { state: { name, role, suspended: [], volumes: [], connections: [] }, devices: new Map(), connections: new Map() };
      this.byName.set(name, record);
    }
    if (!record) fail(`${where}: ${verb} of unknown resource ${name}`);
    if (fields.has('role')) record.state.role = roleOf(fields.get('role')!, where);
    if (fields.has('suspended')) record.state.suspended = suspendReasonsOf(fields.get('suspended')!, where);
  }

  private applyDevice({ verb, fields, where }: Event): void {
    const resource = this.resource(fields, where);
    const volumeNumber = integerOf(required(fields, 'volume', where), where);
    if (verb === 'destroy') {
      resource.devices.delete(volumeNumber);
      return;
    }
    let volume = resource.devices.get(volumeNumber);
    if (isCreation(verb)) {
      volume = { volume: volumeNumber, disk: diskStateOf(required(fields, 'disk', where), where) };
      resource.devices.set(volumeNumber, volume);
    }
    if (!volume) fail(`${where}: ${verb} of unknown volume ${volumeNumber}`);
    if (fields.has('minor')) volume.minor = integerOf(fields.get('minor')!, where);
    if (fields.has('disk')) volume.disk = diskStateOf(fields.get('disk')!, where);
    if (fields.has('client')) volume.client = yesNoOf(fields.get('client')!, where);
    if (fields.has('quorum')) volume.quorum = yesNoOf(fields.get('quorum')!, where);
    if (fields.has('size')) volume.sizeKiB = integerOf(fields.get('size')!, where);
  }

  private applyConnection({ verb, fields, where }: Event): void {
    const resource = this.resource(fields, where);
    const peerNodeId = integerOf(required(fields, 'peer-node-id', where), where);
    let record = resource.connections.get(peerNodeId);
    if (verb === 'destroy') {
      // DRBD 8.4 destroys the connection object when it goes StandAlone, also after a split brain.
      // The split brain is still there until the nodes reconnect, so the connection stays, StandAlone.
      if (record?.connection.splitBrain) keepAsStandAlone(record);
      else resource.connections.delete(peerNodeId);
      return;
    }
    if (isCreation(verb)) {
      const splitBrain = record?.connection.splitBrain;
      record = {
        connection: {
          // 8.4 prints conn-name:peer, or omits it for a StandAlone connection: its one peer has no name.
          ...peerNameOf(fields.get('conn-name')),
          peerNodeId,
          state: connectionStateOf(required(fields, 'connection', where), where),
          peerRole: roleOf(fields.get('role') ?? 'Unknown', where),
          peerVolumes: [],
          ...(splitBrain !== undefined && { splitBrain }),
        },
        peerDevices: new Map(),
      };
      resource.connections.set(peerNodeId, record);
    }
    if (!record) fail(`${where}: ${verb} of unknown connection to node ${peerNodeId}`);
    const { connection } = record;
    if (fields.has('conn-name')) {
      delete connection.unnamed;
      Object.assign(connection, peerNameOf(fields.get('conn-name')));
    }
    if (fields.has('connection')) connection.state = connectionStateOf(fields.get('connection')!, where);
    if (fields.has('role')) connection.peerRole = roleOf(fields.get('role')!, where);
  }

  private applyPeerDevice({ verb, fields, where }: Event): void {
    const connection = this.connection(fields, where);
    const volumeNumber = integerOf(required(fields, 'volume', where), where);
    if (verb === 'destroy') {
      connection.peerDevices.delete(volumeNumber);
      return;
    }
    let peerVolume = connection.peerDevices.get(volumeNumber);
    if (isCreation(verb)) {
      peerVolume = {
        volume: volumeNumber,
        replication: replicationStateOf(required(fields, 'replication', where), where),
        peerDisk: diskStateOf(required(fields, 'peer-disk', where), where),
        resyncSuspended: [],
      };
      connection.peerDevices.set(volumeNumber, peerVolume);
    }
    if (!peerVolume) fail(`${where}: ${verb} of unknown peer volume ${volumeNumber}`);
    if (fields.has('replication')) {
      peerVolume.replication = replicationStateOf(fields.get('replication')!, where);
      // Replication only starts once the handshake is through: any split brain is resolved.
      if (peerVolume.replication !== 'Off' && connection.connection.splitBrain) connection.connection.splitBrain = false;
    }
    if (fields.has('peer-disk')) peerVolume.peerDisk = diskStateOf(fields.get('peer-disk')!, where);
    if (fields.has('peer-client')) peerVolume.peerClient = yesNoOf(fields.get('peer-client')!, where);
    if (fields.has('resync-suspended')) {
      peerVolume.resyncSuspended = resyncSuspendReasonsOf(fields.get('resync-suspended')!, where);
    }
    if (fields.has('out-of-sync')) peerVolume.outOfSyncKiB = integerOf(fields.get('out-of-sync')!, where);
    // `done:` and `eta:` are only printed while a resync runs; `eta:nan` right at its start.
    if (fields.has('done')) setOrDelete(peerVolume, 'resyncDonePercent', decimalOf(fields.get('done')!, where));
    if (fields.has('eta')) setOrDelete(peerVolume, 'resyncEtaSeconds', decimalOf(fields.get('eta')!, where));
    if (fields.has('dbdt1')) {
      const rate = decimalOf(fields.get('dbdt1')!, where);
      setOrDelete(peerVolume, 'resyncKiBPerSecond', rate === undefined ? undefined : kibPerSecondOfMiB(rate));
    }
  }

  private applyHelper({ verb, fields, where }: Event): void {
    if (verb !== 'call' || fields.get('helper') !== 'split-brain') return;
    const record = this.byName.get(required(fields, 'name', where));
    const peerNodeId = integerOf(required(fields, 'peer-node-id', where), where);
    const connection = record?.connections.get(peerNodeId)?.connection;
    if (connection) connection.splitBrain = true;
  }

  private resource(fields: Map<string, string>, where: string): ResourceRecord {
    const name = required(fields, 'name', where);
    return this.byName.get(name) ?? fail(`${where}: event for unknown resource ${name}`);
  }

  private connection(fields: Map<string, string>, where: string): ConnectionRecord {
    const peerNodeId = integerOf(required(fields, 'peer-node-id', where), where);
    return this.resource(fields, where).connections.get(peerNodeId) ?? fail(`${where}: event for unknown connection to node ${peerNodeId}`);
  }
}

function isCreation(verb: Verb): boolean {
  return verb === 'exists' || verb === 'create';
}

function required(fields: Map<string, string>, key: string, where: string): string {
  return fields.get(key) ?? fail(`${where}: no ${key}:`);
}

function keepAsStandAlone(record: ConnectionRecord): void {
  record.connection.state = 'StandAlone';
  record.connection.peerRole = 'Unknown';
  for (const peerVolume of record.peerDevices.values()) {
    peerVolume.replication = 'Off';
    peerVolume.peerDisk = 'DUnknown';
  }
}

function setOrDelete<K extends 'resyncDonePercent' | 'resyncEtaSeconds' | 'resyncKiBPerSecond'>(
  peerVolume: PeerVolume,
  key: K,
  value: number | undefined,
): void {
  if (value === undefined) delete peerVolume[key];
  else peerVolume[key] = value;
}
