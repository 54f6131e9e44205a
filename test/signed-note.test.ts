import t from 'tap';
import { fromBase64, fromHex, fromUtf8, toBase64, utf8 } from '../server/log/encoding.ts';
import { NoteError } from '../server/log/errors.ts';
import { equalBytes } from '../server/log/hash.ts';
import {
  MAX_SIGNATURES,
  type NoteSignature,
  openNote,
  parseNote,
  signNote,
} from '../server/log/note.ts';
import {
  computeKeyId,
  ED25519_SIGNATURE_TYPE,
  ed25519Verifier,
  formatVerifierKey,
  generateNoteSigner,
  isValidKeyName,
  type NoteSigner,
  parseSignerKey,
  parseVerifierKey,
} from '../server/log/note-keys.ts';
import { readVectors } from './support/vectors.ts';

interface NoteVector {
  vkey: string;
  skey?: string;
  note: string;
  text_hex: string;
  key_id_hex: string;
  pubkey_hex: string;
}

interface FormatExamples {
  checkpoint_example: string;
  cosigned_checkpoint_example: string;
  cosignature_line_decoded: {
    line: string;
    decoded_len: number;
    key_id_hex: string;
    timestamp_u64_be: number;
    ed25519_sig_len: number;
  };
  tlog_proof_example: string;
  witness_add_checkpoint_request_body: string;
}

interface TesseraLog {
  log_public_key_vkey: string;
  log_private_key_skey: string;
  checkpoints: { size: number; checkpoint: string }[];
}

const noteVectors = readVectors<{ vectors: NoteVector[] }>(
  'signed-note/signed-note-vectors.json',
).vectors;
const examples = readVectors<FormatExamples>('signed-note/c2sp-format-examples.json');
const tessera = readVectors<TesseraLog>('tlog-tiles/tessera-testdata-log.json');

const tesseraVerifier = parseVerifierKey(tessera.log_public_key_vkey);
const tesseraSigner = parseSignerKey(tessera.log_private_key_skey);
const tesseraNote = tessera.checkpoints[15].checkpoint;
const peter = noteVectors[0];
const peterSigner = parseSignerKey(peter.skey as string);
const peterVerifier = parseVerifierKey(peter.vkey);
const quote = fromUtf8(fromHex(peter.text_hex) as Uint8Array) as string;

/** The NoteError code `fn` throws, or 'accepted'. */
function outcome(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof NoteError) return error.code;
    throw error;
  }
  return 'accepted';
}

function xorChar(text: string, index: number): string {
  return (
    text.slice(0, index) + String.fromCharCode(text.charCodeAt(index) ^ 1) + text.slice(index + 1)
  );
}

/** Replaces the signature line by `name` with `line`. */
function withLine(note: string, name: string, line: string): string {
  const start = note.indexOf(`\u2014 ${name} `);
  return note.slice(0, start) + line + note.slice(note.indexOf('\n', start));
}

t.test(
  'signed-note vectors: key IDs match, notes open, Go signatures are reproduced',
  async (t) => {
    for (const vector of noteVectors) {
      const publicKey = fromHex(vector.pubkey_hex) as Uint8Array;
      const verifier = parseVerifierKey(vector.vkey);
      const keyId = Number.parseInt(vector.key_id_hex, 16);
      t.equal(verifier.keyId, keyId, `${vector.vkey} ID`);
      t.equal(computeKeyId(verifier.name, ED25519_SIGNATURE_TYPE, publicKey), keyId);
      t.equal(formatVerifierKey(verifier.name, publicKey), vector.vkey);
      t.equal(ed25519Verifier(verifier.name, publicKey).keyId, keyId);

      const opened = openNote(vector.note, [verifier]);
      t.equal(opened.text, fromUtf8(fromHex(vector.text_hex) as Uint8Array));
      t.same(
        opened.verifiedSignatures.map((s) => [s.name, s.keyId, s.signature.length]),
        [[verifier.name, keyId, 64]],
      );
      t.same(opened.unverifiedSignatures, []);
      t.same(openNote(utf8(vector.note), [verifier]), opened, 'bytes open like the string');

      if (vector.skey !== undefined) {
        const signer = parseSignerKey(vector.skey);
        t.equal(signer.verifierKey, vector.vkey);
        t.equal(signNote(opened.text, [signer]), vector.note, 'Ed25519 is deterministic');
      }
    }
  },
);

