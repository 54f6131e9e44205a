// The log client trusts nothing it receives: a real server answers, and a transport that alters
// answers on the way shows that every altered field is caught with its own error code.
import t from 'tap';
import { LogClient, type LogClientOptions } from '../client-sdk/log-client/log-client.ts';
import { generateNoteSigner } from '../server/log/note-keys.ts';
import { serve } from './support/http.ts';
import { buildBundle, generateKey, keySigner, omsStatement } from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

// Answers are edited field by field, whatever their shape.
// biome-ignore lint/suspicious/noExplicitAny: the test rewrites arbitrary JSON answers
type Json = Record<string, any>;

/** A fetch that passes requests to the real server and lets `alter` rewrite JSON or text answers. */
function alteringFetch(alter: (path: string, body: string) => string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const path = new URL(String(input)).pathname;
    const body = alter(path, await response.text());
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

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
  t.equal(entry.logId, log.keys.logId, 'the log ID of the key shown to sign the tree head');
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

  const announcing = (ecdsaPublicKey: unknown) =>
    client((path, body) =>
      path === '/api/v1/log/keys' ? JSON.stringify({ ...JSON.parse(body), ecdsaPublicKey }) : body,
    );
  await t.rejects(
    announcing(generateKey('ecdsa-p256').publicKeyPem).submit(await submission()),
    {
      code: 'bad-log-key',
      message: /does not sign the tree head the pinned note key signs/,
    },
    'an announced key that does not sign the tree head is not taken',
  );
  for (const bad of [undefined, 'not a key', generateKey('ecdsa-p384').publicKeyPem]) {
    await t.rejects(
      announcing(bad).submit(await submission()),
      { code: 'bad-log-key' },
      `announced: ${String(bad).slice(0, 30)}`,
    );
  }

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
  await t.rejects(flaky.submit(await submission()), 'the keys could not be read');
  t.equal(log.sequencer.checkpoint.size, before, 'and nothing was published');
  t.equal((await flaky.submit(await submission())).logId, log.keys.logId, 'asked again, and taken');
});
