// Reading a CIB (`cibadmin -Q`, or a cib.xml) into a small typed model of the configuration:
// properties, defaults, nodes, resources and constraints. Only what ocfkit's checks need; the
// status section is ignored. Pure.

import { XMLParser } from 'fast-xml-parser';
import { parseDurationMs } from './duration.js';

export interface CibOperation {
  id: string;
  name: string;
  /** 0 for non-recurring operations. */
  intervalMs: number;
  timeoutMs?: number;
  /** As written: Promoted/Unpromoted, or the older Master/Slave. */
  role?: string;
}

export interface CibPrimitive {
  kind: 'primitive';
  id: string;
  standard: string;
  provider?: string;
  type: string;
  params: Record<string, string>;
  meta: Record<string, string>;
  operations: CibOperation[];
}

export interface CibGroup {
  kind: 'group';
  id: string;
  members: CibPrimitive[];
  meta: Record<string, string>;
}

export interface CibClone {
  kind: 'clone';
  id: string;
  /** `master` is the Pacemaker 1.1 element for what 2.x calls a promotable clone. */
  element: 'clone' | 'master';
  promotable: boolean;
  meta: Record<string, string>;
  child: CibPrimitive | CibGroup;
}

export type CibResource = CibPrimitive | CibGroup | CibClone;

export interface CibLocation {
  id: string;
  rsc?: string;
  node?: string;
  score?: string;
  role?: string;
  /** True when the constraint is governed by rules (e.g. an expiry date from `move ... lifetime`). */
  hasRules: boolean;
  /** `end` of a date expression in its rules: when a temporary ban expires. */
  expires?: string;
}

export interface CibColocation {
  id: string;
  rsc: string;
  withRsc: string;
  rscRole?: string;
  withRscRole?: string;
  score: string;
}

export interface CibOrder {
  id: string;
  first: string;
  /** Pacemaker's default is start. */
  firstAction: string;
  then: string;
  thenAction: string;
  /** Mandatory, Optional or Serialize; older CIBs use score instead (0 = optional). */
  kind: string;
}

export interface CibModel {
  validateWith?: string;
  /** All cluster_property_sets merged; the first set that names a property wins. */
  properties: Record<string, string>;
  resourceDefaults: Record<string, string>;
  operationDefaults: Record<string, string>;
  nodes: string[];
  resources: CibResource[];
  locations: CibLocation[];
  /** Constraints with resource sets are expanded into pairs. */
  colocations: CibColocation[];
  orders: CibOrder[];
}

export type CibResult = { ok: true; cib: CibModel } | { ok: false; reason: string };

type XmlNode = Record<string, unknown>;

const REPEATED = new Set([
  'cluster_property_set',
  'nvpair',
  'meta_attributes',
  'instance_attributes',
  'node',
  'primitive',
  'group',
  'clone',
  'master',
  'op',
  'rsc_location',
  'rsc_colocation',
  'rsc_order',
  'resource_set',
  'resource_ref',
  'rule',
  'date_expression',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  // Only elements: a `node` attribute (rsc_location) must stay a string.
  isArray: (name, _path, _isLeaf, isAttribute) => !isAttribute && REPEATED.has(name),
});

function children(node: unknown, name: string): XmlNode[] {
  if (!node || typeof node !== 'object') return [];
  const value = (node as XmlNode)[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

function child(node: unknown, name: string): XmlNode | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as XmlNode)[name];
  if (Array.isArray(value)) return value[0] as XmlNode | undefined;
  return value && typeof value === 'object' ? (value as XmlNode) : value === '' ? {} : undefined;
}

function attribute(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** nvpairs of every `setName` block under `node`, the first value of a name winning. */
function nvpairs(node: unknown, setName: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const set of children(node, setName)) {
    for (const pair of children(set, 'nvpair')) {
      const name = attribute(pair, 'name');
      const value = attribute(pair, 'value');
      if (name !== undefined && value !== undefined && !(name in values)) values[name] = value;
    }
  }
  return values;
}

function readPrimitive(node: XmlNode): CibPrimitive {
  const operations = children(child(node, 'operations'), 'op').map((op): CibOperation => {
    const operation: CibOperation = {
      id: attribute(op, 'id') ?? '',
      name: attribute(op, 'name') ?? '',
      intervalMs: parseDurationMs(attribute(op, 'interval') ?? '0') ?? 0,
    };
    const timeout = attribute(op, 'timeout');
    const timeoutMs = timeout === undefined ? undefined : parseDurationMs(timeout);
    if (timeoutMs !== undefined) operation.timeoutMs = timeoutMs;
    const role = attribute(op, 'role');
    if (role !== undefined) operation.role = role;
    return operation;
  });
  const primitive: CibPrimitive = {
    kind: 'primitive',
    id: attribute(node, 'id') ?? '',
    standard: attribute(node, 'class') ?? '',
    type: attribute(node, 'type') ?? '',
    params: nvpairs(node, 'instance_attributes'),
    meta: nvpairs(node, 'meta_attributes'),
    operations,
  };
  const provider = attribute(node, 'provider');
  if (provider !== undefined) primitive.provider = provider;
  return primitive;
}