t.test('the C2SP format examples parse, though their keys are unpublished', async (t) => {
  const checkpoint = parseNote(examples.checkpoint_example);
  t.equal(
    checkpoint.text,
    'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
  );
  t.same(
    checkpoint.signatures.map((s) => [s.name, s.keyId, s.signature.length]),
    [['example.com/behind-the-sofa', 0x033de0ae, 64]],
  );
  t.equal(
    outcome(() => openNote(examples.checkpoint_example, [])),
    'unverified-note',
  );

  const cosigned = parseNote(examples.cosigned_checkpoint_example);
  const line = examples.cosignature_line_decoded;
  const cosignature = cosigned.signatures[1];
  t.equal(cosigned.text, checkpoint.text);
  t.equal(`\u2014 ${cosignature.name} ${cosignature.base64}`, line.line);
  t.equal(cosignature.keyId, Number.parseInt(line.key_id_hex, 16));
  t.equal(4 + cosignature.signature.length, line.decoded_len);
  const view = new DataView(cosignature.signature.buffer, cosignature.signature.byteOffset);
  t.equal(Number(view.getBigUint64(0)), line.timestamp_u64_be);
  t.equal(cosignature.signature.length - 8, line.ed25519_sig_len);

  // The add-checkpoint body has a blank line inside: the LAST blank line separates signatures.
  const body = parseNote(examples.witness_add_checkpoint_request_body);
  t.ok(body.text.startsWith('old 20852014\n'));
  t.ok(body.text.endsWith(`\n\n${checkpoint.text}`));
  t.same(
    body.signatures.map((s) => [s.name, s.keyId]),
    [
      ['example.com/behind-the-sofa', 0x033de0ae],
      ['example.com/behind-the-sofa', 0xa292ea05],
    ],
  );

  // The spec elides the tlog-proof signatures ("hI2DJw[...]1roloI="): not base64, so malformed.
  t.equal(
    outcome(() => parseNote(examples.tlog_proof_example)),
    'malformed-note',
  );
});

