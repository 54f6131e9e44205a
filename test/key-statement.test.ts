// The log's statement of its ECDSA key: signed by the note key, it is what ties the two keys
// together for a client that pins the note key; nothing else reads as one, and it reads as
// nothing else.
import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { openCheckpoint, signCheckpoint } from '../server/log/checkpoint.ts';
import { toBase64 } from '../server/log/encoding.ts';
import { openKeyStatement, signKeyStatement } from '../server/log/key-statement.ts';
import { signNote } from '../server/log/note.ts';
import { generateNoteSigner, parseSignerKey, parseVerifierKey } from '../server/log/note-keys.ts';

const ORIGIN = 'log.example/keys';
const keys = generateNoteSigner(ORIGIN);
const signer = parseSignerKey(keys.signerKey);
const verifier = parseVerifierKey(keys.verifierKey);
const spki = new Uint8Array(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    type: 'spki',
    format: 'der',
  }),
);

t.test('a statement opens to the key it names, with the note key only', async (t) => {
  const statement = signKeyStatement(spki, signer);
  t.equal(
    statement.split('\n\n')[0],
    `attestry-log-keys/v1\n${ORIGIN}\necdsa-p256 ${toBase64(spki)}`,
    'the text: header, origin, key',
  );
  t.same(openKeyStatement(statement, verifier), spki);
  const other = parseVerifierKey(generateNoteSigner(ORIGIN).verifierKey);
  t.throws(() => openKeyStatement(statement, other), { name: 'NoteError' }, 'another note key');
});

t.test('only the exact form is a statement', async (t) => {
  const key = `ecdsa-p256 ${toBase64(spki)}`;
  const malformed = {
    'another header': `attestry-log-keys/v2\n${ORIGIN}\n${key}\n`,
    'another origin': `attestry-log-keys/v1\nother.example/log\n${key}\n`,
    'no key': `attestry-log-keys/v1\n${ORIGIN}\n`,
    'another key type': `attestry-log-keys/v1\n${ORIGIN}\ned25519 ${toBase64(spki)}\n`,
    'a key that is not base64': `attestry-log-keys/v1\n${ORIGIN}\necdsa-p256 !!\n`,
    'a line more': `attestry-log-keys/v1\n${ORIGIN}\n${key}\nmore\n`,
  };
  for (const [name, text] of Object.entries(malformed)) {
    t.throws(
      () => openKeyStatement(signNote(text, [signer]), verifier),
      { code: 'malformed-key-statement' },
      name,
    );
  }
  const checkpoint = signCheckpoint({ origin: ORIGIN, size: 3, rootHash: new Uint8Array(32) }, [
    signer,
  ]);
  t.throws(() => openKeyStatement(checkpoint, verifier), { code: 'malformed-key-statement' });
  t.throws(
    () => openCheckpoint(signKeyStatement(spki, signer), [verifier]),
    { code: 'malformed-checkpoint' },
    'a statement is no checkpoint',
  );
});
