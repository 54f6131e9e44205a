// Property-based fuzzing of the log's own formats, as read from untrusted peers: signed notes,
// checkpoints, note keys (Ed25519 key strings, ECDSA P-256 SPKI, the log client's PEM key), tile
// paths and entry bundles. Each target gets RUNS generated inputs (FUZZ_RUNS, default 10,000):
// purely random ones mixed with mutations of valid samples (the signed checkpoint of a real log
// on SQLite, notes signed by real keys, real key strings). A parser must return a value or throw
// its typed error (NoteError, TileError, LogClientError), never a TypeError, a RangeError or
// anything else; and what parses must format back to the same text or bytes, and what formats
// must parse back to the same value. Submissions are fuzzed in fuzz-submissions.test.ts.
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import { ecdsaPublicKeyDer, parseEcdsaSpki } from '../client-sdk/log-client/ecdsa-public-key.ts';
import { LogClientError } from '../client-sdk/log-client/errors.ts';
import {
  type CheckpointInput,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../server/log/checkpoint.ts';
import { fromBase64, fromUtf8, utf8 } from '../server/log/encoding.ts';
import { decodeEntryBundle, encodeEntryBundle } from '../server/log/entry-bundle.ts';
import { NoteError, TileError } from '../server/log/errors.ts';
import { openNote, type ParsedNote, parseNote, signNote } from '../server/log/note.ts';
import {
  ed25519Verifier,
  formatVerifierKey,
  generateNoteSigner,
  isValidKeyName,
  type NoteSigningKey,
  parseSignerKey,
  parseVerifierKey,
} from '../server/log/note-keys.ts';
import { ecdsaNoteVerifier, p256PointOfSpki } from '../server/log/note-keys-ecdsa.ts';
import { entriesPath, parseTilePath, tilePath } from '../server/log/tile.ts';
import {
  anyString,
  bytesAround,
  fuzz,
  outcome,
  pem,
  stringsAround,
  Tally,
} from './support/fuzz.ts';
import { b64, sha256, spkiDer } from './support/fuzz-samples.ts';
import { generateKey } from './support/signing.ts';
import { entryBody, openTempLog } from './support/temp-log.ts';

const NOTE_ERRORS = [NoteError];

/** The note as its parts write it: format(parse(note)) must give back exactly the note. */
function formatNote(note: ParsedNote): string {
  const lines = note.signatures.map((s) => `\u2014 ${s.name} ${s.base64}\n`).join('');
  return `${note.text}\n${lines}`;
}

// A real log on SQLite, with a few entries: its checkpoint is signed by both of its keys.
const log = openTempLog(t);
for (let i = 0; i < 3; i++) await log.sequencer.submit(entryBody(i));
const realNote = log.sequencer.checkpoint.note;
const { origin } = log;
const logVerifiers = [
  parseVerifierKey(log.keys.noteVerifierKey),
  ecdsaNoteVerifier(origin, log.keys.ecdsaPublicKeyDer),
];

// ---------------------------------------------------------------------------------------------
// Signed notes

const witnesses: NoteSigningKey[] = ['witness.example/w1', 'other.example/log'].map((name) =>
  parseSignerKey(generateNoteSigner(name).signerKey),
);
const noteSamples = [
  realNote,
  signNote('line one\n\nline three after a blank line\n', witnesses),
  signNote(`${origin}\n7\n${b64(sha256('x'))}\nextension line\n`, [
    ...witnesses,
    log.checkpointCosigner,
  ]),
  `${realNote}\u2014 witness.example/w1 ${b64(new Uint8Array(72))}\n`,
];

t.test('signed notes: parseNote', async (t) => {
  const tally = new Tally();
  const input = fc.oneof(
    { arbitrary: stringsAround(noteSamples), weight: 6 },
    { arbitrary: bytesAround(noteSamples.map(utf8)), weight: 2 },
    {
      // Many signature lines: the 100 limit.
      arbitrary: fc
        .integer({ min: 95, max: 105 })
        .map((n) => `${realNote}${`\u2014 w ${b64(new Uint8Array(8))}\n`.repeat(n)}`),
      weight: 1,
    },
  );
  await fuzz(
    t,
    'parseNote returns a note or throws NoteError; what parses formats back to itself',
    fc.property(input, (note) => {
      const result = outcome(() => parseNote(note), NOTE_ERRORS);
      tally.record(result);
      if (!result.ok) return;
      const text = typeof note === 'string' ? note : fromUtf8(note);
      if (formatNote(result.value) !== text) throw new Error('format(parse(note)) differs');
    }),
  );
  tally.report(t, { reaches: ['too-many-signatures'] });
});

t.test('signed notes: signNote, then parseNote, gives the text and signatures back', async (t) => {
  const tally = new Tally();
  // Names and texts are generated; the signature bytes too (parse checks no signature).
  const signer = fc
    .record({
      name: fc.oneof(anyString, fc.constantFrom(origin, 'a', 'w.example/x')),
      keyId: fc.oneof(fc.constantFrom(0, 0xffffffff), fc.nat({ max: 0xffffffff })),
      signature: fc.uint8Array({ minLength: 1, maxLength: 80 }),
    })
    .map(({ name, keyId, signature }) => ({ name, keyId, sign: () => signature }));
  const text = fc.oneof(
    anyString,
    anyString.map((s) => `${s}\n`),
    stringsAround([`${origin}\n3\n${b64(sha256('y'))}\n`, 'a\n\nb\n']),
  );
  await fuzz(
    t,
    'signNote gives a note whose parse is the text and signatures, and formats back',
    fc.property(text, fc.array(signer, { maxLength: 4 }), (text, signers) => {
      const result = outcome(() => signNote(text, signers), NOTE_ERRORS);
      tally.record(result);
      if (!result.ok) return;
      const parsed = parseNote(result.value);
      if (parsed.text !== text) throw new Error('the text changed');
      const expected = signers.map((s) => `${s.name} ${s.keyId} ${b64(s.sign())}`);
      const got = parsed.signatures.map((s) => `${s.name} ${s.keyId} ${b64(s.signature)}`);
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error('signatures changed');
      if (formatNote(parsed) !== result.value) throw new Error('format(parse(note)) differs');
    }),
  );
  tally.report(t, { reaches: ['malformed-note', 'invalid-key-name', 'no-signers'] });
});

t.test('signed notes: openNote with the log verifiers', async (t) => {
  const tally = new Tally();
  const input = fc.oneof(stringsAround(noteSamples), bytesAround(noteSamples.map(utf8)));
  await fuzz(
    t,
    'openNote opens with a verified signature of a known key or throws NoteError',
    fc.property(input, (note) => {
      const result = outcome(() => openNote(note, logVerifiers), NOTE_ERRORS);
      tally.record(result);
      if (!result.ok) return;
      const { text, verifiedSignatures } = result.value;
      if (text !== parseNote(note).text) throw new Error('opened text is not the parsed text');
      const known = verifiedSignatures.every((s) =>
        logVerifiers.some((v) => v.name === s.name && v.keyId === s.keyId),
      );
      if (verifiedSignatures.length === 0 || !known) throw new Error('no known signature');
    }),
  );
  tally.report(t, { reaches: ['invalid-signature', 'unverified-note', 'malformed-note'] });
});

// ---------------------------------------------------------------------------------------------
// Checkpoints

const checkpointTexts = [
  parseNote(realNote).text,
  `${origin}\n0\n${b64(sha256(''))}\n`,
  `${origin}\n9007199254740991\n${b64(sha256('z'))}\next one\next two\n`,
];

t.test('checkpoints: parseCheckpoint', async (t) => {
  const tally = new Tally();
  await fuzz(
    t,
    'parseCheckpoint returns a checkpoint or throws NoteError; format(parse(text)) = text',
    fc.property(stringsAround(checkpointTexts), (text) => {
      const result = outcome(() => parseCheckpoint(text), NOTE_ERRORS);
      tally.record(result);
      if (result.ok && formatCheckpoint(result.value) !== text) {
        throw new Error('format(parse(text)) differs');
      }
    }),
  );
  tally.report(t);
});

const checkpointInput: fc.Arbitrary<CheckpointInput> = fc.record({
  origin: fc.oneof(anyString, fc.constantFrom(origin, 'example.com/behind-the-sofa')),
  size: fc.oneof(
    fc.nat(),
    fc.maxSafeNat(),
    fc.constantFrom(0, 2 ** 53, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0),
    fc.double(),
  ),
  rootHash: fc.oneof(
    { arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }), weight: 4 },
    { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 1 },
  ),
  extensions: fc.array(anyString, { maxLength: 3 }),
});

