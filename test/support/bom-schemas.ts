import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readVectors, VECTORS } from './vectors.ts';

let cyclonedx: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The validator of CycloneDX `version`, compiled once. */
export function cycloneDxValidator(version: '1.6' | '1.7'): ValidateFunction {
  if (cyclonedx === undefined) {
    cyclonedx = new Ajv({
      strict: false,
      allErrors: true,
      schemas: [
        readVectors<object>('cyclonedx/spdx.schema.json'),
        readVectors<object>('cyclonedx/jsf-0.82.schema.json'),
        readVectors<object>('cyclonedx/cryptography-defs.schema.json'),
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
    validate = cyclonedx.compile(readVectors<object>(`cyclonedx/bom-${version}.schema.json`));
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
    validate = ajv.compile(readVectors<object>('spdx/spdx-json-schema-3.0.1.json'));
    compiled.set('spdx', validate);
  }
  return validate;
}

/** The first few errors, readable in a failed assertion. */
export function errorsOf(validate: ValidateFunction): string {
  return JSON.stringify(validate.errors?.slice(0, 5), null, 1);
}

export { readVectors as readVector, VECTORS };
