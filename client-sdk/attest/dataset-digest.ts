// A dataset's digest is computed as a model's is (OpenSSF Model Signing): SHA-256 of every file,
// and the root digest over them in the reference order. The root is the statement's subject
// digest; the resources go in the predicate's manifest so that anyone can recheck it.
import { type HashOptions, hashModel } from '../hash/index.ts';
import { AttestError } from './errors.ts';
import type { DatasetResource } from './predicates.ts';

export interface DatasetDigest {
  /** The directory's (or file's) last path component. */
  name: string;
  /** The root digest, lowercase hex: the dataset statement's subject digest. */
  sha256: string;
  /** In order: the predicate's `manifest`. */
  manifest: DatasetResource[];
}

/** Hashes a dataset directory (or single file) into its root digest and manifest. */
export async function hashDataset(path: string, options: HashOptions = {}): Promise<DatasetDigest> {
  try {
    const manifest = await hashModel(path, options);
    return {
      name: manifest.modelName,
      sha256: manifest.rootDigest,
      manifest: manifest.resources.map(({ name, algorithm, digest }) => ({
        name,
        algorithm,
        digest,
      })),
    };
  } catch (cause) {
    throw new AttestError(
      'dataset-unreadable',
      `cannot hash the dataset: ${(cause as Error).message}`,
      { cause },
    );
  }
}
