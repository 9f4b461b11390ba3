#!/usr/bin/env node
// Writes the man pages from what the built programs themselves print, so that they cannot go stale:
//   ocfkit.8                 `ocfkit --help`, then `--help` of every command it lists, recursively
//   ocf_ocfkit_<Agent>.7     the agent's `meta-data` and its `usage` line (as resource-agents names them)
//
//   gen-man.mjs OUTDIR VERSION DATE CLI AGENT...
// CLI and AGENT are the built executables (dist/bin/ocfkit, dist/agents/*); DATE is YYYY-MM-DD.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

const [outDir, version, date, cli, ...agents] = process.argv.slice(2);
if (!outDir || !version || !date || !cli || agents.length === 0) throw new Error('usage: gen-man.mjs OUTDIR VERSION DATE CLI AGENT...');
mkdirSync(outDir, { recursive: true });

// A fixed width: yargs wraps --help to the terminal, and the build must not depend on one.
const printed = (file, args) => execFileSync(file, args, { encoding: 'utf8', env: { ...process.env, COLUMNS: '80' } });

writeFileSync(join(outDir, 'ocfkit.8'), cliPage());
for (const agent of agents) writeFileSync(join(outDir, `ocf_ocfkit_${basename(agent)}.7`), agentPage(agent));

// ---------------------------------------------------------------- ocfkit(8)

function cliPage() {
  const top = printed(cli, ['--help']);
  const [usage, , ...rest] = top.split('\n');
  const summary = rest.join('\n').split('\n\n')[0].replace(/\n/g, ' ').trim();
  const lines = [
    header('OCFKIT', 8, 'System Administration'),
    '.SH NAME',
    `ocfkit \\- ${escape(firstSentence(summary))}`,
    '.SH SYNOPSIS',
    `.B ${escape(usage.trim())}`,
    '.SH DESCRIPTION',
    escape(summary),
    '.PP',
    'Every command prints its own help with \\fB\\-\\-help\\fR; the sections below are that help, as this version prints it.',
    '.SH OPTIONS',
    ...preformatted(top),
  ];
  for (const command of commandsOf(top, [])) {
    lines.push(`.SH "${escape(['ocfkit', ...command].join(' ').toUpperCase())}"`, ...preformatted(printed(cli, [...command, '--help'])));
  }
  lines.push('.SH "SEE ALSO"', agents.map((a) => `.BR ocf_ocfkit_${escape(basename(a))} (7)`).join(',\n'));
  return `${lines.join('\n')}\n`;
}

/** The commands a --help lists ("  ocfkit crm generate  Write ..."), and theirs, depth first. */
function commandsOf(help, parent) {
  const section = /\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(help)?.[1] ?? '';
  const found = [];
  for (const line of section.split('\n')) {
    const m = /^ {2}ocfkit ((?:[a-z][\w-]* ?)+?)(?: +\[| +<| {2,}|$)/.exec(line);
    if (!m) continue;
    const command = m[1].trim().split(' ');
    if (command.length !== parent.length + 1) continue;
    found.push(command, ...commandsOf(printed(cli, [...command, '--help']), command));
  }
  return found;
}

// ---------------------------------------------------------------- ocf_ocfkit_<Agent>(7)

function agentPage(agent) {
  const name = basename(agent);
  const env = { ...process.env, OCF_ROOT: '/usr/lib/ocf' };
  const xml = execFileSync(agent, ['meta-data'], { encoding: 'utf8', env });
  // "usage: Filesystem {meta-data|...}": the actions, after the agent's name
  const actions = execFileSync(agent, ['usage'], { encoding: 'utf8', env })
    .trim()
    .replace(/^usage:\s*\S+\s*/i, '');
  const meta = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    textNodeName: 'text',
    isArray: (tag) => ['parameter', 'action'].includes(tag),
  }).parse(xml)['resource-agent'];
  const text = (node) => String(typeof node === 'object' ? (node.text ?? '') : (node ?? '')).trim();
  const lines = [
    header(`OCF_OCFKIT_${name.toUpperCase()}`, 7, 'OCF resource agents'),
    '.SH NAME',
    `ocf_ocfkit_${escape(name)} \\- ${escape(text(meta.shortdesc))}`,
    '.SH SYNOPSIS',
    `.B ${escape(name)}`,
    escape(actions),
    '.SH DESCRIPTION',
    ...paragraphs(text(meta.longdesc)),
    '.SH "SUPPORTED PARAMETERS"',
  ];
  for (const p of meta.parameters?.parameter ?? []) {
    const facts = [
      p.required === '1' ? 'required' : 'optional',
      p.unique === '1' ? 'unique' : undefined,
      p.content?.type,
      p.content?.default !== undefined && p.content.default !== '' ? `default "${p.content.default}"` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push('.TP', `\\fB${escape(p.name)}\\fR (${escape(facts)})`, `${escape(text(p.shortdesc))}.`);
    for (const paragraph of text(p.longdesc)
      .split(/\n\s*\n/)
      .filter((x) => x.trim()))
      lines.push('.IP', escape(paragraph.trim()));
  }
  lines.push(
    '.SH "SUPPORTED ACTIONS"',
    'This agent supports the following actions, with these default timeouts and intervals:',
    '.RS',
    '.nf',
  );
  for (const a of meta.actions?.action ?? []) {
    const extra = Object.entries(a)
      .filter(([k]) => k !== 'name')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    lines.push(escape(`${a.name}  ${extra}`));
  }
  lines.push('.fi', '.RE');
  const required = (meta.parameters?.parameter ?? []).filter((p) => p.required === '1').map((p) => `${p.name}=...`);
  lines.push(
    '.SH "EXAMPLE CRM SHELL"',
    'The following is an example configuration for this resource agent using the crm(8) shell:',
    '.RS',
    '.nf',
    escape(`primitive p_${name} ocf:ocfkit:${name} \\`),
    escape(`  params ${required.join(' ')}`),
    '.fi',
    '.RE',
    '.SH "SEE ALSO"',
    '.BR ocfkit (8),',
    `.BR ocf_heartbeat_${escape(name)} (7)`,
  );
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- roff

function header(title, section, manual) {
  return `.TH ${title} ${section} "${date}" "ocfkit ${escape(version)}" "${manual}"`;
}

/** Text for roff: a backslash is \e, a line starting with . or ' would be a request. */
function escape(s) {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

/** Blank-line separated paragraphs; the lines within one are refilled by man. */
function paragraphs(s) {
  return s
    .split(/\n\s*\n/)
    .filter((p) => p.trim())
    .flatMap((p, i) => [...(i ? ['.PP'] : []), escape(p.trim())]);
}

/** --help as printed (it is laid out already), in a fixed-width block. */
function preformatted(s) {
  return [
    '.nf',
    ...s
      .trimEnd()
      .split('\n')
      .map((l) => (l.trim() === '' ? '' : escape(l))),
    '.fi',
  ];
}

function firstSentence(s) {
  const m = /^(.*?[.:])(\s|$)/.exec(s);
  return (m ? m[1] : s).replace(/[.:]$/, '');
}
