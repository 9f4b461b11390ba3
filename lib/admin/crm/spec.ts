// What the admin asks for: nodes, fencing devices and one or more stacks (DRBD -> file system ->
// VIP -> services, or the same on shared storage without DRBD: a SAN LUN, a multipath device).
// `validateClusterSpec` turns loosely typed input (command-line flags or a JSON/YAML file) into a
// checked ClusterSpec, or lists every problem it found. Pure.

import { interfaceNameProblem, isLinkLocal, parseAddress, unicastProblem, type IpAddress } from '../../agent-runtime/ip/address.js';
import { parseAgentRef, parseParamList, splitAgentSpec, type AgentRef } from './agent-ref.js';
import { OPERATION_DEFAULTS, readDefaults, RESOURCE_DEFAULTS } from './defaults.js';
import { crmInexpressible } from './quote.js';
import { readDrbdTuning, readQuorum, TUNING_KEYS, type DrbdTuning } from './drbd-tuning.js';

/** `ocfkit` = our agents; `heartbeat`/`linbit` = the upstream agents (ocf:linbit:drbd, ocf:heartbeat:*). */
export type Provider = 'ocfkit' | 'heartbeat' | 'linbit';
export const PROVIDERS: readonly Provider[] = ['ocfkit', 'heartbeat', 'linbit'];

export type DrbdVersion = '9' | '8.4';

/** Where DRBD keeps its meta data: on the backing disk, or on a device of its own. */
export type MetaDisk = 'internal' | { device: string; index?: number };
export type DrbdFencing = 'resource-only' | 'resource-and-stonith';

export interface NodeSpec {
  name: string;
  /** Replication address, needed only for the DRBD resource file. */
  address?: string;
}

export interface AgentSpec {
  id?: string;
  agent: AgentRef;
  params: Record<string, string>;
}

export interface DrbdSpec {
  resource: string;
  device: string;
  minor: number;
  /** Backing block device, needed only for the DRBD resource file. */
  disk?: string;
  /** `internal`, or an external device with an optional index (`/dev/sdc1`, `/dev/sdc1 [0]`). */
  metaDisk: MetaDisk;
  port: number;
  protocol: 'A' | 'B' | 'C';
  version: DrbdVersion;
  /** DRBD 9 quorum (`quorum majority; on-no-quorum io-error;`, or as tuning.quorum/onNoQuorum say). */
  quorum: boolean;
  /**
   * DRBD's resource-level fencing with the crm-fence-peer handlers; absent with DRBD 9 quorum (the
   * default on three or more nodes), which keeps a node that lost its peers from writing and from
   * being promoted by itself. The two together would be worse than either: a Primary that loses
   * its replication links but not the cluster pins the Promoted role to itself with crm-fence-peer's
   * constraint while quorum fails its writes, and no other node may take over.
   */
  fencing?: DrbdFencing;
  /** The settings admins tune (resync controller, checksums, congestion, ...); absent: DRBD's defaults. */
  tuning?: DrbdTuning;
}

export interface FilesystemSpec {
  /**
   * Shared storage (a stack without DRBD): an absolute block-device path, or the Filesystem
   * agent's `-U uuid` / `-L label`. With DRBD the file system is on drbd.device and this is unset.
   */
  device?: string;
  directory: string;
  fstype: string;
  options?: string;
}

export interface IpSpec {
  address: string;
  prefix?: number;
  nic?: string;
}

/**
 * A shared LVM volume group between dual-primary DRBD and the cluster file system: the PV is the
 * DRBD device, locked through lvmlockd (DLM), the LV activated on both nodes by LVM-activate.
 */
export interface SharedVgSpec {
  vg: string;
  lv: string;
}

export interface StackSpec {
  name: string;
  /** Absent on shared storage: then filesystem.device names the device. */
  drbd?: DrbdSpec;
  filesystem: FilesystemSpec;
  ip?: IpSpec;
  services: AgentSpec[];
  /** Both nodes Primary, a cluster file system (OCFS2/GFS2) mounted on both through DLM. */
  dualPrimary: boolean;
  /** Dual-primary only: the file system is on this LV of a shared VG on the DRBD device. */
  sharedVg?: SharedVgSpec;
}

