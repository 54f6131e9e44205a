// attest(): an attestation's statement, checked as the log checks it, signed with a key as a DSSE
// envelope in a Sigstore bundle (through @sigstore/sign, as signModel signs models), and published
// to an attestry log when one is given.
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { IN_TOTO_PAYLOAD_TYPE } from '../hash/oms-statement.ts';
import type { LogClient } from '../log-client/log-client.ts';
import type { SignError } from '../sign/errors.ts';
import { type PublishedEntry, publishSignature } from '../sign/publish.ts';
import { keySigner, loadSigningKey, type SigningKey } from '../sign/signing-key.ts';
import { AttestError } from './errors.ts';
import type { AttestationType } from './predicates.ts';
import {
  type AttestationInputs,
  type AttestationStatement,
  attestationStatement,
  statementPayload,
} from './statement.ts';

export interface AttestOptions {
  /** The PEM ECDSA (P-256, P-384, P-521) private key that signs. */
  privateKey: string;
  /** Publish the bundle to this attestry log (a URL trusts the log's keys on first use). */
  log?: LogClient | string;
  /** With `log` as a URL: the bearer token that allows publishing. */
  token?: string;
}

export interface SignedAttestation<K extends AttestationType = AttestationType> {
  type: K;
  statement: AttestationStatement<K>;
  /** The Sigstore bundle, as JSON. */
  bundle: Record<string, unknown>;
  /** The PEM public key that verifies it (the bundle names the key by a hint only). */
  publicKey: string;
}

export interface AttestResult<K extends AttestationType = AttestationType>
  extends SignedAttestation<K> {
  /** Set when the bundle was published. */
  log?: PublishedEntry;
}

function signingKey(pem: string): SigningKey {
  try {
    return loadSigningKey(pem);
  } catch (cause) {
    if ((cause as SignError).code === 'unsupported-key-type') {
      throw new AttestError(
        'unsupported-key-type',
        'attestations are signed with an ECDSA P-256, P-384 or P-521 key, as models are: make one with `attestry keygen`',
        { cause },
      );
    }
    throw new AttestError('bad-private-key', (cause as Error).message, { cause });
  }
}

/** Signs statement bytes with a key: a DSSE envelope of an in-toto payload in a Sigstore bundle. */
export async function signStatement(
  payload: Uint8Array,
  privateKey: string,
): Promise<{ bundle: Record<string, unknown>; publicKey: string }> {
  const key = signingKey(privateKey);
  const builder = new DSSEBundleBuilder({ signer: keySigner(key), witnesses: [] });
  try {
    const signed = await builder.create({ data: Buffer.from(payload), type: IN_TOTO_PAYLOAD_TYPE });
    const bundle = bundleToJSON(signed) as unknown as Record<string, unknown>;
    return { bundle, publicKey: key.publicKeyPem };
  } catch (cause) {
    throw new AttestError('signing-failed', `signing failed: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Signs a checked statement (attestationStatement) with a key: a DSSE envelope in a bundle. */
export async function signAttestation<K extends AttestationType>(
  type: K,
  statement: AttestationStatement<K>,
  privateKey: string,
): Promise<SignedAttestation<K>> {
  return { type, statement, ...(await signStatement(statementPayload(statement), privateKey)) };
}

/** Publishes a signed attestation to an attestry log, checking the log's answer. */
export async function publishAttestation(
  log: LogClient | string,
  signed: Pick<SignedAttestation, 'bundle' | 'publicKey'>,
  token?: string,
): Promise<PublishedEntry> {
  try {
    return await publishSignature(log, signed, token);
  } catch (error) {
    throw new AttestError('publish-failed', (error as Error).message, {
      cause: (error as Error).cause,
    });
  }
}

/**
 * Makes an attestation: builds its statement (the subject as the type prescribes), refuses what
 * the log would refuse before anything is signed (AttestError `bad-predicate` names the field),
 * signs it with the key and, with `log`, publishes it.
 */
export async function attest<K extends AttestationType>(
  type: K,
  input: AttestationInputs[K],
  options: AttestOptions,
): Promise<AttestResult<K>> {
  const statement = attestationStatement(type, input);
  const result: AttestResult<K> = await signAttestation(type, statement, options.privateKey);
  if (options.log !== undefined) {
    result.log = await publishAttestation(options.log, result, options.token);
  }
  return result;
}
