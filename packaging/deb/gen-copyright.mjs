#!/usr/bin/env node
// Writes the package's /usr/share/doc/ocfkit/copyright (Debian's machine-readable format) to stdout:
// ocfkit itself, the Node.js runtime, and every npm package compiled into a bundle.
//
//   gen-copyright.mjs --runtime INSTALLED=LICENSE_FILE --bundle INSTALLED=SOURCE_MAP ...
//
// Which npm packages a bundle holds is read from its source map (the `sources` esbuild wrote), not
// from package.json: a dependency that is not bundled is not shipped, and a package that a
// dependency pulls in is — so the list cannot go stale when the code or the lock file changes.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');

// Licences whose full text Debian ships in /usr/share/common-licenses: named, never copied
// (lintian asks for that, and the reference is what Debian's own packages do).
const COMMON_LICENSES = { 'Apache-2.0': 'Apache-2.0', 'GPL-2.0-or-later': 'GPL-2', 'GPL-2.0-only': 'GPL-2' };
// SPDX (package.json) to the short names of the copyright format.
const DEBIAN_NAME = {
  MIT: 'Expat',
  ISC: 'ISC',
  'Apache-2.0': 'Apache-2.0',
  'BSD-2-Clause': 'BSD-2-clause',
  'BSD-3-Clause': 'BSD-3-clause',
  '0BSD': '0BSD',
  'GPL-2.0-or-later': 'GPL-2+',
};

const { runtimes, bundles } = parseArguments(process.argv.slice(2));
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

const paragraphs = [
  [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: ocfkit',
    field(
      'Comment',
      "Generated at build time by packaging/deb/gen-copyright.mjs from the bundles' source maps.\n" +
        'Several paragraphs name the same bundle: each npm package listed below is compiled into that file,\n' +
        'and the licences of all of them apply to it.',
    ),
  ],
  ['Files: *', 'Copyright: The ocfkit authors', `License: GPL-2+`, field('Comment', `ocfkit ${version}`)],
];

for (const { installed, file } of runtimes) {
  // Node.js's LICENSE: its own MIT notice first, then the licences of everything Node bundles.
  const text = apacheLicenseReferenced(readFileSync(file, 'utf8'));
  paragraphs.push([
    `Files: ${installed}`,
    field('Copyright', copyrightLines(text).join('\n') || 'Node.js contributors'),
    field('License', `Expat and others\n${text}`),
    field(
      'Comment',
      `The Node.js runtime (${file}), as built by the Node.js project. The licence above is Node's LICENSE file, verbatim:\n` +
        'the MIT licence of Node.js followed by the licences of the libraries it includes (V8, OpenSSL, ICU, libuv, ...).',
    ),
  ]);
}

const usedLicenses = new Set(['GPL-2+']);
for (const pkg of bundledPackages(bundles)) {
  const license = DEBIAN_NAME[pkg.spdx] ?? pkg.spdx;
  const common = COMMON_LICENSES[pkg.spdx];
  const copyright = copyrightLines(pkg.licenseText ?? '').join('\n') || pkg.author || `The ${pkg.name} authors`;
  const paragraph = [`Files: ${pkg.installedIn.join(' ')}`, field('Copyright', copyright)];
  if (common) {
    usedLicenses.add(license);
    paragraph.push(`License: ${license}`);
  } else {
    paragraph.push(
      field('License', `${license}\n${pkg.licenseText ?? `(${pkg.name} ships no licence file; package.json says ${pkg.spdx})`}`),
    );
  }
  paragraph.push(
    field(
      'Comment',
      `npm package ${pkg.name} ${pkg.version} (${pkg.dir}), compiled into the file(s) above.${pkg.notice ? `\nIts NOTICE file:\n${pkg.notice}` : ''}`,
    ),
  );
  paragraphs.push(paragraph);
}

const COMMON_TEXT = {
  'GPL-2+':
    'This program is free software; you can redistribute it and/or modify it under the terms of the GNU General\n' +
    'Public License as published by the Free Software Foundation; either version 2 of the License, or (at your option)\n' +
    'any later version.\n\nOn Debian systems, the complete text of the GNU General Public License version 2 can be found in\n' +
    '"/usr/share/common-licenses/GPL-2".',
  'Apache-2.0':
    'Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except in\n' +
    'compliance with the License. Distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND.\n\n' +
    'On Debian systems, the complete text of the Apache License, Version 2.0 can be found in\n' +
    '"/usr/share/common-licenses/Apache-2.0".',
};
for (const license of usedLicenses) paragraphs.push([field('License', `${license}\n${COMMON_TEXT[license]}`)]);

