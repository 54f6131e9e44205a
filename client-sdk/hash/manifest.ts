// The manifest of a hashed model: what the OMS predicate records (resources and serialization)
// plus the subject's root digest. Field names under `serialization` are the predicate's own.
import { toHex } from '../../server/log/encoding.ts';
import { sha256 } from '../../server/log/hash.ts';

export type SerializationMethod = 'files' | 'shards';

/**
 * `sha256` for whole files. Shards carry `sha256-sharded-<shard size>`: that is what the reference
 * implementation writes (its goldens) and what its verifier compares, although the OMS schema lists
 * only `sha256`; a shard manifest that said `sha256` would not verify with the reference tool.
 */
export type ResourceAlgorithm = 'sha256' | `sha256-sharded-${number}`;

export interface ManifestResource {
  /** Model-relative POSIX path (`.` for a single-file model); shards add `:<start>:<end>`. */
  name: string;
  algorithm: ResourceAlgorithm;
  /** Lowercase hex. */
  digest: string;
}

export interface ManifestSerialization {
  method: SerializationMethod;
  hash_type: 'sha256';
  allow_symlinks: boolean;
  /** Model-relative paths left out of the manifest, sorted; the statement omits an empty list. */
  ignore_paths: string[];
  /** Present for `shards` only. */
  shard_size?: number;
}

export interface ModelManifest {
  /** The model path's last component, as the statement's subject names it. */
  modelName: string;
  serialization: ManifestSerialization;
  /** In the reference implementation's order (see resource-order.ts). */
  resources: ManifestResource[];
  /** Hex SHA-256 over the resources' raw digests, concatenated in order (OMS 6.5.1). */
  rootDigest: string;
}

/** OMS 6.5.1: SHA-256 of the concatenated raw digests, in the order given. */
export function rootDigestOf(resources: readonly ManifestResource[]): string {
  return toHex(
    sha256(Buffer.concat(resources.map((resource) => Buffer.from(resource.digest, 'hex')))),
  );
}
