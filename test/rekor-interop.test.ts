// Stock sigstore-js against this log over real HTTP: @sigstore/sign's RekorWitness (Rekor API v1
// and v2) logs signatures here, and stock @sigstore/verify accepts the bundles with the trusted
// root the log serves, and refuses them once anything is changed.
import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { type Bundle, bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { TransparencyLogEntry, TrustedRoot } from '@sigstore/protobuf-specs';
import {
  DSSEBundleBuilder,
  FulcioSigner,
  MessageSignatureBundleBuilder,
  RekorWitness,
  type Signer,
  TSAWitness,
  type Witness,
} from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import t from 'tap';
import { mergeTrustedRoots } from '../client-sdk/verify/trusted-root.ts';
import { openCheckpoint } from '../server/log/checkpoint.ts';
import { openNote, parseNote, signNote } from '../server/log/note.ts';
import { noteForSigner } from '../server/log/note-for-signer.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { ecdsaNoteVerifier } from '../server/log/note-keys-ecdsa.ts';
import { expectError, serve } from './support/http.ts';
import {
  generateKey,
  IN_TOTO,
  identityToken,
  keySigner,
  makeCertificateChain,
  omsStatement,
  startSigstoreFakes,
  type TestKey,
} from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

type BundleJson = ReturnType<typeof bundleToJSON>;

/** proto3 JSON leaves out a zero index. */
const indexOf = (entry: { logIndex?: string }) => Number(entry.logIndex ?? 0);
type TrustedRootJson = Record<string, unknown>;

const ARTIFACT = Buffer.from('the weights of acme/model, byte for byte');

/** A JSON round trip, as a bundle travels: what verifiers see. */
const roundTrip = (bundle: Bundle): BundleJson => JSON.parse(JSON.stringify(bundleToJSON(bundle)));

async function dsseBundle(signer: Signer, witnesses: Witness[], payload: object = omsStatement()) {
  const builder = new DSSEBundleBuilder({ signer, witnesses });
  return roundTrip(
    await builder.create({ data: Buffer.from(JSON.stringify(payload)), type: IN_TOTO }),
  );
}

async function messageBundle(signer: Signer, witnesses: Witness[], artifact = ARTIFACT) {
  const builder = new MessageSignatureBundleBuilder({ signer, witnesses });
  return roundTrip(await builder.create({ data: artifact }));
}

interface VerifyOptions {
  key?: TestKey;
  artifact?: Buffer;
  timestampThreshold?: number;
  policy?: { subjectAlternativeName?: string; extensions?: { issuer?: string } };
}

/** Stock @sigstore/verify, default thresholds unless told: one tlog entry, one timestamp. */
function verifyBundle(json: BundleJson, root: TrustedRootJson, options: VerifyOptions = {}) {
  const { key } = options;
  const material = toTrustMaterial(
    TrustedRoot.fromJSON(root),
    key &&
      ((hint: string) => {
        if (hint !== key.identity) throw new Error(`unknown key ${hint}`);
        return { publicKey: createPublicKey(key.publicKeyPem), validFor: () => true };
      }),
  );
  const verifier = new Verifier(material, {
    tlogThreshold: 1,
    ctlogThreshold: key ? 0 : 1,
    timestampThreshold: options.timestampThreshold ?? 1,
  });
  return verifier.verify(toSignedEntity(bundleFromJSON(json), options.artifact), options.policy);
}

/** The error code @sigstore/verify fails with. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  }
  return 'verified';
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** A copy of the root whose (first) log has another key. */
function withOtherLogKey(root: TrustedRootJson): TrustedRootJson {
  const copy = clone(root);
  const [tlog] = copy.tlogs as { publicKey: { rawBytes: string } }[];
  tlog.publicKey.rawBytes = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .publicKey.export({ type: 'spki', format: 'der' })
    .toString('base64');
  return copy;
}

t.test('Rekor v1: RekorWitness logs here and @sigstore/verify accepts the bundle', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  const root = await (await fetch(`${url}/api/v1/trusted-root`)).json();
  const key = generateKey('ecdsa-p256');
  const witness = new RekorWitness({ rekorBaseURL: url, fetchOnConflict: true });

  const bundle = await dsseBundle(keySigner(key), [witness]);
  const [entry] = bundle.verificationMaterial.tlogEntries;
  t.equal(entry.kindVersion?.kind, 'dsse');
  t.equal(entry.kindVersion?.version, '0.0.1');
  t.equal(entry.logId?.keyId, Buffer.from(log.keys.logId, 'hex').toString('base64'));
  t.ok(entry.inclusionPromise?.signedEntryTimestamp, 'a signed entry timestamp');
  t.equal(verifyBundle(bundle, root, { key }).key.asymmetricKeyType, 'ec', 'verified');

  t.test('a changed payload, signed again by the same key, fails on the logged body', async (t) => {
    const other = await dsseBundle(
      keySigner(key),
      [],
      omsStatement({ subject: [{ name: 'mallory/model', digest: { sha256: 'ab'.repeat(32) } }] }),
    );
    const swapped = clone(bundle);
    swapped.dsseEnvelope = other.dsseEnvelope;
    t.equal(
      failure(() => verifyBundle(swapped, root, { key })),
      'TLOG_BODY_ERROR',
    );
  });

  t.test("another log's key fails", async (t) => {
    const other = withOtherLogKey(root);
    t.match(
      failure(() => verifyBundle(bundle, other, { key })),
      /^TLOG_INCLUSION_(PROMISE|PROOF)_ERROR$/,
    );
  });

  t.test('a wrong index fails', async (t) => {
    const wrong = clone(bundle);
    const tlog = wrong.verificationMaterial.tlogEntries[0];
    tlog.logIndex = String(indexOf(tlog) + 1);
    if (tlog.inclusionProof) tlog.inclusionProof.logIndex = tlog.logIndex;
    t.match(
      failure(() => verifyBundle(wrong, root, { key })),
      /^TLOG_INCLUSION_(PROMISE|PROOF)_ERROR$/,
    );
  });

  t.test('a resubmission answers 409 and RekorWitness fetches the logged entry', async (t) => {
    // The log grows first: the fetched entry is proven in a later checkpoint.
    await dsseBundle(
      keySigner(key),
      [witness],
      omsStatement({ subject: [{ name: 'acme/other', digest: { sha256: 'ef'.repeat(32) } }] }),
    );
    const again = await new RekorWitness({ rekorBaseURL: url, fetchOnConflict: true }).testify(
      bundleFromJSON(bundle).content,
      key.publicKeyPem,
    );
    const [fetched] = again.tlogEntries ?? [];
    t.equal(indexOf(fetched ?? {}), indexOf(entry), 'the same index');
    t.equal(fetched?.inclusionProof?.treeSize, '2', 'proven in the latest tree');
    const refetched = clone(bundle);
    refetched.verificationMaterial.tlogEntries = [
      TransparencyLogEntry.toJSON(
        fetched,
      ) as (typeof refetched.verificationMaterial.tlogEntries)[0],
    ];
    t.ok(verifyBundle(refetched, root, { key }), 'the fetched entry verifies');
    const refused = new RekorWitness({ rekorBaseURL: url, fetchOnConflict: false });
    await t.rejects(refused.testify(bundleFromJSON(bundle).content, key.publicKeyPem), /409/);
  });

  t.test('hashedrekord: a message signature bundle verifies over its artifact', async (t) => {
    const message = await messageBundle(keySigner(key), [witness]);
    const [logged] = message.verificationMaterial.tlogEntries;
    t.equal(logged.kindVersion?.kind, 'hashedrekord');
    t.equal(indexOf(logged), log.sequencer.checkpoint.size - 1, 'the newest entry of the one log');
    t.ok(verifyBundle(message, root, { key, artifact: ARTIFACT }), 'verified');
    t.equal(
      failure(() => verifyBundle(message, root, { key, artifact: Buffer.from('swapped') })),
      'SIGNATURE_ERROR',
    );
  });
});

