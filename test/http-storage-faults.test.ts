// Storage that cannot be written, over real HTTP on a real SQLite file: a full disk and a read-only
// database make submissions answer 503 storage-unavailable with Retry-After, the failed batch
// leaves nothing behind (tree, tiles, entries, search and the audit are as before), reads go on,
// and once the storage is writable again submissions are taken where the log left off. Storage
// that cannot be read answers 503 as well, not 500.
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { auditLog } from '../server/log/audit.ts';
import { verifyConsistency } from '../server/log/consistency-proof.ts';
import { fromHex, toHex } from '../server/log/encoding.ts';
import { leafHash } from '../server/log/hash.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { Sequencer } from '../server/log/sequencer.ts';
import type { LogService } from '../server/log-service.ts';
import { StorageError } from '../server/storage/errors.ts';
import { sqlitePragma, unavailableStorage } from '../server/storage/sqlite-storage.ts';
import type { LogStorage } from '../server/storage/storage.ts';
import { faultyStorage } from './support/faulty-storage.ts';
import { expectError, serve } from './support/http.ts';
import { buildBundle, generateKey, keySigner, omsStatement } from './support/signing.ts';
import { postEntry, submissionBody, TEST_PREDICATE_TYPE } from './support/submissions.ts';
import { entryBody, openTempLog } from './support/temp-log.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Posts every body, waits until all of them are queued (or answered), then seals them as one
 * batch: the log's batch delay is made long, so that the batch is exactly these.
 */
async function submitBatch(t: Test, url: string, log: LogService, bodies: string[]) {
  let answered = 0;
  const responses = bodies.map((body) =>
    postEntry(url, body).then((response) => {
      answered++;
      return response;
    }),
  );
  const deadline = performance.now() + 5000;
  while (log.sequencer.queueLength + answered < bodies.length) {
    if (performance.now() > deadline) t.fail('the submissions were not queued within 5 s');
    await sleep(2);
  }
  log.sequencer.flush();
  return Promise.all(responses);
}

/** Everything a reader sees of the log. */
async function snapshot(url: string, size: number) {
  const text = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return `${response.status} ${Buffer.from(await response.arrayBuffer()).toString('base64')}`;
  };
  return {
    checkpoint: await text('/checkpoint'),
    health: await text('/healthz'),
    tile: await text(`/tile/0/000.p/${size}`),
    bundle: await text(`/tile/entries/000.p/${size}`),
    last: await text(`/api/v1/entries/${size - 1}`),
    next: await text(`/api/v1/entries/${size}`),
    search: await text(`/api/v1/entries?predicateType=${encodeURIComponent(TEST_PREDICATE_TYPE)}`),
  };
}

function audit(log: LogService) {
  return auditLog({ storage: log.storage, verifier: parseVerifierKey(log.keys.noteVerifierKey) });
}

/** A served log with two entries, its error log lines collected. */
async function logWithTwoEntries(t: Test) {
  const log = openTempLog(t, { maxBatchDelayMs: 60_000 });
  const errors: { msg: string; err: { type: string; code: string; message: string } }[] = [];
  const stream = {
    write: (line: string) => {
      errors.push(JSON.parse(line));
    },
  };
  const { url } = await serve(t, log, { logger: { level: 'error', stream } });
  // Envelopes of 16 KiB: each needs new database pages (overflow pages), never free space.
  const bodies = await Promise.all([0, 1, 2, 3, 4].map((i) => submissionBody(i, 16_384)));
  const first = await submitBatch(t, url, log, bodies.slice(0, 2));
  t.same(
    first.map((r) => r.status),
    [201, 201],
    'two entries logged',
  );
  return { log, url, bodies, errors };
}

