// `ocfkit doctor`: reads the CIB and corosync.conf (live or from files), runs the checks of
// lib/admin/pacemaker/doctor and explains each finding. Exit status: 0 nothing dangerous, 1 at least
// one dangerous finding, 2 the input could not be read.

import type { Argv } from 'yargs';
import { parseCib, type CibModel } from '../pacemaker/cib.js';
import { parseCorosyncConf, type CorosyncSection } from '../pacemaker/corosync-conf.js';
import { diagnose, hasDanger, type Finding, type Severity } from '../pacemaker/doctor/index.js';
import { wrap } from '../crm/header.js';
import { drbdFactsFromFiles, liveDrbdFacts, USERMODE_HELPER_PATH, wantsDrbdFiles, type DoctorDrbdArgs } from './doctor-drbd.js';
import type { CliIo } from './system.js';
import { escapeControlCharacters, jsonForTerminal } from './terminal.js';

export interface DoctorArgs extends DoctorDrbdArgs {
  cib?: string;
  corosync?: string;
  json?: boolean;
}

const DEFAULT_COROSYNC_CONF = '/etc/corosync/corosync.conf';

export function doctorOptions(yargs: Argv): Argv<DoctorArgs> {
  return yargs
    .usage(
      '$0 doctor [--cib FILE|-] [--corosync FILE] [--drbd-status FILE] [--drbd-config FILE] [--drbd-adjust FILE]... [--drbd-usermode-helper FILE] [--drbd-backing-size DEVICE=BYTES]... [--json]\n\n' +
        'Looks for the configuration mistakes that hurt later: fencing off or missing, no-quorum-policy=ignore,\n' +
        'a file system not tied to (or not ordered after) the promoted DRBD, one monitor interval for both\n' +
        'roles, ms/Master/Slave in Pacemaker 2, leftover cli-ban/cli-prefer constraints, a two-node corosync\n' +
        "that waits for its peer after a reboot; on this node's DRBD: usermode_helper not drbdadm, fencing or\n" +
        'the crm-fence-peer handlers missing, no quorum on 3+ nodes, allow-two-primaries without a cluster\n' +
        'file system, protocol A/B, Inconsistent data without resync, blocks left out of sync by a verify,\n' +
        'Outdated peers, a backing device grown but not resized, a running configuration that differs from\n' +
        'the files. Each finding says why it matters and how to fix it.\n' +
        "The live CIB is checked with this node's corosync.conf; a CIB from a file only with the\n" +
        'corosync.conf given by --corosync (it may describe another cluster).\n' +
        "This node's DRBD is asked live with the live CIB (a node without DRBD has no DRBD findings);\n" +
        'with --cib FILE or any --drbd-* option, only the --drbd-* files given are read.',
    )
    .option('cib', {
      type: 'string',
      requiresArg: true,
      describe: 'Read the CIB from FILE (- for stdin) instead of the live cluster (cibadmin -Q)',
    })
    .option('corosync', {
      type: 'string',
      requiresArg: true,
      describe: `corosync.conf to read (default: this node's ${DEFAULT_COROSYNC_CONF} with the live CIB, none with --cib)`,
    })
    .option('drbd-status', {
      type: 'string',
      requiresArg: true,
      describe: 'Saved drbdsetup status --verbose --statistics (or --json, events2, /proc/drbd)',
    })
    .option('drbd-config', {
      type: 'string',
      requiresArg: true,
      describe: 'Saved drbdadm dump (the configuration files; 8.4: drbdadm-84 dump)',
    })
    .option('drbd-adjust', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'Saved drbdadm -d adjust RESOURCE (repeat per resource)',
    })
    .option('drbd-usermode-helper', { type: 'string', requiresArg: true, describe: `Saved ${USERMODE_HELPER_PATH}` })
    .option('drbd-backing-size', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'DEVICE=BYTES, as blockdev --getsize64 DEVICE prints (repeatable)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the findings as JSON' })
    .example('$0 doctor', 'Check the cluster this node belongs to')
    .example('$0 doctor --cib cib.xml --corosync corosync.conf', 'Check exported files (cibadmin -Q > cib.xml)')
    .example('$0 doctor --cib cib.xml --drbd-status status.txt --drbd-config dump.txt', "With a node's saved DRBD outputs")
    .epilogue(
      'Exit status: 0 nothing dangerous found; 1 at least one dangerous finding; 2 the CIB, corosync.conf or a --drbd-* file could not be read.',
    );
}

