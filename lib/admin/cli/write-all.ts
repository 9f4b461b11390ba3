// Writing several output files all or nothing: each goes to a temporary file next to its target
// first, and only when every one of them is written are they renamed into place (a rename within
// a directory is atomic). A full disk or a missing directory leaves no half-written file and no
// old file replaced by a partial one.

import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CliIo } from './system.js';

/** Resolves to undefined when every file was written, or to the reason none was. */
export async function writeAllOrNothing(files: { path: string; text: string }[], io: CliIo): Promise<string | undefined> {
  const staged: { temporary: string; path: string }[] = [];
  const discard = () => Promise.all(staged.map(({ temporary }) => rm(temporary, { force: true })));
  for (const { path, text } of files) {
    const temporary = join(dirname(path), `.${basename(path)}.ocfkit-${process.pid}.tmp`);
    try {
      await io.writeText(temporary, text);
      staged.push({ temporary, path });
    } catch (error) {
      await rm(temporary, { force: true });
      await discard();
      return `cannot write ${path}: ${(error as Error).message}`;
    }
  }
  for (const [index, { temporary, path }] of staged.entries()) {
    try {
      await rename(temporary, path);
    } catch (error) {
      // Only a target that is a directory (or vanished from under us) gets here.
      await Promise.all(staged.slice(index).map((file) => rm(file.temporary, { force: true })));
      return `cannot write ${path}: ${(error as Error).message}`;
    }
  }
  return undefined;
}
