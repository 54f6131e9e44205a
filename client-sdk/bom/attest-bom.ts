// An AI-BOM as an attestation of its own: an in-toto statement about the model (its OMS root
// digest) whose predicate is the document, under the predicate type its format registers, signed
// with a key and published to a log like any attestation.
import { publishAttestation, signStatement } from '../attest/index.ts';
import type { LogClient } from '../log-client/log-client.ts';
import type { PublishedEntry } from '../sign/publish.ts';
import type { BomDocument, BomFormat } from './build-bom.ts';

export const BOM_PREDICATE_TYPES: Record<BomFormat, string> = {
  cyclonedx: 'https://cyclonedx.org/bom',
  spdx: 'https://spdx.dev/Document/v3',
};

export interface BomAttestationOptions {
  /** The model the BOM describes. */
  model: { name: string; sha256: string };
  format: BomFormat;
  /** The PEM ECDSA private key that signs. */
  privateKey: string;
  /**
   * The attestry log to publish to: a client (pinned to the log's key, with its token), or a URL,
   * whose key is then taken as the log presents it.
   */
  log: LogClient | string;
  /** With a URL: the bearer token that allows publishing there. */
  token?: string;
}

export async function attestBom(
  bom: BomDocument,
  options: BomAttestationOptions,
): Promise<PublishedEntry> {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: options.model.name, digest: { sha256: options.model.sha256 } }],
    predicateType: BOM_PREDICATE_TYPES[options.format],
    predicate: bom,
  };
  const signed = await signStatement(
    new TextEncoder().encode(JSON.stringify(statement)),
    options.privateKey,
  );
  return publishAttestation(options.log, signed, options.token);
}