t.test('generated keys sign and verify, and are fresh each time', async (t) => {
  const first = generateNoteSigner('example.org/log');
  const second = generateNoteSigner('example.org/log');
  t.not(first.signerKey, second.signerKey);
  t.match(first.signerKey, /^PRIVATE\+KEY\+example\.org\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
  const signer = parseSignerKey(first.signerKey);
  t.equal(signer.verifierKey, first.verifierKey);
  const verifier = parseVerifierKey(first.verifierKey);
  t.equal(verifier.keyId, signer.keyId);
  const note = signNote('hello\n', [signer]);
  t.equal(openNote(note, [verifier]).verifiedSignatures.length, 1);
  t.equal(
    outcome(() => openNote(note, [parseVerifierKey(second.verifierKey)])),
    'unverified-note',
  );
  t.equal(
    outcome(() => generateNoteSigner('bad name')),
    'invalid-key-name',
  );
});

t.test('key names follow the signed-note rules', async (t) => {
  for (const name of ['example.com/log', 'PeterNeumann', 'ünïcödé/名前', 'a']) {
    t.ok(isValidKeyName(name), name);
  }
  for (const name of [
    '',
    'a b',
    'a+b',
    'a\tb',
    'a\nb',
    'a\u00a0b',
    'a\u2028b',
    'a\u3000b',
    'a\x01b',
    '\ud800',
  ]) {
    // Escape the label: a raw U+2028 would break the TAP output line.
    const label = [...name].map((c) => `U+${(c.codePointAt(0) as number).toString(16)}`).join(' ');
    t.notOk(isValidKeyName(name), label);
  }
});

t.test('malformed key strings are rejected with their own codes', async (t) => {
  const vkey = tessera.log_public_key_vkey;
  const [name, id, key] = [vkey.slice(0, 24), vkey.slice(25, 33), vkey.slice(34)];
  t.equal(`${name}+${id}+${key}`, vkey);
  const pub = (fromBase64(key) as Uint8Array).subarray(1);
  const typed = (type: number, bytes: Uint8Array) => toBase64(Uint8Array.of(type, ...bytes));
  const idOf = (bytes: Uint8Array, type = ED25519_SIGNATURE_TYPE) =>
    computeKeyId(name, type, bytes).toString(16).padStart(8, '0');
  const cases: [string, string][] = [
    ['', 'malformed-key'],
    [name, 'malformed-key'],
    [`${name}+${id}`, 'malformed-key'],
    [`${name}+${id}+`, 'malformed-key'],
    [`+${id}+${key}`, 'invalid-key-name'],
    [`bad name+${id}+${key}`, 'invalid-key-name'],
    [`${name}+${id.toUpperCase()}+${key}`, 'malformed-key'],
    [`${name}+${id.slice(1)}+${key}`, 'malformed-key'],
    [`${name}+0${id}+${key}`, 'malformed-key'],
    [`${name}+${id}+${key.slice(0, -1)}`, 'malformed-key'],
    [`${name}+${id}+${key}=`, 'malformed-key'],
    [`${name}+${id}+${key.replaceAll('+', '-')}`, 'malformed-key'],
    [`${name}+${id}+${key} `, 'malformed-key'],
    [` ${vkey}`, 'invalid-key-name'],
    [`${name}+00000000+${key}`, 'key-id-mismatch'],
    [`${name}+${idOf(pub, 2)}+${typed(2, pub)}`, 'unsupported-key-type'],
    [`${name}+${idOf(pub.subarray(1))}+${typed(1, pub.subarray(1))}`, 'malformed-key'],
    [
      `${name}+${idOf(Uint8Array.of(...pub, 0))}+${typed(1, Uint8Array.of(...pub, 0))}`,
      'malformed-key',
    ],
    [tessera.log_private_key_skey, 'malformed-key'],
  ];
  for (const [text, code] of cases) {
    t.equal(
      outcome(() => parseVerifierKey(text)),
      code,
      JSON.stringify(text),
    );
  }

  const skey = tessera.log_private_key_skey;
  const signerCases: [string, string][] = [
    [vkey, 'malformed-key'],
    [skey.replace('PRIVATE', 'PUBLIC'), 'malformed-key'],
    [skey.replace('KEY', 'KEX'), 'malformed-key'],
    [`${skey.slice(0, 12)}bad name${skey.slice(36)}`, 'invalid-key-name'],
    [skey.replace('+33d7b496+', '+33d7b497+'), 'key-id-mismatch'],
    [skey.replace('+33d7b496+', '+33D7B496+'), 'malformed-key'],
    [`${skey.slice(0, 46)}${typed(2, new Uint8Array(32))}`, 'unsupported-key-type'],
    [`${skey.slice(0, 46)}${typed(1, new Uint8Array(31))}`, 'malformed-key'],
  ];
  for (const [text, code] of signerCases) {
    t.equal(
      outcome(() => parseSignerKey(text)),
      code,
      JSON.stringify(text),
    );
  }

  t.equal(
    outcome(() => formatVerifierKey(name, pub.subarray(1))),
    'malformed-key',
  );
  t.equal(
    outcome(() => formatVerifierKey('a+b', pub)),
    'invalid-key-name',
  );
  t.equal(
    outcome(() => ed25519Verifier(name, new Uint8Array(33))),
    'malformed-key',
  );
  t.equal(
    outcome(() => ed25519Verifier('', pub)),
    'invalid-key-name',
  );
});

/** Key strings from the vectors, with the offsets of their fields. */
const keyStrings = [
  ...noteVectors.map((v) => ({ text: v.vkey, prefix: 0 })),
  { text: tessera.log_public_key_vkey, prefix: 0 },
  { text: peter.skey as string, prefix: 'PRIVATE+KEY+'.length },
  { text: tessera.log_private_key_skey, prefix: 'PRIVATE+KEY+'.length },
];

t.test('every truncation of a key string is rejected', async (t) => {
  for (const { text, prefix } of keyStrings) {
    const parse = prefix === 0 ? parseVerifierKey : parseSignerKey;
    t.equal(
      outcome(() => parse(text)),
      'accepted',
    );
    const wrong: [number, string][] = [];
    for (let length = 0; length < text.length; length++) {
      const code = outcome(() => parse(text.slice(0, length)));
      if (code !== 'malformed-key') wrong.push([length, code]);
    }
    t.same(wrong, [], `${text}: every prefix is malformed`);
  }
});

t.test('every one-character change of a key string is rejected, by field', async (t) => {
  for (const { text, prefix } of keyStrings) {
    const parse = prefix === 0 ? parseVerifierKey : parseSignerKey;
    const nameEnd = text.indexOf('+', prefix);
    const idEnd = nameEnd + 9;
    const expected = (mutated: string, i: number): string => {
      if (i < prefix || i === nameEnd || i === idEnd) return 'malformed-key';
      // The vector names turn into other valid names, so the key ID no longer matches.
      if (i < nameEnd) return 'key-id-mismatch';
      if (i < idEnd) return /^[0-9a-f]$/.test(mutated[i]) ? 'key-id-mismatch' : 'malformed-key';
      const bytes = fromBase64(mutated.slice(idEnd + 1));
      if (bytes === undefined) return 'malformed-key';
      return bytes[0] === ED25519_SIGNATURE_TYPE ? 'key-id-mismatch' : 'unsupported-key-type';
    };
    const wrong: [number, string, string][] = [];
    const seen = new Set<string>();
    for (let i = 0; i < text.length; i++) {
      const mutated = xorChar(text, i);
      const code = outcome(() => parse(mutated));
      seen.add(code);
      if (code !== expected(mutated, i)) wrong.push([i, expected(mutated, i), code]);
    }
    t.same(wrong, [], `${text}: each change is rejected as predicted`);
    t.notOk(seen.has('accepted'));
    t.ok(seen.has('key-id-mismatch') && seen.has('malformed-key'));
  }
});

const realNotes = [...noteVectors.map((v) => v.note), tesseraNote];
const realVerifiers = [...noteVectors.map((v) => parseVerifierKey(v.vkey)), tesseraVerifier];

t.test('every truncation of a real signed note is malformed', async (t) => {
  for (const note of realNotes) {
    const bytes = utf8(note);
    const wrong: [number, string][] = [];
    for (let length = 0; length < bytes.length; length++) {
      const code = outcome(() => openNote(bytes.subarray(0, length), realVerifiers));
      if (code !== 'malformed-note') wrong.push([length, code]);
    }
    t.same(wrong, [], JSON.stringify(note.slice(0, 30)));
  }
});

t.test('every byte XOR 0x01 of a Tessera checkpoint is rejected, by region', async (t) => {
  const bytes = utf8(tesseraNote);
  const { text, signatures } = parseNote(tesseraNote);
  const textEnd = utf8(text).length;
  const nameStart = textEnd + 1 + utf8('\u2014 ').length;
  const nameEnd = nameStart + signatures[0].name.length;
  const fieldEnd = bytes.length - 1;
  const field = fromBase64(signatures[0].base64) as Uint8Array;
  const expected = (mutated: Uint8Array, i: number): string => {
    if (i < textEnd) return bytes[i] === 0x0a ? 'malformed-note' : 'invalid-signature';
    if (i < nameStart) return 'malformed-note'; // blank line, em dash, space
    if (i < nameEnd) return 'unverified-note'; // another key name: an unknown key
    if (i === nameEnd || i === fieldEnd) return 'malformed-note';
    const changed = fromBase64(fromUtf8(mutated.subarray(nameEnd + 1, fieldEnd)) as string);
    if (changed === undefined) return 'malformed-note';
    return equalBytes(changed.subarray(0, 4), field.subarray(0, 4))
      ? 'invalid-signature'
      : 'unverified-note';
  };
  const wrong: [number, string, string][] = [];
  const counts: Record<string, number> = {};
  for (let i = 0; i < bytes.length; i++) {
    const mutated = bytes.slice();
    mutated[i] ^= 0x01;
    const code = outcome(() => openNote(mutated, [tesseraVerifier]));
    counts[code] = (counts[code] ?? 0) + 1;
    if (code !== expected(mutated, i)) wrong.push([i, expected(mutated, i), code]);
  }
  t.same(wrong, []);
  t.same(Object.keys(counts).sort(), ['invalid-signature', 'malformed-note', 'unverified-note']);
});

t.test('every single-bit flip of every real note is rejected', async (t) => {
  const allowed = new Set(['malformed-note', 'unverified-note', 'invalid-signature']);
  for (const [n, note] of realNotes.entries()) {
    const bytes = utf8(note);
    const wrong: [number, number, string][] = [];
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const mutated = bytes.slice();
        mutated[i] ^= 1 << bit;
        const code = outcome(() => openNote(mutated, [realVerifiers[n]]));
        if (!allowed.has(code)) wrong.push([i, bit, code]);
      }
    }
    t.same(wrong, [], JSON.stringify(note.slice(0, 30)));
  }
});

