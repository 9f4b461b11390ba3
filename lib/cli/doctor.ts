// `ocfkit doctor`: reads the CIB and corosync.conf (live or from files), runs the checks of
// lib/pacemaker/doctor and explains each finding. Exit status: 0 nothing dangerous, 1 at least
// one dangerous finding, 2 the input could not be read.

import type { Argv } from 'yargs';
import { parseCib, type CibModel } from '../pacemaker/cib.js';
import { parseCorosyncConf, type CorosyncSection } from '../pacemaker/corosync-conf.js';
import { diagnose, hasDanger, type Finding, type Severity } from '../pacemaker/doctor/index.js';
import { wrap } from '../crm/header.js';
import type { CliIo } from './system.js';

export interface DoctorArgs {
  cib?: string;
  corosync?: string;
  json?: boolean;
}

const DEFAULT_COROSYNC_CONF = '/etc/corosync/corosync.conf';

export function doctorOptions(yargs: Argv): Argv<DoctorArgs> {
  return yargs
    .usage(
      '$0 doctor [--cib FILE] [--corosync FILE] [--json]\n\n' +
      'Looks for the configuration mistakes that hurt later: fencing off or missing, no-quorum-policy=ignore,\n' +
      'a file system not tied to (or not ordered after) the promoted DRBD, one monitor interval for both\n' +
      'roles, ms/Master/Slave in Pacemaker 2, leftover cli-ban/cli-prefer constraints, a two-node corosync\n' +
      'that waits for its peer after a reboot. Each finding says why it matters and how to fix it.',
    )
    .option('cib', { type: 'string', requiresArg: true, describe: 'Read the CIB from FILE (- for stdin) instead of the live cluster (cibadmin -Q)' })
    .option('corosync', { type: 'string', requiresArg: true, describe: `corosync.conf to read (default ${DEFAULT_COROSYNC_CONF}, skipped if absent)` })
    .option('json', { type: 'boolean', default: false, describe: 'Print the findings as JSON' })
    .example('$0 doctor', 'Check the cluster this node belongs to')
    .example('$0 doctor --cib cib.xml --corosync corosync.conf', 'Check exported files (cibadmin -Q > cib.xml)')
    .epilogue('Exit status: 0 nothing dangerous found; 1 at least one dangerous finding; 2 the CIB or corosync.conf could not be read.') as unknown as Argv<DoctorArgs>;
}

const LABEL: Record<Severity, string> = { danger: 'DANGER ', warning: 'WARNING', advice: 'ADVICE ' };

export function formatFindings(findings: Finding[], sources: string[]): string {
  const lines = [`ocfkit doctor: checked ${sources.join(' and ')}.`, ''];
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

export async function runDoctor(args: DoctorArgs, io: CliIo): Promise<number> {
  const sources: string[] = [];
  let cib: CibModel | undefined;
  let corosync: CorosyncSection | undefined;

  let cibXml: string;
  if (args.cib !== undefined) {
    try {
      cibXml = await io.readText(args.cib);
    } catch (error) {
      io.stderr(`ocfkit doctor: cannot read ${args.cib}: ${(error as Error).message}\n`);
      return 2;
    }
    sources.push(args.cib === '-' ? 'the CIB on standard input' : `the CIB in ${args.cib}`);
  } else {
    const live = await io.run('cibadmin', ['-Q'], { timeoutMs: 30_000 });
    if (live.exitCode !== 0) {
      const reason = live.exitCode === undefined ? 'cibadmin is not installed' : live.stderr.trim() || `cibadmin exited ${live.exitCode}`;
      io.stderr(`ocfkit doctor: cannot read the live CIB (${reason}). Is Pacemaker running on this node? Use --cib FILE for an exported one.\n`);
      return 2;
    }
    cibXml = live.stdout;
    sources.push('the live CIB (cibadmin -Q)');
  }
  const parsedCib = parseCib(cibXml);
  if (!parsedCib.ok) {
    io.stderr(`ocfkit doctor: the CIB cannot be read: ${parsedCib.reason}\n`);
    return 2;
  }
  cib = parsedCib.cib;

  const corosyncPath = args.corosync ?? DEFAULT_COROSYNC_CONF;
  let corosyncText: string | undefined;
  try {
    corosyncText = await io.readText(corosyncPath);
  } catch (error) {
    if (args.corosync !== undefined) {
      io.stderr(`ocfkit doctor: cannot read ${args.corosync}: ${(error as Error).message}\n`);
      return 2;
    }
    io.stderr(`note: ${DEFAULT_COROSYNC_CONF} not found; the corosync checks are skipped (use --corosync FILE)\n`);
  }
  if (corosyncText !== undefined) {
    const parsed = parseCorosyncConf(corosyncText);
    if (!parsed.ok) {
      io.stderr(`ocfkit doctor: ${corosyncPath} cannot be read: ${parsed.reason}\n`);
      return 2;
    }
    corosync = parsed.conf;
    sources.push(corosyncPath);
  }

  const findings = diagnose({ ...(cib ? { cib } : {}), ...(corosync ? { corosync } : {}) });
  if (args.json) {
    const count = (severity: Severity) => findings.filter((finding) => finding.severity === severity).length;
    io.stdout(`${JSON.stringify({ checked: sources, findings, summary: { danger: count('danger'), warning: count('warning'), advice: count('advice') } }, null, 2)}\n`);
  } else {
    io.stdout(formatFindings(findings, sources));
  }
  return hasDanger(findings) ? 1 : 0;
}