for (const fault of [
  {
    name: 'a full disk',
    message: /^the log's storage is full; nothing was logged: retry in 10 s$/,
    sqliteMessage: 'SqliteError: database or disk is full',
    // SQLite may not grow the file past the pages it has: the next write finds the disk full.
    break: (t: Test, storage: LogStorage) => {
      t.equal(sqlitePragma(storage, 'freelist_count'), 0, 'no free page left to fill');
      const limit = sqlitePragma(storage, 'max_page_count');
      sqlitePragma(storage, `max_page_count = ${sqlitePragma(storage, 'page_count')}`);
      return () => sqlitePragma(storage, `max_page_count = ${limit}`);
    },
  },
  {
    name: 'a read-only database',
    message: /^the log's storage is read-only; nothing was logged: retry in 10 s$/,
    sqliteMessage: 'SqliteError: attempt to write a readonly database',
    break: (_t: Test, storage: LogStorage) => {
      sqlitePragma(storage, 'query_only = ON');
      return () => sqlitePragma(storage, 'query_only = OFF');
    },
  },
]) {
  t.test(`${fault.name}: 503s, then normal service once it is fixed, audit clean`, async (t) => {
    const { log, url, bodies, errors } = await logWithTwoEntries(t);
    const before = await snapshot(url, 2);
    const repair = fault.break(t, log.storage);

    const refused = await submitBatch(t, url, log, bodies.slice(2));
    for (const [i, response] of refused.entries()) {
      t.equal(response.headers.get('retry-after'), '10', `submission ${i}: Retry-After: 10`);
      t.match((await response.clone().json()).error.message, fault.message);
      await expectError(t, response, 503, 'storage-unavailable');
    }
    t.equal(errors.length, 1, 'the failed batch is logged once, for the operator');
    t.match(errors[0], {
      msg: fault.message,
      err: { type: 'StorageError', code: 'storage-unavailable' },
    });
    t.match(JSON.stringify(errors[0]), fault.sqliteMessage, 'with its SQLite cause');

    // Nothing of the batch is stored, and reads go on.
    t.same(await snapshot(url, 2), before, 'checkpoint, tiles, entries and search as they were');
    t.equal(log.storage.entryCount(), 2, 'no entry row');
    t.equal(log.sequencer.checkpoint.size, 2);
    t.match(audit(log), { entries: 2, checkpoints: 2 }, 'the audit is clean');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    t.match(metrics, /^attestry_rejections_total\{code="storage-unavailable"\} 3$/m);

    // Fixed: the same submissions are taken, where the log left off.
    repair();
    const taken = await submitBatch(t, url, log, bodies.slice(2));
    const answers = await Promise.all(taken.map((r) => r.json()));
    t.same(
      taken.map((r) => r.status),
      [201, 201, 201],
      'taken (none is a duplicate: nothing was half-written)',
    );
    // In the order the server read them off their three connections, which is not fixed.
    t.same(answers.map((a) => a.logIndex).sort(), [2, 3, 4], 'appended where the log left off');
    const report = audit(log);
    t.match(report, { entries: 5, checkpoints: 3 }, 'the audit is clean');
    const proof = await (await fetch(`${url}/api/v1/log/consistency?from=2&to=5`)).json();
    const hex = (text: string) => fromHex(text) ?? new Uint8Array(0);
    verifyConsistency(2, 5, proof.hashes.map(hex), hex(rootOf(before.checkpoint)), report.root);
    t.pass('the new checkpoint extends the one served during the fault');
    t.match(await snapshot(url, 5), { tile: /^200 /, bundle: /^200 /, next: /^404 / });
  });
}

/** The root hash (hex) of a checkpoint snapshot ("200 <base64 of the note>"). */
function rootOf(snapshotText: string): string {
  const note = Buffer.from(snapshotText.slice(4), 'base64').toString('utf8');
  return Buffer.from(note.split('\n')[2], 'base64').toString('hex');
}

t.test('SQLite errors that mean "cannot write now" become storage-unavailable', async (t) => {
  const unavailable = {
    SQLITE_FULL: 'is full',
    SQLITE_READONLY: 'is read-only',
    SQLITE_READONLY_DBMOVED: 'is read-only',
    SQLITE_IOERR: 'failed to read or write',
    SQLITE_IOERR_WRITE: 'failed to read or write',
    SQLITE_CANTOPEN: 'cannot open a file it needs',
    SQLITE_PERM: 'was denied access',
    SQLITE_BUSY: 'is locked by another process',
    SQLITE_BUSY_SNAPSHOT: 'is locked by another process',
    SQLITE_LOCKED: 'is locked',
  };
  for (const [code, reason] of Object.entries(unavailable)) {
    const cause = new Database.SqliteError('detail', code);
    const error = unavailableStorage(cause);
    t.ok(error instanceof StorageError, code);
    t.match(error, { code: 'storage-unavailable', message: `the log's storage ${reason}`, cause });
  }
  for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CORRUPT', 'SQLITE_ERROR', 'OTHER']) {
    t.equal(unavailableStorage(new Database.SqliteError('x', code)), undefined, code);
  }
  t.equal(unavailableStorage(new Error('SQLITE_FULL')), undefined, 'only SQLite errors');
  t.throws(() => sqlitePragma({} as LogStorage, 'page_count'), {
    code: 'not-sqlite',
    name: 'StorageError',
  });
});

