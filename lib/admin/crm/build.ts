// ClusterSpec + the agents' meta-data -> the configuration to write (ClusterConfig).
// Every default lives here, each with the reason it is the right one. Pure.

import { formatAgentRef, type AgentRef } from './agent-ref.js';
import type { AgentMetaData } from './meta-data.js';
import { defaultOperations } from './operations.js';
import type { Clone, ClusterConfig, Colocation, Constraint, Group, Order, Primitive, Resource } from './model.js';
import type { AgentSpec, ClusterSpec, Provider, StackSpec } from './spec.js';

/** Meta-data by agent name (`ocf:heartbeat:apache`), loaded by the caller. */
export type AgentCatalog = ReadonlyMap<string, AgentMetaData>;

export interface CoreAgents {
  drbd: AgentRef;
  filesystem: AgentRef;
  ipaddr2: AgentRef;
  /** The DLM control daemon that OCFS2/GFS2 need; only Pacemaker ships it. */
  dlm: AgentRef;
  /** Shared volume groups: the lvmlockd daemon and LV activation; only resource-agents ships them. */
  lvmlockd: AgentRef;
  lvmActivate: AgentRef;
}

/** ocfkit's agents, or the upstream agents of the same names they replace. */
export function coreAgents(provider: Provider): CoreAgents {
  const ours = provider === 'ocfkit';
  return {
    drbd: { standard: 'ocf', provider: ours ? 'ocfkit' : 'linbit', type: 'drbd' },
    filesystem: { standard: 'ocf', provider: ours ? 'ocfkit' : 'heartbeat', type: 'Filesystem' },
    ipaddr2: { standard: 'ocf', provider: ours ? 'ocfkit' : 'heartbeat', type: 'IPaddr2' },
    dlm: { standard: 'ocf', provider: 'pacemaker', type: 'controld' },
    lvmlockd: { standard: 'ocf', provider: 'heartbeat', type: 'lvmlockd' },
    lvmActivate: { standard: 'ocf', provider: 'heartbeat', type: 'LVM-activate' },
  };
}

