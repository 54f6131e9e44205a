// Real Rekor entries (../shared/vectors/rekor, taken from sigstore-js) checked with this project's
// own inclusion-proof and signed-note code: Rekor v1 (an RFC 6962 tree whose checkpoints are ECDSA
// P-256 notes signed by a key not named after the origin) and Rekor v2 (a C2SP log signing its
// checkpoints with Ed25519). The accepted values are asserted, and every changed bit of a proof
// hash, root or checkpoint, and a changed bit in every byte of a body, must be refused.
import { generateKeyPairSync } from 'node:crypto';
import t, { type Test } from 'tap';
import { openCheckpoint, parseCheckpoint } from '../server/log/checkpoint.ts';
import { fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from '../server/log/encoding.ts';
import { LogError } from '../server/log/errors.ts';
import { leafHash, sha256 } from '../server/log/hash.ts';
import { rootFromInclusionProof, verifyInclusion } from '../server/log/inclusion-proof.ts';
import { openNote, parseNote } from '../server/log/note.ts';
import { ed25519Verifier, type NoteVerifier } from '../server/log/note-keys.ts';
import {
  ecdsaNoteKeyId,
  ecdsaNoteVerifier,
  p256SignatureVerifier,
} from '../server/log/note-keys-ecdsa.ts';
import { readVectors } from './support/vectors.ts';

interface RekorVectors {
  note: string;
  canonicalizedBody_b64: string;
  checkpoint: { treeSize: number; rootHash_hex: string };
  inclusionProof: { logIndex: number; hashes_hex: string[] };
  rekor_v1_public_key_spki_b64: string;
  rekor_v1_log_id_b64: string;
  checkpoint_test: { envelope: string };
  rekor_v2_2025_1: { public_key_spki_b64: string; log_id_b64: string };
  rekor_v2_bundles: Record<
    string,
    {
      logIndex: string;
      kindVersion: { kind: string; version: string };
      canonicalizedBody: string;
      inclusionProof: {
        logIndex: string;
        treeSize: string;
        rootHash: string;
        hashes: string[];
        checkpoint: { envelope: string };
      };
    }
  >;
}

const rekor = readVectors<RekorVectors>('rekor/sigstore-js-vectors.json');

const V1_KEY_NAME = 'rekor.sigstore.dev';
const V1_ORIGIN = 'rekor.sigstore.dev - 2605736670972794746';
const V2_NAME = 'log2025-1.rekor.sigstore.dev';
const ED25519_SPKI_PREFIX = '302a300506032b6570032100';

// The vectors hold canonical encodings only, so a failed decode is a broken vector file.
function b64(text: string): Uint8Array {
  const bytes = fromBase64(text);
  if (bytes === undefined) throw new Error(`not canonical base64: ${text}`);
  return bytes;
}

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (bytes === undefined) throw new Error(`not hex: ${text}`);
  return bytes;
}

/** 'ok', or the code of the LogError thrown; anything else is a bug and propagates. */
function outcome(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof LogError) return error.code;
    throw error;
  }
}

const EVERY_BIT = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80];

/** Copies of `bytes` with one byte changed by each mask in turn, for every byte. */
function* changed(bytes: Uint8Array, masks: readonly number[]): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++) {
    for (const mask of masks) {
      const copy = bytes.slice();
      copy[i] ^= mask;
      yield copy;
    }
  }
}

/** How many times each outcome occurred: an accepted change shows up as `ok`. */
function tally(outcomes: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}

function tallyOf(
  variants: Iterable<Uint8Array>,
  run: (variant: Uint8Array) => unknown,
): Record<string, number> {
  return tally(Array.from(variants, (variant) => outcome(() => run(variant))));
}

