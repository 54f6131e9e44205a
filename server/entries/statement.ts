// The DSSE payload must be an in-toto Statement v1; when its predicateType has a schema in
// schemas/predicates/, the predicate must also validate against it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { fromUtf8 } from '../log/encoding.ts';
import { isObject } from './is-object.ts';
import { SubmissionError } from './submission-error.ts';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const MAX_SUBJECTS = 1024;
// The same limits as the search keys (schemas/api/entries.json), so every name is searchable.
export const MAX_NAME_LENGTH = 1024;
export const MAX_PREDICATE_TYPE_LENGTH = 2048;

export interface StatementSubject {
  name?: string;
  /** Known algorithms only (sha256, sha384, sha512), lowercase hex. */
  digests: Record<string, string>;
}

export interface CheckedStatement {
  predicateType: string;
  subjects: StatementSubject[];
}

const DIGEST_HEX_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const LOWER_HEX = /^[0-9a-f]+$/;

const PREDICATES_DIR = resolve(import.meta.dirname, '../../schemas/predicates');

// Unknown keywords and formats are errors; strictRequired and strictTypes are off because
// published predicate schemas use `then: {required}` and untyped `if` branches legitimately.
const ajv = new Ajv2020({ strictRequired: false, strictTypes: false, allErrors: false });
addFormats.default(ajv);

function loadPredicateValidators(): Map<string, ValidateFunction> {
  const index: Record<string, string> = JSON.parse(
    readFileSync(resolve(PREDICATES_DIR, 'index.json'), 'utf8'),
  );
  const validators = new Map<string, ValidateFunction>();
  for (const [predicateType, file] of Object.entries(index)) {
    const schema = JSON.parse(readFileSync(resolve(PREDICATES_DIR, file), 'utf8'));
    validators.set(predicateType, ajv.compile(schema));
  }
  return validators;
}

/** predicateType URI → compiled validator, built once when the module loads. */
let validators: ReadonlyMap<string, ValidateFunction> | undefined;

/** The compiled schema of each known predicate type, compiled at first use (that takes a while). */
export function predicateValidators(): ReadonlyMap<string, ValidateFunction> {
  validators ??= loadPredicateValidators();
  return validators;
}

const bad = (message: string) => new SubmissionError('bad-statement', message);

function parseSubject(value: unknown, at: string): StatementSubject {
  if (!isObject(value)) throw bad(`${at} must be an object`);
  if (value.name !== undefined && typeof value.name !== 'string') {
    throw bad(`${at}.name must be a string`);
  }
  if (typeof value.name === 'string' && value.name.length > MAX_NAME_LENGTH) {
    throw bad(`${at}.name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (!isObject(value.digest)) throw bad(`${at}.digest must be an object`);
  const digests: Record<string, string> = {};
  for (const [algorithm, hex] of Object.entries(value.digest)) {
    if (typeof hex !== 'string') throw bad(`${at}.digest.${algorithm} must be a string`);
    // Digests of other algorithms are allowed (in-toto defines many) but not indexed.
    if (!Object.hasOwn(DIGEST_HEX_LENGTHS, algorithm)) continue;
    const length = DIGEST_HEX_LENGTHS[algorithm];
    if (hex.length !== length || !LOWER_HEX.test(hex)) {
      throw bad(`${at}.digest.${algorithm} must be ${length} lowercase hex digits`);
    }
    digests[algorithm] = hex;
  }
  if (Object.keys(digests).length === 0) {
    throw bad(`${at}.digest needs a sha256, sha384 or sha512 digest`);
  }
  return value.name === undefined ? { digests } : { name: value.name, digests };
}

/** ajv's message, completed where it leaves out what a reader needs to fix the predicate. */
function explained(error: ErrorObject): ErrorObject {
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        ...error,
        message: `must NOT have additional property '${error.params.additionalProperty}'`,
      };
    case 'enum':
      return {
        ...error,
        message: `must be one of ${error.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return error;
  }
}

/**
 * Why a predicate fails the schema of its predicate type, naming the field ("predicate/metrics/0/
 * value must be number (... schema)"); undefined when it passes or the type has no schema. The
 * SDK refuses with this same message before it signs.
 */
export function predicateProblem(predicateType: string, predicate: unknown): string | undefined {
  const validate = predicateValidators().get(predicateType);
  if (validate === undefined || validate(predicate)) return undefined;
  // The first failure (allErrors is off), located by its instance path; an anyOf failure lists
  // what each alternative wanted.
  const reason = ajv.errorsText(validate.errors?.map(explained), { dataVar: 'predicate' });
  return `${reason} (${predicateType} schema)`;
}

function checkPredicate(predicateType: string, predicate: unknown): void {
  const problem = predicateProblem(predicateType, predicate);
  if (problem !== undefined) throw new SubmissionError('bad-predicate', problem);
}

export function parseStatement(payload: Uint8Array): CheckedStatement {
  const text = fromUtf8(payload);
  if (text === undefined) throw bad('the payload is not UTF-8');
  let statement: unknown;
  try {
    statement = JSON.parse(text);
  } catch {
    throw bad('the payload is not JSON');
  }
  if (!isObject(statement)) throw bad('the statement must be a JSON object');
  if (statement._type !== STATEMENT_TYPE) throw bad(`_type must be "${STATEMENT_TYPE}"`);
  const { subject, predicateType, predicate } = statement;
  if (!Array.isArray(subject) || subject.length === 0) {
    throw bad('subject must be a non-empty array');
  }
  if (subject.length > MAX_SUBJECTS) {
    throw new SubmissionError(
      'too-many-subjects',
      `the statement has ${subject.length} subjects; the limit is ${MAX_SUBJECTS}`,
    );
  }
  const subjects = subject.map((item, i) => parseSubject(item, `subject[${i}]`));
  if (typeof predicateType !== 'string' || !URL.canParse(predicateType)) {
    throw bad('predicateType must be a URI string');
  }
  if (predicateType.length > MAX_PREDICATE_TYPE_LENGTH) {
    throw bad(`predicateType is longer than ${MAX_PREDICATE_TYPE_LENGTH} characters`);
  }
  // in-toto: an unset predicate means the same as an empty one.
  if (predicate !== undefined && !isObject(predicate)) throw bad('predicate must be an object');
  checkPredicate(predicateType, predicate ?? {});
  return { predicateType, subjects };
}
