// A model directory's optional files (README.md, config.json): one that is not there is no
// error, one that cannot be read is.
import { readFile } from 'node:fs/promises';
import { BomError } from './errors.ts';

/** The text of the file at `path`; undefined when it (or a directory on its way) does not exist. */
export async function readOptionalFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: the model "directory" is a single file, which has no such file beside it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new BomError('read-failed', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
