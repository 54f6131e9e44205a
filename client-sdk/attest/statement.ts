// The in-toto Statement v1 of each attestation type, with its subject as the type prescribes,
// checked exactly as the log checks a submission (server/entries/statement.ts: the statement, then
// the predicate against the schema in schemas/predicates/) so that nothing the log would refuse
// is ever signed.

import { identityDigest } from '../../server/entries/identity-digest.ts';
import { parseStatement, predicateProblem } from '../../server/entries/statement.ts';
import { SubmissionError } from '../../server/entries/submission-error.ts';
import { utf8 } from '../../server/log/encoding.ts';
import { rootDigestOf } from '../hash/manifest.ts';
import { IN_TOTO_STATEMENT_TYPE } from '../hash/oms-statement.ts';
import { AttestError } from './errors.ts';
import {
  type AttestationPredicates,
  type AttestationType,
  type DigestRef,
  PREDICATE_TYPES,
} from './predicates.ts';

export { identityDigest };

/** What each attestation type needs besides its predicate to name its subject. */
export interface AttestationInputs {
  /** `sha256`: the dataset's root digest (hashDataset); the subject is named by predicate.name. */
  dataset: { predicate: AttestationPredicates['dataset']; sha256: string };
  /** The subject is the identity, with the SHA-256 of its UTF-8 as digest. */
  contributor: { predicate: AttestationPredicates['contributor'] };
  /** `subject`: the model, by its OMS root digest (and name, for search). */
  lineage: { subject: DigestRef; predicate: AttestationPredicates['lineage'] };
  evaluation: { subject: DigestRef; predicate: AttestationPredicates['evaluation'] };
  /** `subject`: the model revoked. */
  revocation: { subject: DigestRef; predicate: AttestationPredicates['revocation'] };
}

export interface AttestationStatement<K extends AttestationType = AttestationType> {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: [{ name?: string; digest: { sha256: string } }];
  predicateType: (typeof PREDICATE_TYPES)[K];
  predicate: AttestationPredicates[K];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function predicateTypeOf(type: AttestationType): string {
  if (!Object.hasOwn(PREDICATE_TYPES, type)) {
    throw new AttestError(
      'unknown-type',
      `unknown attestation type ${JSON.stringify(type)}: use one of ${Object.keys(PREDICATE_TYPES).join(', ')}`,
    );
  }
  return PREDICATE_TYPES[type];
}

/**
 * Throws the AttestError `bad-predicate` with the log's own message ("predicate/metrics/0/value
 * must be number (... schema)") when the predicate fails the schema of its type.
 */
export function checkPredicate(type: AttestationType, predicate: unknown): void {
  const predicateType = predicateTypeOf(type);
  // What is signed is the JSON: checked as JSON (undefined members dropped, dates as strings).
  const json = predicate === undefined ? undefined : JSON.parse(JSON.stringify(predicate));
  if (!isPlainObject(json)) throw new AttestError('bad-predicate', 'predicate must be an object');
  const problem = predicateProblem(predicateType, json);
  if (problem !== undefined) throw new AttestError('bad-predicate', problem);
}

function subjectOf(type: AttestationType, input: Record<string, unknown>): DigestRef {
  const predicate = input.predicate as Record<string, string>;
  switch (type) {
    case 'dataset':
      return { name: predicate.name, sha256: input.sha256 as string };
    case 'contributor':
      return { name: predicate.identity, sha256: identityDigest(predicate.identity) };
    default: {
      const subject = input.subject;
      if (!isPlainObject(subject)) {
        throw new AttestError(
          'bad-statement',
          `the ${type} attestation needs its subject: the model's sha256 root digest (and name)`,
        );
      }
      return subject as unknown as DigestRef;
    }
  }
}

/** A dataset manifest, when given, must be the one whose root is the subject digest. */
function checkManifest(statement: AttestationStatement): void {
  if (statement.predicateType !== PREDICATE_TYPES.dataset) return;
  const { manifest } = statement.predicate as AttestationPredicates['dataset'];
  if (manifest === undefined) return;
  const root = rootDigestOf(manifest as Parameters<typeof rootDigestOf>[0]);
  if (root !== statement.subject[0].digest.sha256) {
    throw new AttestError(
      'digest-mismatch',
      `the manifest's root digest is sha256:${root}, not the dataset digest sha256:${statement.subject[0].digest.sha256}`,
    );
  }
}

/**
 * The statement for an attestation, checked as the log will check it: the predicate against its
 * schema first (AttestError `bad-predicate`, naming the field), then the subject and the rest of
 * the statement (`bad-statement`), then a dataset manifest against the digest (`digest-mismatch`).
 */
export function attestationStatement<K extends AttestationType>(
  type: K,
  input: AttestationInputs[K],
): AttestationStatement<K> {
  const predicateType = predicateTypeOf(type);
  if (!isPlainObject(input)) {
    throw new AttestError('bad-statement', 'the attestation input must be an object');
  }
  checkPredicate(type, input.predicate);
  const predicate = JSON.parse(JSON.stringify(input.predicate));
  const { name, sha256: digest } = subjectOf(type, { ...input, predicate });
  const statement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ ...(name === undefined ? {} : { name }), digest: { sha256: digest } }],
    predicateType,
    predicate,
  } as AttestationStatement<K>;
  try {
    parseStatement(statementPayload(statement));
  } catch (error) {
    if (!(error instanceof SubmissionError)) throw error;
    const code = error.code === 'bad-predicate' ? 'bad-predicate' : 'bad-statement';
    throw new AttestError(code, error.message, { cause: error });
  }
  checkManifest(statement);
  return statement;
}

/** The DSSE payload: the statement's JSON in UTF-8. */
export function statementPayload(statement: AttestationStatement): Uint8Array {
  return utf8(JSON.stringify(statement));
}
