// The official CycloneDX 1.6/1.7 (draft-07) and SPDX 3.0.1 (draft 2020-12) JSON Schemas from
// ../shared/vectors, compiled with ajv. CycloneDX's `iri-reference` and `idn-email` formats are
// checked as `uri-reference` and `email` (our documents are ASCII), not stubbed out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const VECTORS = join(import.meta.dirname, '../../../shared/vectors');

const readJson = (path: string) => JSON.parse(readFileSync(join(VECTORS, path), 'utf8'));

let cyclonedx: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The validator of CycloneDX `version`, compiled once. */
export function cycloneDxValidator(version: '1.6' | '1.7'): ValidateFunction {
  if (cyclonedx === undefined) {
    cyclonedx = new Ajv({
      strict: false,
      allErrors: true,
      schemas: [
        readJson('cyclonedx/spdx.schema.json'),
        readJson('cyclonedx/jsf-0.82.schema.json'),
        readJson('cyclonedx/cryptography-defs.schema.json'),
      ],
    });
    addFormats.default(cyclonedx);
    const formats = addFormats.default.get;
    cyclonedx.addFormat('iri-reference', formats('uri-reference'));
    cyclonedx.addFormat('idn-email', formats('email'));
  }
  const key = `cyclonedx-${version}`;
  let validate = compiled.get(key);
  if (validate === undefined) {
    validate = cyclonedx.compile(readJson(`cyclonedx/bom-${version}.schema.json`));
    compiled.set(key, validate);
  }
  return validate;
}

/** The validator of SPDX 3.0.1 JSON-LD, compiled once (a 235 KB schema: about a second). */
export function spdxValidator(): ValidateFunction {
  let validate = compiled.get('spdx');
  if (validate === undefined) {
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats.default(ajv);
    validate = ajv.compile(readJson('spdx/spdx-json-schema-3.0.1.json'));
    compiled.set('spdx', validate);
  }
  return validate;
}

/** The first few errors, readable in a failed assertion. */
export function errorsOf(validate: ValidateFunction): string {
  return JSON.stringify(validate.errors?.slice(0, 5), null, 1);
}

export { readJson as readVector };