t.test('a checkpoint of the log is read by the C2SP parser and by @sigstore/verify', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  const root = await (await fetch(`${url}/api/v1/trusted-root`)).json();
  const key = generateKey('ecdsa-p256');
  const bundle = await dsseBundle(keySigner(key), [new RekorWitness({ rekorBaseURL: url })]);
  const proof = bundle.verificationMaterial.tlogEntries[0].inclusionProof;
  // Rekor clients get the checkpoint signed by the ECDSA key alone (sigstore-python refuses
  // lines by other keys).
  t.equal(proof?.checkpoint?.envelope.match(/\u2014 /g)?.length, 1, 'one signature line');

  // The log's own checkpoint, signed by both keys, in place of it: the same bytes for both readers.
  const note = await (await fetch(`${url}/checkpoint`)).text();
  const opened = openCheckpoint(note, [parseVerifierKey(log.keys.noteVerifierKey)]);
  t.equal(opened.checkpoint.origin, 'test.example/log');
  t.equal(opened.checkpoint.size, 1);
  t.equal(opened.note.unverifiedSignatures.length, 1, 'the ECDSA line, unknown to a C2SP reader');
  const dual = clone(bundle);
  const dualProof = dual.verificationMaterial.tlogEntries[0].inclusionProof;
  if (dualProof?.checkpoint) dualProof.checkpoint.envelope = note;
  t.ok(verifyBundle(dual, root, { key }), '@sigstore/verify accepts the bundle with it');

  // Without its ECDSA line it is still a C2SP checkpoint, but not one @sigstore/verify can check.
  const ed25519Only = note.replace(/\u2014 [^\n]+\n$/, '');
  t.ok(openCheckpoint(ed25519Only, [parseVerifierKey(log.keys.noteVerifierKey)]));
  if (dualProof?.checkpoint) dualProof.checkpoint.envelope = ed25519Only;
  // The SET still gives a timestamp; the checkpoint is what fails.
  t.equal(
    failure(() => verifyBundle(dual, root, { key })),
    'TLOG_INCLUSION_PROOF_ERROR',
  );
});

