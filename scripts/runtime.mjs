#!/usr/bin/env node
// The runtime the agents and the CLI run on: the Node.js binary of the npm package
// node-linux-<arch> (x64, arm64), which package-lock.json pins with its integrity (the sha512 of
// the package's tarball). Its path is named here and nowhere else: the Makefile, the build, the
// Debian package and the tests all ask runtimeBinary() or this script.
//
//   node scripts/runtime.mjs path [ARCH]    the binary's path, nothing checked
//   node scripts/runtime.mjs check [ARCH]   the binary's path, once it is checked (see checkRuntime)
//
// ARCH is Node's name (x64, arm64) and defaults to this machine's. Both packages are optional
// dependencies: npm installs only the one whose "cpu" is this machine's, into node_modules/. The
// other is fetched by `check` with `npm pack` and unpacked into dist/runtime/ (for `make deb ARCH=arm64`).
// Runs on the machine's Node 20 too (the build starts with it).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ARCHES = ['x64', 'arm64'];

/** The unpacked package node-linux-<arch>: bin/node and LICENSE. */
export function runtimePackageDir(root, arch = process.arch) {
  checkArch(arch);
  return arch === process.arch ? join(root, 'node_modules', `node-linux-${arch}`) : join(root, 'dist', 'runtime', `node-linux-${arch}`);
}

/** The Node.js binary the agents run on (for another architecture: after checkRuntime fetched it). */
export function runtimeBinary(root, arch = process.arch) {
  return join(runtimePackageDir(root, arch), 'bin', 'node');
}

/**
 * Throws unless runtimeBinary(root, arch) is byte for byte the bin/node of the tarball whose
 * integrity package-lock.json records; returns its path. npm ci checks the tarball when it
 * installs; this catches what happens after (a binary copied over it, an `npm install` of another
 * version, a lock changed without npm ci). The first check of a tarball unpacks it (from npm's
 * cache: a few seconds) and remembers the binary's sha256 beside it; later builds only hash the binary.
 */
export async function checkRuntime(root, arch = process.arch) {
  const { name, version, integrity } = lockedRuntime(root, arch);
  const dir = runtimePackageDir(root, arch);
  const binary = join(dir, 'bin', 'node');
  const stampFile = join(dir, '.ocfkit-checked.json');
  const stamp = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : undefined;
  let expected = stamp?.integrity === integrity ? stamp.sha256 : undefined;
  if (!expected) {
    if (arch === process.arch && !existsSync(binary))
      throw new Error(`${binary} is missing: run npm ci (${name} is an optional dependency)`);
    expected = unpackCheckedTarball(root, name, version, integrity, arch === process.arch ? undefined : dir);
    writeFileSync(stampFile, `${JSON.stringify({ integrity, sha256: expected })}\n`);
  }
  const actual = await sha256(binary);
  if (actual !== expected)
    throw new Error(`${binary} is not the node binary of ${name}@${version} that package-lock.json pins: run npm ci`);
  return binary;
}

/** package-lock.json's entry for node-linux-<arch>. */
export function lockedRuntime(root, arch = process.arch) {
  checkArch(arch);
  const name = `node-linux-${arch}`;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const entry = lock.packages?.[`node_modules/${name}`];
  if (!entry?.version || !entry.integrity?.startsWith('sha512-'))
    throw new Error(`package-lock.json pins no ${name} with a sha512 integrity`);
  return { name, version: entry.version, integrity: entry.integrity };
}

/**
 * `npm pack` fetches the tarball (from npm's cache when it is there), whose sha512 must be the
 * lock's integrity. Its bin/node and LICENSE are unpacked into `into` (kept) or a scratch directory
 * (only hashed). Returns bin/node's sha256.
 */
function unpackCheckedTarball(root, name, version, integrity, into) {
  const scratch = mkdtempSync(join(tmpdir(), 'ocfkit-runtime-'));
  try {
    const pack = spawnSync('npm', ['pack', `${name}@${version}`, '--prefer-offline', '--json', '--pack-destination', scratch], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (pack.status !== 0) throw new Error(`npm pack ${name}@${version} failed`);
    const tarball = join(scratch, JSON.parse(pack.stdout)[0].filename);
    const tarballIntegrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (tarballIntegrity !== integrity)
      throw new Error(`${name}@${version}: the tarball's integrity ${tarballIntegrity} is not package-lock.json's ${integrity}`);
    const dest = into ?? join(scratch, 'package');
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    const tar = spawnSync('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1', 'package/bin/node', 'package/LICENSE'], {
      stdio: 'inherit',
    });
    if (tar.status !== 0) throw new Error(`cannot unpack ${tarball}`);
    return createHash('sha256')
      .update(readFileSync(join(dest, 'bin', 'node')))
      .digest('hex');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function sha256(file) {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', fail)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => done(hash.digest('hex')));
  });
}

function checkArch(arch) {
  if (!ARCHES.includes(arch)) throw new Error(`no runtime for the architecture ${arch} (there is one for ${ARCHES.join(', ')})`);
}

// Run as a script (not when a bundle that imports this file is the script: its URL is argv[1] too).
if (/(^|\/)runtime\.mjs$/.test(process.argv[1] ?? '') && import.meta.url === `file://${process.argv[1]}`) {
  const [command, arch = process.arch] = process.argv.slice(2);
  const root = resolve(new URL('..', import.meta.url).pathname);
  try {
    if (command === 'path') console.log(runtimeBinary(root, arch));
    else if (command === 'check') console.log(await checkRuntime(root, arch));
    else {
      console.error('usage: runtime.mjs path|check [x64|arm64]');
      process.exit(2);
    }
  } catch (error) {
    console.error(`runtime.mjs: ${error.message}`);
    process.exit(1);
  }
}
