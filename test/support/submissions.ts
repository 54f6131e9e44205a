// Valid submissions for POST /api/v1/entries, one per number, and posting them.
import { toHex } from '../../server/log/encoding.ts';
import { sha256 } from '../../server/log/hash.ts';
import { type BundleJson, buildBundle, generateKey, keySigner, type TestKey } from './signing.ts';

export const TEST_PREDICATE_TYPE = 'https://attestry.dev/test/limits/v1';

let sharedKey: TestKey | undefined;

/**
 * The JSON body of a submission signed by one ECDSA P-256 key: a statement about `acme/model-<i>`,
 * its predicate padded with `padding` bytes (an envelope that big needs new database pages).
 */
export async function submissionBody(i: number, padding = 0): Promise<string> {
  sharedKey ??= generateKey('ecdsa-p256');
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      {
        name: `acme/model-${i}`,
        digest: { sha256: toHex(sha256(new TextEncoder().encode(`model ${i}`))) },
      },
    ],
    predicateType: TEST_PREDICATE_TYPE,
    predicate: { run: i, padding: 'x'.repeat(padding) },
  };
  return JSON.stringify({
    bundle: await buildBundle(keySigner(sharedKey), statement),
    publicKey: sharedKey.publicKeyPem,
  });
}

export function postEntry(url: string, body: string): Promise<Response> {
  return postJson(url, '/api/v1/entries', body);
}

/** The Rekor v1 `dsse` entry proposing a bundle's envelope, verified by a PEM public key. */
export function rekorDsseProposal(bundle: BundleJson, publicKeyPem: string): string {
  const { payload, payloadType, signatures } = bundle.dsseEnvelope;
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      proposedContent: {
        envelope: JSON.stringify({
          payload,
          payloadType,
          signatures: signatures.map(({ sig }) => ({ sig })),
        }),
        verifiers: [Buffer.from(publicKeyPem).toString('base64')],
      },
    },
  });
}

/** POST of a JSON body to a path of the log at url, with more headers (a token) if given. */
export function postJson(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}