/** Each variant of the note with one bit of its text or of its single signature field changed. */
function noteChanges(note: string): { text: Uint8Array[]; signature: Uint8Array[] } {
  const { text, signatures } = parseNote(note);
  const [{ name, base64 }] = signatures;
  const textBytes = utf8(text);
  const tail = note.slice(text.length);
  const withField = (field: Uint8Array) => utf8(`${text}\n\u2014 ${name} ${toBase64(field)}\n`);
  return {
    text: Array.from(changed(textBytes, EVERY_BIT), (bytes) =>
      Uint8Array.of(...bytes, ...utf8(tail)),
    ),
    signature: Array.from(changed(b64(base64), EVERY_BIT), withField),
  };
}

function randomP256Spki(): Uint8Array {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}

function randomEd25519Key(): Uint8Array {
  const { publicKey } = generateKeyPairSync('ed25519');
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })).subarray(12);
}

interface Inclusion {
  index: number;
  size: number;
  body: Uint8Array;
  proof: Uint8Array[];
  root: Uint8Array;
}

/** Every bit of every proof hash and of the root, and a bit of every body byte, is refused. */
function assertEveryChangeRefused(t: Test, { index, size, body, proof, root }: Inclusion): void {
  const leaf = leafHash(body);
  proof.forEach((hash, i) => {
    t.same(
      tallyOf(changed(hash, EVERY_BIT), (h) =>
        verifyInclusion(index, size, leaf, proof.with(i, h), root),
      ),
      { 'root-mismatch': 256 },
      `every bit of proof[${i}]`,
    );
  });
  t.same(
    tallyOf(changed(root, EVERY_BIT), (r) => verifyInclusion(index, size, leaf, proof, r)),
    { 'root-mismatch': 256 },
    'every bit of the root',
  );
  t.same(
    tallyOf(changed(body, [0x01]), (b) => verifyInclusion(index, size, leafHash(b), proof, root)),
    { 'root-mismatch': body.length },
    'a bit of every body byte',
  );
}

const v1Spki = b64(rekor.rekor_v1_public_key_spki_b64);
const v2Spki = b64(rekor.rekor_v2_2025_1.public_key_spki_b64);
const v2Key = v2Spki.subarray(ED25519_SPKI_PREFIX.length / 2);

t.test('Rekor v1: the entry is in its tree at its shard-local index only', async (t) => {
  const body = b64(rekor.canonicalizedBody_b64);
  t.match(JSON.parse(fromUtf8(body) ?? ''), { apiVersion: '0.0.2', kind: 'intoto' });
  const leaf = leafHash(body);
  const index = rekor.inclusionProof.logIndex;
  const size = rekor.checkpoint.treeSize;
  const proof = rekor.inclusionProof.hashes_hex.map(hex);
  const root = hex(rekor.checkpoint.rootHash_hex);
  t.same([index, size, proof.length], [21428034, 21476367, 21]);

  t.equal(
    toHex(rootFromInclusionProof(index, size, leaf, proof)),
    'd5c395a44b9537f8fa2524a6e93071969dd475ac40e87e2b1231b2aebd9a138b',
  );
  t.equal(
    outcome(() => verifyInclusion(index, size, leaf, proof, root)),
    'ok',
  );

  assertEveryChangeRefused(t, { index, size, body, proof, root });

  // The global index (of the URL in the vector's note) is what a v1 verifier must not use.
  t.match(rekor.note, /logIndex=25591465\b/);
  const verify = (i: number, s: number, p = proof) =>
    outcome(() => verifyInclusion(i, s, leaf, p, root));
  // A size off by one still gives this leaf the same path, so the same root: the proof binds the
  // leaf to the root, and only the signed checkpoint binds that root to its size.
  t.same(
    {
      globalIndex: verify(25591465, size),
      indexMinus1: verify(index - 1, size),
      indexPlus1: verify(index + 1, size),
      sizeMinus1: verify(index, size - 1),
      sizePlus1: verify(index, size + 1),
      lastHashDropped: verify(index, size, proof.slice(0, -1)),
      hashAdded: verify(index, size, [...proof, proof[0]]),
      firstTwoSwapped: verify(index, size, [proof[1], proof[0], ...proof.slice(2)]),
      leafNotHashed: outcome(() => verifyInclusion(index, size, sha256(body), proof, root)),
    },
    {
      globalIndex: 'index-out-of-range',
      indexMinus1: 'root-mismatch',
      indexPlus1: 'root-mismatch',
      sizeMinus1: 'ok',
      sizePlus1: 'ok',
      lastHashDropped: 'proof-too-short',
      hashAdded: 'proof-too-long',
      firstTwoSwapped: 'root-mismatch',
      leafNotHashed: 'root-mismatch',
    },
  );
});

