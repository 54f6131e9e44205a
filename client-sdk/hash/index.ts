// OMS model hashing: the manifest of a model directory or file, and the in-toto statement that
// signs it. sign/ and verify/ build on exactly these.
export { HashError, type HashErrorCode } from './errors.ts';
export { hashModel } from './hash-model.ts';
export { DEFAULT_SHARD_SIZE, type HashOptions } from './hash-options.ts';
export { GIT_PATHS } from './ignore-paths.ts';
export {
  type ManifestResource,
  type ManifestSerialization,
  type ModelManifest,
  type ResourceAlgorithm,
  rootDigestOf,
  type SerializationMethod,
} from './manifest.ts';
export {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  OMS_PREDICATE_TYPE,
  type OmsStatement,
  omsPayloadBytes,
  omsStatement,
} from './oms-statement.ts';
