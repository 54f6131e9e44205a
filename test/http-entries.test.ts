// The entries API over real HTTP on a real SQLite file: publish, prove, read, search.
import t from 'tap';
import { LogClient, type VerifiedCheckpoint } from '../client-sdk/log-client/log-client.ts';
import { toHex } from '../server/log/encoding.ts';
import { leafHash, sha256 } from '../server/log/hash.ts';
import { verifyInclusion } from '../server/log/inclusion-proof.ts';
import { treeHash } from '../server/log/proof-builder.ts';
import { partialWidth } from '../server/log/tile.ts';
import { tileNodeReader } from '../server/log/tile-node-reader.ts';
import { expectError, serve } from './support/http.ts';
import {
  buildBundle,
  certificateSigner,
  generateKey,
  KEY_TYPES,
  keySigner,
  makeCertificateChain,
  omsStatement,
  type TestKey,
} from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

const ENTRIES = 1000;
const IN_FLIGHT = 64;
const NAMES = 7;
const PREDICATES = [
  'https://attestry.dev/test/evaluation/v1',
  'https://attestry.dev/test/dataset/v1',
];

function statement(i: number) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      {
        name: `acme/model-${i % NAMES}`,
        digest: { sha256: toHex(sha256(new TextEncoder().encode(`model ${i}`))) },
      },
    ],
    predicateType: PREDICATES[i % PREDICATES.length],
    predicate: { run: i },
  };
}

async function client(url: string) {
  const keys = await LogClient.fetchKeys(url);
  return new LogClient({ url, ...keys });
}

