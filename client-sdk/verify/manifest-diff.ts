// Compares the signed manifest with the model as hashed now (OMS 8.4, 8.5), file by file: a file
// is missing, extra, or changed (any of its digests, or for shards its shard layout, differs).
import type { ManifestResource, SerializationMethod } from '../hash/index.ts';
import { type ManifestDifferences, VerifyError } from './errors.ts';

export interface ManifestComparison extends ManifestDifferences {
  /** Files compared and found equal. */
  verified: number;
}

/** The file a resource covers: a shard's name is `<path>:<start>:<end>` (OMS 6.3.2). */
const fileOf = (name: string, method: SerializationMethod) =>
  method === 'shards' ? name.replace(/:\d+:\d+$/, '') : name;

/**
 * Resources grouped by file. A single-file model's only file is `.` for model_signing 1.0 and
 * older and for client-sdk/hash, its base name for newer signers: when the model on disk is a
 * single file, both are named `singleFileName`. Otherwise `.` is nobody's name: a signature of a
 * single file never matches a folder that holds a file of the same name.
 */
function byFile(
  resources: ManifestResource[],
  method: SerializationMethod,
  singleFileName: string | undefined,
): Map<string, Map<string, string>> {
  const files = new Map<string, Map<string, string>>();
  for (const { name, digest } of resources) {
    const file = fileOf(name, method);
    const key = file === '.' && singleFileName !== undefined ? singleFileName : file;
    const parts = files.get(key) ?? new Map<string, string>();
    const part = key + name.slice(file.length);
    if (parts.has(part)) {
      throw new VerifyError('manifest-inconsistent', `the manifest lists ${part} twice`);
    }
    parts.set(part, digest);
    files.set(key, parts);
  }
  return files;
}

const sameParts = (a: Map<string, string>, b: Map<string, string>) =>
  a.size === b.size && [...a].every(([name, digest]) => b.get(name) === digest);

export function compareManifests(
  signed: ManifestResource[],
  actual: ManifestResource[],
  method: SerializationMethod,
  modelName: string,
): ManifestComparison {
  const singleFile = actual.some((resource) => fileOf(resource.name, method) === '.');
  const singleFileName = singleFile ? modelName : undefined;
  const expected = byFile(signed, method, singleFileName);
  const found = byFile(actual, method, singleFileName);
  const result: ManifestComparison = { missing: [], extra: [], changed: [], verified: 0 };
  for (const [file, parts] of expected) {
    const actualParts = found.get(file);
    if (actualParts === undefined) result.missing.push(file);
    else if (sameParts(parts, actualParts)) result.verified++;
    else result.changed.push(file);
  }
  for (const file of found.keys()) if (!expected.has(file)) result.extra.push(file);
  return result;
}
