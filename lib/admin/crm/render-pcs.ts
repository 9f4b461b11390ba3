// ClusterConfig -> a shell script of pcs commands. Pacemaker 2.1 uses the pcs 0.10/0.11 syntax
// (`promotable`, `Promoted`); Pacemaker 1.1 the pcs 0.9 syntax (`resource master`, `master`).
// Every command works on a copy of the CIB that is pushed once at the end: created one by one
// on a live cluster, the resources would start before their constraints exist. Pure.

import { formatAgentRef } from './agent-ref.js';
import { formatDuration } from '../pacemaker/duration.js';
import { headerLines, type RenderContext } from './header.js';
import {
  cloneMetaName,
  roleName,
  type Clone,
  type ClusterConfig,
  type Constraint,
  type PacemakerVersion,
  type Primitive,
  type Resource,
} from './model.js';
import { shellQuote } from './quote.js';

const PCS = 'pcs -f "$CIB"';

export function renderPcs(config: ClusterConfig, context: RenderContext): string {
  const { version } = context;
  const lines: string[] = [
    '#!/bin/sh',
    ...headerLines(context, 'pcs').map((line) => (line ? `# ${line}` : '#')),
    'set -eu',
    'if [ -n "${CIB:-}" ]; then',
    '  push=no',
    'else',
    '  CIB=$(mktemp)',
    '  pcs cluster cib "$CIB"',
    '  push=yes',
    'fi',
    '',
  ];
  for (const resource of config.resources) lines.push(...renderResource(resource, version), '');
  for (const constraint of config.constraints) lines.push(...renderConstraint(constraint, version));
  lines.push('');
  lines.push(`${PCS} property set ${pairs(config.properties)}`);
  // pcs 0.10 replaced `resource defaults NAME=VALUE` by `resource defaults update NAME=VALUE`.
  lines.push(`${PCS} resource defaults${version === '2.1' ? ' update' : ''} ${pairs(config.resourceDefaults)}`);
  if (config.operationDefaults.length > 0)
    lines.push(`${PCS} resource op defaults${version === '2.1' ? ' update' : ''} ${pairs(config.operationDefaults)}`);
  lines.push('', 'if [ "$push" = yes ]; then', '  pcs cluster cib-push "$CIB" --config', '  rm -f "$CIB"', 'fi');
  return `${lines.join('\n')}\n`;
}

function pairs(values: [string, string][]): string {
  return values.map(([name, value]) => shellQuote(`${name}=${value}`)).join(' ');
}

function operations(primitive: Primitive, version: PacemakerVersion): string {
  if (primitive.operations.length === 0) return '';
  const rendered = primitive.operations.map((operation) => {
    const words = [operation.name];
    if (operation.role) words.push(`role=${roleName(operation.role, version)}`);
    words.push(`interval=${formatDuration(operation.intervalMs)}`);
    if (operation.timeoutMs !== undefined) words.push(`timeout=${formatDuration(operation.timeoutMs)}`);
    return words.join(' ');
  });
  return ` op ${rendered.join(' ')}`;
}

/** `pcs resource create ID AGENT params op ...` (or `pcs stonith create` for fence devices). */
function createCommand(primitive: Primitive, version: PacemakerVersion, suffix = ''): string {
  const isStonith = primitive.agent.standard === 'stonith';
  const agent = isStonith ? primitive.agent.type : formatAgentRef(primitive.agent);
  const params = primitive.params.length > 0 ? ` ${pairs(primitive.params)}` : '';
  // --no-default-ops: pcs would otherwise add an operation for every action in the meta-data
  // (reload, migrate, ...); we list exactly the ones Pacemaker needs, as in the crm output.
  const noDefaults = isStonith ? '' : ' --no-default-ops';
  return `${PCS} ${isStonith ? 'stonith' : 'resource'} create ${primitive.id} ${agent}${params}${operations(primitive, version)}${suffix}${noDefaults}`;
}

function renderResource(resource: Resource, version: PacemakerVersion): string[] {
  switch (resource.kind) {
    case 'primitive':
      return commented(resource.comment, [createCommand(resource, version)]);
    case 'group':
      return commented(
        resource.comment,
        resource.members.map((member) => createCommand(member, version, ` --group ${resource.id}`)),
      );
    case 'clone':
      return commented(resource.comment, renderClone(resource, version));
  }
}

function renderClone(clone: Clone, version: PacemakerVersion): string[] {
  const meta = clone.meta.map(([name, value]) => [cloneMetaName(name, version), value] as [string, string]);
  if (clone.child.kind === 'group') {
    // A cloned group (DLM + lvmlockd): the members into the group, then the group into a clone,
    // which every pcs names <group>-clone (0.9 knows no other name; ours follows that rule).
    if (clone.promotable || clone.id !== `${clone.child.id}-clone`)
      throw new Error(`clone ${clone.id}: only plain clones named ${clone.child.id}-clone of a group are generated`);
    return [...renderResource(clone.child, version), `${PCS} resource clone ${clone.child.id} ${pairs(meta)}`];
  }
  if (version === '2.1') {
    const keyword = clone.promotable ? 'promotable' : 'clone';
    return [createCommand(clone.child, version, ` ${keyword} ${clone.id} ${pairs(meta)}`)];
  }
  if (clone.promotable) {
    // pcs 0.9 creates the primitive first and then wraps it in a master resource.
    return [createCommand(clone.child, version), `${PCS} resource master ${clone.id} ${clone.child.id} ${pairs(meta)}`];
  }
  // pcs 0.9 names a clone <resource>-clone itself; our ids follow the same rule.
  if (clone.id !== `${clone.child.id}-clone`) throw new Error(`clone ${clone.id}: pcs 0.9 can only name it ${clone.child.id}-clone`);
  return [createCommand(clone.child, version, ` clone ${pairs(meta)}`)];
}

function renderConstraint(constraint: Constraint, version: PacemakerVersion): string[] {
  if (constraint.kind === 'colocation') {
    // pcs 0.9 writes the role in lower case (`with master X`), pcs 0.10+ as Pacemaker does.
    const role = constraint.withRole
      ? `${version === '2.1' ? roleName(constraint.withRole, version) : roleName(constraint.withRole, version).toLowerCase()} `
      : '';
    return commented(constraint.comment, [
      `${PCS} constraint colocation add ${constraint.rsc} with ${role}${constraint.withRsc} INFINITY id=${constraint.id}`,
    ]);
  }
  return commented(constraint.comment, [
    `${PCS} constraint order ${constraint.firstAction} ${constraint.first} then ${constraint.thenAction} ${constraint.then} kind=Mandatory id=${constraint.id}`,
  ]);
}

function commented(comment: string | undefined, lines: string[]): string[] {
  return comment ? [`# ${comment}`, ...lines] : lines;
}