t.test(
  'a checkpoint from before the ECDSA key signed them is signed by it for Rekor clients',
  async (t) => {
    const log = openTempLog(t);
    const text = parseNote(log.sequencer.checkpoint.note).text;
    const ed25519Only = signNote(text, [log.keys.noteSigner]);
    const forSigstore = noteForSigner(ed25519Only, log.checkpointCosigner);
    const spki = new Uint8Array(log.keys.ecdsaPublicKeyDer);
    const opened = openNote(forSigstore, [ecdsaNoteVerifier('test.example/log', spki)]);
    t.equal(opened.text, text, 'the same tree head');
    t.equal(opened.verifiedSignatures.length, 1);
    t.equal(opened.unverifiedSignatures.length, 0, 'and no other line');
  },
);

t.test('Rekor v2: entries verify with a timestamp authority, as Rekor v2 implies', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  const fakes = await startSigstoreFakes();
  t.teardown(() => fakes.close());
  const logRoot = await (await fetch(`${url}/api/v1/trusted-root`)).json();
  const root = mergeTrustedRoots([
    logRoot,
    { ...fakes.trustedRoot, certificateAuthorities: [], ctlogs: [] },
  ]);
  const key = generateKey('ecdsa-p256');
  const witnesses = [
    new RekorWitness({ rekorBaseURL: url, majorApiVersion: 2 }),
    new TSAWitness({ tsaBaseURL: fakes.tsaURL }),
  ];

  const bundle = await dsseBundle(keySigner(key), witnesses);
  const [entry] = bundle.verificationMaterial.tlogEntries;
  t.same(entry.kindVersion, { kind: 'dsse', version: '0.0.2' });
  t.notOk(entry.inclusionPromise, 'no signed entry timestamp, as Rekor v2');
  t.ok(verifyBundle(bundle, root, { key }), 'verified, the time from the TSA');
  const untimed = await dsseBundle(keySigner(key), [witnesses[0]]);
  t.equal(
    failure(() => verifyBundle(untimed, logRoot, { key })),
    'TIMESTAMP_ERROR',
    'without a timestamp authority there is no verified time',
  );
  t.ok(verifyBundle(untimed, logRoot, { key, timestampThreshold: 0 }), 'unless none is asked for');

  const changed = clone(bundle);
  const payload = Buffer.from(changed.dsseEnvelope?.payload ?? '', 'base64');
  payload[payload.length - 2] ^= 1;
  (changed.dsseEnvelope as { payload: string }).payload = payload.toString('base64');
  t.match(
    failure(() => verifyBundle(changed, root, { key })),
    /^TLOG_BODY_ERROR|SIGNATURE_ERROR/,
  );

  const other = withOtherLogKey(root);
  t.equal(
    failure(() => verifyBundle(bundle, other, { key })),
    'TLOG_INCLUSION_PROOF_ERROR',
  );

  const wrong = clone(bundle);
  const proof = wrong.verificationMaterial.tlogEntries[0].inclusionProof;
  if (proof) proof.logIndex = '1';
  t.equal(
    failure(() => verifyBundle(wrong, root, { key })),
    'TLOG_INCLUSION_PROOF_ERROR',
  );

  const message = await messageBundle(keySigner(key), witnesses);
  t.same(message.verificationMaterial.tlogEntries[0].kindVersion, {
    kind: 'hashedrekord',
    version: '0.0.2',
  });
  t.ok(verifyBundle(message, root, { key, artifact: ARTIFACT }), 'hashedrekord 0.0.2 verified');

  // sigstore-js labels a public key as a certificate; the body records what the bytes are.
  const body = JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString());
  t.same(Object.keys(body.spec.dsseV002.signatures[0].verifier), ['keyDetails', 'publicKey']);
  t.equal(
    body.spec.dsseV002.signatures[0].verifier.publicKey.rawBytes,
    createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' }).toString('base64'),
  );
});

