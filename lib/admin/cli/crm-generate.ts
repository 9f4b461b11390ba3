// `ocfkit crm generate`: flags or a description file -> crmsh / pcs / CIB configuration (and the
// DRBD resource file). The work is done by the pure lib/admin/crm; this file reads and writes.

import type { Argv } from 'yargs';
import { agentsNeeded } from '../crm/build.js';
import { drbdResWithoutDrbd, generate } from '../crm/generate.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../crm/header.js';
import { PACEMAKER_VERSIONS, type PacemakerVersion } from '../crm/model.js';
import { TUNING_OPTIONS, tuningWarnings, type TuningKey } from '../crm/drbd-tuning.js';
import { PROVIDERS, validateClusterSpec } from '../crm/spec.js';
import { flagLabel, parseStackFile, stackFlagsToRaw, type StackFlags } from '../crm/stack-input.js';
import { loadAgentCatalog } from './agent-catalog.js';
import type { CliIo } from './system.js';
import { writeAllOrNothing } from './write-all.js';

export interface CrmGenerateArgs extends StackFlags {
  file?: string;
  format: OutputFormat;
  pacemaker: PacemakerVersion;
  output?: string;
  drbdRes?: string;
  metaDataDir?: string;
}

// Typed, so that yargs types --format and --pacemaker as these unions rather than as strings.
const DEFAULT_FORMAT: OutputFormat = 'crm';
const DEFAULT_PACEMAKER: PacemakerVersion = '2.1';

/** The DRBD settings admins tune: DRBD's own names (lib/admin/crm/drbd-tuning.ts declares them). */
const TUNING_FLAGS = TUNING_OPTIONS.map((option) => option.drbdName);
const STACK_FLAGS = [
  'name',
  'drbd-resource',
  'device',
  'disk',
  'drbd-port',
  'protocol',
  'drbd-version',
  'quorum',
  'drbd-fencing',
  'directory',
  'fstype',
  'mount-options',
  'ip',
  'nic',
  'service',
  'dual-primary',
  'shared-vg',
  'node',
  'stonith',
  'without-fencing',
  'stickiness',
  'rsc-default',
  'op-default',
  ...TUNING_FLAGS,
];
/** Options that may be repeated (each adds one more); every other option takes one value. */
const REPEATABLE = ['service', 'node', 'stonith', 'rsc-default', 'op-default'];
/** Options that take one value; yargs collects a repeated one into a list instead of refusing it. */
const SINGLE_VALUED = [
  ...STACK_FLAGS.filter((flag) => !REPEATABLE.includes(flag)),
  'provider',
  'file',
  'format',
  'pacemaker',
  'output',
  'drbd-res',
  'meta-data-dir',
];

/** A usage error (thrown, yargs reports it) for an option given more than once. */
function checkGivenOnce(argv: Record<string, unknown>): true {
  for (const option of SINGLE_VALUED) {
    const value = argv[option];
    if (Array.isArray(value)) throw new Error(`--${option} is given ${value.length} times (${value.join(', ')}): give it once`);
  }
  // DRBD 8.4 has no quorum: asking for it is a contradiction on the command line itself.
  if (argv['drbd-version'] === '8.4') {
    const quorumFlags = [argv.quorum === true && '--quorum', argv['on-no-quorum'] !== undefined && '--on-no-quorum'].filter(Boolean);
    if (quorumFlags.length > 0)
      throw new Error(
        `${quorumFlags.join(' and ')}: DRBD 8.4 has no quorum (it is DRBD 9's); drop ${quorumFlags.length > 1 ? 'them' : 'it'} or use --drbd-version 9`,
      );
  }
  return true;
}

/**
 * The DRBD tuning options, named as DRBD names them (--resync-rate). yargs also gives each its
 * camelCase name (argv.resyncRate), which is what the returned type says: a string or nothing.
 */
