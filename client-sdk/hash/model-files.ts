// Lists the regular files that make up a model (OMS 6.1): a single file, or every regular file
// under a directory minus the ignored paths, each named by its model-relative POSIX path.
//
// Symbolic links are refused unless allowed (the OMS default). An allowed link is resolved and
// its target hashed under the link's own name; a linked directory is walked. A link that loops, or
// a linked directory that contains the link, is a cycle and an error; a target outside the model
// root is an error unless that is allowed too. Every path read is a resolved one, so what is
// hashed is what the containment check saw.
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { HashError } from './errors.ts';
import type { IgnoreRules } from './ignore-paths.ts';

export interface ModelFile {
  /** Model-relative POSIX path; `.` for a single-file model (the reference's name for it). */
  name: string;
  /** Resolved path to read. */
  path: string;
  size: number;
}

export interface ModelListing {
  modelName: string;
  /** In no particular order. */
  files: ModelFile[];
}

export interface ListingRules {
  ignore: IgnoreRules;
  allowSymlinks: boolean;
  allowSymlinksOutsideRoot: boolean;
}

const fileNameDecoder = new TextDecoder('utf-8', { fatal: true });

export async function listModelFiles(
  modelPath: string,
  rules: ListingRules,
): Promise<ModelListing> {
  const link = await fsStep(() => lstat(modelPath), modelPath);
  if (link.isSymbolicLink()) refuseUnlessAllowed(rules, modelPath);
  const root = await fsStep(() => realpath(modelPath), modelPath);
  const modelName = basename(resolve(modelPath));
  const rootStats = await fsStep(() => stat(root), modelPath);
  if (rootStats.isFile())
    return { modelName, files: [{ name: '.', path: root, size: rootStats.size }] };
  if (!rootStats.isDirectory()) throw notRegular(modelPath);

  const files: ModelFile[] = [];

  const walk = async (dir: string, dirName: string, ancestors: readonly string[]) => {
    const entries = await fsStep(
      () => readdir(dir, { withFileTypes: true, encoding: 'buffer' }),
      dirName || modelPath,
    );
    await Promise.all(entries.map((entry) => visit(entry, dir, dirName, ancestors)));
  };

  const visit = async (
    entry: Dirent<Buffer>,
    dir: string,
    dirName: string,
    ancestors: readonly string[],
  ) => {
    const base = fileName(entry.name, dirName);
    const name = childName(dirName, base);
    if (rules.ignore.ignores(name)) return;
    let path = join(dir, base);
    if (entry.isSymbolicLink()) {
      refuseUnlessAllowed(rules, name);
      path = await fsStep(() => realpath(path), `${name} (a symbolic link)`);
      if (!isInside(root, path) && !rules.allowSymlinksOutsideRoot) {
        throw new HashError(
          'symlink-outside-root',
          `symbolic link ${name} resolves outside the model root, to ${path}`,
        );
      }
    }
    const stats = await fsStep(() => stat(path), name);
    if (stats.isFile()) {
      files.push({ name, path, size: stats.size });
    } else if (stats.isDirectory()) {
      // Only a link can lead back to a directory being walked; following it would never end.
      if (ancestors.includes(path)) {
        throw new HashError('symlink-cycle', `symbolic link ${name} leads back to ${path}`);
      }
      await walk(path, name, [...ancestors, path]);
    } else {
      throw notRegular(name);
    }
  };

  await walk(root, '', [root]);
  return { modelName, files };
}

function refuseUnlessAllowed(rules: ListingRules, name: string): void {
  if (!rules.allowSymlinks) {
    throw new HashError(
      'symlink-refused',
      `${name} is a symbolic link; symbolic links are refused unless allowed`,
    );
  }
}

function childName(dirName: string, base: string): string {
  return dirName === '' ? base : `${dirName}/${base}`;
}

/** OMS 6.1.2: a name that is not UTF-8 cannot be written in the JSON manifest. */
function fileName(bytes: Buffer, dirName: string): string {
  try {
    return fileNameDecoder.decode(bytes);
  } catch {
    throw new HashError(
      'invalid-file-name',
      `file name ${JSON.stringify(childName(dirName, bytes.toString('latin1')))} is not valid UTF-8`,
    );
  }
}

function isInside(root: string, path: string): boolean {
  return relative(root, path).split(sep)[0] !== '..';
}

function notRegular(name: string): HashError {
  return new HashError(
    'not-a-regular-file',
    `${name} is neither a regular file nor a directory (a fifo, socket or device?)`,
  );
}

/** Runs a file-system call, turning its failure into a HashError about `subject`. */
async function fsStep<T>(call: () => Promise<T>, subject: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const cause = error as NodeJS.ErrnoException;
    switch (cause.code) {
      case 'ENOENT':
      case 'ENOTDIR':
        throw new HashError('not-found', `${subject} does not exist`, { cause });
      case 'ELOOP':
        throw new HashError('symlink-cycle', `${subject}: symbolic links loop`, { cause });
      default:
        throw new HashError('read-failed', `cannot read ${subject}: ${cause.message}`, { cause });
    }
  }
}
