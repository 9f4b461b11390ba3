// The Debian package (make deb), as an admin meets it: built from dist/, lintian without errors,
// installed with apt (which resolves its Depends) into a clean Debian 12 that debootstrap made,
// its agents running there on the packaged runtime (ocf-tester on Filesystem), and `dpkg -r`
// leaving no file behind — compared over the whole root, also after a second `dpkg -i`.
//
// The clean root (debootstrap --variant=minbase bookworm, with apt's lists and the dependencies'
// .debs) is kept as a tarball in /var/tmp/ocfkit-debroot-cache: a cold run builds it (a few
// minutes, needs the network), later runs unpack it in seconds.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { REPO } from '../helpers/agent.js';
import { declareBudget } from '../helpers/budget.js';
import { makeLoopFs } from '../helpers/loop.js';

const budget = declareBudget(t, 900);
const CACHE_DIR = '/var/tmp/ocfkit-debroot-cache';
const CACHE = `${CACHE_DIR}/bookworm-minbase.tar`;
const MIRROR = 'http://deb.debian.org/debian';
const AGENTS = ['Filesystem', 'IPaddr2', 'drbd'];
const AGENT_DIR = '/usr/lib/ocf/resource.d/ocfkit';
const { version } = JSON.parse(spawnSync('cat', [`${REPO}/package.json`], { encoding: 'utf8' }).stdout) as { version: string };

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}
function run(file: string, args: readonly string[], options: { timeoutS?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Ran {
  const r = spawnSync(file, args, {
    encoding: 'utf8',
    env: options.env ?? process.env,
    input: options.input,
    timeout: (options.timeoutS ?? 120) * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}
function must(file: string, args: readonly string[], options?: Parameters<typeof run>[2]): string {
  const r = run(file, args, options);
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return r.stdout;
}
const which = (program: string) => run('sh', ['-c', `command -v ${program}`]).status === 0;

// Inside the root, with /proc and the host's /dev mounted in a private mount namespace: nothing
// stays mounted on the host when the command ends, whatever it did.
function inRoot(root: string, script: string, timeoutS = 300): Ran {
  return run(
    'unshare',
    [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-ec',
      // tap puts its own loader into NODE_OPTIONS for every child; the root's Node must not load it.
      `unset NODE_OPTIONS; mount -t proc proc "$0/proc"; mount --rbind /dev "$0/dev"; ${script}`,
      root,
    ],
    {
      timeoutS,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
    },
  );
}

/** Every path in the root but the package manager's own state, which install and removal update. */
function fileList(root: string): Set<string> {
  const out = must('find', [
    root,
    '-xdev',
    '(',
    '-path',
    `${root}/var/lib/dpkg`,
    '-o',
    '-path',
    `${root}/var/lib/apt`,
    '-o',
    '-path',
    `${root}/var/cache`,
    '-o',
    '-path',
    `${root}/var/log`,
    '-o',
    '-path',
    `${root}/tmp`,
    '-o',
    '-path',
    `${root}/proc`,
    '-o',
    '-path',
    `${root}/dev`,
    ')',
    '-prune',
    '-o',
    '-printf',
    '%P %y %m\\n',
  ]);
  return new Set(out.split('\n').filter(Boolean));
}

t.before(() => {
  // What the test needs on the build machine, installed when missing (CI starts without them).
  const missing = [
    ['debootstrap', 'debootstrap'],
    ['lintian', 'lintian'],
    ['dpkg-shlibdeps', 'dpkg-dev'],
    ['strip', 'binutils'],
  ]
    .filter(([program]) => !which(program!))
    .map(([, pkg]) => pkg!);
  if (missing.length)
    must('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
      timeoutS: 600,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
});

const outDir = mkdtempSync('/var/tmp/ocfkit-deb-');
const root = mkdtempSync('/var/tmp/ocfkit-debroot-');
t.teardown(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});
let deb = '';

t.test('make deb builds ocfkit_<version>_amd64.deb with the agents, the runtime, man pages and copyright', async (t) => {
  const started = Date.now();
  t.ok(existsSync(`${REPO}/dist/agents/Filesystem.map`), 'dist/ is built (make build), with source maps');
  // Level 1 instead of 6: the same files, built in a fifth of the time.
  deb = must('bash', [`${REPO}/scripts/build-deb.sh`, outDir], { timeoutS: 400, env: { ...process.env, DEB_XZ_LEVEL: '1' } }).trim();
  t.equal(deb, `${outDir}/ocfkit_${version}_amd64.deb`);
  const fields = must('dpkg-deb', ['-f', deb]);
  t.match(fields, /^Depends: .*\biproute2\b.*\biputils-arping\b/m, 'Depends on what the agents run');
  t.match(fields, /^Depends: .*\blibc6 \(>= /m, 'and on the libraries the runtime links');
  t.match(fields, /^Recommends: .*\bdrbd-utils\b/m);
  const contents = must('dpkg-deb', ['-c', deb]);
  for (const path of [
    ...AGENTS.flatMap((a) => [`${AGENT_DIR}/${a}`, `${AGENT_DIR}/${a}.map`, `/usr/share/man/man7/ocf_ocfkit_${a}.7.gz`]),
    '/usr/lib/ocfkit/node',
    '/usr/lib/ocfkit/ocfkit.mjs',
    '/usr/sbin/ocfkit',
    '/usr/share/man/man8/ocfkit.8.gz',
    '/usr/share/bash-completion/completions/ocfkit',
    '/usr/share/doc/ocfkit/copyright',
  ])
    t.match(contents, new RegExp(` \\.${path.replace(/[.]/g, '\\.')}\\n`), `ships ${path}`);
  t.match(
    contents,
    /^-rw-r--r-- .* \.\/usr\/lib\/ocf\/resource\.d\/ocfkit\/Filesystem\.map$/m,
    'a source map is not executable (Pacemaker would list it as an agent)',
  );
  const copyright = must('sh', ['-c', 'dpkg-deb --fsys-tarfile "$0" | tar -xO ./usr/share/doc/ocfkit/copyright', deb]);
  for (const name of ['Node.js', 'yargs', 'xmlbuilder2', 'fast-xml-parser', 'yaml']) t.match(copyright, name, `copyright names ${name}`);
  t.comment(budget.report(started));
});

t.test('lintian reports no error', async (t) => {
  t.ok(deb, 'package built');
  const started = Date.now();
  const r = run('lintian', ['--no-tag-display-limit', deb], { timeoutS: 400 });
  const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
  t.same(
    tags.filter((l) => l.startsWith('E:')),
    [],
    'no error',
  );
  t.comment(`warnings (each explained in the README):\n${tags.filter((l) => l.startsWith('W:')).join('\n') || 'none'}`);
  t.comment(budget.report(started));
});

t.test('installs into a clean Debian 12, runs there, and dpkg -r removes every file', async (t) => {
  t.ok(deb, 'package built');
  let started = Date.now();
  makeRoot(t);
  t.comment(`clean root ready: ${budget.report(started)}`);

  // It is /, which every user must be able to enter (ocf-tester runs meta-data as nobody); mkdtemp
  // made it 0700 and tar restores the mode it was cached with.
  chmodSync(root, 0o755);
  started = Date.now();
  copyFileSync(deb, `${root}/tmp/ocfkit.deb`);
  // xmllint, for ocf-tester's meta-data check: the test's tool, installed before the comparison starts.
  t.equal(aptInstall('libxml2-utils').status, 0, 'libxml2-utils for ocf-tester');
  const before = fileList(root);
  // apt resolves the Depends from the mirror (or the .debs the cache holds); Recommends
  // (drbd-utils, pacemaker-cli-utils) are not needed to run the agents.
  const apt = aptInstall('/tmp/ocfkit.deb');
  t.equal(apt.status, 0, `apt install ./ocfkit.deb${apt.status === 0 ? '' : `: ${apt.stderr.slice(-1500)}`}`);
  t.comment(`installed: ${budget.report(started)}`);

  for (const agent of AGENTS) {
    const r = inRoot(root, `chroot "$0" ${AGENT_DIR}/${agent} meta-data`, 60);
    t.equal(r.status, 0, `${agent} meta-data runs in the clean root: ${r.stderr}`);
    t.match(r.stdout, `<resource-agent name="${agent}"`);
  }
  const head = inRoot(root, `head -n 1 "$0"${AGENT_DIR}/Filesystem`).stdout;
  t.equal(head.trim(), '#!/usr/lib/ocfkit/node', 'agents run on the packaged runtime');
  const cli = inRoot(root, 'chroot "$0" ocfkit --version', 60);
  t.equal(cli.stdout.trim(), version, `ocfkit --version: ${cli.stderr}`);
  ocfTesterInRoot(t);

  started = Date.now();
  t.equal(inRoot(root, 'chroot "$0" dpkg -r ocfkit').status, 0, 'dpkg -r');
  const afterRemove = fileList(root);
  const ours = new Set(
    must('dpkg-deb', ['-c', deb])
      .split('\n')
      .map((l) => l.split(' ./')[1]?.replace(/\/$/, ''))
      .filter(Boolean),
  );
  const left = [...afterRemove].map((l) => l.split(' ')[0]!).filter((p) => ours.has(p) && ![...before].some((b) => b.startsWith(`${p} `)));
  t.same(left, [], 'no file or directory of the package is left after dpkg -r');
  t.same(
    [...before].filter((l) => !afterRemove.has(l)),
    [],
    'nothing that was there before is gone or changed mode',
  );

  // dpkg -i now that the dependencies are there, then dpkg -r: the root is as it was.
  t.equal(inRoot(root, 'chroot "$0" dpkg -i /tmp/ocfkit.deb').status, 0, 'dpkg -i');
  t.equal(inRoot(root, `chroot "$0" ${AGENT_DIR}/IPaddr2 meta-data >/dev/null`).status, 0, 'IPaddr2 meta-data after dpkg -i');
  t.equal(inRoot(root, 'chroot "$0" dpkg -r ocfkit').status, 0, 'dpkg -r again');
  const afterSecond = fileList(root);
  t.same(
    [...afterSecond].filter((l) => !afterRemove.has(l)),
    [],
    'dpkg -i then dpkg -r adds nothing',
  );
  t.same(
    [...afterRemove].filter((l) => !afterSecond.has(l)),
    [],
    'and removes nothing else',
  );
  t.comment(budget.report(started));
});

/** apt-get install in the root, offline from the cached lists and .debs when they still match the mirror. */
function aptInstall(what: string): Ran {
  const install = `chroot "$0" apt-get install -y --no-install-recommends ${what}`;
  const r = inRoot(root, install);
  return r.status === 0 ? r : inRoot(root, `chroot "$0" apt-get update && ${install}`);
}

/** The clean root: unpacked from the cache, or made by debootstrap and then cached. */
function makeRoot(t: Test) {
  if (existsSync(CACHE)) {
    must('tar', ['-xf', CACHE, '-C', root], { timeoutS: 300 });
    t.comment(`clean root from ${CACHE}`);
    return;
  }
  t.comment(`no ${CACHE}: debootstrap --variant=minbase bookworm (a few minutes)`);
  must('debootstrap', ['--variant=minbase', 'bookworm', root, MIRROR], { timeoutS: 600 });
  writeFileSync(`${root}/etc/resolv.conf`, run('cat', ['/etc/resolv.conf']).stdout);
  // apt's lists, and the .debs of what the package depends on, so that later runs need no network.
  const prepared = inRoot(
    root,
    `chroot "$0" apt-get update && cp "${deb}" "$0/tmp/ocfkit.deb"` +
      ' && chroot "$0" apt-get install -y --no-install-recommends --download-only /tmp/ocfkit.deb libxml2-utils && rm "$0/tmp/ocfkit.deb"',
    600,
  );
  if (prepared.status !== 0) throw new Error(`preparing the clean root: ${prepared.stderr.slice(-2000)}`);
  mkdirSync(CACHE_DIR, { recursive: true });
  must('tar', ['-cf', `${CACHE}.tmp`, '-C', root, '.'], { timeoutS: 300 });
  renameSync(`${CACHE}.tmp`, CACHE);
}

/**
 * Debian's ocf-tester (this machine's copy, with its DTD) runs inside the clean root on the
 * installed Filesystem agent, which mounts a real ext4 loop device there; all of it in /tmp of the
 * root and in a private mount namespace, so the root's file list and the host's mounts are untouched.
 */
function ocfTesterInRoot(t: Test) {
  if (!which('ocf-tester')) {
    t.fail('ocf-tester is not installed (resource-agents): bash scripts/setup-debian.sh');
    return;
  }
  const tester = must('sed', ['s|^DATADIR=.*|DATADIR=/tmp/ocf-tester-data|', must('sh', ['-c', 'command -v ocf-tester']).trim()]);
  writeFileSync(`${root}/tmp/ocf-tester`, tester, { mode: 0o755 });
  mkdirSync(`${root}/tmp/ocf-tester-data/resource-agents`, { recursive: true });
  copyFileSync('/usr/share/resource-agents/ra-api-1.dtd', `${root}/tmp/ocf-tester-data/resource-agents/ra-api-1.dtd`);
  const loop = makeLoopFs('ext4');
  try {
    const r = inRoot(
      root,
      `chroot "$0" /tmp/ocf-tester -v -n fs_deb -o device=${loop.device} -o directory=/srv/ocfkit-deb -o fstype=ext4 ${AGENT_DIR}/Filesystem`,
      300,
    );
    if (r.status !== 0) t.comment((r.stdout + r.stderr).slice(-4000));
    t.equal(r.status, 0, 'ocf-tester passes on the packaged Filesystem agent in the clean root');
    t.match(r.stdout, /passed all tests/);
  } finally {
    loop.cleanup();
  }
}