const LABEL: Record<Severity, string> = { danger: 'DANGER ', warning: 'WARNING', advice: 'ADVICE ' };

/** What the doctor read, as the first line of its report says it. */
export interface DoctorInputs {
  /** `the live CIB (cibadmin -Q)`, `the CIB in FILE`, ... */
  cib: string;
  /** The path of the corosync.conf read; undefined when none was, and `corosyncSkipped` says why. */
  corosyncConf?: string;
  /** The corosync.conf read is this node's own (the default, with the live CIB). */
  corosyncOfThisNode?: boolean;
  corosyncSkipped?: string;
  /** The DRBD outputs read (`drbdadm dump`, FILE, ...); undefined when none. */
  drbd?: string[];
}

function describeInputs(inputs: DoctorInputs): string {
  const drbd = inputs.drbd === undefined ? '' : ` DRBD: ${inputs.drbd.length > 0 ? inputs.drbd.join(', ') : 'nothing could be read'}.`;
  if (inputs.corosyncConf === undefined) return `checked ${inputs.cib}; no corosync.conf read (${inputs.corosyncSkipped}).${drbd}`;
  return `checked ${inputs.cib} and ${inputs.corosyncOfThisNode ? "this node's" : 'the corosync.conf'} ${inputs.corosyncConf}.${drbd}`;
}

export function formatFindings(findings: Finding[], inputs: DoctorInputs): string {
  const lines = [`ocfkit doctor: ${describeInputs(inputs)}`, ''];
  if (findings.length === 0) {
    lines.push('No known pitfalls found.');
    return `${lines.join('\n')}\n`;
  }
  for (const finding of findings) {
    lines.push(`${LABEL[finding.severity]}  ${finding.title}   [${finding.check}]`);
    const why = wrap(finding.why, 90);
    lines.push(`  Why:  ${why[0]}`, ...why.slice(1).map((line) => `        ${line.trimStart()}`));
    finding.fix.forEach((step, index) => lines.push(`  ${index === 0 ? 'Fix: ' : '     '} ${step}`));
    lines.push('');
  }
  const count = (severity: Severity) => findings.filter((finding) => finding.severity === severity).length;
  lines.push(`${count('danger')} dangerous, ${count('warning')} warning${count('warning') === 1 ? '' : 's'}, ${count('advice')} advice.`);
  return `${lines.join('\n')}\n`;
}