function sameCheckpoint(a: CheckpointInput, b: CheckpointInput): boolean {
  return (
    a.origin === b.origin &&
    a.size === b.size &&
    b64(a.rootHash) === b64(b.rootHash) &&
    JSON.stringify(a.extensions ?? []) === JSON.stringify(b.extensions ?? [])
  );
}

t.test(
  'checkpoints: formatCheckpoint, then parseCheckpoint, gives the checkpoint back',
  async (t) => {
    const tally = new Tally();
    await fuzz(
      t,
      'formatCheckpoint gives text that parses to the same checkpoint, or throws NoteError',
      fc.property(checkpointInput, (checkpoint) => {
        const result = outcome(() => formatCheckpoint(checkpoint), NOTE_ERRORS);
        tally.record(result);
        if (!result.ok) return;
        const parsed = parseCheckpoint(result.value);
        if (!sameCheckpoint(parsed, checkpoint)) {
          throw new Error('parse(format(checkpoint)) differs');
        }
        if (formatCheckpoint(parsed) !== result.value) throw new Error('format is not stable');
      }),
    );
    tally.report(t);
  },
);

t.test('checkpoints: openCheckpoint', async (t) => {
  const tally = new Tally();
  const { privateKey: notePrivateKey, publicKey } = generateKeyPairSync('ed25519');
  const notePublicKey = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  // Signed afresh by a key named after a generated origin: these must open to what was signed.
  const freshlySigned = checkpointInput.map((checkpoint) => ({ checkpoint }));
  const input = fc.oneof(
    { arbitrary: stringsAround(noteSamples).map((note) => ({ note })), weight: 3 },
    { arbitrary: freshlySigned, weight: 1 },
  );
  const expected = fc.constantFrom(undefined, origin, 'other.example/log');
  await fuzz(
    t,
    'openCheckpoint opens a checkpoint signed by its origin or throws NoteError',
    fc.property(input, expected, (input, expectedOrigin) => {
      if ('checkpoint' in input) {
        const made = outcome(() => {
          const verifier = ed25519Verifier(input.checkpoint.origin, notePublicKey);
          const signer = {
            name: verifier.name,
            keyId: verifier.keyId,
            sign: (message: Uint8Array) => nodeSign(null, message, notePrivateKey),
          };
          return { note: signCheckpoint(input.checkpoint, [signer]), verifier };
        }, NOTE_ERRORS);
        tally.record(made);
        if (!made.ok) return;
        const opened = openCheckpoint(made.value.note, [made.value.verifier]);
        if (!sameCheckpoint(opened.checkpoint, input.checkpoint)) {
          throw new Error('open(sign(checkpoint)) differs');
        }
        return;
      }
      const result = outcome(
        () => openCheckpoint(input.note, logVerifiers, expectedOrigin),
        NOTE_ERRORS,
      );
      tally.record(result);
      if (!result.ok) return;
      const { checkpoint, note } = result.value;
      if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) {
        throw new Error('opened a checkpoint of another origin');
      }
      if (!note.verifiedSignatures.some((s) => s.name === checkpoint.origin)) {
        throw new Error('opened without a verified signature named after the origin');
      }
    }),
  );
  tally.report(t, {
    reaches: ['origin-mismatch', 'invalid-signature', 'malformed-checkpoint'],
  });
});