export interface ClusterSpec {
  nodes: NodeSpec[];
  provider: Provider;
  stonith: AgentSpec[];
  /** The admin said the cluster has no fence device (then stonith is empty). */
  withoutFencing: boolean;
  stickiness: number;
  /** rsc_defaults besides resource-stickiness, e.g. migration-threshold. */
  resourceDefaults: [string, string][];
  /** op_defaults, e.g. timeout. */
  operationDefaults: [string, string][];
  stacks: StackSpec[];
}

export type SpecResult = { ok: true; spec: ClusterSpec } | { ok: false; errors: string[] };

/**
 * How to name an input field in an error message. Files use the path (`stacks[0].drbd.device`);
 * the command line maps paths to its flags (`--device`), so the admin sees what to fix.
 */
export type FieldLabeler = (path: string) => string;

export const CLUSTER_FILESYSTEMS = ['ocfs2', 'gfs2'] as const;
const DRBD_PORT_BASE = 7789;

// `description` is free text for people (crm-examples/README.md shows it); the generator ignores it.
const TOP_KEYS = ['description', 'nodes', 'provider', 'stonith', 'withoutFencing', 'stickiness', 'rscDefaults', 'opDefaults', 'stacks'];
const STACK_KEYS = ['name', 'drbd', 'filesystem', 'ip', 'services', 'dualPrimary', 'sharedVg'];
const DRBD_KEYS = ['resource', 'device', 'disk', 'metaDisk', 'port', 'protocol', 'version', 'quorum', 'fencing', ...TUNING_KEYS];
const FS_KEYS = ['device', 'directory', 'fstype', 'options'];
const IP_KEYS = ['address', 'prefix', 'nic'];
const AGENT_KEYS = ['id', 'agent', 'params'];
const NODE_KEYS = ['name', 'address'];
const SHARED_VG_KEYS = ['vg', 'lv'];

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;
const ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const DRBD_RESOURCE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const NIC = /^[A-Za-z0-9_.:@-]{1,15}$/;
const DRBD_DEVICE = /^\/dev\/drbd(\d+)$/;
/** A block device as the DRBD resource file names it (drbdadm quotes what is not a plain word). */
const BLOCK_DEVICE = /^\/dev\/[A-Za-z0-9_.+:@=-]+(\/[A-Za-z0-9_.+:@=-]+)*$/;
/** External meta data: `/dev/sdc1` (flexible) or `/dev/sdc1[0]` / `/dev/sdc1 [0]` (indexed). */
const EXTERNAL_META_DISK = /^(\S+?)(?:\s*\[(\d{1,3})\])?$/;
/**
 * A VG or LV name as LVM accepts it (lvm(8), "VALID NAMES"): letters, digits and + _ . -, not
 * starting with a hyphen, not . or .. (LVM's reserved LV prefixes and suffixes are left to lvcreate).
 */
const LVM_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/;
/** The Filesystem agent's mount-option forms of a device: `-U uuid`, `-L label`. */
const MOUNT_OPTION_DEVICE = /^-[UL] ?[^\s-][^\s]*$/;

