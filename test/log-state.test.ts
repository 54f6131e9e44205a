// The checkpoint kept of each log on this machine: where it lives, that it only moves forward,
// that it is replaced whole, and that a damaged or foreign one is refused with its file named.
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { VerifiedCheckpoint } from '../client-sdk/log-client/log-client.ts';
import { writeFileAtomically } from '../client-sdk/log-state/atomic-write.ts';
import { defaultStateDir, logState } from '../client-sdk/log-state/log-state.ts';
import { signCheckpoint } from '../server/log/checkpoint.ts';
import { toHex, utf8 } from '../server/log/encoding.ts';
import { sha256 } from '../server/log/hash.ts';
import { generateNoteSigner, parseSignerKey, parseVerifierKey } from '../server/log/note-keys.ts';
import { tempDir } from './support/temp-log.ts';

const ORIGIN = 'state.example/log';
const signerKey = parseSignerKey(generateNoteSigner(ORIGIN).signerKey);
const verifier = parseVerifierKey(signerKey.verifierKey);

function checkpoint(size: number, signer = signerKey, origin = ORIGIN): VerifiedCheckpoint {
  const rootHash = sha256(utf8(`root ${size}`));
  return { origin, size, rootHash, note: signCheckpoint({ origin, size, rootHash }, [signer]) };
}

t.test('the state directory follows XDG', async (t) => {
  t.equal(defaultStateDir({ XDG_CONFIG_HOME: '/xdg' }, '/home/u'), '/xdg/attestry');
  t.equal(
    defaultStateDir({ XDG_CONFIG_HOME: 'relative' }, '/home/u'),
    '/home/u/.config/attestry',
    'a relative XDG_CONFIG_HOME is ignored, as the spec says',
  );
  t.equal(defaultStateDir({}, '/home/u'), '/home/u/.config/attestry');
  t.equal(
    defaultStateDir(),
    join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'attestry'),
  );
});

t.test('one file per origin, holding the signed note; it only ever advances', async (t) => {
  const dir = tempDir(t);
  const state = logState(verifier, dir);
  t.equal(state.file, join(dir, 'checkpoints', toHex(sha256(utf8(ORIGIN)))));
  t.equal(await state.load(), undefined, 'nothing seen yet');

  await state.advance(checkpoint(5));
  t.equal(readFileSync(state.file, 'utf8'), checkpoint(5).note, 'the note, verbatim');
  t.same(await state.load(), checkpoint(5));

  await state.advance(checkpoint(3));
  await state.advance({ ...checkpoint(5), note: checkpoint(4).note });
  t.equal(
    readFileSync(state.file, 'utf8'),
    checkpoint(5).note,
    'neither smaller nor equal replaces it',
  );

  await state.advance(checkpoint(9));
  t.same(await state.load(), checkpoint(9));
  t.same(
    readdirSync(join(dir, 'checkpoints')),
    [toHex(sha256(utf8(ORIGIN)))],
    'no temporary file left',
  );

  const other = logState(
    parseVerifierKey(generateNoteSigner('other.example/log').verifierKey),
    dir,
  );
  t.not(other.file, state.file);
  t.equal(await other.load(), undefined, 'another log has its own state');
});

t.test('a state that cannot be trusted or read is refused, naming its file', async (t) => {
  const dir = tempDir(t);
  const state = logState(verifier, dir);
  mkdirSync(join(dir, 'checkpoints'));
  const refusal = (reason: RegExp) => ({
    code: 'bad-log-state',
    file: state.file,
    message: reason,
  });
  const damaged =
    /^the checkpoint kept of state\.example\/log in .+ is damaged or not signed by the pinned key \(.+\); delete that file to start again from the log's next checkpoint$/;

  for (const [what, text] of [
    ['garbage', 'not a checkpoint\n'],
    ['a truncated note', checkpoint(5).note.slice(0, 40)],
    [
      'a note by another key',
      checkpoint(5, parseSignerKey(generateNoteSigner(ORIGIN).signerKey)).note,
    ],
  ]) {
    writeFileSync(state.file, text);
    await t.rejects(state.load(), refusal(damaged), what);
    await t.rejects(state.advance(checkpoint(6)), refusal(damaged), `${what}: not overwritten`);
    t.equal(readFileSync(state.file, 'utf8'), text);
  }
  const otherSigner = parseSignerKey(generateNoteSigner('other.example/log').signerKey);
  writeFileSync(state.file, checkpoint(5, otherSigner, 'other.example/log').note);
  await t.rejects(state.load(), refusal(damaged), "another log's checkpoint");

  const unreadable = logState(verifier, join(dir, 'as-directory'));
  mkdirSync(unreadable.file, { recursive: true });
  await t.rejects(unreadable.load(), {
    code: 'bad-log-state',
    file: unreadable.file,
    message: /^cannot read the checkpoint kept of state\.example\/log in .+: EISDIR/,
  });
});

t.test('a state that cannot be written is a typed error', async (t) => {
  const dir = tempDir(t);
  symlinkSync(join(dir, 'nowhere', 'deeper'), join(dir, 'checkpoints'));
  const state = logState(verifier, dir);
  await t.rejects(state.advance(checkpoint(1)), {
    code: 'log-state-unwritable',
    file: state.file,
    message: /^cannot keep the checkpoint of state\.example\/log in .+: ENOENT/,
  });
});

t.test('a file is replaced whole, or not at all', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sub', 'file');
  await writeFileAtomically(file, 'one\n');
  await writeFileAtomically(file, 'two\n');
  t.equal(readFileSync(file, 'utf8'), 'two\n');
  t.same(readdirSync(join(dir, 'sub')), ['file']);

  // A directory in the way makes the rename fail: the temporary file goes too.
  const blocked = join(dir, 'blocked');
  mkdirSync(join(blocked, 'file'), { recursive: true });
  writeFileSync(join(blocked, 'file', 'inside'), '');
  await t.rejects(writeFileAtomically(join(blocked, 'file'), 'three\n'), {
    code: /^(EISDIR|ENOTEMPTY|EEXIST)$/,
  });
  t.same(readdirSync(blocked), ['file'], 'no temporary file left');
});