// ---------------------------------------------------------------------------------------------
// Note keys

const noteKeys = [
  generateNoteSigner(origin),
  generateNoteSigner('a'),
  generateNoteSigner('witness.example/w1'),
  generateNoteSigner('\u00e9t\u00e9.example'),
];
const keyParts = fc.record({
  name: fc.oneof(anyString, fc.constantFrom(origin, 'a')),
  id: fc.oneof(
    fc.nat({ max: 0xffffffff }).map((n) => n.toString(16).padStart(8, '0')),
    anyString,
  ),
  typeByte: fc.oneof(fc.constant(1), fc.nat({ max: 255 })),
  key: fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 })),
});

t.test('note keys: parseVerifierKey', async (t) => {
  const tally = new Tally();
  const input = fc.oneof(
    stringsAround(noteKeys.map((k) => k.verifierKey)),
    keyParts.map((p) => `${p.name}+${p.id}+${b64(Uint8Array.from([p.typeByte, ...p.key]))}`),
  );
  await fuzz(
    t,
    'parseVerifierKey returns a verifier whose key string is the input, or throws NoteError',
    fc.property(input, (text) => {
      const result = outcome(() => parseVerifierKey(text), NOTE_ERRORS);
      tally.record(result);
      if (!result.ok) return;
      // The base64 may hold '+': the key is what follows the second one.
      const second = text.indexOf('+', text.indexOf('+') + 1);
      const key = fromBase64(text.slice(second + 1))?.subarray(1) ?? new Uint8Array();
      if (formatVerifierKey(result.value.name, key) !== text) {
        throw new Error('formatVerifierKey(parse(text)) differs');
      }
    }),
  );
  tally.report(t, { reaches: ['key-id-mismatch', 'unsupported-key-type', 'invalid-key-name'] });
});

