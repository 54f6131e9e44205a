// The algorithm of a Rekor v2 verifier (keyDetails), over loopback HTTP: one the key signs under
// is taken (by name or number, or left out), and the entry records the algorithm the signature is
// made under; one the key does not sign under, or that the signature is not made under, is refused.
import { createHash, createPublicKey, sign } from 'node:crypto';
import t, { type Test } from 'tap';
import { preAuthEncoding } from '../server/entries/dsse.ts';
import { expectError, serve } from './support/http.ts';
import { generateKey, IN_TOTO, omsStatement, type TestKey } from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

const log = openTempLog(t);
const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
const p384 = generateKey('ecdsa-p384');
const p256 = generateKey('ecdsa-p256');
let counter = 0;

const post = (body: unknown) =>
  fetch(`${url}/api/v2/log/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const spki = (key: TestKey) =>
  createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' }).toString('base64');

/** A DSSE request signed by `key` over `digest`, its verifier naming `keyDetails` (if given). */
function dsseRequest(key: TestKey, digest: string, keyDetails?: unknown) {
  const payload = Buffer.from(
    JSON.stringify(
      omsStatement({ subject: [{ name: `m${++counter}`, digest: { sha256: 'ab'.repeat(32) } }] }),
    ),
  );
  const sig = sign(digest, preAuthEncoding(IN_TOTO, payload), key.privateKey);
  return {
    dsseRequestV002: {
      envelope: {
        payload: payload.toString('base64'),
        payloadType: IN_TOTO,
        signatures: [{ sig: sig.toString('base64') }],
      },
      verifiers: [
        { publicKey: { rawBytes: spki(key) }, ...(keyDetails !== undefined && { keyDetails }) },
      ],
    },
  };
}

/** The algorithm the logged entry's verifier records. */
async function recorded(t: Test, response: Response): Promise<string> {
  t.equal(response.status, 201, 'logged');
  const entry = await response.json();
  const body = JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString('utf8'));
  return body.spec.dsseV002.signatures[0].verifier.keyDetails;
}

t.test('the entry records the algorithm the signature is made under', async (t) => {
  const cases: [string, TestKey, string, unknown, string][] = [
    [
      'P-384 over SHA-384, named',
      p384,
      'sha384',
      'PKIX_ECDSA_P384_SHA_384',
      'PKIX_ECDSA_P384_SHA_384',
    ],
    [
      'P-384 over SHA-256, named',
      p384,
      'sha256',
      'PKIX_ECDSA_P384_SHA_256',
      'PKIX_ECDSA_P384_SHA_256',
    ],
    ['P-384 over SHA-256, by number', p384, 'sha256', 19, 'PKIX_ECDSA_P384_SHA_256'],
    ['P-384 over SHA-384, left out', p384, 'sha384', undefined, 'PKIX_ECDSA_P384_SHA_384'],
    ['P-384 over SHA-256, left out', p384, 'sha256', undefined, 'PKIX_ECDSA_P384_SHA_256'],
    ['P-384 over SHA-256, null', p384, 'sha256', null, 'PKIX_ECDSA_P384_SHA_256'],
    [
      'P-256, unspecified',
      p256,
      'sha256',
      'PUBLIC_KEY_DETAILS_UNSPECIFIED',
      'PKIX_ECDSA_P256_SHA_256',
    ],
    ['P-256, by number 0', p256, 'sha256', 0, 'PKIX_ECDSA_P256_SHA_256'],
  ];
  for (const [name, key, digest, keyDetails, expected] of cases) {
    t.equal(await recorded(t, await post(dsseRequest(key, digest, keyDetails))), expected, name);
  }
});

t.test(
  'an algorithm the signature is not made under is refused; a hashedrekord one is SHA-256',
  async (t) => {
    const size = log.sequencer.checkpoint.size;
    const refused: [string, unknown, string][] = [
      [
        'P-384 over SHA-256, named SHA-384',
        dsseRequest(p384, 'sha256', 'PKIX_ECDSA_P384_SHA_384'),
        'bad-signature',
      ],
      [
        'P-384 named P-256',
        dsseRequest(p384, 'sha384', 'PKIX_ECDSA_P256_SHA_256'),
        'key-details-mismatch',
      ],
      ['P-256 named Ed25519', dsseRequest(p256, 'sha256', 'PKIX_ED25519'), 'key-details-mismatch'],
      [
        'P-256 named by an unknown name',
        dsseRequest(p256, 'sha256', 'NOPE'),
        'key-details-mismatch',
      ],
      ['P-256 named by an object', dsseRequest(p256, 'sha256', {}), 'key-details-mismatch'],
    ];
    const artifact = Buffer.from('artifact');
    const digest = createHash('sha256').update(artifact).digest();
    const hashedrekord = (keyDetails?: string) => ({
      hashedRekordRequestV002: {
        digest: digest.toString('base64'),
        signature: {
          content: sign('sha256', artifact, p384.privateKey).toString('base64'),
          verifier: { publicKey: { rawBytes: spki(p384) }, keyDetails },
        },
      },
    });
    refused.push([
      'a SHA-256 digest named SHA-384',
      hashedrekord('PKIX_ECDSA_P384_SHA_384'),
      'key-details-mismatch',
    ]);
    for (const [name, body, code] of refused) {
      await expectError(t, await post(body), 400, code);
      t.pass(name);
    }
    t.equal(log.sequencer.checkpoint.size, size, 'nothing was logged');

    // A hashedrekord digest is SHA-256: a P-384 key's entry says so.
    for (const keyDetails of ['PKIX_ECDSA_P384_SHA_256', undefined]) {
      const response = await post(hashedrekord(keyDetails));
      t.equal(response.status, 201, `hashedrekord named ${keyDetails}`);
      const entry = await response.json();
      const body = JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString('utf8'));
      t.equal(body.spec.hashedRekordV002.signature.verifier.keyDetails, 'PKIX_ECDSA_P384_SHA_256');
    }
  },
);
