// The log client trusts nothing it receives: a real server answers, and a transport that alters
// answers on the way shows that every altered field is caught with its own error code.
import { createPublicKey } from 'node:crypto';
import t from 'tap';
import { LogClient, type LogClientOptions } from '../client-sdk/log-client/log-client.ts';
import { signKeyStatement } from '../server/log/key-statement.ts';
import { signNote } from '../server/log/note.ts';
import { generateNoteSigner, parseSignerKey } from '../server/log/note-keys.ts';
import { alteringFetch, serve } from './support/http.ts';
import { buildBundle, generateKey, keySigner, omsStatement } from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

// Answers are edited field by field, whatever their shape.
// biome-ignore lint/suspicious/noExplicitAny: the test rewrites arbitrary JSON answers
type Json = Record<string, any>;

const editJson = (edit: (json: Json) => void) => (body: string) => {
  const json = JSON.parse(body);
  edit(json);
  return JSON.stringify(json);
};

t.test('the log client checks every answer', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const keys = await LogClient.fetchKeys(url);
  t.equal(keys.origin, log.origin);
  t.equal(keys.noteVerifierKey, log.keys.noteVerifierKey);
  const key = generateKey('ecdsa-p256');
  const submission = async (i: number) => ({
    bundle: await buildBundle(
      keySigner(key),
      omsStatement({
        subject: [{ name: `m${i}`, digest: { sha256: String(i).repeat(64).slice(0, 64) } }],
      }),
    ),
    publicKey: key.publicKeyPem,
  });
  const honest = new LogClient({ url, ...keys });
  const first = await honest.submit(await submission(1));
  await honest.submit(await submission(2));
  const older = first.inclusion.checkpoint;
  const newer = await honest.checkpoint();
  await honest.proveConsistency(older, newer);
  await honest.proveInclusion(0, first.canonicalizedBody, newer);
  t.equal((await honest.entry(0)).logIndex, 0);

  const client = (
    alter: (path: string, body: string) => string,
    options: Partial<LogClientOptions> = {},
  ) => new LogClient({ url, ...keys, ...options, fetch: alteringFetch(alter) });
  const only = (path: string, edit: (body: string) => string) => (p: string, body: string) =>
    p === path || p.startsWith(`${path}/`) ? edit(body) : body;
  const alterEntries = (edit: (json: Json) => void) =>
    client(only('/api/v1/entries', editJson(edit)));
  const flipHex = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

  const cases: { name: string; code: string; run: () => Promise<unknown> }[] = [
    {
      name: 'a checkpoint signed by another key',
      code: 'bad-checkpoint',
      run: () =>
        new LogClient({
          url,
          ...keys,
          noteVerifierKey: generateNoteSigner(log.origin).verifierKey,
        }).checkpoint(),
    },
    {
      name: 'a checkpoint with an altered root',
      code: 'bad-checkpoint',
      run: () =>
        client(
          only('/checkpoint', (b) =>
            b.replace(/\n([A-Za-z0-9+/]{10})/, (_, s) => `\n${s.split('').reverse().join('')}`),
          ),
        ).checkpoint(),
    },
    {
      name: 'an altered inclusion proof hash',
      code: 'bad-inclusion-proof',
      run: async () =>
        alterEntries((j) => {
          j.inclusionProof.hashes[0] = flipHex(j.inclusionProof.hashes[0]);
        }).submit(await submission(3)),
    },
    {
      name: 'a proof for another tree size',
      code: 'bad-inclusion-proof',
      run: () =>
        alterEntries((j) => {
          j.inclusionProof.treeSize += 1;
        }).entry(0),
    },
    {
      name: 'an altered body',
      code: 'bad-inclusion-proof',
      run: () =>
        alterEntries((j) => {
          j.canonicalizedBody = Buffer.from('{"kind":"dsse"}').toString('base64');
        }).entry(0),
    },
    {
      name: 'another envelope than the leaf commits to',
      code: 'envelope-mismatch',
      run: () =>
        alterEntries((j) => {
          j.envelope = Buffer.from('{}').toString('base64');
        }).entry(0),
    },
    {
      name: 'an entry other than the one asked for',
      code: 'wrong-entry',
      run: () =>
        alterEntries((j) => {
          j.logIndex = 1;
        }).entry(0),
    },
    {
      name: 'an altered signed entry timestamp',
      code: 'bad-entry-timestamp',
      run: async () =>
        alterEntries((j) => {
          j.integratedTime += 1;
        }).submit(await submission(4)),
    },
    {
      name: 'a signed entry timestamp that is not a DER signature',
      code: 'bad-entry-timestamp',
      run: async () =>
        alterEntries((j) => {
          j.inclusionPromise.signedEntryTimestamp = 'AAAA';
        }).submit(await submission(7)),
    },
    {
      name: 'another log ID',
      code: 'wrong-log-id',
      run: async () =>
        alterEntries((j) => {
          j.logId = flipHex(j.logId);
        }).submit(await submission(5)),
    },
    {
      name: 'a logged entry that is not the submitted bundle',
      code: 'wrong-entry',
      run: async () => {
        const other = await honest.entry(0);
        return alterEntries((j) => {
          j.canonicalizedBody = Buffer.from(other.canonicalizedBody).toString('base64');
        }).submit(await submission(6));
      },
    },
    {
      name: 'an altered consistency proof',
      code: 'inconsistent-checkpoints',
      run: () =>
        client(
          only(
            '/api/v1/log/consistency',
            editJson((j) => {
              j.hashes[0] = flipHex(j.hashes[0]);
            }),
          ),
        ).proveConsistency(older, newer),
    },
    {
      name: 'a consistency proof hash that is not hex',
      code: 'bad-answer',
      run: () =>
        client(
          only(
            '/api/v1/log/consistency',
            editJson((j) => {
              j.hashes[0] = 'zz';
            }),
          ),
        ).proveConsistency(older, newer),
    },
    {
      name: 'an altered inclusion proof from /log/inclusion',
      code: 'bad-inclusion-proof',
      run: () =>
        client(
          only(
            '/api/v1/log/inclusion',
            editJson((j) => {
              j.hashes[0] = flipHex(j.hashes[0]);
            }),
          ),
        ).proveInclusion(0, first.canonicalizedBody, newer),
    },
    {
      name: 'a short tile',
      code: 'bad-tile',
      run: () => client(only('/tile', (b) => b.slice(0, 10))).tile(0, 0, 1),
    },
  ];
  for (const c of cases) await t.rejects(c.run(), { code: c.code }, c.name);

  await t.rejects(
    honest.entry(99),
    { code: 'entry-not-found', status: 404 },
    'the log refusing is a typed error too',
  );
  await t.rejects(new LogClient({ url: 'http://127.0.0.1:1', ...keys }).checkpoint(), {
    code: 'unreachable',
  });
});

