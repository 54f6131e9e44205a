// The manifest an OMS statement signs (OMS 5, 8.3), read leniently enough for every form
// model_signing wrote: the v1.0 predicate with or without ignore_paths, Python's float shard
// sizes (1000000000.0) and `sha256-sharded-<size>` shard algorithms, and the v0.2.0 predicate
// `https://model_signing/Digests/v0.1`, which lists each file as a subject of its own.
import { isObject } from '../../server/entries/is-object.ts';
import { OMS_V01_PREDICATE_TYPE } from '../../server/entries/predicate-types.ts';
import { fromUtf8 } from '../../server/log/encoding.ts';
import {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  type ManifestResource,
  OMS_PREDICATE_TYPE,
  type ResourceAlgorithm,
  rootDigestOf,
} from '../hash/index.ts';
import { VerifyError } from './errors.ts';

export { OMS_V01_PREDICATE_TYPE };

export interface SignedManifest {
  predicateType: string;
  /** Informational (OMS 11.1); the v0.1 predicate has none. */
  modelName: string | undefined;
  /** The subject's digest; the v0.1 predicate has none. */
  rootDigest: string | undefined;
  method: 'files' | 'shards';
  shardSize: number | undefined;
  allowSymlinks: boolean;
  /** Model-relative paths the signer left out (model_signing 1.1.0 and later). */
  ignorePaths: string[];
  resources: ManifestResource[];
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

const bad = (message: string) => new VerifyError('bad-payload', message);

function sha256Digest(value: unknown, at: string): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) {
    throw bad(`${at} must be a hex SHA-256 digest`);
  }
  return value.toLowerCase();
}

function checkUnique(resources: ManifestResource[]): ManifestResource[] {
  const names = new Set(resources.map((resource) => resource.name));
  if (names.size !== resources.length) throw bad('the statement names a resource twice');
  if (resources.length === 0) throw bad('the statement signs no file');
  return resources;
}

interface Serialization {
  method: 'files' | 'shards';
  shardSize: number | undefined;
  allowSymlinks: boolean;
  ignorePaths: string[];
}

function readSerialization(value: unknown): Serialization {
  if (!isObject(value)) throw bad('predicate.serialization must be an object');
  const { method, hash_type, shard_size, allow_symlinks, ignore_paths = [] } = value;
  if (method !== 'files' && method !== 'shards') {
    throw new VerifyError(
      'unsupported-serialization',
      `serialization method ${JSON.stringify(method)} is neither files nor shards`,
    );
  }
  if (hash_type !== 'sha256') {
    throw new VerifyError(
      'unsupported-serialization',
      `the model was hashed with ${JSON.stringify(hash_type)}; this verifier re-hashes with sha256 only`,
    );
  }
  if (typeof allow_symlinks !== 'boolean') {
    throw bad('serialization.allow_symlinks must be a boolean');
  }
  if (!Array.isArray(ignore_paths) || !ignore_paths.every((path) => typeof path === 'string')) {
    throw bad('serialization.ignore_paths must be an array of strings');
  }
  // JSON.parse reads Python's 1000000000.0 as the integer it is.
  const shardSize = method === 'shards' ? shard_size : undefined;
  if (method === 'shards' && !(Number.isSafeInteger(shardSize) && (shardSize as number) > 0)) {
    throw bad('serialization.shard_size must be a positive integer');
  }
  return {
    method,
    shardSize: shardSize as number | undefined,
    allowSymlinks: allow_symlinks,
    ignorePaths: ignore_paths,
  };
}

function readV1(statement: Record<string, unknown>): SignedManifest {
  const { subject, predicate } = statement;
  if (!Array.isArray(subject) || subject.length !== 1 || !isObject(subject[0])) {
    throw bad('the statement must have exactly one subject, the model');
  }
  const { name, digest } = subject[0];
  if (typeof name !== 'string' || name === '') throw bad('subject[0].name must be a string');
  const rootDigest = sha256Digest(
    isObject(digest) ? digest.sha256 : undefined,
    'subject[0].digest.sha256',
  );
  if (!isObject(predicate)) throw bad('the statement has no predicate');
  const serialization = readSerialization(predicate.serialization);
  // Files carry the hash type; shards may carry `<hash type>-sharded-<shard size>` (Python).
  const algorithms = new Set<unknown>(['sha256']);
  if (serialization.method === 'shards')
    algorithms.add(`sha256-sharded-${serialization.shardSize}`);
  if (!Array.isArray(predicate.resources)) throw bad('predicate.resources must be an array');
  const resources = predicate.resources.map((resource, i): ManifestResource => {
    const at = `predicate.resources[${i}]`;
    if (!isObject(resource) || typeof resource.name !== 'string') {
      throw bad(`${at}.name must be a string`);
    }
    if (!algorithms.has(resource.algorithm)) {
      throw bad(
        `${at}.algorithm ${JSON.stringify(resource.algorithm)} is not the model's hash type`,
      );
    }
    return {
      name: resource.name,
      algorithm: resource.algorithm as ResourceAlgorithm,
      digest: sha256Digest(resource.digest, `${at}.digest`),
    };
  });
  // OMS 6.5.1: in payload order, the order the signer hashed them in.
  const computed = rootDigestOf(resources);
  if (computed !== rootDigest) {
    throw new VerifyError(
      'manifest-inconsistent',
      `the statement's root digest ${rootDigest} is not the digest of its resources (${computed})`,
    );
  }
  return {
    predicateType: OMS_PREDICATE_TYPE,
    modelName: name,
    rootDigest,
    ...serialization,
    resources: checkUnique(resources),
  };
}

/** model_signing 0.2.0: one subject per file, no serialization (it hashed files with SHA-256). */
function readV01(statement: Record<string, unknown>): SignedManifest {
  const { subject } = statement;
  if (!Array.isArray(subject)) throw bad('subject must be an array');
  const resources = subject.map((item, i): ManifestResource => {
    if (!isObject(item) || typeof item.name !== 'string') {
      throw bad(`subject[${i}].name must be a string`);
    }
    const digest = isObject(item.digest) ? item.digest.sha256 : undefined;
    return {
      name: item.name,
      algorithm: 'sha256',
      digest: sha256Digest(digest, `subject[${i}].digest.sha256`),
    };
  });
  return {
    predicateType: OMS_V01_PREDICATE_TYPE,
    modelName: undefined,
    rootDigest: undefined,
    method: 'files',
    shardSize: undefined,
    allowSymlinks: false,
    ignorePaths: [],
    resources: checkUnique(resources),
  };
}

export function readSignedManifest(payloadType: string, payload: Uint8Array): SignedManifest {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw bad(`payloadType must be ${IN_TOTO_PAYLOAD_TYPE}, not ${JSON.stringify(payloadType)}`);
  }
  let statement: unknown;
  try {
    statement = JSON.parse(fromUtf8(payload) ?? '');
  } catch {
    throw bad('the payload is not UTF-8 JSON');
  }
  if (!isObject(statement) || statement._type !== IN_TOTO_STATEMENT_TYPE) {
    throw bad(`the payload is not an in-toto statement (${IN_TOTO_STATEMENT_TYPE})`);
  }
  switch (statement.predicateType) {
    case OMS_PREDICATE_TYPE:
      return readV1(statement);
    case OMS_V01_PREDICATE_TYPE:
      return readV01(statement);
    default:
      throw new VerifyError(
        'wrong-predicate-type',
        `predicateType ${JSON.stringify(statement.predicateType)} is not a model signature (${OMS_PREDICATE_TYPE})`,
      );
  }
}