t.test('keyless: Fulcio and TSA fakes, this log as Rekor, an identity policy', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  // A certificate from a minute ago, valid at the entry's integration time (now) and at the
  // TSA's time, which must follow the TSA certificate's start (now).
  const fakes = await startSigstoreFakes({
    clock: new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000),
    tsaClock: new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000),
  });
  t.teardown(() => fakes.close());
  const logRoot = await (await fetch(`${url}/api/v1/trusted-root`)).json();
  const root = mergeTrustedRoots([fakes.trustedRoot, logRoot]);
  const identity = 'release@acme.example';
  const issuer = 'https://issuer.acme.example';
  const signer = new FulcioSigner({
    fulcioBaseURL: fakes.fulcioURL,
    identityProvider: { getToken: async () => identityToken({ sub: identity, iss: issuer }) },
  });
  const bundle = await dsseBundle(signer, [
    new RekorWitness({ rekorBaseURL: url }),
    new TSAWitness({ tsaBaseURL: fakes.tsaURL }),
  ]);
  const verified = verifyBundle(bundle, root, {
    policy: { subjectAlternativeName: identity, extensions: { issuer } },
  });
  t.equal(verified.identity?.subjectAlternativeName, identity);
  t.equal(
    failure(() =>
      verifyBundle(bundle, root, {
        policy: { subjectAlternativeName: 'mallory@evil.example', extensions: { issuer } },
      }),
    ),
    'UNTRUSTED_SIGNER_ERROR',
  );
  t.equal(
    failure(() => verifyBundle(bundle, fakes.trustedRoot)),
    'TLOG_INCLUSION_PROMISE_ERROR',
    "without this log's root the entry is not trusted",
  );
});