t.test('note keys: parseSignerKey', async (t) => {
  const tally = new Tally();
  const input = fc.oneof(
    stringsAround(noteKeys.map((k) => k.signerKey)),
    keyParts.map(
      (p) => `PRIVATE+KEY+${p.name}+${p.id}+${b64(Uint8Array.from([p.typeByte, ...p.key]))}`,
    ),
  );
  const message = utf8('a message\n');
  await fuzz(
    t,
    'parseSignerKey returns a signer whose signatures its verifier key checks, or NoteError',
    fc.property(input, (text) => {
      const result = outcome(() => parseSignerKey(text), NOTE_ERRORS);
      tally.record(result);
      if (!result.ok) return;
      const signer = result.value;
      const verifier = parseVerifierKey(signer.verifierKey);
      if (verifier.name !== signer.name || verifier.keyId !== signer.keyId) {
        throw new Error('the verifier key names another key');
      }
      if (!verifier.verify(message, signer.sign(message))) throw new Error('signature rejected');
    }),
  );
  tally.report(t);
});

const otherKeys = {
  p256: generateKey('ecdsa-p256'),
  p384: generateKey('ecdsa-p384'),
  ed25519: generateKey('ed25519'),
};

t.test('note keys: ECDSA P-256 note verifiers', async (t) => {
  const tally = new Tally();
  const spkis = [
    new Uint8Array(log.keys.ecdsaPublicKeyDer),
    ...Object.values(otherKeys).map((key) => spkiDer(key.publicKeyPem)),
  ];
  const message = utf8(parseNote(realNote).text);
  const ecdsaLine = parseNote(realNote).signatures.find((s) => s.keyId === logVerifiers[1].keyId);
  t.ok(ecdsaLine, 'the checkpoint has an ECDSA line');
  const signatures = [ecdsaLine?.signature ?? new Uint8Array(), new Uint8Array(64)];
  await fuzz(
    t,
    'ecdsaNoteVerifier takes a P-256 SPKI or throws NoteError; its verify only answers',
    fc.property(
      fc.oneof(fc.constant(origin), anyString),
      bytesAround(spkis),
      bytesAround(signatures),
      (name, spki, signature) => {
        const point = outcome(() => p256PointOfSpki(spki), NOTE_ERRORS);
        const result = outcome(() => ecdsaNoteVerifier(name, spki), NOTE_ERRORS);
        tally.record(result);
        if (result.ok !== point.ok && isValidKeyName(name)) throw new Error('SPKI checks disagree');
        if (!result.ok) return;
        const verified = result.value.verify(message, signature);
        if (typeof verified !== 'boolean') throw new Error('verify answered no boolean');
        const genuine = b64(spki) === b64(spkis[0]) && b64(signature) === b64(signatures[0]);
        if (genuine && !verified) throw new Error("the log's own signature does not verify");
      },
    ),
  );
  tally.report(t);
});

t.test('log client: an ECDSA public key PEM', async (t) => {
  const tally = new Tally();
  const pems = [
    log.keys.ecdsaPublicKeyPem,
    otherKeys.p256.publicKeyPem,
    otherKeys.p384.publicKeyPem,
  ];
  const input = fc.oneof(
    stringsAround(pems),
    bytesAround(pems.map(spkiDer)).map((der) => pem('PUBLIC KEY', der)),
  );
  await fuzz(
    t,
    'ecdsaPublicKeyDer and parseEcdsaSpki return a verifier or throw LogClientError',
    fc.property(input, fc.uint8Array({ maxLength: 80 }), (text, signature) => {
      const result = outcome(() => parseEcdsaSpki(ecdsaPublicKeyDer(text)), [LogClientError]);
      tally.record(result);
      if (result.ok && typeof result.value.verify(utf8('m'), signature) !== 'boolean') {
        throw new Error('verify answered no boolean');
      }
    }),
  );
  tally.report(t);
});

// ---------------------------------------------------------------------------------------------
// Tile paths and entry bundles

const tilePaths = [
  'tile/0/000',
  'tile/0/x001/234.p/7',
  'tile/entries/x123/x456/789',
  'tile/63/x009/x007/x199/x254/x740/991',
  'tile/entries/000.p/255',
];

