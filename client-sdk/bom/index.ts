// AI-BOMs: the facts of a model directory, read without loading weights, and what a transparency
// log says of the model, written as CycloneDX 1.6/1.7 or SPDX 3.0.1.

export { attestBom, BOM_PREDICATE_TYPES, type BomAttestationOptions } from './attest-bom.ts';
export {
  BOM_FORMATS,
  type BomDocument,
  type BomFormat,
  type BomOptions,
  type BuildBomOptions,
  buildBom,
  writeBom,
} from './build-bom.ts';
export {
  CYCLONEDX_VERSIONS,
  type CycloneDxDocument,
  type CycloneDxOptions,
  type CycloneDxVersion,
  cycloneDxBom,
} from './cyclonedx.ts';
export { BomError, type BomErrorCode } from './errors.ts';
export { gatherLogFacts } from './from-log.ts';
export { type License, licenseOf } from './licenses.ts';
// DigestRef is the attest module's (the same shape), exported once from the package.
export type {
  ContributorFact,
  DatasetFact,
  EvaluationFact,
  LineageFact,
  LogFacts,
  LogReference,
  RevocationFact,
  SignatureFact,
} from './log-facts.ts';
export { type LoggedStatement, logClientSource, type StatementSource } from './logged-statement.ts';
export {
  type CardEmissions,
  type CardMetric,
  type ModelCard,
  parseModelCard,
  readModelCard,
} from './model-card.ts';
export { type ConfigValue, type ModelConfig, readModelConfig } from './model-config.ts';
export {
  type ModelFacts,
  type ModelFactsOptions,
  type ModelFile,
  modelFacts,
  type SafetensorsFacts,
} from './model-facts.ts';
export {
  MAX_SAFETENSORS_HEADER_BYTES,
  readSafetensorsHeader,
  type SafetensorsHeader,
  type SafetensorsOptions,
} from './safetensors-header.ts';
export {
  NO_ASSERTION_ELEMENT,
  SPDX_CONTEXT,
  SPDX_VERSION,
  type SpdxDocument,
  type SpdxOptions,
  spdxBom,
} from './spdx.ts';
