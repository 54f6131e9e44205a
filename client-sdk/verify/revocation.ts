// Revocation honoured: a model is refused when the log holds a revocation of its digest signed by
// its own signer's key or by an advisory key the verifier trusts. The log answers the model's
// revocations by those signers in one request, each proven in its checkpoint (LogClient); the
// signature of each is checked here with the trusted key itself, never with one the log serves:
// a log cannot withdraw a model by forging a revocation, and revocations by anyone else are
// ignored.
import { parseEnvelope, verifyEnvelope } from '../../server/entries/dsse.ts';
import { isObject } from '../../server/entries/is-object.ts';
import { REVOCATION_PREDICATE_TYPE } from '../../server/entries/predicate-types.ts';
import { parsePublicKeyPem, type SignerKey } from '../../server/entries/signer-key.ts';
import { parseStatement } from '../../server/entries/statement.ts';
import { IN_TOTO_PAYLOAD_TYPE, MAX_PAYLOAD_BYTES } from '../../server/entries/submission.ts';
import { fromUtf8 } from '../../server/log/encoding.ts';
import type { FetchedEntry, LogClient } from '../log-client/log-client.ts';
import { type Revocation, VerifyError } from './errors.ts';

/** The statement of a logged revocation of `digestHex`, if its signature verifies with `key`. */
async function revocationBy(
  entry: FetchedEntry,
  digestHex: string,
  key: SignerKey,
): Promise<Revocation | undefined> {
  try {
    const json = JSON.parse(fromUtf8(entry.envelope ?? new Uint8Array()) ?? '');
    const envelope = parseEnvelope(json, MAX_PAYLOAD_BYTES);
    if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return undefined;
    await verifyEnvelope(envelope, key.key, key.type);
    const statement = parseStatement(envelope.payload);
    const { predicate } = JSON.parse(fromUtf8(envelope.payload) as string);
    if (
      statement.predicateType !== REVOCATION_PREDICATE_TYPE ||
      !statement.subjects.some((subject) => subject.digests.sha256 === digestHex) ||
      !isObject(predicate)
    ) {
      return undefined;
    }
    return {
      logIndex: entry.logIndex,
      signer: key.identity,
      reason: String(predicate.reason),
      severity: String(predicate.severity),
      ...(isObject(predicate.replacement) && {
        replacement: predicate.replacement as Revocation['replacement'],
      }),
    };
  } catch {
    // Not a revocation signed by this key (the log's answer is proven, its content is not ours).
    return undefined;
  }
}

/**
 * Throws VerifyError 'revoked' when the log holds a revocation of the model (`digestHex`, its
 * OMS root digest) signed by one of `revokerPems` (the signer's key, advisory keys).
 */
export async function checkNotRevoked(
  client: LogClient,
  digestHex: string,
  revokerPems: readonly string[],
): Promise<void> {
  const revokers = new Map(
    revokerPems.map((pem) => {
      const key = parsePublicKeyPem(pem);
      return [key.identity, key] as const;
    }),
  );
  if (revokers.size === 0) return;
  const { revocations } = await client.modelRevocations(`sha256:${digestHex}`, [
    ...revokers.keys(),
  ]);
  for (const entry of revocations) {
    for (const key of revokers.values()) {
      const revoked = await revocationBy(entry, digestHex, key);
      if (revoked === undefined) continue;
      const replacement = revoked.replacement
        ? `; use ${revoked.replacement.name ?? 'the replacement'} sha256:${revoked.replacement.sha256} instead`
        : '';
      throw new VerifyError(
        'revoked',
        `the model was revoked by ${revoked.signer} (log entry ${revoked.logIndex}, severity ${revoked.severity}): ${revoked.reason}${replacement}`,
        { revocation: revoked },
      );
    }
  }
}
