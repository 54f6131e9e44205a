// buildBom: a model directory (or file) to its AI-BOM document, CycloneDX or SPDX, with the facts
// of a transparency log when given them.

import {
  CYCLONEDX_VERSIONS,
  type CycloneDxDocument,
  type CycloneDxVersion,
  cycloneDxBom,
} from './cyclonedx.ts';
import { BomError } from './errors.ts';
import type { LogFacts } from './log-facts.ts';
import { type ModelFacts, type ModelFactsOptions, modelFacts } from './model-facts.ts';
import { type SpdxDocument, spdxBom } from './spdx.ts';

export type BomFormat = 'cyclonedx' | 'spdx';
export const BOM_FORMATS: readonly BomFormat[] = ['cyclonedx', 'spdx'];

export type BomDocument = CycloneDxDocument | SpdxDocument;

export interface BomOptions {
  /** Default cyclonedx. */
  format?: BomFormat;
  /** CycloneDX only: 1.6 (default) or 1.7. SPDX documents are 3.0.1. */
  specVersion?: CycloneDxVersion;
  /** What a transparency log says of the model, rendered beside the directory's facts. */
  logFacts?: LogFacts;
  /** The creation time written; default now. */
  now?: Date;
  /** `urn:uuid:<lowercase UUID>`: the CycloneDX serial number, and the SPDX namespace's base. */
  serialNumber?: string;
  /** SPDX only: the spdxId prefix (default `<serialNumber>#`). */
  namespace?: string;
}

export interface BuildBomOptions extends BomOptions, ModelFactsOptions {}

/** Checks the format options, so that a bad one fails before the model is hashed. */
export function checkBomOptions(options: BomOptions): BomFormat {
  const format = options.format ?? 'cyclonedx';
  if (!BOM_FORMATS.includes(format)) {
    throw new BomError('invalid-option', `unknown format "${format}": use cyclonedx or spdx`);
  }
  if (options.specVersion !== undefined) {
    if (format === 'spdx') {
      throw new BomError(
        'invalid-option',
        'a spec version applies to CycloneDX only (SPDX is 3.0.1)',
      );
    }
    if (!CYCLONEDX_VERSIONS.includes(options.specVersion)) {
      throw new BomError(
        'invalid-option',
        `CycloneDX spec version ${options.specVersion} is not supported: use 1.6 or 1.7`,
      );
    }
  }
  return format;
}

/** The document of facts already gathered (a directory's, or only a digest and name). */
export function writeBom(model: ModelFacts, options: BomOptions = {}): BomDocument {
  const format = checkBomOptions(options);
  const { logFacts, now, serialNumber, namespace, specVersion } = options;
  return format === 'spdx'
    ? spdxBom(model, logFacts, { now, serialNumber, namespace })
    : cycloneDxBom(model, logFacts, { now, serialNumber, specVersion });
}

export async function buildBom(
  modelPath: string,
  options: BuildBomOptions = {},
): Promise<BomDocument> {
  checkBomOptions(options);
  const { format, specVersion, logFacts, now, serialNumber, namespace, ...factsOptions } = options;
  const facts = await modelFacts(modelPath, factsOptions);
  return writeBom(facts, { format, specVersion, logFacts, now, serialNumber, namespace });
}