/** Validates everything at once, so one run shows every mistake. */
export function validateClusterSpec(raw: unknown, label: FieldLabeler = (path) => path): SpecResult {
  const errors: string[] = [];
  const fail = (path: string, message: string) => errors.push(`${label(path)}: ${message}`);

  if (!isObject(raw)) return { ok: false, errors: ['the stack description must be an object (a JSON/YAML mapping)'] };
  checkKeys(raw, TOP_KEYS, '', fail);

  const provider = raw.provider ?? 'ocfkit';
  if (!PROVIDERS.includes(provider as Provider)) fail('provider', `"${String(provider)}" is not one of ${PROVIDERS.join(', ')}`);

  const nodes = readNodes(raw.nodes, fail);
  const stonith = readAgentList(raw.stonith, 'stonith', fail, 'stonith');
  const withoutFencing = readBoolean(raw.withoutFencing, 'withoutFencing', fail, false);
  // Pacemaker starts nothing without a fence device while stonith-enabled is true (crmsh even
  // refuses to load such a configuration), and turning it off is a decision with consequences:
  // the admin has to say it.
  if (isEmptyList(raw.stonith) && !withoutFencing) {
    fail(
      'stonith',
      'no fence device is configured: describe one (e.g. fence_ipmilan:pcmk_host_list=NODE,ip=ADDRESS,username=...,password=...), ' +
        `or, for a cluster that really has none, say so with ${label('withoutFencing')} (stonith-enabled=false: a node that stops answering is then assumed dead)`,
    );
  }
  if (!isEmptyList(raw.stonith) && withoutFencing)
    fail('withoutFencing', `contradicts the fence devices given with ${label('stonith')}: drop one of the two`);
  const stickiness = readInteger(raw.stickiness, 'stickiness', fail, 100, 0, 1_000_000);
  const resourceDefaults = readDefaults(raw.rscDefaults, RESOURCE_DEFAULTS, (message) => fail('rscDefaults', message), label);
  const operationDefaults = readDefaults(raw.opDefaults, OPERATION_DEFAULTS, (message) => fail('opDefaults', message), label);

  const rawStacks = raw.stacks;
  const stacks: StackSpec[] = [];
  if (!Array.isArray(rawStacks) || rawStacks.length === 0) {
    fail('stacks', 'describe at least one stack');
  } else {
    rawStacks.forEach((rawStack, index) => {
      const stack = readStack(rawStack, `stacks[${index}]`, index, nodes.length, fail, label);
      if (stack) stacks.push(stack);
    });
  }
  checkUnique(stacks, (stack) => stack.name, 'name', 'stack name', fail);
  const drbdStacks = stacks.filter((stack) => stack.drbd);
  checkUnique(drbdStacks, (stack) => stack.drbd!.resource, 'drbd.resource', 'DRBD resource', fail);
  checkUnique(drbdStacks, (stack) => String(stack.drbd!.minor), 'drbd.device', 'DRBD device', fail);
  checkUnique(drbdStacks, (stack) => String(stack.drbd!.port), 'drbd.port', 'DRBD port', fail);
  checkUnique(
    stacks.filter((stack) => !stack.drbd),
    (stack) => stack.filesystem.device!,
    'filesystem.device',
    'shared device',
    fail,
  );
  checkUnique(stacks, (stack) => stack.filesystem.directory, 'filesystem.directory', 'mount point', fail);
  // A VG on two DRBD devices would be activated after either one's promotion, not both.
  checkUnique(
    stacks.filter((stack) => stack.sharedVg),
    (stack) => stack.sharedVg!.vg,
    'sharedVg',
    'shared volume group',
    fail,
  );
  checkUnique(
    stacks.filter((stack) => stack.ip),
    // By value, as the agents compare addresses: FD00::20 and fd00:0::20 are one address.
    (stack) => parseExactAddress(stack.ip!.address)?.text ?? stack.ip!.address,
    'ip',
    'virtual IP',
    fail,
  );
  for (const [index, stack] of stacks.entries()) {
    if (stack.drbd?.version === '8.4' && nodes.length > 2) {
      fail(`stacks[${index}].drbd.version`, `DRBD 8.4 replicates between exactly two nodes, not ${nodes.length}: use DRBD 9`);
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    spec: {
      nodes,
      provider: provider as Provider,
      stonith,
      withoutFencing,
      stickiness: stickiness ?? 100,
      resourceDefaults,
      operationDefaults,
      stacks,
    },
  };
}

type Fail = (path: string, message: string) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptyList(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/** Every text that ends up in the configuration must survive crmsh's parser (see crmInexpressible). */
function checkExpressible(text: string, path: string, fail: Fail): boolean {
  const problem = crmInexpressible(text);
  if (problem) fail(path, `${JSON.stringify(text)} ${problem}: crmsh could not load it`);
  return problem === undefined;
}

function checkKeys(object: Record<string, unknown>, known: string[], path: string, fail: Fail): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) fail(path ? `${path}.${key}` : key, `unknown setting (known here: ${known.join(', ')})`);
  }
}

function checkUnique<T>(items: T[], key: (item: T) => string, field: string, what: string, fail: Fail): void {
  const seen = new Set<string>();
  for (const item of items) {
    const value = key(item);
    if (seen.has(value)) fail(`stacks[].${field}`, `${what} "${value}" is used by two stacks`);
    seen.add(value);
  }
}

function readString(value: unknown, path: string, fail: Fail, required: boolean): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) fail(path, 'is missing');
    return undefined;
  }
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') {
    fail(path, 'must be a string');
    return undefined;
  }
  return checkExpressible(value, path, fail) ? value : undefined;
}