t.test('a log key that is not a PEM P-256 public key is refused up front', async (t) => {
  const { publicKeyPem } = generateKey('ecdsa-p384');
  const base = {
    url: 'http://127.0.0.1:1',
    noteVerifierKey: generateNoteSigner('x.example/log').verifierKey,
  };
  for (const ecdsaPublicKey of [
    'not a key',
    publicKeyPem,
    '-----BEGIN PUBLIC KEY-----\n@@@@\n-----END PUBLIC KEY-----\n',
  ]) {
    t.throws(() => new LogClient({ ...base, ecdsaPublicKey }), { code: 'bad-log-key' });
  }
});

t.test('a client pinned to the note key alone checks entry timestamps too', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const key = generateKey('ecdsa-p256');
  let counter = 0;
  const submission = async () => ({
    bundle: await buildBundle(
      keySigner(key),
      omsStatement({
        subject: [{ name: `m${++counter}`, digest: { sha256: String(counter).padStart(64, '0') } }],
      }),
    ),
    publicKey: key.publicKeyPem,
  });
  const { noteVerifierKey } = log.keys;
  const requested: string[] = [];
  const client = (alter: (path: string, body: string) => string = (_, body) => body) =>
    new LogClient({
      url,
      noteVerifierKey,
      fetch: alteringFetch((path, body) => {
        requested.push(path);
        return alter(path, body);
      }),
    });

  const honest = client();
  const entry = await honest.submit(await submission());
  t.equal(entry.logId, log.keys.logId, 'the log ID of the key the note key states');
  t.ok(entry.signedEntryTimestamp, 'a checked entry timestamp');
  await honest.submit(await submission());
  t.equal(
    requested.filter((path) => path === '/api/v1/log/keys').length,
    1,
    'the announced key is checked once per client',
  );

  const entries = (edit: (json: Json) => void) => (path: string, body: string) =>
    path === '/api/v1/entries' ? editJson(edit)(body) : body;
  await t.rejects(
    client(
      entries((j) => {
        j.integratedTime += 1;
      }),
    ).submit(await submission()),
    { code: 'bad-entry-timestamp' },
    'an altered integration time',
  );
  await t.rejects(
    client(
      entries((j) => {
        j.logId = 'ab'.repeat(32);
      }),
    ).submit(await submission()),
    { code: 'wrong-log-id' },
    'another log ID',
  );

  // The ECDSA key is taken from the log's key statement, which only the note key can sign: an
  // attacker between client and log can announce a key of its own, not state it.
  const attacker = generateKey('ecdsa-p256');
  const attackerSpki = createPublicKey(attacker.publicKeyPem).export({
    type: 'spki',
    format: 'der',
  });
  const stating = (keyStatement: unknown, ecdsaPublicKey = log.keys.ecdsaPublicKeyPem) =>
    client((path, body) =>
      path === '/api/v1/log/keys'
        ? JSON.stringify({ ...JSON.parse(body), ecdsaPublicKey, keyStatement })
        : body,
    );
  const forger = parseSignerKey(generateNoteSigner(log.origin).signerKey);
  const statements: [string, unknown][] = [
    [
      "the attacker's key, stated by a note key of the log's name",
      signKeyStatement(attackerSpki, forger),
    ],
    ['none', undefined],
    ['a checkpoint of the log', log.sequencer.checkpoint.note],
    [
      'a statement of no key, by the note key',
      signNote(`attestry-log-keys/v1\n${log.origin}\n`, [log.keys.noteSigner]),
    ],
  ];
  for (const [name, statement] of statements) {
    const size = log.sequencer.checkpoint.size;
    await t.rejects(
      stating(statement, attacker.publicKeyPem).submit(await submission()),
      {
        code: 'bad-log-key',
        message: /statement of its ECDSA key does not verify with the pinned note key/,
      },
      name,
    );
    t.equal(log.sequencer.checkpoint.size, size, `${name}: nothing was published`);
  }
  // Only the announced PEM is the attacker's: the stated key is what counts.
  const announcedOnly = await stating(
    signKeyStatement(log.keys.ecdsaPublicKeyDer, log.keys.noteSigner),
    attacker.publicKeyPem,
  ).submit(await submission());
  t.equal(announcedOnly.logId, log.keys.logId, 'an announced key that is not stated is ignored');

  // The same for the trusted root and the key itself: the announced PEM and log ID are not read.
  const announcingAttacker = (alterRoot: boolean) =>
    client((path, body) => {
      if (path === '/api/v1/log/keys') {
        return JSON.stringify({
          ...JSON.parse(body),
          ecdsaPublicKey: attacker.publicKeyPem,
          logId: 'ff'.repeat(32),
        });
      }
      if (alterRoot && path === '/api/v1/trusted-root') {
        const root = JSON.parse(body);
        root.tlogs[0].publicKey.rawBytes = attackerSpki.toString('base64');
        return JSON.stringify(root);
      }
      return body;
    });
  t.same(
    (await announcingAttacker(false).ecdsaKey()).spki,
    log.keys.ecdsaPublicKeyDer,
    'ecdsaKey() is the stated key, not the announced one',
  );
  await t.rejects(
    announcingAttacker(true).trustedRoot(),
    { code: 'bad-trusted-root' },
    'a trusted root listing the announced key, not the stated one',
  );
  const root = (await announcingAttacker(false).trustedRoot()) as {
    tlogs: { publicKey: { rawBytes: string } }[];
  };
  t.equal(
    root.tlogs[0].publicKey.rawBytes,
    Buffer.from(log.keys.ecdsaPublicKeyDer).toString('base64'),
    'the trusted root of the stated key',
  );

  const size = log.sequencer.checkpoint.size;
  await t.rejects(
    new LogClient({ url, noteVerifierKey, logId: 'ab'.repeat(32) }).submit(await submission()),
    {
      code: 'wrong-log-id',
      message: /^the pinned log ID (ab){32} is not that of the log's ECDSA key/,
    },
    "a pinned log ID that is not the stated key's",
  );
  t.equal(log.sequencer.checkpoint.size, size, 'and nothing was published');
  t.throws(
    () =>
      new LogClient({
        url,
        noteVerifierKey,
        ecdsaPublicKey: log.keys.ecdsaPublicKeyPem,
        logId: 'ab'.repeat(32),
      }),
    { code: 'wrong-log-id' },
    "a pinned log ID that is not the pinned key's, up front",
  );

  let failKeys = true;
  const flaky = new LogClient({
    url,
    noteVerifierKey,
    fetch: async (input, init) => {
      if (failKeys && new URL(String(input)).pathname === '/api/v1/log/keys') {
        failKeys = false;
        return new Response('{"error":{"code":"internal","message":"x"}}', { status: 500 });
      }
      return fetch(input, init);
    },
  });
  const before = log.sequencer.checkpoint.size;
  await t.rejects(
    flaky.submit(await submission()),
    { code: 'internal', status: 500 },
    'the keys could not be read',
  );
  t.equal(log.sequencer.checkpoint.size, before, 'and nothing was published');
  t.equal((await flaky.submit(await submission())).logId, log.keys.logId, 'asked again, and taken');
});

t.test('trust on first use pins the announced note key, and the ECDSA key it states', async (t) => {
  const log = openTempLog(t);
  const attacker = generateKey('ecdsa-p256');
  // A log front that announces another ECDSA key and log ID beside the log's own note key.
  const front = await serve(t, log, {}, (app) => {
    app.addHook('onSend', async (request, _reply, payload) =>
      request.url === '/api/v1/log/keys'
        ? JSON.stringify({
            ...JSON.parse(payload as string),
            ecdsaPublicKey: attacker.publicKeyPem,
            logId: 'ff'.repeat(32),
          })
        : payload,
    );
  });
  const client = await LogClient.trustOnFirstUse(front.url);
  t.equal(client.noteVerifierKey, log.keys.noteVerifierKey);
  t.same(await client.ecdsaKey(), {
    spki: log.keys.ecdsaPublicKeyDer,
    logId: log.keys.logId,
  });
  const entry = await client.submit({
    bundle: await buildBundle(keySigner(attacker), omsStatement()),
    publicKey: attacker.publicKeyPem,
  });
  t.equal(entry.logId, log.keys.logId, 'its entry timestamp checked with the stated key');
});