t.test('re-encodings of the signature base64 are malformed', async (t) => {
  const [signature] = parseNote(tesseraNote).signatures;
  const { base64, name } = signature;
  t.match(base64, /\+.*\//, 'the vector signature has both + and /');
  const last = base64.length - 2; // last data character; the field ends in one '='
  const loose = `${base64.slice(0, last) + String.fromCharCode(base64.charCodeAt(last) + 1)}=`;
  t.same(
    Buffer.from(loose, 'base64'),
    Buffer.from(base64, 'base64'),
    'same bytes, padding bits set',
  );
  const variants = [
    loose,
    base64.replaceAll('+', '-').replaceAll('/', '_'),
    base64.replaceAll('+', '-').replaceAll('/', '_').slice(0, -1),
    base64.slice(0, -1),
    `${base64}=`,
    `${base64.slice(0, 40)} ${base64.slice(40)}`,
    `${base64.slice(0, 40)}\n${base64.slice(40)}`,
    `${base64} `,
    ` ${base64}`,
    '',
    toBase64((fromBase64(base64) as Uint8Array).subarray(0, 4)),
  ];
  for (const variant of variants) {
    const note = withLine(tesseraNote, name, `\u2014 ${name} ${variant}`);
    t.equal(
      outcome(() => openNote(note, [tesseraVerifier])),
      'malformed-note',
      variant,
    );
  }
});

t.test('malformed notes are rejected', async (t) => {
  const good = peter.note;
  const sigLine = good.slice(good.lastIndexOf('\u2014'), -1);
  const field = sigLine.slice(sigLine.lastIndexOf(' ') + 1);
  const cases: [string, string | Uint8Array][] = [
    ['empty', ''],
    ['no final newline', good.slice(0, -1)],
    ['text only', quote],
    ['no blank line', `${quote}${sigLine}\n`],
    ['blank line after the signatures', `${good}\n`],
    ['CRLF line endings', good.replaceAll('\n', '\r\n')],
    ['tab in the text', good.replace('If you', 'If\tyou')],
    ['NUL in the text', good.replace('If you', 'If\0you')],
    ['lone surrogate', good.replace('If you', 'If\ud800you')],
    ['ASCII hyphen', good.replace('\u2014 ', '- ')],
    ['en dash', good.replace('\u2014 ', '\u2013 ')],
    ['no space after the dash', good.replace('\u2014 ', '\u2014')],
    ['two spaces after the dash', good.replace('\u2014 ', '\u2014  ')],
    ['no signature field', good.replace(` ${field}`, '')],
    ['empty signature field', good.replace(` ${field}`, ' ')],
    ['name with +', good.replace('PeterNeumann', 'Peter+Neumann')],
    ['name with NBSP', good.replace('PeterNeumann', 'Peter\u00a0Neumann')],
    ['a text line as signature', `${good}not a signature\n`],
    ['invalid UTF-8', Uint8Array.of(...utf8(quote), 0xff, ...utf8(good.slice(quote.length)))],
    ['bytes without the final newline', utf8(good).subarray(0, -1)],
  ];
  for (const [label, note] of cases) {
    t.equal(
      outcome(() => openNote(note, [peterVerifier])),
      'malformed-note',
      label,
    );
    t.equal(
      outcome(() => parseNote(note)),
      'malformed-note',
      label,
    );
  }
  // TextDecoder would drop a leading byte-order mark; the note must not open as if it were absent.
  const withBom = Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8(good));
  t.not(
    outcome(() => openNote(withBom, [peterVerifier])),
    'accepted',
  );
});