export async function runDoctor(args: DoctorArgs, machineIo: CliIo): Promise<number> {
  // Messages quote file names, cibadmin's words and the input: shown, never obeyed, by the terminal.
  const io: CliIo = { ...machineIo, stderr: (text) => machineIo.stderr(escapeControlCharacters(text)) };
  let cibXml: string;
  let cibSource: string;
  if (args.cib !== undefined) {
    try {
      cibXml = await io.readText(args.cib);
    } catch (error) {
      io.stderr(`ocfkit doctor: cannot read ${args.cib}: ${(error as Error).message}\n`);
      return 2;
    }
    cibSource = args.cib === '-' ? 'the CIB on standard input' : `the CIB in ${args.cib}`;
  } else {
    const live = await io.run('cibadmin', ['-Q'], { timeoutMs: 30_000 });
    if (live.exitCode !== 0) {
      const reason = live.exitCode === undefined ? 'cibadmin is not installed' : live.stderr.trim() || `cibadmin exited ${live.exitCode}`;
      io.stderr(
        `ocfkit doctor: cannot read the live CIB (${reason}). Is Pacemaker running on this node? Use --cib FILE for an exported one.\n`,
      );
      return 2;
    }
    cibXml = live.stdout;
    cibSource = 'the live CIB (cibadmin -Q)';
  }
  const parsedCib = parseCib(cibXml);
  if (!parsedCib.ok) {
    io.stderr(`ocfkit doctor: the CIB cannot be read: ${parsedCib.reason}\n`);
    return 2;
  }
  const cib: CibModel = parsedCib.cib;

  const corosync = await readCorosync(args, io);
  if ('exitCode' in corosync) return corosync.exitCode;
  const inputs: DoctorInputs = { cib: cibSource, ...corosync.inputs };

  // DRBD: the named files, else this node's when the CIB is this node's too.
  let drbd: Awaited<ReturnType<typeof liveDrbdFacts>>;
  if (wantsDrbdFiles(args)) {
    const fromFiles = await drbdFactsFromFiles(args, io);
    if ('error' in fromFiles) {
      io.stderr(`ocfkit doctor: ${fromFiles.error}\n`);
      return 2;
    }
    drbd = fromFiles;
  } else if (args.cib === undefined) {
    drbd = await liveDrbdFacts(io);
  }
  if (drbd) inputs.drbd = drbd.sources;

  const findings = diagnose({ cib, ...(corosync.conf ? { corosync: corosync.conf } : {}), ...(drbd ? { drbd: drbd.facts } : {}) });
  if (args.json) {
    const count = (severity: Severity) => findings.filter((finding) => finding.severity === severity).length;
    const checked = [inputs.cib, ...(inputs.corosyncConf !== undefined ? [inputs.corosyncConf] : []), ...(inputs.drbd ?? [])];
    io.stdout(
      `${jsonForTerminal({
        checked,
        corosyncConf: inputs.corosyncConf ?? null,
        findings,
        summary: { danger: count('danger'), warning: count('warning'), advice: count('advice') },
      })}\n`,
    );
  } else {
    // Findings quote ids and values from the CIB: shown, never obeyed, by the terminal.
    io.stdout(escapeControlCharacters(formatFindings(findings, inputs)));
  }
  return hasDanger(findings) ? 1 : 0;
}

/**
 * The corosync.conf that belongs to the CIB being checked. With the live CIB that is this node's
 * own; an exported CIB may come from any cluster, so its corosync.conf is only the file the user
 * names: this node's would silently mix two clusters' settings into one report.
 */
async function readCorosync(
  args: DoctorArgs,
  io: CliIo,
): Promise<{ conf?: CorosyncSection; inputs: Omit<DoctorInputs, 'cib'> } | { exitCode: number }> {
  if (args.corosync === undefined && args.cib !== undefined) {
    return { inputs: { corosyncSkipped: "the CIB is from a file; name its cluster's with --corosync FILE for the corosync checks" } };
  }
  const path = args.corosync ?? DEFAULT_COROSYNC_CONF;
  let text: string;
  try {
    text = await io.readText(path);
  } catch (error) {
    if (args.corosync !== undefined) {
      io.stderr(`ocfkit doctor: cannot read ${args.corosync}: ${(error as Error).message}\n`);
      return { exitCode: 2 };
    }
    io.stderr(`note: ${DEFAULT_COROSYNC_CONF} not found; the corosync checks are skipped (use --corosync FILE)\n`);
    return { inputs: { corosyncSkipped: `${DEFAULT_COROSYNC_CONF} does not exist on this node; the corosync checks are skipped` } };
  }
  const parsed = parseCorosyncConf(text);
  if (!parsed.ok) {
    io.stderr(`ocfkit doctor: ${path} cannot be read: ${parsed.reason}\n`);
    return { exitCode: 2 };
  }
  return { conf: parsed.conf, inputs: { corosyncConf: path, ...(args.corosync === undefined && { corosyncOfThisNode: true }) } };
}