function readGroup(node: XmlNode): CibGroup {
  return {
    kind: 'group',
    id: attribute(node, 'id') ?? '',
    members: children(node, 'primitive').map(readPrimitive),
    meta: nvpairs(node, 'meta_attributes'),
  };
}

function readClone(node: XmlNode, element: 'clone' | 'master'): CibClone | undefined {
  const meta = nvpairs(node, 'meta_attributes');
  const primitive = children(node, 'primitive')[0];
  const group = children(node, 'group')[0];
  const cloned = primitive ? readPrimitive(primitive) : group ? readGroup(group) : undefined;
  if (!cloned) return undefined;
  const promotable = element === 'master' || isTrue(meta.promotable);
  return { kind: 'clone', id: attribute(node, 'id') ?? '', element, promotable, meta, child: cloned };
}

/** Pairs from `resource_set`s: within a sequential set one after another, and set by set. */
function setChains(constraint: XmlNode): { id: string; action?: string; role?: string }[][] {
  return children(constraint, 'resource_set').map((set) => {
    const members = children(set, 'resource_ref').map((ref) => attribute(ref, 'id') ?? '');
    const action = attribute(set, 'action');
    const role = attribute(set, 'role');
    return members.map((id) => ({ id, ...(action ? { action } : {}), ...(role ? { role } : {}) }));
  });
}

function readConstraints(constraints: XmlNode | undefined): Pick<CibModel, 'locations' | 'colocations' | 'orders'> {
  const locations = children(constraints, 'rsc_location').map((node): CibLocation => {
    const rules = children(node, 'rule');
    const ends = rules
      .flatMap((rule) => children(rule, 'date_expression'))
      .map((expression) => attribute(expression, 'end'))
      .filter((end): end is string => end !== undefined);
    const location: CibLocation = { id: attribute(node, 'id') ?? '', hasRules: rules.length > 0 };
    for (const [key, name] of [
      ['rsc', 'rsc'],
      ['node', 'node'],
      ['score', 'score'],
      ['role', 'role'],
    ] as const) {
      const value = attribute(node, name);
      if (value !== undefined) location[key] = value;
    }
    if (ends[0] !== undefined) location.expires = ends[0];
    return location;
  });

  const colocations: CibColocation[] = [];
  for (const node of children(constraints, 'rsc_colocation')) {
    const id = attribute(node, 'id') ?? '';
    const score = attribute(node, 'score') ?? attribute(node, 'score-attribute') ?? '0';
    const rsc = attribute(node, 'rsc');
    const withRsc = attribute(node, 'with-rsc');
    if (rsc !== undefined && withRsc !== undefined) {
      const colocation: CibColocation = { id, rsc, withRsc, score };
      const rscRole = attribute(node, 'rsc-role');
      const withRscRole = attribute(node, 'with-rsc-role');
      if (rscRole !== undefined) colocation.rscRole = rscRole;
      if (withRscRole !== undefined) colocation.withRscRole = withRscRole;
      colocations.push(colocation);
      continue;
    }
    // Sets: each member is colocated with the member before it, and each set with the next one
    // (the later set is placed first).
    const sets = setChains(node);
    sets.forEach((set, index) => {
      set.slice(1).forEach((member, position) => {
        const previous = set[position]!;
        colocations.push({ id, rsc: member.id, withRsc: previous.id, score, ...(previous.role ? { withRscRole: previous.role } : {}) });
      });
      for (const member of set) {
        for (const other of sets[index + 1] ?? []) {
          colocations.push({ id, rsc: member.id, withRsc: other.id, score, ...(other.role ? { withRscRole: other.role } : {}) });
        }
      }
    });
  }

  const orders: CibOrder[] = [];
  for (const node of children(constraints, 'rsc_order')) {
    const id = attribute(node, 'id') ?? '';
    const score = attribute(node, 'score');
    const kind = attribute(node, 'kind') ?? (score === '0' ? 'Optional' : 'Mandatory');
    const first = attribute(node, 'first');
    const then = attribute(node, 'then');
    if (first !== undefined && then !== undefined) {
      orders.push({
        id,
        first,
        firstAction: attribute(node, 'first-action') ?? 'start',
        then,
        thenAction: attribute(node, 'then-action') ?? 'start',
        kind,
      });
      continue;
    }
    const sets = setChains(node);
    sets.forEach((set, index) => {
      set.slice(1).forEach((member, position) => {
        const previous = set[position]!;
        orders.push({
          id,
          first: previous.id,
          firstAction: previous.action ?? 'start',
          then: member.id,
          thenAction: member.action ?? 'start',
          kind,
        });
      });
      for (const member of set) {
        for (const later of sets[index + 1] ?? []) {
          orders.push({
            id,
            first: member.id,
            firstAction: member.action ?? 'start',
            then: later.id,
            thenAction: later.action ?? 'start',
            kind,
          });
        }
      }
    });
  }
  return { locations, colocations, orders };
}