t.test('unknown, reordered and cosignature lines are tolerated', async (t) => {
  const other = parseSignerKey(generateNoteSigner('witness.example/w2').signerKey);
  const note = signNote(quote, [peterSigner, other]);
  const lines = note
    .slice(quote.length + 1)
    .split('\n')
    .slice(0, -1);
  const reordered = `${quote}\n${lines[1]}\n${lines[0]}\n`;
  const cosignature = examples.cosignature_line_decoded.line;
  const sameNameOtherId = `\u2014 PeterNeumann ${toBase64(Uint8Array.of(0, 0, 0, 1, ...new Uint8Array(64)))}`;
  const sameIdOtherName = `\u2014 PeterNeumann2 ${lines[0].slice(lines[0].lastIndexOf(' ') + 1)}`;
  const extended = `${reordered}${cosignature}\n${sameNameOtherId}\n${sameIdOtherName}\n`;

  for (const [label, text] of [
    ['two signers', note],
    ['reordered', reordered],
    ['extra unknown lines', extended],
  ]) {
    const opened = openNote(text, [peterVerifier]);
    t.equal(opened.text, quote, label);
    t.same(
      opened.verifiedSignatures.map((s) => s.name),
      ['PeterNeumann'],
      label,
    );
    t.ok(
      opened.unverifiedSignatures.some((s) => s.name === 'witness.example/w2'),
      label,
    );
  }
  const opened = openNote(extended, [peterVerifier, parseVerifierKey(other.verifierKey)]);
  t.same(
    opened.verifiedSignatures.map((s) => s.name),
    ['witness.example/w2', 'PeterNeumann'],
  );
  t.same(
    opened.unverifiedSignatures.map((s) => [s.name, s.keyId]),
    [
      ['witness.example.com/w1', 0x8d66cf3f],
      ['PeterNeumann', 1],
      ['PeterNeumann2', peterVerifier.keyId],
    ],
  );
});