t.test('Rekor v1: the signed checkpoint opens with the ECDSA key and no other', async (t) => {
  // Rekor v1 names the ECDSA key after the host, not the origin, and its key ID is the head of
  // SHA-256(DER SPKI), which is the whole v1 log ID.
  t.same(sha256(v1Spki), b64(rekor.rekor_v1_log_id_b64));
  t.equal(ecdsaNoteKeyId(v1Spki), 0xc0d23d6a);
  const verifier = ecdsaNoteVerifier(V1_KEY_NAME, v1Spki);
  const note = rekor.checkpoint_test.envelope;

  const opened = openNote(note, [verifier]);
  t.same(
    opened.verifiedSignatures.map((s) => [s.name, s.keyId]),
    [[V1_KEY_NAME, 0xc0d23d6a]],
  );
  t.same(opened.unverifiedSignatures, []);
  const checkpoint = parseCheckpoint(opened.text);
  t.same(
    { ...checkpoint, rootHash: toHex(checkpoint.rootHash) },
    {
      origin: V1_ORIGIN,
      size: 21428036,
      rootHash: 'af19e82b2159949eff47a6cc87f77795cab02aa032e422f52dc34124fd7b9204',
      extensions: ['Timestamp: 1688058656037355364'],
    },
  );
  // openCheckpoint wants a log key named after the origin, which Rekor v1 does not have.
  t.equal(
    outcome(() => openCheckpoint(note, [verifier])),
    'no-log-signature',
  );
  t.same(openNote(utf8(note), [verifier]), opened, 'bytes open like the string');

  // It signs a tree 2 leaves after the v1 entry's index, not the 21476367-leaf tree its proof is
  // for: that proof does not lead to this root (a consistency proof would be needed to link them).
  const entryProof = rekor.inclusionProof.hashes_hex.map(hex);
  t.equal(
    outcome(() =>
      verifyInclusion(
        rekor.inclusionProof.logIndex,
        checkpoint.size,
        leafHash(b64(rekor.canonicalizedBody_b64)),
        entryProof,
        checkpoint.rootHash,
      ),
    ),
    'proof-too-long',
  );

  const changes = noteChanges(note);
  t.same(
    tallyOf(changes.text, (n) => openNote(n, [verifier])),
    { 'invalid-signature': 782, 'malformed-note': 226 },
    'every bit of the note text',
  );
  t.same(
    tallyOf(changes.signature, (n) => openNote(n, [verifier])),
    { 'unverified-note': 32, 'invalid-signature': 568 },
    'every bit of the key ID and signature',
  );

  const otherSpki = randomP256Spki();
  const sameIdOtherKey: NoteVerifier = { ...verifier, verify: p256SignatureVerifier(otherSpki) };
  t.same(
    {
      otherP256Key: outcome(() => openNote(note, [ecdsaNoteVerifier(V1_KEY_NAME, otherSpki)])),
      sameIdOtherKey: outcome(() => openNote(note, [sameIdOtherKey])),
      otherName: outcome(() => openNote(note, [ecdsaNoteVerifier(V2_NAME, v1Spki)])),
      rekorV2Key: outcome(() => openNote(note, [ed25519Verifier(V1_KEY_NAME, v2Key)])),
    },
    {
      otherP256Key: 'unverified-note',
      sameIdOtherKey: 'invalid-signature',
      otherName: 'unverified-note',
      rekorV2Key: 'unverified-note',
    },
  );
});