function withTuningOptions(yargs: Argv): Argv<Partial<Record<TuningKey, string>>> {
  return yargs.options(
    Object.fromEntries(
      TUNING_OPTIONS.map((option) => [
        option.drbdName,
        {
          type: 'string' as const,
          requiresArg: true,
          describe: option.describe,
          ...(option.value.kind === 'choice' && { choices: [...option.value.choices] }),
        },
      ]),
    ),
  );
}

export function crmGenerateOptions(yargs: Argv): Argv<CrmGenerateArgs> {
  return withTuningOptions(yargs)
    .usage(
      '$0 crm generate [options]\n\n' +
        'Writes the Pacemaker configuration of DRBD stacks: a promotable DRBD clone, the file system on\n' +
        'it, a virtual IP and services, grouped, colocated with the promoted DRBD instance and ordered\n' +
        'after its promotion, with fencing. Without --drbd-resource the stack is on shared storage (a SAN\n' +
        'LUN, a multipath device): --device is any block device (or -U UUID / -L LABEL) and the file\n' +
        'system, virtual IP and services are a plain group. Operation timeouts and monitor intervals\n' +
        "come from the agents' own meta-data. Nothing is written when any input is wrong.",
    )
    .group(['node', 'stonith', 'without-fencing', 'provider', 'stickiness', 'rsc-default', 'op-default'], 'Cluster:')
    .group(
      ['drbd-resource', 'device', 'disk', 'drbd-version', 'drbd-port', 'protocol', 'quorum', 'drbd-fencing', 'dual-primary', 'shared-vg'],
      'DRBD:',
    )
    .group(TUNING_FLAGS, "DRBD tuning (in the resource file; default: DRBD's own):")
    .group(['directory', 'fstype', 'mount-options', 'ip', 'nic', 'service', 'name'], 'File system and services:')
    .group(['file', 'format', 'pacemaker', 'output', 'drbd-res', 'meta-data-dir'], 'Input and output:')
    .option('node', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'A cluster node, NAME or NAME@ADDRESS (the replication address, for --drbd-res); repeat per node',
    })
    .option('stonith', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe:
        'A fence device, AGENT:name=value,... e.g. fence_ipmilan:pcmk_host_list=alice,ip=10.0.0.101,username=admin,password=...; repeat per device',
    })
    .option('without-fencing', {
      type: 'boolean',
      describe:
        'The cluster has no fence device (also --no-stonith): write stonith-enabled=false, with a warning; without --stonith, one of the two is required',
    })
    .option('rsc-default', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'A resource default, NAME=VALUE, e.g. migration-threshold=1 or failure-timeout=10min; repeatable',
    })
    .option('op-default', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'An operation default, NAME=VALUE, e.g. timeout=60s (for operations without their own); repeatable',
    })
    .option('provider', {
      type: 'string',
      choices: PROVIDERS as string[],
      describe:
        'Whose agents: ocfkit (default), or the upstream ones (heartbeat and linbit both mean ocf:heartbeat:Filesystem/IPaddr2 + ocf:linbit:drbd)',
    })
    .option('stickiness', {
      type: 'string',
      requiresArg: true,
      describe: 'resource-stickiness, so a recovered node does not pull resources back (default 100)',
    })
    .option('drbd-resource', {
      type: 'string',
      requiresArg: true,
      describe: 'DRBD resource name, e.g. r0 (leave out for shared storage without DRBD)',
    })
    .option('device', {
      type: 'string',
      requiresArg: true,
      describe: 'DRBD device, e.g. /dev/drbd1; without --drbd-resource the shared block device, e.g. /dev/mapper/mpatha or -U UUID',
    })
    .option('disk', { type: 'string', requiresArg: true, describe: 'Backing disk under DRBD, e.g. /dev/sdb1 (for --drbd-res)' })
    .option('drbd-version', {
      type: 'string',
      choices: ['9', '8.4'],
      describe: 'DRBD generation, for the resource file and fence handlers (default 9)',
    })
    .option('drbd-port', { type: 'string', requiresArg: true, describe: 'Replication TCP port (default 7789)' })
    .option('protocol', {
      type: 'string',
      choices: ['A', 'B', 'C'],
      describe: 'Replication protocol (default C: a write completes when both disks have it)',
    })
    .option('quorum', { type: 'boolean', describe: 'DRBD 9 quorum (default: on with three or more nodes)' })
    .option('drbd-fencing', {
      type: 'string',
      choices: ['resource-only', 'resource-and-stonith'],
      describe:
        'DRBD fencing policy (default resource-only; none where DRBD 9 quorum does its work, three nodes and more; dual-primary needs resource-and-stonith)',
    })
    .option('dual-primary', { type: 'boolean', describe: 'DRBD Primary on two nodes with a cluster file system (OCFS2/GFS2) through DLM' })
    .option('shared-vg', {
      type: 'string',
      requiresArg: true,
      describe:
        'With --dual-primary: VG/LV, a shared volume group on the DRBD device (lvmlockd, LVM-activate) holding the file system, e.g. vg_shared/data',
    })
    .option('directory', { type: 'string', requiresArg: true, describe: 'Mount point, e.g. /srv/data' })
    .option('fstype', { type: 'string', requiresArg: true, describe: 'File system type, e.g. ext4, xfs, ocfs2' })
    .option('mount-options', { type: 'string', requiresArg: true, describe: 'Mount options, e.g. noatime' })
    .option('ip', { type: 'string', requiresArg: true, describe: 'Virtual IP with prefix length, e.g. 192.168.0.20/24' })
    .option('nic', {
      type: 'string',
      requiresArg: true,
      describe: 'Interface for the virtual IP (default: the one whose network contains it)',
    })
    .option('service', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe:
        'A service in the group, CLASS:[PROVIDER:]TYPE[:name=value,...] e.g. ocf:heartbeat:apache:configfile=/etc/apache2/apache2.conf or systemd:nginx; repeatable',
    })
    .option('name', { type: 'string', requiresArg: true, describe: 'Stack name used in resource ids (default: the DRBD resource name)' })
    .option('file', {
      alias: 'f',
      type: 'string',
      requiresArg: true,
      describe: 'Describe the cluster and several stacks in a JSON or YAML file (- for stdin) instead of flags',
    })
    .option('format', {
      type: 'string',
      choices: OUTPUT_FORMATS,
      default: DEFAULT_FORMAT,
      describe: 'crm: a crmsh block; pcs: a pcs script; cib: CIB XML for cibadmin',
    })
    .option('pacemaker', {
      type: 'string',
      choices: PACEMAKER_VERSIONS,
      default: DEFAULT_PACEMAKER,
      describe: 'Target Pacemaker: 2.1 (promotable, Promoted/Unpromoted) or 1.1 (ms, Master/Slave)',
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      requiresArg: true,
      describe: 'Write the configuration to this file instead of standard output',
    })
    .option('drbd-res', { type: 'string', requiresArg: true, describe: 'Also write the DRBD resource file (resource r0 { ... }) here' })
    .option('meta-data-dir', { type: 'string', requiresArg: true, describe: "Read ocfkit's agent meta-data from DIR/<Agent>.xml" })
    .conflicts('file', STACK_FLAGS)
    .check(checkGivenOnce)
    .example(
      '$0 crm generate -f cluster.yaml --format pcs --drbd-res r0.res',
      'Stacks described in a file, as a pcs script, plus the DRBD resource file',
    )
    .example('$0 crm generate ... --pacemaker 1.1', 'The same for a Pacemaker 1.1 cluster (ms, Master/Slave)')
    .example(
      '$0 crm generate --node alice --node bob --name web --device /dev/mapper/mpatha --directory /srv/www --fstype xfs --ip 192.168.0.20/24 --stonith ...',
      'Shared storage without DRBD: file system, VIP and services in one group',
    )
    .epilogue(
      'The classic two-node web server:\n' +
        '  ocfkit crm generate --node alice@10.0.0.1 --node bob@10.0.0.2 \\\n' +
        '    --drbd-resource r0 --device /dev/drbd1 --disk /dev/sdb1 \\\n' +
        '    --directory /srv/www --fstype ext4 --ip 192.168.0.20/24 \\\n' +
        '    --service ocf:heartbeat:apache:configfile=/etc/apache2/apache2.conf \\\n' +
        '    --stonith fence_ipmilan:pcmk_host_list=alice,ip=10.0.1.1,username=admin,password=... \\\n' +
        '    --stonith fence_ipmilan:pcmk_host_list=bob,ip=10.0.1.2,username=admin,password=... \\\n' +
        '    --drbd-res /etc/drbd.d/r0.res\n\n' +
        'A description file has the keys nodes, stonith (or withoutFencing: true), provider, stickiness, rscDefaults, opDefaults ' +
        'and stacks (each with name, drbd, ' +
        'filesystem, ip, services, dualPrimary, sharedVg); crm-examples/ has complete ones in YAML and JSON. The drbd part takes the tuning ' +
        'settings by their DRBD names in camelCase (cMaxRate: 500M, csumsAlg: crc32c, onCongestion: pull-ahead, ...) and quorum: ' +
        'true, false, all or a node count. A stack on shared ' +
        'storage has no drbd part, a name, and its device in filesystem.device.',
    );
}

