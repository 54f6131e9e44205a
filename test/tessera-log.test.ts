// Reproduces the Tessera test log (transparency-dev/tessera testdata/log) byte for byte from its
// key, origin and 15 entries: every checkpoint, every partial tile and every entry bundle.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { encodeEntryBundle } from '../server/log/entry-bundle.ts';
import { parseSignerKey } from '../server/log/note-keys.ts';
import { Sequencer } from '../server/log/sequencer.ts';
import { entriesPath, tilePath } from '../server/log/tile.ts';
import { openSqliteStorage } from '../server/storage/sqlite-storage.ts';
import { tempDir } from './support/temp-log.ts';

const vectors = resolve(import.meta.dirname, '../../shared/vectors/tlog-tiles');
const logDir = join(vectors, 'tessera-log');
const testdata = JSON.parse(readFileSync(join(vectors, 'tessera-testdata-log.json'), 'utf8'));

t.test('the Tessera log is reproduced byte for byte', async (t) => {
  const storage = openSqliteStorage(join(tempDir(t), 'log.db'));
  t.teardown(() => storage.close());
  const signer = parseSignerKey(testdata.log_private_key_skey);
  const sequencer = new Sequencer({ storage, origin: signer.name, signer });
  const leaves: string[] = testdata.leaves_utf8;
  t.equal(leaves.length, 15);

  const expectCheckpoint = (size: number, note: string) => {
    t.equal(note, readFileSync(join(logDir, `checkpoint.${size}`), 'utf8'), `checkpoint ${size}`);
    t.equal(note, testdata.checkpoints[size].checkpoint);
  };
  expectCheckpoint(0, sequencer.checkpoint.note);

  for (let size = 1; size <= leaves.length; size++) {
    const ack = await sequencer.submit(new TextEncoder().encode(leaves[size - 1]));
    t.equal(ack.index, size - 1);
    expectCheckpoint(size, ack.checkpoint.note);
    // While the tree has this size, the stored tile is exactly the partial tile of this width.
    t.same(
      storage.readTile(0, 0),
      readFileSync(join(logDir, tilePath({ level: 0, index: 0, width: size }))),
      tilePath({ level: 0, index: 0, width: size }),
    );
    const bundle = encodeEntryBundle(storage.readEntries(0, size).map((e) => e.body));
    t.same(
      Buffer.from(bundle),
      readFileSync(join(logDir, entriesPath(0, size))),
      entriesPath(0, size),
    );
  }
  t.equal(
    sequencer.checkpoint.note,
    readFileSync(join(logDir, 'checkpoint'), 'utf8'),
    'the latest checkpoint',
  );
  t.equal(storage.readTile(1, 0), undefined, 'no tile above a partial level-0 tile');
});