t.test('the Rekor read API: log info, public key, entries by UUID', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  const key = generateKey('ecdsa-p256');
  const bundle = await dsseBundle(keySigner(key), [new RekorWitness({ rekorBaseURL: url })]);
  const body = Buffer.from(bundle.verificationMaterial.tlogEntries[0].canonicalizedBody, 'base64');
  const uuid = createHash('sha256')
    .update(Buffer.concat([Buffer.from([0]), body]))
    .digest('hex');

  const info = await (await fetch(`${url}/api/v1/log`)).json();
  t.equal(info.treeSize, 1);
  t.equal(
    info.signedTreeHead,
    noteForSigner(log.sequencer.checkpoint.note, log.checkpointCosigner),
    'signed by the ECDSA key alone',
  );
  t.match(info.treeID, /^[1-9][0-9]*$/);

  const pem = await fetch(`${url}/api/v1/log/publicKey`);
  t.match(pem.headers.get('content-type'), /^application\/x-pem-file/);
  t.equal(await pem.text(), log.keys.ecdsaPublicKeyPem);

  for (const id of [uuid, `${'0'.repeat(16)}${uuid}`]) {
    const entry = await (await fetch(`${url}/api/v1/log/entries/${id}`)).json();
    t.same(Object.keys(entry), [uuid]);
    t.equal(entry[uuid].body, body.toString('base64'));
    t.equal(entry[uuid].logIndex, 0);
    t.equal(entry[uuid].verification.inclusionProof.treeSize, 1);
  }
  await expectError(
    t,
    await fetch(`${url}/api/v1/log/entries/${'ab'.repeat(32)}`),
    404,
    'entry-not-found',
  );
  await expectError(t, await fetch(`${url}/api/v1/log/entries/xyz`), 400, 'bad-request');
});

