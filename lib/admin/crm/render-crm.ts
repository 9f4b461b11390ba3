// ClusterConfig -> a crmsh configuration block (`crm configure load update FILE`). Pure.

import { formatAgentRef } from './agent-ref.js';
import { formatDuration } from '../pacemaker/duration.js';
import { commentSafe, headerLines, type RenderContext } from './header.js';
import {
  cloneMetaName,
  roleName,
  type ClusterConfig,
  type Constraint,
  type PacemakerVersion,
  type Primitive,
  type Resource,
} from './model.js';
import type { Operation } from './operations.js';
import { crmQuote } from './quote.js';

const CONTINUE = ' \\\n\t';

export function renderCrm(config: ClusterConfig, context: RenderContext): string {
  const { version } = context;
  const blocks: string[] = [
    headerLines(context, 'crm')
      .map((line) => (line ? `# ${line}` : '#'))
      .join('\n'),
  ];
  for (const resource of config.resources) blocks.push(renderResource(resource, version));
  for (const constraint of config.constraints) blocks.push(renderConstraint(constraint, version));
  blocks.push(`property cib-bootstrap-options:${CONTINUE}${pairs(config.properties)}`);
  blocks.push(`rsc_defaults rsc-options:${CONTINUE}${pairs(config.resourceDefaults)}`);
  if (config.operationDefaults.length > 0) blocks.push(`op_defaults op-options:${CONTINUE}${pairs(config.operationDefaults)}`);
  return `${blocks.join('\n\n')}\n`;
}

function pairs(values: [string, string][]): string {
  return values.map(([name, value]) => `${name}=${crmQuote(value)}`).join(' ');
}

function renderOperation(operation: Operation, version: PacemakerVersion): string {
  const words = [`op ${operation.name}`];
  if (operation.role) words.push(`role=${roleName(operation.role, version)}`);
  words.push(`interval=${formatDuration(operation.intervalMs)}`);
  if (operation.timeoutMs !== undefined) words.push(`timeout=${formatDuration(operation.timeoutMs)}`);
  return words.join(' ');
}

function renderPrimitive(primitive: Primitive, version: PacemakerVersion): string {
  const lines = [`primitive ${primitive.id} ${formatAgentRef(primitive.agent)}`];
  if (primitive.params.length > 0) lines.push(`params ${pairs(primitive.params)}`);
  lines.push(...primitive.operations.map((operation) => renderOperation(operation, version)));
  return withComment(primitive.comment, lines.join(CONTINUE));
}

function renderResource(resource: Resource, version: PacemakerVersion): string {
  switch (resource.kind) {
    case 'primitive':
      return renderPrimitive(resource, version);
    case 'group':
      return [
        ...resource.members.map((member) => renderPrimitive(member, version)),
        withComment(resource.comment, `group ${resource.id} ${resource.members.map((member) => member.id).join(' ')}`),
      ].join('\n');
    case 'clone': {
      const child =
        resource.child.kind === 'primitive' ? renderPrimitive(resource.child, version) : renderResource(resource.child, version);
      // Pacemaker 1.1 has no promotable clones: the same thing is an `ms` resource.
      const keyword = resource.promotable && version === '1.1' ? 'ms' : 'clone';
      const meta = resource.meta.map(([name, value]) => [cloneMetaName(name, version), value] as [string, string]);
      if (resource.promotable && version === '2.1') meta.unshift(['promotable', 'true']);
      const head = `${keyword} ${resource.id} ${resource.child.id}`;
      // The clone's comment goes above its child: the two read as one block.
      return withComment(resource.comment, `${child}\n${meta.length > 0 ? `${head}${CONTINUE}meta ${pairs(meta)}` : head}`);
    }
  }
}

function renderConstraint(constraint: Constraint, version: PacemakerVersion): string {
  if (constraint.kind === 'colocation') {
    const target = constraint.withRole ? `${constraint.withRsc}:${roleName(constraint.withRole, version)}` : constraint.withRsc;
    return withComment(constraint.comment, `colocation ${constraint.id} inf: ${constraint.rsc} ${target}`);
  }
  return withComment(
    constraint.comment,
    `order ${constraint.id} Mandatory: ${constraint.first}:${constraint.firstAction} ${constraint.then}:${constraint.thenAction}`,
  );
}

function withComment(comment: string | undefined, text: string): string {
  return comment ? `# ${commentSafe(comment)}\n${text}` : text;
}