/** Every agent the configuration will name, so the caller can load their meta-data first. */
export function agentsNeeded(spec: ClusterSpec): AgentRef[] {
  const core = coreAgents(spec.provider);
  const agents: AgentRef[] = spec.stacks.some((stack) => stack.drbd) ? [core.drbd, core.filesystem] : [core.filesystem];
  if (spec.stacks.some((stack) => stack.ip)) agents.push(core.ipaddr2);
  if (spec.stacks.some((stack) => stack.dualPrimary)) agents.push(core.dlm);
  if (spec.stacks.some((stack) => stack.sharedVg)) agents.push(core.lvmlockd, core.lvmActivate);
  for (const device of spec.stonith) agents.push(device.agent);
  for (const stack of spec.stacks) for (const service of stack.services) agents.push(service.agent);
  const seen = new Set<string>();
  return agents.filter((agent) => {
    const key = formatAgentRef(agent);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export type BuildResult = { ok: true; config: ClusterConfig; warnings: string[] } | { ok: false; errors: string[] };

export function buildClusterConfig(spec: ClusterSpec, catalog: AgentCatalog): BuildResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const core = coreAgents(spec.provider);
  const nodeCount = spec.nodes.length;
  const resources: Resource[] = [];
  const constraints: Constraint[] = [];

  const makePrimitive = (
    id: string,
    agent: AgentRef,
    params: [string, string][],
    needs: { promotable: boolean; notify: boolean },
    comment?: string,
  ): Primitive => {
    const metaData = catalog.get(formatAgentRef(agent));
    checkAgentParams(id, agent, metaData, params, errors);
    const primitive: Primitive = {
      kind: 'primitive',
      id,
      agent,
      params,
      operations: defaultOperations(metaData, needs, agent.standard === 'stonith'),
    };
    if (comment) primitive.comment = comment;
    return primitive;
  };

  // Fencing first: it is what makes everything below safe.
  spec.stonith.forEach((device, index) => {
    resources.push(
      makePrimitive(
        stonithId(device, index, spec.stonith),
        device.agent,
        Object.entries(device.params),
        { promotable: false, notify: false },
        index === 0 ? 'Fencing: a node that stops answering is powered off before its resources are started elsewhere' : undefined,
      ),
    );
  });
  // Validation made sure that no fence device means the admin said withoutFencing.
  if (spec.stonith.length === 0) {
    warnings.push(
      'this cluster runs without fencing (stonith-enabled=false), as asked: a node that merely stops answering is assumed dead, ' +
        (spec.stacks.some((stack) => stack.drbd)
          ? 'and both nodes may end up writing to their own copy of the data (DRBD split brain). '
          : 'and both nodes may end up mounting the shared file system at once, which corrupts it. ') +
        'Add a fence device and set stonith-enabled=true before this cluster holds data that matters.',
    );
  } else {
    warnNodesWithoutFenceDevice(spec, warnings);
  }

  const needsDlm = spec.stacks.some((stack) => stack.dualPrimary);
  // The clone the cluster file systems (and shared VGs) lock through: DLM alone, or DLM then
  // lvmlockd as one cloned group, so that lvmlockd starts after DLM and stops before it on each node.
  let locking: Clone | undefined;
  if (needsDlm) {
    const dlm = makePrimitive('dlm', core.dlm, [], { promotable: false, notify: false });
    locking = spec.stacks.some((stack) => stack.sharedVg)
      ? {
          kind: 'clone',
          // `<group>-clone`: the only name pcs 0.9 gives a clone.
          id: 'locking-clone',
          child: groupOf(
            'locking',
            [dlm, makePrimitive('lvmlockd', core.lvmlockd, [], { promotable: false, notify: false })],
            'lvmlockd locks through DLM: started after it, stopped before it',
          ),
          promotable: false,
          meta: [['interleave', 'true']],
          comment: 'The distributed lock manager that OCFS2/GFS2 need, then lvmlockd for the shared VGs, on every node',
        }
      : {
          kind: 'clone',
          id: 'dlm-clone',
          child: dlm,
          promotable: false,
          meta: [['interleave', 'true']],
          comment: 'The distributed lock manager that OCFS2/GFS2 need, on every node',
        };
    resources.push(locking);
  }

  for (const stack of spec.stacks) {
    const built = buildStack(stack, nodeCount, core, makePrimitive, locking?.id);
    resources.push(...built.resources);
    constraints.push(...built.constraints);
  }

  if (errors.length > 0) return { ok: false, errors };

  const properties: [string, string][] = [['stonith-enabled', spec.stonith.length > 0 ? 'true' : 'false']];
  // OCFS2/GFS2: a node that lost quorum must neither stop its file system (that needs DLM, which
  // is blocked without quorum) nor keep changing things: freezing is the safe choice.
  if (needsDlm) properties.push(['no-quorum-policy', 'freeze']);

  // Stickiness is always set: without it, a node that comes back pulls its resources back,
  // which is a second outage for nothing (the value, 100 by default, comes from the spec).
  return {
    ok: true,
    config: {
      resources,
      constraints,
      properties,
      resourceDefaults: [['resource-stickiness', String(spec.stickiness)], ...spec.resourceDefaults],
      operationDefaults: spec.operationDefaults,
    },
    warnings,
  };
}

type MakePrimitive = (
  id: string,
  agent: AgentRef,
  params: [string, string][],
  needs: { promotable: boolean; notify: boolean },
  comment?: string,
) => Primitive;

function buildStack(
  stack: StackSpec,
  nodeCount: number,
  core: CoreAgents,
  makePrimitive: MakePrimitive,
  /** The DLM (and lvmlockd) clone, present when a stack is dual-primary. */
  lockingId?: string,
): { resources: Resource[]; constraints: Constraint[] } {
  const resources: Resource[] = [];
  const constraints: Constraint[] = [];
  const { drbd, filesystem } = stack;
  if (!drbd) return buildSharedStack(stack, core, makePrimitive);

  // DRBD: a promotable clone, one instance per node, notify=true because the DRBD agents act on
  // their peers' start/promote/demote notifications.
  const drbdPrimitive = makePrimitive(`drbd-${drbd.resource}`, core.drbd, [['drbd_resource', drbd.resource]], {
    promotable: true,
    notify: true,
  });
  const drbdClone: Clone = {
    kind: 'clone',
    id: `drbd-${drbd.resource}-clone`,
    child: drbdPrimitive,
    promotable: true,
    meta: [
      ['promoted-max', stack.dualPrimary ? '2' : '1'],
      ['promoted-node-max', '1'],
      ['clone-max', String(nodeCount)],
      ['clone-node-max', '1'],
      ['notify', 'true'],
      ...(stack.dualPrimary ? [['interleave', 'true'] as [string, string]] : []),
    ],
    comment: stack.dualPrimary
      ? `DRBD resource ${drbd.resource} on ${drbd.device}, Primary on two nodes at once`
      : `DRBD resource ${drbd.resource} on ${drbd.device}, Primary on one node`,
  };
  resources.push(drbdClone);

  const { sharedVg } = stack;
  const fsDevice = sharedVg ? `/dev/${sharedVg.vg}/${sharedVg.lv}` : drbd.device;
  const fs = makePrimitive(`fs-${stack.name}`, core.filesystem, filesystemParams(fsDevice, stack), { promotable: false, notify: false });
  const serviceMembers = serviceMembersOf(stack, core, makePrimitive);

  const promotedColocation = (rsc: string): Colocation => ({
    kind: 'colocation',
    id: `colo-${rsc}-with-drbd-${drbd.resource}-promoted`,
    rsc,
    withRsc: drbdClone.id,
    withRole: 'Promoted',
    score: 'INFINITY',
    comment: `${rsc} runs only where DRBD ${drbd.resource} is Primary`,
  });
  const afterPromote = (then: string): Order => ({
    kind: 'order',
    id: `order-drbd-${drbd.resource}-promote-then-${then}`,
    first: drbdClone.id,
    firstAction: 'promote',
    then,
    thenAction: 'start',
    comment: `${then} starts only after DRBD ${drbd.resource} has been promoted there`,
  });

  if (!stack.dualPrimary) {
    // Single primary: file system, address and services move together as one group.
    const members = [fs, ...serviceMembers];
    const top: Resource =
      members.length === 1
        ? fs
        : groupOf(`g-${stack.name}`, members, `${stack.name}: started in this order, stopped in reverse, always on the same node`);
    resources.push(top);
    constraints.push(promotedColocation(top.id), afterPromote(top.id));
    return { resources, constraints };
  }

  // Dual primary: the cluster file system is mounted on every node where DRBD is Primary, after
  // DLM; the address and services (if any) run on one of those nodes. With a shared VG, the LV is
  // activated (shared) between the two: DRBD promoted -> LV active -> file system mounted.
  if (!lockingId) throw new Error(`${stack.name}: a dual-primary stack without the DLM clone`);
  const startsAfter = (first: string, then: string, comment: string): Order => ({
    kind: 'order',
    id: `order-${first}-then-${then}`,
    first,
    firstAction: 'start',
    then,
    thenAction: 'start',
    comment,
  });
  const colocatedWith = (rsc: string, withRsc: string, comment: string): Colocation => ({
    kind: 'colocation',
    id: `colo-${rsc}-with-${withRsc}`,
    rsc,
    withRsc,
    score: 'INFINITY',
    comment,
  });
  const fsClone: Clone = {
    kind: 'clone',
    id: `fs-${stack.name}-clone`,
    child: fs,
    promotable: false,
    meta: [
      ['clone-max', String(nodeCount)],
      ['interleave', 'true'],
    ],
    comment: `${filesystem.fstype} on ${filesystem.directory}, mounted on every node where DRBD ${drbd.resource} is Primary`,
  };
  if (!sharedVg) {
    resources.push(fsClone);
    constraints.push(
      promotedColocation(fsClone.id),
      afterPromote(fsClone.id),
      colocatedWith(fsClone.id, lockingId, `${filesystem.fstype} needs DLM on the same node`),
      startsAfter(lockingId, fsClone.id, 'DLM runs before the file system is mounted'),
    );
  } else {
    // The LV stands where DRBD stood: it follows the promotion and the lock daemons, and the file
    // system follows the LV (so it, too, runs only where DRBD is Primary and DLM runs).
    const volume = `${sharedVg.vg}/${sharedVg.lv}`;
    const lvm = makePrimitive(
      `lvm-${stack.name}`,
      core.lvmActivate,
      [
        ['vgname', sharedVg.vg],
        ['lvname', sharedVg.lv],
        ['vg_access_mode', 'lvmlockd'],
        ['activation_mode', 'shared'],
      ],
      { promotable: false, notify: false },
    );
    const lvmClone: Clone = {
      kind: 'clone',
      id: `lvm-${stack.name}-clone`,
      child: lvm,
      promotable: false,
      meta: [
        ['clone-max', String(nodeCount)],
        ['interleave', 'true'],
      ],
      comment: `LV ${volume} of the shared VG on ${drbd.device}, active on every node where DRBD ${drbd.resource} is Primary`,
    };
    resources.push(lvmClone, fsClone);
    constraints.push(
      promotedColocation(lvmClone.id),
      afterPromote(lvmClone.id),
      colocatedWith(lvmClone.id, lockingId, `${sharedVg.vg} is locked through lvmlockd and DLM on the same node`),
      startsAfter(lockingId, lvmClone.id, 'DLM and lvmlockd run before the shared VG is used'),
      colocatedWith(fsClone.id, lvmClone.id, `${filesystem.fstype} is on ${volume}, active on the same node`),
      startsAfter(lvmClone.id, fsClone.id, `${volume} is active before the file system is mounted`),
    );
  }
  if (serviceMembers.length > 0) {
    const top: Resource =
      serviceMembers.length === 1
        ? serviceMembers[0]!
        : groupOf(`g-${stack.name}`, serviceMembers, `${stack.name}: services on one of the nodes with the file system`);
    resources.push(top);
    constraints.push(
      colocatedWith(top.id, fsClone.id, `${top.id} runs where the file system is mounted`),
      startsAfter(fsClone.id, top.id, `${top.id} starts after the file system is mounted`),
    );
  }
  return { resources, constraints };
}

/**
 * Shared storage (no DRBD): the file system, address and services as one group. The group is
 * the whole story: its members run on the same node and start in order, so no constraint is
 * needed; fencing is what keeps two nodes from mounting the device at once.
 */
function buildSharedStack(
  stack: StackSpec,
  core: CoreAgents,
  makePrimitive: MakePrimitive,
): { resources: Resource[]; constraints: Constraint[] } {
  const members = [
    makePrimitive(`fs-${stack.name}`, core.filesystem, filesystemParams(stack.filesystem.device!, stack), {
      promotable: false,
      notify: false,
    }),
    ...serviceMembersOf(stack, core, makePrimitive),
  ];
  const top: Resource =
    members.length === 1
      ? { ...members[0]!, comment: `${stack.name}: the file system on shared storage ${stack.filesystem.device!}` }
      : groupOf(
          `g-${stack.name}`,
          members,
          `${stack.name}: on shared storage ${stack.filesystem.device!}; started in this order, stopped in reverse, always on the same node`,
        );
  return { resources: [top], constraints: [] };
}

function filesystemParams(device: string, stack: StackSpec): [string, string][] {
  const params: [string, string][] = [
    ['device', device],
    ['directory', stack.filesystem.directory],
    ['fstype', stack.filesystem.fstype],
  ];
  if (stack.filesystem.options !== undefined) params.push(['options', stack.filesystem.options]);
  return params;
}

/** The VIP (if any) and the services, in this order. */
function serviceMembersOf(stack: StackSpec, core: CoreAgents, makePrimitive: MakePrimitive): Primitive[] {
  const members: Primitive[] = [];
  if (stack.ip) {
    const ipParams: [string, string][] = [['ip', stack.ip.address]];
    if (stack.ip.prefix !== undefined) ipParams.push(['cidr_netmask', String(stack.ip.prefix)]);
    if (stack.ip.nic !== undefined) ipParams.push(['nic', stack.ip.nic]);
    members.push(makePrimitive(`vip-${stack.name}`, core.ipaddr2, ipParams, { promotable: false, notify: false }));
  }
  const typesSeen = new Set<string>();
  stack.services.forEach((service, index) => {
    const clash = typesSeen.has(service.agent.type);
    typesSeen.add(service.agent.type);
    members.push(
      makePrimitive(serviceId(service, index, clash, stack), service.agent, Object.entries(service.params), {
        promotable: false,
        notify: false,
      }),
    );
  });
  return members;
}

function groupOf(id: string, members: Primitive[], comment: string): Group {
  return { kind: 'group', id, members, comment };
}

/** A resource id from an agent type: `apache` -> `apache-web` (`-N` when an earlier service of the stack has that type). */
function serviceId(service: AgentSpec, index: number, clash: boolean, stack: StackSpec): string {
  if (service.id) return service.id;
  const base = service.agent.type
    .toLowerCase()
    .replace(/\.service$/, '')
    .replace(/[^a-z0-9_.-]/g, '-');
  return `${/^[a-z]/.test(base) ? base : `svc-${base}`}-${stack.name}${clash ? `-${index + 1}` : ''}`;
}

/** `fence-alice` when the device fences one node (pcmk_host_list), else `fence-<agent>-N`. */
function stonithId(device: AgentSpec, index: number, all: AgentSpec[]): string {
  if (device.id) return device.id;
  const hosts = (device.params.pcmk_host_list ?? '').split(/[\s,]+/).filter(Boolean);
  if (hosts.length === 1) return `fence-${hosts[0]}`;
  const base = device.agent.type.replace(/^fence_/, '').replace(/[^A-Za-z0-9_.-]/g, '-');
  return all.length === 1 ? `fence-${base}` : `fence-${base}-${index + 1}`;
}

/** When every device says which nodes it fences, name the nodes nobody can fence. */
function warnNodesWithoutFenceDevice(spec: ClusterSpec, warnings: string[]): void {
  const hostLists = spec.stonith.map((device) => device.params.pcmk_host_list);
  if (hostLists.some((list) => list === undefined)) return;
  const covered = new Set(hostLists.flatMap((list) => list!.split(/[\s,]+/)));
  const uncovered = spec.nodes.filter((node) => !covered.has(node.name)).map((node) => node.name);
  if (uncovered.length > 0) {
    warnings.push(
      `no fence device lists ${uncovered.join(', ')} in pcmk_host_list: if ${uncovered.length === 1 ? 'that node' : 'one of those nodes'} hangs, the cluster cannot fence it and stops recovering.`,
    );
  }
}

/**
 * Parameters against the agent's meta-data: an unknown name is almost always a typo, and a
 * missing required one makes the agent fail on every node. Agents of the systemd/lsb classes
 * have no parameters; OCF and fence agents must be known (installed) here.
 */
function checkAgentParams(
  id: string,
  agent: AgentRef,
  metaData: AgentMetaData | undefined,
  params: [string, string][],
  errors: string[],
): void {
  const name = formatAgentRef(agent);
  if (!metaData) {
    if (agent.standard === 'ocf' || agent.standard === 'stonith') {
      errors.push(
        `${id}: unknown agent ${name}: its meta-data could not be read (is it installed on this machine? ` +
          `${agent.standard === 'ocf' ? `it would be /usr/lib/ocf/resource.d/${agent.provider}/${agent.type}` : `it would be /usr/sbin/${agent.type}`})`,
      );
    } else if (params.length > 0) {
      errors.push(`${id}: ${name} takes no parameters (${agent.standard} resources are configured outside the cluster)`);
    }
    return;
  }
  const known = new Set(metaData.parameters.map((parameter) => parameter.name));
  for (const [param] of params) {
    // Fence devices also take the fencer's own pcmk_* parameters (pcmk_host_list, pcmk_delay_max, ...).
    if (agent.standard === 'stonith' && param.startsWith('pcmk_')) continue;
    if (!known.has(param)) {
      const suggestion = closest(param, [...known]);
      errors.push(`${id}: ${name} has no parameter "${param}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
    }
  }
  const given = new Set(params.map(([param]) => param));
  for (const parameter of metaData.parameters) {
    if (parameter.required && !given.has(parameter.name)) {
      errors.push(`${id}: ${name} needs the parameter "${parameter.name}" (${parameter.shortdesc || 'required'})`);
    }
  }
}

/** The known name within edit distance 2, if any: enough to catch `configfle`. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}