t.test('Rekor v2: both entries are in the trees of their signed checkpoints', async (t) => {
  t.equal(toHex(v2Spki.subarray(0, ED25519_SPKI_PREFIX.length / 2)), ED25519_SPKI_PREFIX);
  const verifier = ed25519Verifier(V2_NAME, v2Key);
  const logId = b64(rekor.rekor_v2_2025_1.log_id_b64);
  t.equal(verifier.keyId, new DataView(logId.buffer, logId.byteOffset).getUint32(0));

  const entries = Object.entries(rekor.rekor_v2_bundles);
  t.same(
    entries.map(([name, e]) => [name, e.kindVersion.kind, e.kindVersion.version]),
    [
      ['TLOG_DSSEV002', 'dsse', '0.0.2'],
      ['TLOG_HASHEDREKORDV002', 'hashedrekord', '0.0.2'],
    ],
  );
  for (const [name, entry] of entries) {
    t.test(name, async (t) => {
      const { inclusionProof } = entry;
      const note = inclusionProof.checkpoint.envelope;
      const { checkpoint } = openCheckpoint(note, [verifier], V2_NAME);
      t.same(
        { ...checkpoint, rootHash: toBase64(checkpoint.rootHash) },
        {
          origin: V2_NAME,
          size: Number(inclusionProof.treeSize),
          rootHash: inclusionProof.rootHash,
          extensions: [],
        },
      );

      const body = b64(entry.canonicalizedBody);
      t.match(JSON.parse(fromUtf8(body) ?? ''), {
        apiVersion: entry.kindVersion.version,
        kind: entry.kindVersion.kind,
      });
      const leaf = leafHash(body);
      const index = Number(inclusionProof.logIndex);
      t.equal(inclusionProof.logIndex, entry.logIndex, 'v2 has one index');
      const { size, rootHash: root } = checkpoint;
      t.equal(index, size - 1, 'each entry is the newest leaf of its checkpoint');
      const proof = inclusionProof.hashes.map(b64);
      t.same(rootFromInclusionProof(index, size, leaf, proof), root);
      t.equal(
        outcome(() => verifyInclusion(index, size, leaf, proof, root)),
        'ok',
      );

      assertEveryChangeRefused(t, { index, size, body, proof, root });
      const verify = (i: number, p = proof) =>
        outcome(() => verifyInclusion(i, size, leaf, p, root));
      t.same(
        {
          indexMinus1: verify(index - 1),
          indexPlus1: verify(index + 1),
          lastHashDropped: verify(index, proof.slice(0, -1)),
        },
        {
          // Each entry is the last leaf of its tree: the even dsse one (544346) has no sibling, so
          // its left neighbour's path takes one hash more.
          indexMinus1: index % 2 === 0 ? 'proof-too-short' : 'root-mismatch',
          indexPlus1: 'index-out-of-range',
          lastHashDropped: 'proof-too-short',
        },
      );

      const changes = noteChanges(note);
      t.same(
        tallyOf(changes.text, (n) => openCheckpoint(n, [verifier], V2_NAME)),
        { 'invalid-signature': 507, 'malformed-note': 141 },
        'every bit of the checkpoint text',
      );
      t.same(
        tallyOf(changes.signature, (n) => openCheckpoint(n, [verifier], V2_NAME)),
        { 'unverified-note': 32, 'invalid-signature': 64 * 8 },
        'every bit of the key ID and signature',
      );

      const sameIdOtherKey: NoteVerifier = {
        ...verifier,
        verify: ed25519Verifier(V2_NAME, randomEd25519Key()).verify,
      };
      t.same(
        {
          rekorV1Key: outcome(() => openCheckpoint(note, [ecdsaNoteVerifier(V2_NAME, v1Spki)])),
          rekorV1KeyAndName: outcome(() =>
            openCheckpoint(note, [ecdsaNoteVerifier(V1_KEY_NAME, v1Spki)]),
          ),
          sameIdOtherKey: outcome(() => openCheckpoint(note, [sameIdOtherKey])),
        },
        {
          rekorV1Key: 'unverified-note',
          rekorV1KeyAndName: 'unverified-note',
          sameIdOtherKey: 'invalid-signature',
        },
      );
    });
  }
});
