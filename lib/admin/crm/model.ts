// The configuration to write, independent of how it is written (crmsh, pcs, CIB XML) and of the
// Pacemaker generation. Role names are the Pacemaker 2.1 ones; renderers translate them for 1.1.

import type { AgentRef } from './agent-ref.js';
import type { Role } from './meta-data.js';
import type { Operation } from './operations.js';

export interface Primitive {
  kind: 'primitive';
  id: string;
  agent: AgentRef;
  /** Ordered as they should be printed. */
  params: [string, string][];
  operations: Operation[];
  /** Why this resource is here, in words, printed as a comment next to it. */
  comment?: string;
}

export interface Group {
  kind: 'group';
  id: string;
  members: Primitive[];
  comment?: string;
}

export interface Clone {
  kind: 'clone';
  id: string;
  child: Primitive | Group;
  promotable: boolean;
  /** Clone meta attributes in Pacemaker 2.1 spelling (promoted-max, clone-max, notify, ...). */
  meta: [string, string][];
  comment?: string;
}

export type Resource = Primitive | Group | Clone;

/** `rsc` runs only where `withRsc` runs (in `withRole` when given). */
export interface Colocation {
  kind: 'colocation';
  id: string;
  rsc: string;
  withRsc: string;
  withRole?: Role;
  score: 'INFINITY';
  comment?: string;
}

/** `then` starts only after `first` did `firstAction`. */
export interface Order {
  kind: 'order';
  id: string;
  first: string;
  firstAction: 'start' | 'promote';
  then: string;
  thenAction: 'start';
  comment?: string;
}

export type Constraint = Colocation | Order;

export interface ClusterConfig {
  resources: Resource[];
  constraints: Constraint[];
  /** cluster_property_set "cib-bootstrap-options". */
  properties: [string, string][];
  /** rsc_defaults. */
  resourceDefaults: [string, string][];
  /** op_defaults; often none. */
  operationDefaults: [string, string][];
}

export type PacemakerVersion = '2.1' | '1.1';
export const PACEMAKER_VERSIONS: readonly PacemakerVersion[] = ['2.1', '1.1'];

/** Pacemaker 1.1 spells the promoted role "Master" and the unpromoted one "Slave". */
export function roleName(role: Role, version: PacemakerVersion): string {
  if (version === '2.1') return role;
  return role === 'Promoted' ? 'Master' : 'Slave';
}

/** Pacemaker 1.1 clone meta names: promoted-max -> master-max, promoted-node-max -> master-node-max. */
export function cloneMetaName(name: string, version: PacemakerVersion): string {
  if (version === '2.1') return name;
  return name.replace(/^promoted-/, 'master-');
}

/** Every primitive of a resource tree, in order. */
export function primitivesOf(resource: Resource): Primitive[] {
  switch (resource.kind) {
    case 'primitive':
      return [resource];
    case 'group':
      return resource.members;
    case 'clone':
      return primitivesOf(resource.child);
  }
}