t.test('Rekor submissions are checked before anything is logged', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  const key = generateKey('ecdsa-p256');
  const other = generateKey('ecdsa-p256');
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const digest = createHash('sha256').update(ARTIFACT).digest();
  const hashedrekord = (signature: Buffer, pem: string, value = digest.toString('hex')) => ({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value } },
      signature: { content: signature.toString('base64'), publicKey: { content: b64(pem) } },
    },
  });
  const post = (body: unknown, version = 1) =>
    fetch(`${url}/api/v${version}/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const signature = sign('sha256', ARTIFACT, key.privateKey);
  const envelope = JSON.stringify({
    payload: Buffer.from(JSON.stringify(omsStatement())).toString('base64'),
    payloadType: IN_TOTO,
    signatures: [
      { sig: sign('sha256', Buffer.from('not the PAE'), key.privateKey).toString('base64') },
    ],
  });
  const cases: [string, unknown, number, string][] = [
    ['a signature by another key', hashedrekord(signature, other.publicKeyPem), 1, 'bad-signature'],
    [
      'a digest of something else',
      hashedrekord(signature, key.publicKeyPem, '00'.repeat(32)),
      1,
      'bad-signature',
    ],
    ['a short digest', hashedrekord(signature, key.publicKeyPem, 'abcd'), 1, 'bad-digest'],
    [
      'an unknown kind',
      { apiVersion: '0.0.1', kind: 'rekord', spec: {} },
      1,
      'unsupported-entry-kind',
    ],
    [
      'another version',
      { ...hashedrekord(signature, key.publicKeyPem), apiVersion: '0.0.2' },
      1,
      'unsupported-entry-kind',
    ],
    [
      'an Ed25519 key over a digest',
      hashedrekord(signature, generateKey('ed25519').publicKeyPem),
      1,
      'unsupported-key-type',
    ],
    [
      'a DSSE signature not over the PAE',
      {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: { proposedContent: { envelope, verifiers: [b64(key.publicKeyPem)] } },
      },
      1,
      'bad-signature',
    ],
    [
      'an envelope that is not JSON',
      {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: { proposedContent: { envelope: '{', verifiers: [b64(key.publicKeyPem)] } },
      },
      1,
      'bad-envelope',
    ],
    [
      'two verifiers',
      {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          proposedContent: { envelope, verifiers: [b64(key.publicKeyPem), b64(key.publicKeyPem)] },
        },
      },
      1,
      'bad-entry',
    ],
    [
      'a verifier that is no key',
      {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: { proposedContent: { envelope, verifiers: [b64('hello')] } },
      },
      1,
      'bad-public-key',
    ],
    ['a v2 request of no kind', {}, 2, 'unsupported-entry-kind'],
    [
      'a v2 verifier of garbage',
      {
        hashedRekordRequestV002: {
          digest: digest.toString('base64'),
          signature: {
            content: signature.toString('base64'),
            verifier: {
              publicKey: { rawBytes: b64('junk') },
              keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            },
          },
        },
      },
      2,
      'bad-public-key',
    ],
    [
      'a v2 SHA-1 sized digest',
      {
        hashedRekordRequestV002: {
          digest: Buffer.alloc(20).toString('base64'),
          signature: {
            content: signature.toString('base64'),
            verifier: { publicKey: { rawBytes: b64('junk') } },
          },
        },
      },
      2,
      'bad-digest',
    ],
  ];
  const spki = (pem: string) =>
    createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
  const v2Verifier = (pem: string) => ({
    publicKey: { rawBytes: spki(pem) },
    keyDetails: 'PKIX_ECDSA_P256_SHA_256',
  });
  const v2HashedRekord = (sig: Buffer, pem: string, bytes = digest) => ({
    hashedRekordRequestV002: {
      digest: bytes.toString('base64'),
      signature: { content: sig.toString('base64'), verifier: v2Verifier(pem) },
    },
  });
  const v2Dsse = (verifiers: unknown[]) => ({
    dsseRequestV002: { envelope: JSON.parse(envelope), verifiers },
  });
  const noSan = await makeCertificateChain({ san: null });
  const more: [string, unknown, number, string][] = [
    [
      'v2: a signature by another key',
      v2HashedRekord(signature, other.publicKeyPem),
      2,
      'bad-signature',
    ],
    [
      'v2: a digest of something else',
      v2HashedRekord(signature, key.publicKeyPem, Buffer.alloc(32)),
      2,
      'bad-signature',
    ],
    [
      'v2: a DSSE signature not over the PAE',
      v2Dsse([v2Verifier(key.publicKeyPem)]),
      2,
      'bad-signature',
    ],
    ['v2: no verifier', v2Dsse([]), 2, 'bad-entry'],
    ...['PKIX_ED25519', 'PKIX_ECDSA_P384_SHA_384', 7, 'NOT_AN_ALGORITHM'].map(
      (keyDetails): [string, unknown, number, string] => [
        `v2: keyDetails ${keyDetails} for a P-256 key`,
        v2Dsse([{ ...v2Verifier(key.publicKeyPem), keyDetails }]),
        2,
        'key-details-mismatch',
      ],
    ),
    [
      'v2: a verifier both key and certificate',
      v2Dsse([{ ...v2Verifier(key.publicKeyPem), x509Certificate: { rawBytes: 'AA==' } }]),
      2,
      'bad-entry',
    ],
    [
      'v2: a certificate naming nobody',
      v2Dsse([
        { x509Certificate: { rawBytes: Buffer.from(noSan.certificates[0]).toString('base64') } },
      ]),
      2,
      'certificate-without-identity',
    ],
    ['v2: a request that is not an object', { dsseRequestV002: 'x' }, 2, 'bad-request'],
    [
      'a signature that is not base64',
      {
        ...hashedrekord(signature, key.publicKeyPem),
        spec: {
          ...hashedrekord(signature, key.publicKeyPem).spec,
          signature: { content: 'not base64!', publicKey: { content: b64(key.publicKeyPem) } },
        },
      },
      1,
      'bad-base64',
    ],
    [
      'an unknown digest algorithm',
      {
        ...hashedrekord(signature, key.publicKeyPem),
        spec: {
          ...hashedrekord(signature, key.publicKeyPem).spec,
          data: { hash: { algorithm: 'md5', value: 'ab'.repeat(16) } },
        },
      },
      1,
      'bad-digest',
    ],
    [
      'proposed content that is not an object',
      { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: 'x' } },
      1,
      'bad-entry',
    ],
    [
      'an envelope not a string',
      {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: { proposedContent: { envelope: {}, verifiers: [b64(key.publicKeyPem)] } },
      },
      1,
      'bad-entry',
    ],
    [
      'a verifier that is not UTF-8',
      {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          proposedContent: { envelope, verifiers: [Buffer.from([0xff, 0xfe]).toString('base64')] },
        },
      },
      1,
      'bad-public-key',
    ],
    [
      'a certificate chain as verifier',
      {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          proposedContent: { envelope, verifiers: [b64(`${noSan.leafPem}${noSan.leafPem}`)] },
        },
      },
      1,
      'bad-certificate-chain',
    ],
    [
      'a certificate PEM that is not base64',
      {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          proposedContent: {
            envelope,
            verifiers: [b64('-----BEGIN CERTIFICATE-----\nAAB=\n-----END CERTIFICATE-----\n')],
          },
        },
      },
      1,
      'bad-certificate',
    ],
  ];
  cases.push(...more);
  for (const [name, body, version, code] of cases) {
    await expectError(t, await post(body, version), 400, code);
    t.pass(name);
  }
  t.equal(log.sequencer.checkpoint.size, 0, 'nothing was logged');
  const accepted = await post(hashedrekord(signature, key.publicKeyPem));
  t.equal(accepted.status, 201, 'the right signature is logged');
  t.match(accepted.headers.get('location'), /^\/api\/v1\/log\/entries\/[0-9a-f]{64}$/);
  // Protobuf JSON may name an enum value by its number: 5 is PKIX_ECDSA_P256_SHA_256.
  const byNumber = v2HashedRekord(signature, key.publicKeyPem);
  byNumber.hashedRekordRequestV002.signature.verifier.keyDetails = 5 as unknown as string;
  t.equal((await post(byNumber, 2)).status, 201, 'keyDetails by its enum number');
});

t.test(
  'without --allow-anonymous the Rekor API takes no submissions without a token',
  async (t) => {
    const log = openTempLog(t);
    const { url } = await serve(t, log, {}, undefined, {});
    const key = generateKey('ecdsa-p256');
    const witness = new RekorWitness({ rekorBaseURL: url });
    const builder = new DSSEBundleBuilder({ signer: keySigner(key), witnesses: [witness] });
    await t.rejects(
      builder.create({ data: Buffer.from(JSON.stringify(omsStatement())), type: IN_TOTO }),
      /401/,
    );
    await expectError(
      t,
      await fetch(`${url}/api/v2/log/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
      401,
      'token-required',
    );
    t.equal(log.sequencer.checkpoint.size, 0);
    // Reading stays open.
    t.equal((await fetch(`${url}/api/v1/log`)).status, 200);
  },
);

t.test('anonymous submissions are rate limited per address', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, {
    allowAnonymous: true,
    anonymousPerMinute: 3,
  });
  const statuses: number[] = [];
  let limited: Response | undefined;
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${url}/api/v2/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    statuses.push(response.status);
    if (response.status === 429) limited = response;
    else await response.body?.cancel();
  }
  t.same(statuses, [400, 400, 400, 429, 429]);
  t.ok(limited && Number(limited.headers.get('retry-after')) > 0, 'Retry-After');
  if (limited) await expectError(t, limited, 429, 'rate-limited');
  t.equal((await fetch(`${url}/api/v1/log`)).status, 200, 'reads are not limited');
});