/** Returns the exit code: 0 written, 1 nothing written (the reasons are on stderr). */
export async function runCrmGenerate(args: CrmGenerateArgs, io: CliIo): Promise<number> {
  const failWith = (errors: string[]) => {
    io.stderr(`ocfkit crm generate: nothing was generated:\n${errors.map((error) => `  - ${error}\n`).join('')}`);
    return 1;
  };

  let raw: unknown;
  let label = flagLabel;
  if (args.file !== undefined) {
    let text: string;
    try {
      text = await io.readText(args.file);
    } catch (error) {
      return failWith([`cannot read ${args.file}: ${(error as Error).message}`]);
    }
    const parsed = parseStackFile(text, args.file);
    if (!parsed.ok) return failWith([parsed.reason]);
    raw = parsed.raw;
    // --provider may override the file's choice, e.g. to try the upstream agents.
    if (args.provider !== undefined && raw && typeof raw === 'object' && !Array.isArray(raw)) raw = { ...raw, provider: args.provider };
    label = (path) => path;
  } else {
    raw = stackFlagsToRaw(args);
  }

  const validated = validateClusterSpec(raw, label);
  if (!validated.ok) return failWith(validated.errors);
  if (args.drbdRes !== undefined) {
    const noDrbd = drbdResWithoutDrbd(validated.spec);
    if (noDrbd !== undefined) return failWith([noDrbd]);
    if (args.drbdRes === args.output) return failWith([`--output and --drbd-res both name ${args.output}: give each its own file`]);
  }

  const load = await loadAgentCatalog(
    agentsNeeded(validated.spec),
    io,
    args.metaDataDir === undefined ? {} : { metaDataDir: args.metaDataDir },
  );
  if (load.errors.length > 0) return failWith(load.errors);

  const result = generate(validated.spec, load.catalog, {
    format: args.format,
    pacemaker: args.pacemaker,
    drbdRes: args.drbdRes !== undefined,
  });
  if (!result.ok) return failWith(result.errors);

  const files: { path: string; text: string }[] = [];
  if (args.output !== undefined) files.push({ path: args.output, text: result.text });
  if (args.drbdRes !== undefined && args.drbdRes !== '-' && result.drbdRes !== undefined)
    files.push({ path: args.drbdRes, text: result.drbdRes });
  const notWritten = await writeAllOrNothing(files, io);
  if (notWritten !== undefined) return failWith([notWritten]);

  for (const note of load.notes) io.stderr(`note: ${note}\n`);
  for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
  // The resource file's own costs: on standard error only, the file holds just the settings and their reasons.
  if (result.drbdRes !== undefined) {
    for (const stack of validated.spec.stacks)
      for (const warning of tuningWarnings(stack.drbd?.resource ?? '', stack.drbd?.tuning)) io.stderr(`warning: ${warning}\n`);
  }
  if (args.output === undefined) io.stdout(result.text);
  if (args.drbdRes === '-' && result.drbdRes !== undefined) io.stdout(result.drbdRes);
  return 0;
}
