// ClusterConfig -> a CIB <configuration> fragment, built with xmlbuilder2 and loadable with
// `cibadmin --modify --allow-create --scope configuration`. Ids follow the patterns crmsh and
// pcs use, so the fragment merges into an existing CIB instead of duplicating its properties.
// Pure.

import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
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

export function renderCib(config: ClusterConfig, context: RenderContext): string {
  const { version } = context;
  // The header comments are written as text before the element rather than as document nodes:
  // xmlbuilder2 scans the document's children on every element it adds, which with a comment
  // line per stack made large configurations take minutes.
  const header = headerLines(context, 'cib')
    .map((line) => `<!-- ${commentSafe(line)} -->\n`)
    .join('');
  const configuration = create().ele('configuration');
  const properties = configuration.ele('crm_config').ele('cluster_property_set', { id: 'cib-bootstrap-options' });
  nvpairs(properties, 'cib-bootstrap-options', config.properties);
  const defaults = configuration.ele('rsc_defaults').ele('meta_attributes', { id: 'rsc-options' });
  nvpairs(defaults, 'rsc-options', config.resourceDefaults);
  if (config.operationDefaults.length > 0) {
    nvpairs(configuration.ele('op_defaults').ele('meta_attributes', { id: 'op-options' }), 'op-options', config.operationDefaults);
  }

  const resources = configuration.ele('resources');
  for (const resource of config.resources) addResource(resources, resource, version);
  const constraints = configuration.ele('constraints');
  for (const constraint of config.constraints) addConstraint(constraints, constraint, version);

  return `<?xml version="1.0"?>\n${header}${configuration.end({ headless: true, prettyPrint: true, indent: '  ' })}\n`;
}

function nvpairs(parent: XMLBuilder, idPrefix: string, values: [string, string][]): void {
  for (const [name, value] of values) parent.ele('nvpair', { id: `${idPrefix}-${name}`, name, value });
}

function addPrimitive(parent: XMLBuilder, primitive: Primitive, version: PacemakerVersion): void {
  const attributes: Record<string, string> = { id: primitive.id, class: primitive.agent.standard };
  if (primitive.agent.provider !== undefined) attributes.provider = primitive.agent.provider;
  attributes.type = primitive.agent.type;
  const element = parent.ele('primitive', attributes);
  if (primitive.params.length > 0) {
    const instanceId = `${primitive.id}-instance_attributes`;
    nvpairs(element.ele('instance_attributes', { id: instanceId }), instanceId, primitive.params);
  }
  if (primitive.operations.length > 0) {
    const operations = element.ele('operations');
    for (const operation of primitive.operations) {
      const interval = formatDuration(operation.intervalMs);
      // crmsh's id scheme (<resource>-<action>-<interval>): loaded over a configuration crmsh
      // created, the operations merge instead of becoming duplicates Pacemaker rejects.
      const op: Record<string, string> = { id: `${primitive.id}-${operation.name}-${interval}`, name: operation.name, interval };
      if (operation.role) op.role = roleName(operation.role, version);
      if (operation.timeoutMs !== undefined) op.timeout = formatDuration(operation.timeoutMs);
      operations.ele('op', op);
    }
  }
}

function addResource(parent: XMLBuilder, resource: Resource, version: PacemakerVersion): void {
  switch (resource.kind) {
    case 'primitive':
      addPrimitive(parent, resource, version);
      return;
    case 'group': {
      const group = parent.ele('group', { id: resource.id });
      for (const member of resource.members) addPrimitive(group, member, version);
      return;
    }
    case 'clone': {
      // Pacemaker 1.1 has no promotable clones: the same thing is a <master> resource.
      const isMaster = resource.promotable && version === '1.1';
      const clone = parent.ele(isMaster ? 'master' : 'clone', { id: resource.id });
      const meta = resource.meta.map(([name, value]) => [cloneMetaName(name, version), value] as [string, string]);
      if (resource.promotable && version === '2.1') meta.unshift(['promotable', 'true']);
      const metaId = `${resource.id}-meta_attributes`;
      nvpairs(clone.ele('meta_attributes', { id: metaId }), metaId, meta);
      addResource(clone, resource.child, version);
      return;
    }
  }
}

function addConstraint(parent: XMLBuilder, constraint: Constraint, version: PacemakerVersion): void {
  if (constraint.kind === 'colocation') {
    const attributes: Record<string, string> = {
      id: constraint.id,
      score: constraint.score,
      rsc: constraint.rsc,
      'with-rsc': constraint.withRsc,
    };
    if (constraint.withRole) attributes['with-rsc-role'] = roleName(constraint.withRole, version);
    parent.ele('rsc_colocation', attributes);
    return;
  }
  parent.ele('rsc_order', {
    id: constraint.id,
    kind: 'Mandatory',
    first: constraint.first,
    'first-action': constraint.firstAction,
    then: constraint.then,
    'then-action': constraint.thenAction,
  });
}