t.test(
  'a failing signature by a known key rejects the note even if another verifies',
  async (t) => {
    const peterId = fromHex(peter.key_id_hex) as Uint8Array;
    const bad = `\u2014 PeterNeumann ${toBase64(Uint8Array.of(...peterId, ...new Uint8Array(64)))}`;
    t.equal(
      outcome(() => openNote(`${peter.note}${bad}\n`, [peterVerifier])),
      'invalid-signature',
    );
    // A signature of the wrong length for Ed25519 fails verification, it is not merely ignored.
    const short = `\u2014 PeterNeumann ${toBase64(Uint8Array.of(...peterId, 1))}`;
    t.equal(
      outcome(() => openNote(`${quote}\n${short}\n`, [peterVerifier])),
      'invalid-signature',
    );
    const enoch = parseVerifierKey(noteVectors[1].vkey);
    const both = `${peter.note}${noteVectors[1].note.slice(quote.length + 1)}`;
    t.equal(openNote(both, [peterVerifier, enoch]).verifiedSignatures.length, 2);
    const enochBroken = both.replace('rwz+eBzm', 'rwz+eBzn');
    t.equal(
      outcome(() => openNote(enochBroken, [peterVerifier, enoch])),
      'invalid-signature',
    );
    t.equal(openNote(enochBroken, [peterVerifier]).unverifiedSignatures.length, 1);
  },
);