t.test('tiles: parseTilePath', async (t) => {
  const tally = new Tally();
  const grammar = fc.stringMatching(
    /^tile\/(entries|[0-9]{1,3}|-1)\/(x[0-9]{3}\/){0,6}[0-9]{2,4}(\.p\/[0-9]{1,4})?$/,
  );
  await fuzz(
    t,
    'parseTilePath returns a tile or throws TileError; format(parse(path)) = path',
    fc.property(fc.oneof(grammar, stringsAround(tilePaths)), (path) => {
      const result = outcome(() => parseTilePath(path), [TileError]);
      tally.record(result);
      if (!result.ok) return;
      const { kind, level, index, width } = result.value;
      const formatted =
        kind === 'entries' ? entriesPath(index, width) : tilePath({ level, index, width });
      if (formatted !== path) throw new Error(`format(parse(path)) is ${formatted}`);
    }),
  );
  tally.report(t);
});

t.test('tiles: tilePath, then parseTilePath, gives the tile back', async (t) => {
  const tally = new Tally();
  const number = fc.oneof(
    fc.nat({ max: 300 }),
    fc.maxSafeNat(),
    fc.constantFrom(-1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY),
  );
  const tile = fc.record({
    kind: fc.constantFrom('hashes', 'entries'),
    level: fc.oneof(fc.integer({ min: 0, max: 63 }), number),
    index: number,
    width: fc.oneof(fc.integer({ min: 1, max: 256 }), number),
  });
  await fuzz(
    t,
    'tilePath and entriesPath give paths that parse to the same tile, or throw TileError',
    fc.property(tile, ({ kind, level, index, width }) => {
      const result = outcome(
        () => (kind === 'entries' ? entriesPath(index, width) : tilePath({ level, index, width })),
        [TileError],
      );
      tally.record(result);
      if (!result.ok) return;
      const parsed = parseTilePath(result.value);
      const expected = { kind, level: kind === 'entries' ? 0 : level, index, width };
      if (JSON.stringify(parsed) !== JSON.stringify(expected)) {
        throw new Error(`parse(format(tile)) is ${JSON.stringify(parsed)}`);
      }
    }),
  );
  tally.report(t);
});

const entryBundles = [
  encodeEntryBundle([]),
  encodeEntryBundle([utf8('a'), new Uint8Array(), new Uint8Array(300).fill(7)]),
  encodeEntryBundle(Array.from({ length: 256 }, (_, i) => utf8(`entry ${i}`))),
  // 257 entries: one more than a bundle holds.
  Uint8Array.from([
    ...encodeEntryBundle(Array.from({ length: 256 }, (_, i) => utf8(`entry ${i}`))),
    0,
    1,
    0x41,
  ]),
];

t.test('entry bundles: decodeEntryBundle', async (t) => {
  const tally = new Tally();
  await fuzz(
    t,
    'decodeEntryBundle returns entries or throws TileError; encode(decode(bytes)) = bytes',
    fc.property(bytesAround(entryBundles), (bytes) => {
      const result = outcome(() => decodeEntryBundle(bytes), [TileError]);
      tally.record(result);
      if (result.ok && b64(encodeEntryBundle(result.value)) !== b64(bytes)) {
        throw new Error('encode(decode(bytes)) differs');
      }
    }),
  );
  tally.report(t);
});

t.test(
  'entry bundles: encodeEntryBundle, then decodeEntryBundle, gives the entries back',
  async (t) => {
    const tally = new Tally();
    const entries = fc.oneof(
      { arbitrary: fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), weight: 8 },
      {
        arbitrary: fc
          .integer({ min: 255, max: 257 })
          .map((n) => Array.from({ length: n }, (_, i) => utf8(String(i)))),
        weight: 1,
      },
      {
        arbitrary: fc
          .integer({ min: 65534, max: 65536 })
          .map((n) => [utf8('x'), new Uint8Array(n)]),
        weight: 1,
      },
    );
    await fuzz(
      t,
      'decode(encode(entries)) = entries, or encode throws TileError',
      fc.property(entries, (entries) => {
        const result = outcome(() => encodeEntryBundle(entries), [TileError]);
        tally.record(result);
        if (!result.ok) return;
        const decoded = decodeEntryBundle(result.value);
        if (JSON.stringify(decoded.map(b64)) !== JSON.stringify(entries.map(b64))) {
          throw new Error('decode(encode(entries)) differs');
        }
      }),
    );
    tally.report(t, { reaches: ['too-many-entries', 'entry-too-large'] });
  },
);