process.stdout.write(`${paragraphs.map((p) => p.join('\n')).join('\n\n')}\n`);

// ---------------------------------------------------------------- helpers

function parseArguments(args) {
  const runtimes = [];
  const bundles = [];
  for (let i = 0; i < args.length; i += 2) {
    const [installed, file] = (args[i + 1] ?? '').split('=');
    if (!installed || !file)
      throw new Error(`usage: gen-copyright.mjs --runtime INSTALLED=LICENSE --bundle INSTALLED=MAP ... (at ${args[i]})`);
    if (args[i] === '--runtime') runtimes.push({ installed, file });
    else if (args[i] === '--bundle') bundles.push({ installed, file });
    else throw new Error(`unknown option ${args[i]}`);
  }
  return { runtimes, bundles };
}

/** The npm packages whose files a source map lists, each with the installed bundles it is in. */
function bundledPackages(bundles) {
  const byDir = new Map();
  for (const { installed, file } of bundles) {
    const map = JSON.parse(readFileSync(file, 'utf8'));
    for (const source of map.sources) {
      // node_modules/yargs/build/lib/yargs.js, node_modules/@oozcitak/dom/lib/..., nested node_modules too
      const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(source);
      if (!match) continue;
      const dir = match[1];
      if (!byDir.has(dir)) byDir.set(dir, new Set());
      byDir.get(dir).add(installed);
    }
  }
  return [...byDir]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([dir, installedIn]) => {
      const abs = join(repo, dir);
      const manifest = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8'));
      const files = readdirSync(abs);
      const licenseFile = files.find((f) => /^(licen[cs]e|copying)([-.].*)?$/i.test(f));
      const noticeFile = files.find((f) => /^notice(\..*)?$/i.test(f));
      const spdx = typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? 'UNKNOWN');
      if (spdx === 'UNKNOWN' && !licenseFile) throw new Error(`${dir}: no licence in package.json and no licence file`);
      const author = typeof manifest.author === 'string' ? manifest.author : manifest.author?.name;
      return {
        dir,
        name: manifest.name,
        version: manifest.version,
        spdx,
        author,
        installedIn: [...installedIn].sort(),
        licenseText: licenseFile ? readFileSync(join(abs, licenseFile), 'utf8').trim() : undefined,
        notice: noticeFile && existsSync(join(abs, noticeFile)) ? readFileSync(join(abs, noticeFile), 'utf8').trim() : undefined,
      };
    });
}

/**
 * The "Copyright (c) 2015 Someone" lines at the head of a licence text, without the word itself.
 * Only the head: Node's LICENSE goes on to quote the notices of every library Node includes.
 */
function copyrightLines(text) {
  return text
    .slice(0, 2000)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^copyright\b/i.test(l) && !/^copyright (notice|holders?)\b/i.test(l))
    .map((l) => l.replace(/^copyright\s*(\(c\)|©)?\s*/i, '').replace(/\s+/g, ' '));
}

/**
 * The licence text with each full copy of the Apache License 2.0 (Node's LICENSE quotes it for
 * several libraries) replaced by a pointer to Debian's copy, word for word the same.
 */
function apacheLicenseReferenced(text) {
  return text.replace(
    /^[ \t]*Apache License\s*\n\s*Version 2\.0, January 2004\n[\s\S]*?END OF TERMS AND CONDITIONS[ \t]*$/gm,
    '    Apache License, Version 2.0, January 2004: on Debian systems, its complete text is in\n    "/usr/share/common-licenses/Apache-2.0".',
  );
}

/**
 * One field of the format: `Name: first line`, then each further line indented by one space, an
 * empty line written as " ." (a blank line would end the paragraph).
 */
function field(name, value) {
  const [first, ...rest] = value.replace(/\t/g, '        ').split('\n');
  return [`${name}: ${first.trimEnd()}`, ...rest.map((l) => (l.trim() === '' ? ' .' : ` ${l.trimEnd()}`))].join('\n');
}