t.test(
  '1,000 entries with 64 in flight: proofs, tiles, consistency, duplicates, search',
  async (t) => {
    const log = openTempLog(t);
    const { url } = await serve(t, log);
    const logClient = await client(url);
    const signers: TestKey[] = [
      generateKey('ecdsa-p256'),
      generateKey('ed25519'),
      generateKey('ecdsa-p384'),
    ];
    const submissions = await Promise.all(
      Array.from({ length: ENTRIES }, async (_, i) => {
        const key = signers[i % signers.length];
        return {
          bundle: await buildBundle(keySigner(key), statement(i)),
          publicKey: key.publicKeyPem,
        };
      }),
    );

    // The client checks each answer (proof against the signed checkpoint, entry timestamp, that
    // the body logs this bundle); the test checks the proof once more on its own.
    const answers = new Array(ENTRIES);
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < ENTRIES) {
          const i = next++;
          answers[i] = await logClient.submit(submissions[i]);
        }
      }),
    );
    let verified = 0;
    for (const answer of answers) {
      verifyInclusion(
        answer.logIndex,
        answer.inclusion.checkpoint.size,
        leafHash(answer.canonicalizedBody),
        answer.inclusion.hashes,
        answer.inclusion.checkpoint.rootHash,
      );
      verified++;
    }
    t.equal(verified, ENTRIES, 'every 201 carries a proof that verifies against its checkpoint');
    t.same(
      answers.map((a) => a.logIndex).sort((a, b) => a - b),
      Array.from({ length: ENTRIES }, (_, i) => i),
      'each entry got its own index',
    );
    t.notOk(answers.some((a) => a.duplicate));

    // The root rebuilt from tiles fetched over HTTP equals the latest checkpoint's.
    const latest = await logClient.checkpoint();
    t.equal(latest.size, ENTRIES);
    const fetched = new Map<string, Uint8Array>();
    for (let level = 0; 256 ** level <= latest.size; level++) {
      const full = Math.floor(latest.size / 256 ** (level + 1));
      for (let index = 0; index < full; index++)
        fetched.set(`${level}/${index}`, await logClient.tile(level, index));
      const width = partialWidth(level, latest.size);
      if (width > 0) fetched.set(`${level}/${full}`, await logClient.tile(level, full, width));
    }
    const rebuilt = treeHash(
      latest.size,
      tileNodeReader({ readTile: (l, i) => fetched.get(`${l}/${i}`) }),
    );
    t.equal(toHex(rebuilt), toHex(latest.rootHash), 'root from HTTP tiles = checkpoint root');
    const firstBundle = await logClient.entryBundle(0);
    t.same(Buffer.from(firstBundle[0]), Buffer.from((await logClient.entry(0)).canonicalizedBody));

    // Consistency proofs between successive checkpoints handed out in the answers.
    const checkpoints = new Map<number, VerifiedCheckpoint>();
    for (const answer of answers)
      checkpoints.set(answer.inclusion.checkpoint.size, answer.inclusion.checkpoint);
    const sorted = [...checkpoints.values()].sort((a, b) => a.size - b.size);
    for (let i = 1; i < sorted.length; i++)
      await logClient.proveConsistency(sorted[i - 1], sorted[i]);
    t.ok(sorted.length > 3, `${sorted.length} checkpoints, each consistent with the one before`);

    // Duplicates: 409 with the existing entry and its location.
    for (const i of [0, 500, 999]) {
      const again = await logClient.submit(submissions[i]);
      t.ok(again.duplicate, `entry ${i} again is a duplicate`);
      t.equal(again.logIndex, answers[i].logIndex);
      const raw = await fetch(`${url}/api/v1/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(submissions[i]),
      });
      t.equal(raw.status, 409);
      t.equal(raw.headers.get('location'), `/api/v1/entries/${answers[i].logIndex}`);
      t.equal((await raw.json()).error.code, 'duplicate-entry');
    }
    t.equal((await logClient.checkpoint()).size, ENTRIES, 'duplicates added nothing');

    // Reading an entry back: envelope checked against the leaf's envelopeHash by the client.
    const entry = await logClient.entry(answers[10].logIndex);
    t.ok(entry.envelope, 'the envelope is served');
    t.same(
      JSON.parse(new TextDecoder().decode(entry.envelope)).payload,
      submissions[10].bundle.dsseEnvelope.payload,
    );
    t.equal(
      (entry.verifier as { identity: string }).identity,
      signers[10 % signers.length].identity,
    );

    // Search: exactly the matching entries, across pages.
    const indexOf = (i: number) => answers[i].logIndex;
    const expected = (keep: (i: number) => boolean) =>
      Array.from({ length: ENTRIES }, (_, i) => i)
        .filter(keep)
        .map(indexOf)
        .sort((a, b) => a - b);
    const searchAll = async (filter: Record<string, string>) => {
      const found: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await logClient.search(filter, { cursor, limit: 37 });
        found.push(...page.entries.map((e) => e.logIndex));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      return { found, pages };
    };
    const byName = await searchAll({ name: 'acme/model-3' });
    t.same(
      byName.found,
      expected((i) => i % NAMES === 3),
      'by name',
    );
    t.ok(byName.pages > 1, `by name over ${byName.pages} pages`);
    t.same(
      (await searchAll({ identity: signers[1].identity })).found,
      expected((i) => i % 3 === 1),
      'by identity',
    );
    t.same(
      (await searchAll({ predicateType: PREDICATES[1] })).found,
      expected((i) => i % 2 === 1),
      'by predicate type',
    );
    const digest = `sha256:${statement(123).subject[0].digest.sha256}`;
    t.same((await searchAll({ digest })).found, [indexOf(123)], 'by digest');
    t.same(
      (await searchAll({ name: 'acme/model-3', predicateType: PREDICATES[0] })).found,
      expected((i) => i % NAMES === 3 && i % 2 === 0),
      'by name and predicate type',
    );
    t.same(
      (await searchAll({ name: "acme/model-3' OR '1'='1" })).found,
      [],
      'injection strings match nothing',
    );
    await expectError(t, await fetch(`${url}/api/v1/entries`), 400, 'missing-filter');
    await expectError(t, await fetch(`${url}/api/v1/entries/${ENTRIES}`), 404, 'entry-not-found');
  },
);

t.test(
  'every key type and a certificate chain are accepted; each fault has its own code',
  async (t) => {
    const log = openTempLog(t);
    const { url } = await serve(t, log);
    const logClient = await client(url);
    for (const type of KEY_TYPES) {
      const key = generateKey(type);
      // Each key its own model name: a name belongs to the first signer in its namespace.
      const named = omsStatement({
        subject: [{ name: `${type}/model`, digest: { sha256: 'ab'.repeat(32) } }],
      });
      const answer = await logClient.submit({
        bundle: await buildBundle(keySigner(key), named),
        publicKey: key.publicKeyPem,
      });
      t.equal(answer.duplicate, false, `${type} accepted`);
      const identity = (
        JSON.parse(new TextDecoder().decode(answer.canonicalizedBody)) as { kind: string }
      ).kind;
      t.equal(identity, 'dsse');
    }
    const chain = await makeCertificateChain();
    const certified = await logClient.submit({
      bundle: await buildBundle(
        certificateSigner(chain),
        omsStatement({
          subject: [{ name: 'certified/model', digest: { sha256: 'ab'.repeat(32) } }],
        }),
      ),
    });
    t.equal(certified.duplicate, false, 'certificate chain accepted');

    const key = generateKey('ecdsa-p256');
    const other = generateKey('ecdsa-p256');
    const good = await buildBundle(keySigner(key), statement(1));
    const post = (body: unknown) =>
      fetch(`${url}/api/v1/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const before = await logClient.checkpoint();
    const changed = structuredClone(good);
    changed.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement(2))).toString('base64');
    const codes = [
      await expectError(t, await post({ bundle: good, publicKey: other.publicKeyPem }), 400),
      await expectError(t, await post({ bundle: changed, publicKey: key.publicKeyPem }), 400),
      await expectError(
        t,
        await post({
          bundle: await buildBundle(keySigner(key, { hint: 'sha256:00' }), statement(3)),
          publicKey: key.publicKeyPem,
        }),
        400,
      ),
      await expectError(
        t,
        await post({
          bundle: await buildBundle(keySigner(key), omsStatement({ predicate: { resources: [] } })),
          publicKey: key.publicKeyPem,
        }),
        400,
      ),
    ];
    t.equal(
      new Set(codes).size,
      4,
      `wrong key, changed payload, wrong hint, bad predicate: ${codes.join(', ')}`,
    );
    t.equal((await logClient.checkpoint()).size, before.size, 'nothing was logged');
  },
);

t.test('a log that is shutting down answers 503', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const key = generateKey('ecdsa-p256');
  log.sequencer.close();
  const response = await fetch(`${url}/api/v1/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      bundle: await buildBundle(keySigner(key), omsStatement()),
      publicKey: key.publicKeyPem,
    }),
  });
  t.equal(response.headers.get('retry-after'), '5', 'retry once restarted');
  await expectError(t, response, 503, 'sequencer-closed');
});
