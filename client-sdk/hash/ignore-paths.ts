// Which model paths stay out of the manifest (OMS 6.2). Every rule is an exact model-relative path
// that also covers everything below it: the git paths match at the model root only (a
// `sub/.git` is hashed), and a caller's path matches only where it points. The rules are recorded,
// sorted, in the predicate's `serialization.ignore_paths`, so a verifier leaves out the same files.
import { relative, resolve, sep } from 'node:path';
import { HashError } from './errors.ts';
import { compareModelPaths } from './resource-order.ts';

/** The reference implementation's default ignores, at the model root. */
export const GIT_PATHS: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore'];

export interface IgnoreRules {
  /** Model-relative POSIX paths, sorted, each once. */
  readonly recorded: readonly string[];
  ignores(name: string): boolean;
}

/**
 * Rules for the model at `modelPath`. A caller's path may be absolute or relative to the model
 * root; one outside the model can match nothing and is dropped (the signature file written beside
 * the model, say), as the reference drops it.
 */
export function ignoreRules(
  modelPath: string,
  extraPaths: readonly string[],
  ignoreGitPaths: boolean,
): IgnoreRules {
  const root = resolve(modelPath);
  const paths = new Set(ignoreGitPaths ? GIT_PATHS : []);
  for (const path of extraPaths) {
    const inside = relative(root, resolve(root, path)).split(sep);
    if (inside[0] === '..') continue;
    if (inside[0] === '') {
      throw new HashError('invalid-option', `ignore path "${path}" is the model itself`);
    }
    paths.add(inside.join('/'));
  }
  const recorded = [...paths].sort(compareModelPaths);
  return {
    recorded,
    ignores: (name) => recorded.some((path) => name === path || name.startsWith(`${path}/`)),
  };
}
