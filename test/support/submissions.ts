// Valid submissions for POST /api/v1/entries, one per number, and posting them.
import { toHex } from '../../server/log/encoding.ts';
import { sha256 } from '../../server/log/hash.ts';
import { buildBundle, generateKey, keySigner, type TestKey } from './signing.ts';

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
  return fetch(`${url}/api/v1/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
}