t.test('a note no known key signed is unverified', async (t) => {
  t.equal(
    outcome(() => openNote(peter.note, [])),
    'unverified-note',
  );
  t.equal(
    outcome(() => openNote(peter.note, [tesseraVerifier])),
    'unverified-note',
  );
});

t.test('duplicate verifiers are ambiguous', async (t) => {
  t.equal(
    outcome(() => openNote(peter.note, [peterVerifier, peterVerifier])),
    'ambiguous-verifier',
  );
});

t.test('duplicate signature lines collapse; up to 100 signatures are accepted', async (t) => {
  const hundred = signNote(quote, Array(MAX_SIGNATURES).fill(peterSigner));
  t.equal(hundred.split('\u2014').length - 1, 100);
  const opened = openNote(hundred, [peterVerifier]);
  t.equal(opened.verifiedSignatures.length, 1);
  t.equal(parseNote(hundred).signatures.length, 100);

  const unknown = `\u2014 w.example ${toBase64(new Uint8Array(68).fill(7))}\n`;
  const withUnknown = `${peter.note}${unknown}${unknown}`;
  t.equal(openNote(withUnknown, [peterVerifier]).unverifiedSignatures.length, 1);
  t.equal(parseNote(withUnknown).signatures.length, 3, 'parseNote keeps every line');

  const tooMany = `${hundred}${unknown}`;
  t.equal(
    outcome(() => openNote(tooMany, [peterVerifier])),
    'too-many-signatures',
  );
  t.equal(
    outcome(() => signNote(quote, Array(MAX_SIGNATURES + 1).fill(peterSigner))),
    'too-many-signatures',
  );
});

t.test('signNote refuses bad text and signers', async (t) => {
  t.equal(
    outcome(() => signNote('no newline', [peterSigner])),
    'malformed-note',
  );
  t.equal(
    outcome(() => signNote('', [peterSigner])),
    'malformed-note',
  );
  t.equal(
    outcome(() => signNote('tab\there\n', [peterSigner])),
    'malformed-note',
  );
  t.equal(
    outcome(() => signNote('cr\r\n', [peterSigner])),
    'malformed-note',
  );
  t.equal(
    outcome(() => signNote('\ud800\n', [peterSigner])),
    'malformed-note',
  );
  t.equal(
    outcome(() => signNote(quote, [])),
    'no-signers',
  );
  const badName: NoteSigner = {
    name: 'bad name',
    keyId: 1,
    sign: () => new Uint8Array(64),
    verifierKey: '',
  };
  t.equal(
    outcome(() => signNote(quote, [badName])),
    'invalid-key-name',
  );
});

t.test('texts with blank lines round-trip: the LAST blank line splits', async (t) => {
  for (const text of ['\n', 'a\n\nb\n', 'a\n\n\n', `${peter.note}\n${quote}`, '\u2014 x y\n']) {
    const note = signNote(text, [peterSigner, tesseraSigner]);
    const opened = openNote(note, [peterVerifier, tesseraVerifier]);
    t.equal(opened.text, text, JSON.stringify(text));
    t.equal(opened.verifiedSignatures.length, 2);
  }
  // A blank line inside the signature block moves the split: the first line becomes signed text.
  const note = signNote(quote, [peterSigner, tesseraSigner]);
  const split = note.lastIndexOf('\n\u2014');
  const blank = `${note.slice(0, split)}\n${note.slice(split)}`;
  t.equal(
    outcome(() => openNote(blank, [peterVerifier, tesseraVerifier])),
    'invalid-signature',
  );
  t.equal(
    outcome(() => openNote(blank, [peterVerifier])),
    'unverified-note',
  );
});

t.test('parseNote relays signatures without verifying them', async (t) => {
  const parsed = parseNote(examples.cosigned_checkpoint_example);
  const rebuilt = `${parsed.text}\n${parsed.signatures.map((s: NoteSignature) => `\u2014 ${s.name} ${s.base64}\n`).join('')}`;
  t.equal(rebuilt, examples.cosigned_checkpoint_example);
  t.same(parseNote(utf8(examples.cosigned_checkpoint_example)), parsed);
});
