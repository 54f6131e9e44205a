import t from 'tap';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../server/log/checkpoint.ts';
import { fromBase64, fromHex, toBase64, utf8 } from '../server/log/encoding.ts';
import { NoteError } from '../server/log/errors.ts';
import { EMPTY_ROOT, sha256 } from '../server/log/hash.ts';
import { parseNote, signNote } from '../server/log/note.ts';
import {
  ed25519Verifier,
  formatVerifierKey,
  generateNoteSigner,
  parseSignerKey,
  parseVerifierKey,
} from '../server/log/note-keys.ts';
import { readVectors } from './support/vectors.ts';

interface TesseraLog {
  log_public_key_vkey: string;
  log_private_key_skey: string;
  checkpoints: { size: number; root_b64: string; root_hex: string; checkpoint: string }[];
}

interface RekorVectors {
  checkpoint_test: { envelope: string };
  rekor_v2_2025_1: { public_key_spki_b64: string; log_id_b64: string };
  rekor_v2_bundles: Record<
    string,
    { inclusionProof: { treeSize: string; rootHash: string; checkpoint: { envelope: string } } }
  >;
}

const tessera = readVectors<TesseraLog>('tlog-tiles/tessera-testdata-log.json');
const examples = readVectors<{
  checkpoint_example: string;
  cosignature_line_decoded: { line: string };
}>('signed-note/c2sp-format-examples.json');
const rekor = readVectors<RekorVectors>('rekor/sigstore-js-vectors.json');

const ORIGIN = 'example.com/log/testdata';
const logSigner = parseSignerKey(tessera.log_private_key_skey);
const logVerifier = parseVerifierKey(tessera.log_public_key_vkey);
const root = fromBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=') as Uint8Array;

function outcome(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof NoteError) return error.code;
    throw error;
  }
  return 'accepted';
}

t.test('the 16 Tessera checkpoints are reproduced byte for byte and open', async (t) => {
  t.equal(tessera.checkpoints.length, 16);
  for (const { size, root_b64, root_hex, checkpoint } of tessera.checkpoints) {
    const rootHash = fromBase64(root_b64) as Uint8Array;
    t.same(rootHash, fromHex(root_hex));
    t.equal(
      signCheckpoint({ origin: ORIGIN, size, rootHash }, [logSigner]),
      checkpoint,
      `size ${size}`,
    );
    const opened = openCheckpoint(checkpoint, [logVerifier], ORIGIN);
    t.same(opened.checkpoint, { origin: ORIGIN, size, rootHash, extensions: [] });
    t.same(
      opened.note.verifiedSignatures.map((s) => [s.name, s.keyId]),
      [[ORIGIN, logVerifier.keyId]],
    );
    t.same(openCheckpoint(checkpoint, [logVerifier]), opened, 'the expected origin is optional');
  }
  t.same(
    openCheckpoint(tessera.checkpoints[0].checkpoint, [logVerifier]).checkpoint.rootHash,
    EMPTY_ROOT,
  );
});

t.test('a checkpoint cosigned by an unknown witness opens with the log key alone', async (t) => {
  const cosigned = `${tessera.checkpoints[7].checkpoint}${examples.cosignature_line_decoded.line}\n`;
  const opened = openCheckpoint(cosigned, [logVerifier], ORIGIN);
  t.equal(opened.checkpoint.size, 7);
  t.same(
    opened.note.unverifiedSignatures.map((s) => s.name),
    ['witness.example.com/w1'],
  );
});

t.test('extension lines are signed, round-trip and verify', async (t) => {
  const extensions = ['Timestamp: 1688058656037355364', 'other extension with spaces'];
  const note = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: root, extensions }, [
    logSigner,
  ]);
  t.ok(note.startsWith(`${ORIGIN}\n42\n${toBase64(root)}\n${extensions.join('\n')}\n\n\u2014 `));
  const { checkpoint } = openCheckpoint(note, [logVerifier], ORIGIN);
  t.same(checkpoint.extensions, extensions);
  const dropped = note.replace(`${extensions[1]}\n`, '');
  t.equal(
    outcome(() => openCheckpoint(dropped, [logVerifier])),
    'invalid-signature',
  );

  // Rekor v1 (ECDSA, so parse only): an origin with spaces and a timestamp extension line.
  const v1 = parseCheckpoint(parseNote(rekor.checkpoint_test.envelope).text);
  t.same(
    { ...v1, rootHash: toBase64(v1.rootHash) },
    {
      origin: 'rekor.sigstore.dev - 2605736670972794746',
      size: 21428036,
      rootHash: 'rxnoKyFZlJ7/R6bMh/d3lcqwKqAy5CL1LcNBJP17kgQ=',
      extensions: ['Timestamp: 1688058656037355364'],
    },
  );
});

t.test('the C2SP checkpoint example body parses', async (t) => {
  const { text } = parseNote(examples.checkpoint_example);
  const checkpoint = parseCheckpoint(text);
  t.same(checkpoint, {
    origin: 'example.com/behind-the-sofa',
    size: 20852163,
    rootHash: root,
    extensions: [],
  });
  t.equal(formatCheckpoint(checkpoint), text);
});

