// The `ocfkit` executable as it is installed: built by scripts/build.mjs, copied away from the
// checkout (`make install` puts it in /usr/lib/ocfkit with no package.json around), run by the
// pinned Node 24. Its version, its help for every command, usage lines that name every option.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeBinary } from '../../scripts/runtime.mjs';

const REPO = new URL('../..', import.meta.url).pathname;
const NODE24 = runtimeBinary(REPO);
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };

execFileSync(process.execPath, [join(REPO, 'scripts/build.mjs')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
const installed = mkdtempSync(join(tmpdir(), 'ocfk-cli-installed-'));
t.teardown(() => rmSync(installed, { recursive: true, force: true }));
copyFileSync(join(REPO, 'dist/bin/ocfkit.mjs'), join(installed, 'ocfkit.mjs'));

function ocfkit(...args: string[]) {
  const result = spawnSync(NODE24, [join(installed, 'ocfkit.mjs'), ...args], { cwd: installed, encoding: 'utf8', timeout: 60_000 });
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Issue 10: the installed CLI printed `unknown` (it looked for a package.json that is not installed).
t.test('--version prints the version of package.json, installed too', async (t) => {
  const printed = ocfkit('--version');
  t.equal(printed.exitCode, 0);
  t.equal(printed.stdout, `${version}\n`);
});

// Issue 10: `ocfkit completion --help` printed the completion script.
t.test('completion --help prints help; completion prints the script', async (t) => {
  const help = ocfkit('completion', '--help');
  t.equal(help.exitCode, 0);
  t.match(help.stdout, /^ocfkit completion\n\nPrints a script that completes ocfkit's commands and options/);
  t.match(help.stdout, /ocfkit completion >> ~\/\.bashrc/);
  t.notMatch(help.stdout, /_ocfkit_yargs_completions/);
  t.same(ocfkit('completion', '-h').stdout, help.stdout);

  const script = ocfkit('completion');
  t.equal(script.exitCode, 0);
  t.match(script.stdout, /###-begin-ocfkit-completions-###[\s\S]*--get-yargs-completions/);
  const words = ocfkit('--get-yargs-completions', 'ocfkit', 'drbd', 'status', '--');
  t.match(words.stdout.split('\n'), ['--help', '--version', '--from', '--input-format', '--kernel-log', '--json']);
});

/** The options a help text lists in its option sections, without the global --help and --version. */
function listedOptions(help: string): string[] {
  return [...help.matchAll(/^ {2}(?:-\w, |    )--([a-z][\w-]*)/gm)]
    .map((match) => match[1]!)
    .filter((name) => name !== 'help' && name !== 'version');
}

// Issue 10: `drbd status`'s usage line named some of its options, not --input-format and --kernel-log.
t.test('every usage line names every option of its command, or says [options]', async (t) => {
  for (const command of [
    [],
    ['crm'],
    ['crm', 'generate'],
    ['doctor'],
    ['drbd'],
    ['drbd', 'status'],
    ['drbd', 'split-brain'],
    ['completion'],
  ]) {
    const help = ocfkit(...command, '--help');
    const name = ['ocfkit', ...command].join(' ');
    t.equal(help.exitCode, 0, `${name} --help: exit 0`);
    const usage = help.stdout.split('\n\n')[0]!.replace(/\s+/g, ' ');
    t.ok(usage.startsWith(name), `${name}: the help starts with its usage line (${usage})`);
    if (usage.includes('[options]')) continue;
    for (const option of listedOptions(help.stdout)) t.match(usage, `--${option}`, `${name}: the usage line names --${option}`);
  }
});