function readInteger(value: unknown, path: string, fail: Fail, fallback: number | undefined, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    fail(path, `must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return number;
}

function readBoolean(value: unknown, path: string, fail: Fail, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'yes') return true;
  if (value === 'false' || value === 'no') return false;
  fail(path, 'must be true or false');
  return fallback;
}

function readAbsolutePath(value: unknown, path: string, fail: Fail, required: boolean): string | undefined {
  const text = readString(value, path, fail, required);
  if (text === undefined) return undefined;
  if (!text.startsWith('/') || /\s/.test(text) || text.includes('//') || (text.length > 1 && text.endsWith('/'))) {
    fail(path, `"${text}" is not an absolute path without spaces`);
    return undefined;
  }
  return text;
}

/** Nodes are `name` or `name@address` strings, or { name, address } objects. */
function readNodes(value: unknown, fail: Fail): NodeSpec[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail('nodes', 'name the cluster nodes (at least two)');
    return [];
  }
  const nodes: NodeSpec[] = [];
  const names = new Set<string>();
  value.forEach((item, index) => {
    const path = `nodes[${index}]`;
    let name: string | undefined;
    let address: string | undefined;
    if (typeof item === 'string') {
      const at = item.indexOf('@');
      name = at === -1 ? item : item.slice(0, at);
      address = at === -1 ? undefined : item.slice(at + 1);
    } else if (isObject(item)) {
      checkKeys(item, NODE_KEYS, path, fail);
      name = readString(item.name, `${path}.name`, fail, true);
      address = readString(item.address, `${path}.address`, fail, false);
    } else {
      fail(path, 'must be a node name (optionally name@address)');
      return;
    }
    if (name === undefined) return;
    if (!NODE_NAME.test(name)) return fail(path, `"${name}" is not a valid node name`);
    const addressProblem = address === undefined ? undefined : replicationAddressProblem(address);
    if (addressProblem) return fail(path, addressProblem);
    if (names.has(name)) return fail(path, `node "${name}" is listed twice`);
    names.add(name);
    nodes.push(address === undefined ? { name } : { name, address });
  });
  if (value.length === 1) fail('nodes', 'a DRBD cluster needs at least two nodes');
  return nodes;
}

/** Agents are `class:provider:type:name=value,...` strings or { id, agent, params } objects. */
function readAgentList(value: unknown, path: string, fail: Fail, defaultStandard?: 'stonith'): AgentSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    fail(path, 'must be a list');
    return [];
  }
  const agents: AgentSpec[] = [];
  value.forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    let agentText: string | undefined;
    let params: Record<string, string> = {};
    let id: string | undefined;
    if (typeof item === 'string') {
      const split = splitAgentSpec(item);
      agentText = split.agentText;
      const parsed = parseParamList(split.paramsText);
      if (!parsed.ok) return fail(itemPath, parsed.reason);
      params = parsed.params;
      if (!checkExpressible(item, itemPath, fail)) return;
    } else if (isObject(item)) {
      checkKeys(item, AGENT_KEYS, itemPath, fail);
      agentText = readString(item.agent, `${itemPath}.agent`, fail, true);
      id = readString(item.id, `${itemPath}.id`, fail, false);
      if (item.params !== undefined) {
        if (!isObject(item.params)) return fail(`${itemPath}.params`, 'must be a mapping of name: value');
        for (const [name, paramValue] of Object.entries(item.params)) {
          if (typeof paramValue !== 'string' && typeof paramValue !== 'number' && typeof paramValue !== 'boolean') {
            return fail(`${itemPath}.params.${name}`, 'must be a single value');
          }
          if (!checkExpressible(String(paramValue), `${itemPath}.params.${name}`, fail)) return;
          params[name] = String(paramValue);
        }
      }
    } else {
      return fail(itemPath, 'must be an agent spec string or an object with agent and params');
    }
    if (agentText === undefined) return;
    // Fence agents are commonly written without their class: `fence_ipmilan`.
    if (defaultStandard && !agentText.includes(':')) agentText = `${defaultStandard}:${agentText}`;
    const parsed = parseAgentRef(agentText);
    if (!parsed.ok) return fail(itemPath, parsed.reason);
    if (defaultStandard && parsed.agent.standard !== defaultStandard)
      return fail(itemPath, `"${agentText}" is not a ${defaultStandard} agent`);
    if (!defaultStandard && parsed.agent.standard === 'stonith')
      return fail(itemPath, 'fence devices go into the stonith list, not among the services');
    if (id !== undefined && !ID.test(id))
      return fail(`${itemPath}.id`, `"${id}" is not a valid resource id (letters, digits, _ . -; starting with a letter)`);
    agents.push(id === undefined ? { agent: parsed.agent, params } : { id, agent: parsed.agent, params });
  });
  return agents;
}

function readStack(value: unknown, path: string, index: number, nodeCount: number, fail: Fail, label: FieldLabeler): StackSpec | undefined {
  if (!isObject(value)) {
    fail(path, 'must be a mapping');
    return undefined;
  }
  checkKeys(value, STACK_KEYS, path, fail);
  // No drbd part: the file system is on shared storage that every node sees (filesystem.device).
  const shared = value.drbd === undefined || value.drbd === null;
  const drbd = shared ? undefined : readDrbd(value.drbd, `${path}.drbd`, index, nodeCount, fail);
  const name = readString(value.name, `${path}.name`, fail, false) ?? drbd?.resource;
  if (shared && (value.name === undefined || value.name === null || value.name === ''))
    fail(`${path}.name`, 'is missing (a stack without DRBD has no DRBD resource to be named after)');
  if (name !== undefined && !ID.test(name))
    fail(`${path}.name`, `"${name}" is not a valid name (letters, digits, _ . -; starting with a letter)`);
  const dualPrimary = readBoolean(value.dualPrimary, `${path}.dualPrimary`, fail, false);
  if (shared && dualPrimary)
    fail(`${path}.dualPrimary`, 'dual-primary is a DRBD setting: describe the DRBD resource (drbd.resource, drbd.device)');
  const filesystem = readFilesystem(value.filesystem, `${path}.filesystem`, dualPrimary, shared, fail);
  const ip = readIp(value.ip, `${path}.ip`, fail, label);
  const services = readAgentList(value.services, `${path}.services`, fail);
  const sharedVg = readSharedVg(value.sharedVg, `${path}.sharedVg`, fail);
  // lvmlockd's shared activation is what lets both nodes use the LV at once; on one Primary
  // (or on a SAN LUN) the stack this generator writes has no place for it.
  if (sharedVg && !dualPrimary)
    fail(
      `${path}.sharedVg`,
      `a shared volume group (lvmlockd) is generated only on dual-primary DRBD: add ${label(`${path}.dualPrimary`)}, or drop it`,
    );
  if ((!shared && !drbd) || !filesystem || name === undefined) return undefined;
  if (shared) {
    if (dualPrimary) return undefined;
    const stack: StackSpec = { name, filesystem, services, dualPrimary };
    if (ip) stack.ip = ip;
    return stack;
  }
  if (!drbd) return undefined;
  if (dualPrimary) {
    // With both nodes writing, I/O must freeze until the peer is really fenced: resource-only
    // fencing would let the survivor write on while the other one may still be writing too.
    if (isObject(value.drbd) && value.drbd.fencing === 'resource-only') {
      fail(`${path}.drbd.fencing`, 'dual-primary needs "resource-and-stonith" (writes freeze until the peer is fenced)');
    }
    drbd.fencing = 'resource-and-stonith';
    // DRBD refuses allow-two-primaries unless both writes are on both disks before they complete.
    if (drbd.protocol !== 'C')
      fail(`${path}.drbd.protocol`, `dual-primary needs protocol C (DRBD refuses allow-two-primaries with protocol ${drbd.protocol})`);
  }
  const stack: StackSpec = { name, drbd, filesystem, services, dualPrimary };
  if (ip) stack.ip = ip;
  if (sharedVg && dualPrimary) stack.sharedVg = sharedVg;
  return stack;
}

/** `VG/LV`, or { vg, lv }. */
function readSharedVg(value: unknown, path: string, fail: Fail): SharedVgSpec | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let vg: string | undefined;
  let lv: string | undefined;
  if (typeof value === 'string') {
    const parts = value.split('/');
    if (parts.length !== 2) {
      fail(path, `"${value}" is not VG/LV (a volume group and a logical volume, e.g. vg_shared/data)`);
      return undefined;
    }
    [vg, lv] = parts;
  } else if (isObject(value)) {
    checkKeys(value, SHARED_VG_KEYS, path, fail);
    vg = readString(value.vg, `${path}.vg`, fail, true);
    lv = readString(value.lv, `${path}.lv`, fail, true);
    if (vg === undefined || lv === undefined) return undefined;
  } else {
    fail(path, 'must be VG/LV, e.g. vg_shared/data');
    return undefined;
  }
  const bad = [
    ['volume group', vg!],
    ['logical volume', lv!],
  ].filter(([, name]) => !LVM_NAME.test(name!) || name === '.' || name === '..');
  for (const [what, name] of bad)
    fail(path, `"${name}" is not a valid ${what} name (letters, digits, + _ . -; not starting with -; at most 127)`);
  return bad.length > 0 ? undefined : { vg: vg!, lv: lv! };
}

function readDrbd(value: unknown, path: string, index: number, nodeCount: number, fail: Fail): DrbdSpec | undefined {
  if (!isObject(value)) {
    fail(`${path}.resource`, 'is missing');
    fail(`${path}.device`, 'is missing');
    return undefined;
  }
  checkKeys(value, DRBD_KEYS, path, fail);
  const resource = readString(value.resource, `${path}.resource`, fail, true);
  if (resource !== undefined && !DRBD_RESOURCE.test(resource)) fail(`${path}.resource`, `"${resource}" is not a valid DRBD resource name`);
  const device = readString(value.device, `${path}.device`, fail, true);
  const deviceMatch = device === undefined ? null : DRBD_DEVICE.exec(device);
  if (device !== undefined && !deviceMatch)
    fail(`${path}.device`, `"${device}" is not a DRBD device (expected /dev/drbdN, e.g. /dev/drbd1)`);
  const disk = readBlockDevice(value.disk, `${path}.disk`, fail);
  const metaDisk = readMetaDisk(value.metaDisk, `${path}.metaDisk`, fail);
  const port = readInteger(value.port, `${path}.port`, fail, DRBD_PORT_BASE + index, 1, 65535);
  const protocol = readString(value.protocol, `${path}.protocol`, fail, false) ?? 'C';
  if (!['A', 'B', 'C'].includes(protocol)) fail(`${path}.protocol`, `"${protocol}" is not a DRBD protocol (A, B or C)`);
  const version = readString(value.version, `${path}.version`, fail, false) ?? '9';
  if (version !== '9' && version !== '8.4') fail(`${path}.version`, `"${version}" is not a supported DRBD version (9 or 8.4)`);
  const { on: quorum, policy: quorumPolicy } = readQuorum(
    value.quorum,
    `${path}.quorum`,
    version === '9' && nodeCount >= 3,
    nodeCount,
    fail,
  );
  if (quorum && version !== '9') fail(`${path}.quorum`, 'DRBD quorum needs DRBD 9 (DRBD 8.4 has none)');
  if (quorum && nodeCount < 3)
    fail(`${path}.quorum`, `DRBD quorum needs at least three nodes (a majority of two is both of them), not ${nodeCount}`);
  const fencing = readString(value.fencing, `${path}.fencing`, fail, false);
  if (fencing !== undefined && fencing !== 'resource-only' && fencing !== 'resource-and-stonith') {
    fail(`${path}.fencing`, `"${fencing}" is not resource-only or resource-and-stonith`);
  }
  if (disk !== undefined && metaDisk !== undefined && metaDisk !== 'internal' && metaDisk.device === disk) {
    fail(`${path}.metaDisk`, `"${disk}" is the backing disk itself: say internal for meta data on the backing disk`);
  }
  const tuning = readDrbdTuning(
    value,
    path,
    { version: version === '8.4' ? '8.4' : '9', protocol: protocol as DrbdSpec['protocol'], quorum },
    fail,
  );
  if (quorumPolicy !== undefined) tuning.quorum = quorumPolicy;
  if (resource === undefined || !deviceMatch || port === undefined || metaDisk === undefined) return undefined;
  const spec: DrbdSpec = {
    resource,
    device: device!,
    minor: Number(deviceMatch[1]),
    metaDisk,
    port,
    protocol: protocol as DrbdSpec['protocol'],
    version: version as DrbdVersion,
    quorum,
  };
  // Quorum or fencing, as LINBIT's drbd agent advises ("either ... or"); an explicit policy is kept.
  if (fencing !== undefined) spec.fencing = fencing as DrbdFencing;
  else if (!quorum) spec.fencing = 'resource-only';
  if (disk !== undefined) spec.disk = disk;
  if (Object.keys(tuning).length > 0) spec.tuning = tuning;
  return spec;
}

function readFilesystem(value: unknown, path: string, dualPrimary: boolean, shared: boolean, fail: Fail): FilesystemSpec | undefined {
  if (!isObject(value)) {
    if (shared) fail(`${path}.device`, 'is missing');
    fail(`${path}.directory`, 'is missing');
    fail(`${path}.fstype`, 'is missing');
    return undefined;
  }
  checkKeys(value, FS_KEYS, path, fail);
  const device = shared ? readSharedDevice(value.device, `${path}.device`, fail) : undefined;
  if (!shared && value.device !== undefined && value.device !== null) {
    fail(
      `${path}.device`,
      'the file system of a DRBD stack is on drbd.device: give a device here only for a stack without drbd (shared storage)',
    );
  }
  const directory = readAbsolutePath(value.directory, `${path}.directory`, fail, true);
  if (directory === '/') fail(`${path}.directory`, 'the cluster cannot mount over /');
  const fstype = readString(value.fstype, `${path}.fstype`, fail, true);
  if (fstype !== undefined && !/^[a-z0-9_.]+$/.test(fstype)) fail(`${path}.fstype`, `"${fstype}" is not a file system type`);
  if (fstype !== undefined && dualPrimary && !(CLUSTER_FILESYSTEMS as readonly string[]).includes(fstype)) {
    fail(
      `${path}.fstype`,
      `dual-primary mounts the file system on two nodes at once, which only a cluster file system (${CLUSTER_FILESYSTEMS.join(', ')}) survives; ${fstype} would be corrupted`,
    );
  }
  const options = readString(value.options, `${path}.options`, fail, false);
  if (directory === undefined || directory === '/' || fstype === undefined) return undefined;
  if (shared && device === undefined) return undefined;
  const filesystem: FilesystemSpec = device === undefined ? { directory, fstype } : { device, directory, fstype };
  if (options !== undefined) filesystem.options = options;
  return filesystem;
}

/** The backing disk under DRBD: a device path, written into the DRBD resource file. */
function readBlockDevice(value: unknown, path: string, fail: Fail): string | undefined {
  const text = readString(value, path, fail, false);
  if (text === undefined) return undefined;
  if (!BLOCK_DEVICE.test(text) || text.split('/').includes('..')) {
    fail(path, `"${text}" is not a block device path (e.g. /dev/sdb1, /dev/vg0/data, /dev/disk/by-id/...)`);
    return undefined;
  }
  return text;
}

/** `internal` (the default), or an external device: `/dev/sdc1` or, indexed, `/dev/sdc1[0]`. */
function readMetaDisk(value: unknown, path: string, fail: Fail): MetaDisk | undefined {
  const text = readString(value, path, fail, false);
  if (text === undefined || text === 'internal') return 'internal';
  const match = EXTERNAL_META_DISK.exec(text);
  if (!match || !BLOCK_DEVICE.test(match[1]!) || match[1]!.split('/').includes('..')) {
    fail(path, `"${text}" is not internal, a device (/dev/sdc1) or an indexed device (/dev/sdc1[0])`);
    return undefined;
  }
  return match[2] === undefined ? { device: match[1]! } : { device: match[1]!, index: Number(match[2]) };
}

/** Shared storage: an absolute block-device path (/dev/mapper/mpatha, /dev/disk/by-id/...) or -U/-L. */
function readSharedDevice(value: unknown, path: string, fail: Fail): string | undefined {
  const text = readString(value, path, fail, true);
  if (text === undefined) return undefined;
  if (MOUNT_OPTION_DEVICE.test(text)) return text;
  if (DRBD_DEVICE.test(text)) {
    fail(
      path,
      `"${text}" is a DRBD device: name its DRBD resource too (--drbd-resource, or drbd.resource in a file), so the cluster promotes it`,
    );
    return undefined;
  }
  if (!text.startsWith('/dev/') || /\s/.test(text) || text.includes('//') || text.endsWith('/')) {
    fail(path, `"${text}" is not a block device (an absolute path under /dev, e.g. /dev/mapper/mpatha, or -U UUID / -L LABEL)`);
    return undefined;
  }
  return text;
}

/** `192.168.0.20/24` or { address, prefix, nic }. */
function readIp(value: unknown, path: string, fail: Fail, label: FieldLabeler): IpSpec | undefined {
  if (value === undefined || value === null) return undefined;
  let text: string | undefined;
  let nic: string | undefined;
  let prefixValue: unknown;
  if (typeof value === 'string') {
    text = value;
  } else if (isObject(value)) {
    checkKeys(value, IP_KEYS, path, fail);
    text = readString(value.address, `${path}.address`, fail, true);
    nic = readString(value.nic, `${path}.nic`, fail, false);
    prefixValue = value.prefix;
  } else {
    fail(path, 'must be an address like 192.168.0.20/24');
    return undefined;
  }
  if (text === undefined) return undefined;
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  if (slash !== -1) prefixValue = text.slice(slash + 1);
  const parsed = parseExactAddress(address);
  if (!parsed) {
    fail(path, `"${address}" is not an IPv4 or IPv6 address`);
    return undefined;
  }
  // IPaddr2 puts the address on the interface named by nic; a zone index would name it a second time.
  if (address.includes('%')) {
    fail(path, `"${address}" has a zone index: a virtual IP takes its interface from ${label(`${path}.nic`)} instead`);
    return undefined;
  }
  const notService = parsed.family === 'inet' && parsed.bytes[0] === 127 ? 'it is a loopback address' : unicastProblem(parsed);
  if (notService) {
    fail(path, `${address} cannot be a service address: ${notService}`);
    return undefined;
  }
  // As the IPaddr2 agent decides it (lib/agent-runtime/ip/config.ts): fe80::/10 exists on every link.
  if (parsed.family === 'inet6' && isLinkLocal(parsed) && nic === undefined) {
    fail(path, `${address} is a link-local address: name its interface with ${label(`${path}.nic`)}`);
    return undefined;
  }
  const prefix = readInteger(prefixValue, `${path}.prefix`, fail, undefined, 1, parsed.family === 'inet' ? 32 : 128);
  if (nic !== undefined && !NIC.test(nic)) fail(`${path}.nic`, `"${nic}" is not a network interface name`);
  const ip: IpSpec = { address };
  if (prefix !== undefined) ip.prefix = prefix;
  if (nic !== undefined) ip.nic = nic;
  return ip;
}

/**
 * An address as the agents read it (lib/agent-runtime/ip/address.ts), so the CLI accepts exactly
 * what they do, with no white space around it. A zone index (`%eth0`) is skipped here: the caller
 * decides whether the field may have one.
 */
function parseExactAddress(text: string): IpAddress | undefined {
  const parsed = parseAddress(text.split('%')[0]!);
  return parsed.ok && !/^\s|\s$/.test(text) ? parsed.value : undefined;
}

/** drbdadm reads a zone index as a word of these characters; the kernel's interface names are 1-15 bytes. */
const ZONE_INDEX = /^[A-Za-z0-9_.-]{1,15}$/;

/**
 * A node's replication address, as the DRBD resource file writes it (`address ipv6 [ADDRESS]:PORT`):
 * IPv4, or IPv6 with an optional zone index, `fe80::1%eth0`: a link-local address names no link
 * without one, and drbdadm (9 and 8.4) reads it.
 */
function replicationAddressProblem(text: string): string | undefined {
  const parsed = parseExactAddress(text);
  if (!parsed) return `"${text}" is not an IPv4 or IPv6 address`;
  const percent = text.indexOf('%');
  if (percent === -1) return undefined;
  const zone = text.slice(percent + 1);
  if (parsed.family === 'inet') return `"${text}" has a zone index, which only an IPv6 address takes`;
  if (!ZONE_INDEX.test(zone) || interfaceNameProblem(zone) !== undefined) {
    return `"${text}": the zone index "${zone}" is not an interface name or number (letters, digits, _ . -; 1 to 15)`;
  }
  return undefined;
}