/**
 * Where XML declares entities. The parser expands every reference in place, so a 170 KB file with
 * one large entity referenced thousands of times costs seconds and gigabytes ("billion laughs").
 * Pacemaker never writes a DOCTYPE (cibadmin -Q and cib.xml have none), so its presence alone
 * is reason enough to refuse the text before parsing it.
 */
const DOCUMENT_TYPE_DECLARATION = /<!(DOCTYPE|ENTITY)\b/i;

export function parseCib(xml: string): CibResult {
  if (DOCUMENT_TYPE_DECLARATION.test(xml)) {
    return {
      ok: false,
      reason:
        'it declares a DOCTYPE or entities, which a CIB never has (cibadmin -Q writes none); refusing to expand them. Export the CIB again with cibadmin -Q.',
    };
  }
  let document: XmlNode;
  try {
    document = parser.parse(xml) as XmlNode;
  } catch (error) {
    return { ok: false, reason: `not XML: ${(error as Error).message}` };
  }
  // A whole CIB (<cib>) or just its <configuration>, as cibadmin -Q -o configuration prints.
  const cib = child(document, 'cib');
  const configuration = cib ? child(cib, 'configuration') : child(document, 'configuration');
  if (!configuration) return { ok: false, reason: 'no <cib> or <configuration> element: is this a CIB?' };

  const resourcesNode = child(configuration, 'resources');
  const resources: CibResource[] = [
    ...children(resourcesNode, 'primitive').map(readPrimitive),
    ...children(resourcesNode, 'group').map(readGroup),
    ...children(resourcesNode, 'clone').map((node) => readClone(node, 'clone')),
    ...children(resourcesNode, 'master').map((node) => readClone(node, 'master')),
  ].filter((resource): resource is CibResource => resource !== undefined);

  const model: CibModel = {
    properties: nvpairs(child(configuration, 'crm_config'), 'cluster_property_set'),
    resourceDefaults: nvpairs(child(configuration, 'rsc_defaults'), 'meta_attributes'),
    operationDefaults: nvpairs(child(configuration, 'op_defaults'), 'meta_attributes'),
    nodes: children(child(configuration, 'nodes'), 'node').map((node) => attribute(node, 'uname') ?? attribute(node, 'id') ?? ''),
    resources,
    ...readConstraints(child(configuration, 'constraints')),
  };
  const validateWith = attribute(cib, 'validate-with');
  if (validateWith !== undefined) model.validateWith = validateWith;
  return { ok: true, cib: model };
}

/** Every primitive, with the group and clone it sits in (if any). */
export interface PlacedPrimitive {
  primitive: CibPrimitive;
  group?: CibGroup;
  clone?: CibClone;
}

export function allPrimitives(cib: CibModel): PlacedPrimitive[] {
  const placed: PlacedPrimitive[] = [];
  for (const resource of cib.resources) {
    if (resource.kind === 'primitive') placed.push({ primitive: resource });
    else if (resource.kind === 'group') placed.push(...resource.members.map((primitive) => ({ primitive, group: resource })));
    else if (resource.child.kind === 'primitive') placed.push({ primitive: resource.child, clone: resource });
    else placed.push(...resource.child.members.map((primitive) => ({ primitive, group: resource.child as CibGroup, clone: resource })));
  }
  return placed;
}

export function promotableClones(cib: CibModel): CibClone[] {
  return cib.resources.filter((resource): resource is CibClone => resource.kind === 'clone' && resource.promotable);
}

/** The ids that place a primitive: itself, its group, its clone. A constraint on any of them applies. */
export function placementIds(placed: PlacedPrimitive): string[] {
  return [placed.primitive.id, placed.group?.id, placed.clone?.id].filter((id): id is string => id !== undefined);
}

/** Pacemaker's boolean spelling (crm_is_true): true, yes, on, y, 1, in any case. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['true', 'yes', 'on', '1', 'y'].includes(value.toLowerCase());
}

export function isFalse(value: string | undefined): boolean {
  return value !== undefined && ['false', 'no', 'off', '0', 'n'].includes(value.toLowerCase());
}

export function isPromotedRole(role: string | undefined): boolean {
  return role === 'Promoted' || role === 'Master';
}

export function isUnpromotedRole(role: string | undefined): boolean {
  return role === 'Unpromoted' || role === 'Slave';
}