t.test('a batch whose storage cannot even be read back leaves the sequencer working', async (t) => {
  const log = openTempLog(t);
  await log.sequencer.submit(entryBody(0));
  let broken = false;
  const failing = faultyStorage(log.storage, (method) =>
    broken && (method === 'transaction' || method === 'latestCheckpoint')
      ? new StorageError('storage-unavailable', "the log's storage failed to read or write")
      : undefined,
  );
  const sequencer = new Sequencer({
    storage: failing,
    origin: log.origin,
    signer: log.keys.noteSigner,
  });
  broken = true;
  // An error escaping the batch's timer would fail this test as an uncaught exception.
  await t.rejects(sequencer.submit(entryBody(1)), { code: 'storage-unavailable' });
  t.equal(sequencer.checkpoint.size, 1, 'it keeps the checkpoint it had');
  broken = false;
  const ack = await sequencer.submit(entryBody(2));
  t.equal(ack.index, 1, 'the log goes on where it was');
});

t.test(
  'storage that cannot be read answers 503 storage-unavailable, its cause in the server log',
  async (t) => {
    const log = openTempLog(t);
    let broken: string | undefined;
    let code = 'SQLITE_IOERR_READ';
    // A new error each time: the error handler logs each distinct cause once.
    const storage = faultyStorage(log.storage, (method) =>
      method === broken ? new Database.SqliteError('disk I/O error', code) : undefined,
    );
    const errors: { msg: string; err: { type: string; code: string } }[] = [];
    const stream = { write: (line: string) => errors.push(JSON.parse(line)) };
    const { url } = await serve(t, { ...log, storage }, { logger: { level: 'error', stream } });
    const key = generateKey('ecdsa-p256');
    const model = async (name: string) =>
      JSON.stringify({
        bundle: await buildBundle(
          keySigner(key),
          omsStatement({ subject: [{ name, digest: { sha256: 'ab'.repeat(32) } }] }),
        ),
        publicKey: key.publicKeyPem,
      });
    t.equal((await postEntry(url, await model('acme/model'))).status, 201, 'appended while sound');
    const unavailable = async (response: Response, what: string) => {
      t.equal(response.headers.get('retry-after'), '10', `${what}: Retry-After: 10`);
      t.match(
        (await response.clone().json()).error.message,
        /^the log's storage failed to read or write: retry in 10 s$/,
        `${what}: the SQLite message stays in the server log`,
      );
      await expectError(t, response, 503, 'storage-unavailable');
    };

    const uuid = toHex(leafHash(log.storage.readEntry(0)?.body as Uint8Array));
    const modelPath = `/api/v1/models/sha256:${'ab'.repeat(32)}`;
    // A route of each kind, with the storage read it needs: every one answers 503, and (through
    // serve) must list it in /docs.
    const reads = [
      { method: 'readEntry', path: '/api/v1/entries/0' },
      { method: 'searchEntries', path: '/api/v1/entries?name=acme%2Fmodel' },
      { method: 'readTile', path: '/tile/0/000.p/1' },
      { method: 'readEntries', path: '/tile/entries/000.p/1' },
      { method: 'readTile', path: '/api/v1/log/inclusion?index=0&size=1' },
      { method: 'findLeaf', path: `/api/v1/log/entries/${uuid}` },
      { method: 'searchEntries', path: `${modelPath}/status` },
      { method: 'searchEntries', path: `${modelPath}/bom?signer=sha256:${'00'.repeat(32)}` },
      { method: 'checkpoints', path: '/api/v1/trusted-root' },
    ];
    for (const { method, path } of reads) {
      broken = method;
      await unavailable(await fetch(`${url}${path}`), path);
      broken = undefined;
      t.equal((await fetch(`${url}${path}`)).status, 200, `${path}: served again once readable`);
    }
    // Whether the signer may publish under a name is read from the log's own entries.
    broken = 'firstPublisher';
    await unavailable(await postEntry(url, await model('zeta/model')), 'a submission');
    broken = undefined;
    t.equal(log.sequencer.checkpoint.size, 1, 'nothing appended while the owner could not be read');
    t.equal((await postEntry(url, await model('zeta/model'))).status, 201, 'taken once readable');

    t.equal(errors.length, reads.length + 1, 'each fault in the server log, for the operator');
    for (const line of errors)
      t.match(line, { err: { type: 'SqliteError', code: 'SQLITE_IOERR_READ' } });

    // A damaged database is no passing fault: it stays an internal error, for the operator.
    code = 'SQLITE_CORRUPT';
    broken = 'readEntry';
    await expectError(t, await fetch(`${url}/api/v1/entries/0`), 500, 'internal');
  },
);