t.test('Rekor v2 checkpoints open with the Ed25519 key of its SPKI', async (t) => {
  const spki = fromBase64(rekor.rekor_v2_2025_1.public_key_spki_b64) as Uint8Array;
  const logId = fromBase64(rekor.rekor_v2_2025_1.log_id_b64) as Uint8Array;
  const origin = 'log2025-1.rekor.sigstore.dev';
  t.same(spki.subarray(0, 12), fromHex('302a300506032b6570032100'), 'an Ed25519 SPKI');
  const publicKey = spki.subarray(12);
  const verifier = ed25519Verifier(origin, publicKey);
  // Rekor's log ID is the whole SHA-256(name || 0x0A || 0x01 || key); the note key ID its prefix.
  t.same(logId, sha256(Uint8Array.of(...utf8(`${origin}\n`), 1, ...publicKey)));
  t.equal(verifier.keyId, new DataView(logId.buffer, logId.byteOffset).getUint32(0));
  t.equal(parseVerifierKey(formatVerifierKey(origin, publicKey)).keyId, verifier.keyId);
  const proofs = Object.values(rekor.rekor_v2_bundles).map((b) => b.inclusionProof);
  t.equal(proofs.length, 2);
  for (const proof of proofs) {
    const { checkpoint } = openCheckpoint(proof.checkpoint.envelope, [verifier], origin);
    t.equal(checkpoint.size, Number(proof.treeSize));
    t.equal(toBase64(checkpoint.rootHash), proof.rootHash);
  }
});

t.test('parseCheckpoint rejects malformed bodies', async (t) => {
  const r = toBase64(root);
  t.equal(parseCheckpoint(`o\n${Number.MAX_SAFE_INTEGER}\n${r}\n`).size, Number.MAX_SAFE_INTEGER);
  t.equal(parseCheckpoint(`o\n0\n${r}\n`).size, 0);
  const bad = [
    '',
    `o\n5\n${r}`,
    'o\n5\n',
    `o\n${r}\n`,
    `o\n5\n${r}\n\n`,
    `o\n5\n${r}\n\next\n`,
    `\n5\n${r}\n`,
    `o\n\n${r}\n`,
    `o\n5\n\n`,
    `o\n05\n${r}\n`,
    `o\n00\n${r}\n`,
    `o\n-1\n${r}\n`,
    `o\n-0\n${r}\n`,
    `o\n+5\n${r}\n`,
    `o\n 5\n${r}\n`,
    `o\n5 \n${r}\n`,
    `o\n5.0\n${r}\n`,
    `o\n1e3\n${r}\n`,
    `o\n0x10\n${r}\n`,
    `o\n9007199254740992\n${r}\n`,
    `o\n18446744073709551615\n${r}\n`,
    `o\n5\n${toBase64(root.subarray(1))}\n`,
    `o\n5\n${toBase64(Uint8Array.of(...root, 0))}\n`,
    `o\n5\n${r.slice(0, -1)}\n`,
    `o\n5\n${r.slice(0, -2)}J=\n`,
    `o\n5\n${r.replaceAll('/', '_')}\n`,
    `o\n5\n${Buffer.from(root).toString('hex')}\n`,
    `o\r\n5\r\n${r}\r\n`,
    `o\t\n5\n${r}\n`,
    `\ud800\n5\n${r}\n`,
  ];
  for (const text of bad) {
    t.equal(
      outcome(() => parseCheckpoint(text)),
      'malformed-checkpoint',
      JSON.stringify(text),
    );
  }
});

t.test('formatCheckpoint refuses what parseCheckpoint would', async (t) => {
  const good = { origin: ORIGIN, size: 1, rootHash: root };
  t.equal(formatCheckpoint(good), `${ORIGIN}\n1\n${toBase64(root)}\n`);
  const bad = [
    { ...good, origin: '' },
    { ...good, origin: 'a\nb' },
    { ...good, origin: 'a\rb' },
    { ...good, size: -1 },
    { ...good, size: 1.5 },
    { ...good, size: Number.NaN },
    { ...good, size: 2 ** 53 },
    { ...good, size: 1e21 },
    { ...good, rootHash: root.subarray(1) },
    { ...good, extensions: [''] },
    { ...good, extensions: ['x\n\ny'] },
    { ...good, extensions: ['x', 'y\nz'] },
  ];
  for (const input of bad) {
    t.equal(
      outcome(() => formatCheckpoint(input)),
      'malformed-checkpoint',
      JSON.stringify(input),
    );
  }
});

t.test('signCheckpoint needs a signer named after the origin', async (t) => {
  const other = parseSignerKey(generateNoteSigner('example.com/other').signerKey);
  t.equal(
    outcome(() => signCheckpoint({ origin: ORIGIN, size: 1, rootHash: root }, [other])),
    'no-log-signer',
  );
  const both = signCheckpoint({ origin: ORIGIN, size: 1, rootHash: root }, [other, logSigner]);
  t.equal(openCheckpoint(both, [logVerifier]).note.unverifiedSignatures.length, 1);
});

t.test('openCheckpoint checks the origin and the log signature', async (t) => {
  const note = tessera.checkpoints[3].checkpoint;
  t.equal(
    outcome(() => openCheckpoint(note, [logVerifier], 'example.com/other')),
    'origin-mismatch',
  );

  // Verified only by a witness, a note is not a checkpoint of the log it names.
  const witness = parseSignerKey(generateNoteSigner('witness.example/w').signerKey);
  const witnessVerifier = parseVerifierKey(witness.verifierKey);
  const byWitness = signNote(parseNote(note).text, [witness]);
  t.equal(
    outcome(() => openCheckpoint(byWitness, [logVerifier, witnessVerifier])),
    'no-log-signature',
  );

  const cosigned = signNote(parseNote(note).text, [logSigner, witness]);
  const opened = openCheckpoint(cosigned, [logVerifier, witnessVerifier], ORIGIN);
  t.equal(opened.note.verifiedSignatures.length, 2);

  const notCheckpoint = signNote(`${ORIGIN}\n3\n`, [logSigner]);
  t.equal(
    outcome(() => openCheckpoint(notCheckpoint, [logVerifier])),
    'malformed-checkpoint',
  );
  t.equal(
    outcome(() => openCheckpoint(note, [])),
    'unverified-note',
  );
});
