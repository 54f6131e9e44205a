// `attestry log` as a command, against a real log over loopback HTTP: what each subcommand
// prints, that what it prints verifies, and its errors (bad input, a log that is down, refuses,
// or answers something that does not check out).
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { verifyConsistency } from '../server/log/consistency-proof.ts';
import { fromBase64, fromHex, toBase64, toHex } from '../server/log/encoding.ts';
import { leafHash } from '../server/log/hash.ts';
import { verifyInclusion } from '../server/log/inclusion-proof.ts';
import { generateNoteSigner } from '../server/log/note-keys.ts';
import { treeHash } from '../server/log/proof-builder.ts';
import { tileNodeReader } from '../server/log/tile-node-reader.ts';
import { jsonOutput } from './support/cli.ts';
import { serve } from './support/http.ts';
import { buildBundle, generateKey, keySigner, omsStatement } from './support/signing.ts';
import { entryBody, openTempLog } from './support/temp-log.ts';

const BIN = resolve(import.meta.dirname, '../client-sdk/cli/bin.ts');

// Each run of the command loads all of attestry: room for a busy machine.
t.setTimeout(180_000);

/** Runs the command without blocking this process, whose event loop serves the log. */
function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => done({ status: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** An HTTP proxy to `target` that lets `alter` rewrite the bodies it passes on. */
async function proxy(t: Test, target: string, alter: (path: string, body: Buffer) => Buffer) {
  const server = createServer(async (request, response) => {
    const answer = await fetch(`${target}${request.url}`);
    const path = new URL(request.url as string, target).pathname;
    response.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') as string,
    });
    response.end(alter(path, Buffer.from(await answer.arrayBuffer())));
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  t.teardown(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// The log: two published bundles (0, 1), a body that is not UTF-8 (2), then plain bodies up
// to 300 entries, so that trees span several tiles.
const log = openTempLog(t);
const { url } = await serve(t, log);
const logKey = log.keys.noteVerifierKey;
const signer = generateKey('ecdsa-p256');
const submitter = new LogClient({ url, noteVerifierKey: logKey });
for (const name of ['model-a', 'model-b']) {
  const bundle = await buildBundle(
    keySigner(signer),
    omsStatement({ subject: [{ name, digest: { sha256: 'ab'.repeat(32) } }] }),
  );
  await submitter.submit({ bundle, publicKey: signer.publicKeyPem });
}
await log.sequencer.submit(Uint8Array.of(0xff, 0xfe, 0x1b));
await Promise.all(Array.from({ length: 297 }, (_, i) => log.sequencer.submit(entryBody(i + 3))));
const SIZE = 300;
const root = (size: number) => treeHash(size, tileNodeReader(log.storage));

t.test('--help describes every subcommand and option', async (t) => {
  const help = await cli(['log', '--help']);
  t.equal(help.status, 0);
  for (const command of [
    'info',
    'entry [options] <index>',
    'inclusion [options] <index>',
    'consistency',
  ]) {
    t.match(help.stdout, command);
  }
  const inclusion = await cli(['log', 'inclusion', '--help']);
  for (const option of ['<index>', '--log <url>', '--log-key <key>', '--json', '--size <n>']) {
    t.match(inclusion.stdout, option);
  }
});

t.test('info: origin, size, root and keys', async (t) => {
  const text = await cli(['log', 'info', '--log', url]);
  t.equal(text.status, 0, text.stderr);
  t.equal(
    text.stdout,
    [
      'origin      test.example/log',
      `size        ${SIZE}`,
      `root        ${toHex(root(SIZE))}`,
      `note key    ${logKey} (announced by the log)`,
      `log ID      ${log.keys.logId}`,
      'ECDSA key (stated by the note key)',
      log.keys.ecdsaPublicKeyPem.trimEnd(),
      'checked with the key the log announces (not pinned: pass --log-key)',
      '',
    ].join('\n'),
  );

  const json = await cli(['log', 'info', '--log', url, '--log-key', logKey, '--json']);
  t.equal(json.status, 0);
  t.same(jsonOutput(json.stdout), {
    ok: true,
    origin: 'test.example/log',
    size: SIZE,
    rootHash: toHex(root(SIZE)),
    note: log.sequencer.checkpoint.note,
    keys: {
      origin: 'test.example/log',
      noteVerifierKey: logKey,
      ecdsaPublicKey: log.keys.ecdsaPublicKeyPem,
      logId: log.keys.logId,
    },
    keyPinned: true,
  });
});

t.test('entry: the entry, its envelope and its verified inclusion', async (t) => {
  const json = await cli(['log', 'entry', '1', '--log', url, '--log-key', logKey, '--json']);
  t.equal(json.status, 0, json.stderr);
  const entry = jsonOutput(json.stdout);
  const stored = log.storage.readEntry(1);
  t.match(entry, {
    ok: true,
    logIndex: 1,
    canonicalizedBody: toBase64(stored?.body as Uint8Array),
    envelope: toBase64(log.storage.readRecord(1)?.envelope as Uint8Array),
    verifier: { kind: 'publicKey', identity: signer.identity },
    inclusionProof: { size: SIZE, rootHash: toHex(root(SIZE)) },
    signed: { size: SIZE, note: log.sequencer.checkpoint.note },
    keyPinned: true,
  });
  verifyInclusion(
    1,
    SIZE,
    leafHash(fromBase64(entry.canonicalizedBody) as Uint8Array),
    entry.inclusionProof.hashes.map(fromHex),
    root(SIZE),
  );

  const text = await cli(['log', 'entry', '0', '--log', url]);
  t.equal(text.status, 0);
  t.match(
    text.stdout,
    /^entry {7}0\nintegrated {2}\d{4}-\d\d-\d\dT[\d:.]+Z\nbody {8}\{"apiVersion":"0\.0\.1","kind":"dsse",/,
  );
  t.match(text.stdout, /\nenvelope {4}\d+ bytes, the envelope the body commits to\n/);
  t.match(text.stdout, `\nverified    included in the signed checkpoint of size ${SIZE}\n`);

  const notText = await cli(['log', 'entry', '2', '--log', url]);
  t.match(
    notText.stdout,
    `\nbody        (base64) ${toBase64(Uint8Array.of(0xff, 0xfe, 0x1b))}\nenvelope    none stored\n`,
  );
  const plain = await cli(['log', 'entry', '7', '--log', url]);
  t.match(plain.stdout, `\nbody        entry 7 xxxxxxx\n`, 'printable bodies print as they are');
});

t.test("--log-key takes the log's note.pub file as well as the key", async (t) => {
  const run = await cli([
    'log',
    'info',
    '--log',
    url,
    '--log-key',
    join(log.dir, 'keys', 'note.pub'),
    '--json',
  ]);
  t.equal(run.status, 0, run.stderr);
  t.match(jsonOutput(run.stdout), { ok: true, keyPinned: true });
});

t.test('inclusion: in the latest tree or an earlier one, verified', async (t) => {
  const latest = await cli(['log', 'inclusion', '1', '--log', url, '--json']);
  t.equal(latest.status, 0, latest.stderr);
  const proof = jsonOutput(latest.stdout);
  t.match(proof, {
    ok: true,
    logIndex: 1,
    size: SIZE,
    rootHash: toHex(root(SIZE)),
    keyPinned: false,
  });
  const leaf = leafHash(log.storage.readEntry(1)?.body as Uint8Array);
  verifyInclusion(1, SIZE, leaf, proof.hashes.map(fromHex), root(SIZE));

  const earlier = await cli(['log', 'inclusion', '1', '--size', '260', '--log', url, '--json']);
  const at260 = jsonOutput(earlier.stdout);
  t.match(at260, { size: 260, rootHash: toHex(root(260)), signed: { size: SIZE } });
  verifyInclusion(1, 260, leaf, at260.hashes.map(fromHex), root(260));

  const text = await cli([
    'log',
    'inclusion',
    '200',
    '--size',
    '260',
    '--log',
    url,
    '--log-key',
    logKey,
  ]);
  t.equal(text.status, 0);
  t.match(
    text.stdout,
    `entry       200\ntree size   260\nroot        ${toHex(root(260))}\nproof       `,
  );
  t.match(
    text.stdout,
    `\nverified    against the signed checkpoint of size ${SIZE}, which extends this tree (consistency proof verified)\nchecked with the pinned key\n`,
  );

  const single = await cli(['log', 'inclusion', '0', '--size', '1', '--log', url]);
  t.match(single.stdout, '\nproof       (empty: nothing to prove)\n');
  const atLatest = await cli(['log', 'inclusion', '5', '--log', url]);
  t.match(atLatest.stdout, `\nverified    against the signed checkpoint of size ${SIZE}\n`);
});

t.test('consistency: between two trees, verified', async (t) => {
  const json = await cli(['log', 'consistency', '--from', '100', '--log', url, '--json']);
  t.equal(json.status, 0, json.stderr);
  const proof = jsonOutput(json.stdout);
  t.match(proof, {
    ok: true,
    from: { size: 100, rootHash: toHex(root(100)) },
    to: { size: SIZE, rootHash: toHex(root(SIZE)) },
    signed: { size: SIZE, note: log.sequencer.checkpoint.note },
  });
  t.ok(proof.hashes.length > 0);
  verifyConsistency(100, SIZE, proof.hashes.map(fromHex), root(100), root(SIZE));

  const text = await cli(['log', 'consistency', '--from', '100', '--to', '260', '--log', url]);
  t.equal(text.status, 0);
  t.match(
    text.stdout,
    `from        size 100, root ${toHex(root(100))}\nto          size 260, root ${toHex(root(260))}\nproof       `,
  );
  t.match(text.stdout, 'which extends this tree (consistency proof verified)');

  const fromEmpty = await cli(['log', 'consistency', '--from', '0', '--to', '5', '--log', url]);
  t.match(fromEmpty.stdout, '\nproof       (empty: nothing to prove)\n');
});

t.test('bad input is refused with a clear message and exit status 1', async (t) => {
  const cases: { args: string[]; message: string | RegExp }[] = [
    {
      args: ['info', '--log', 'not a url'],
      message: 'the log URL must be an http:// or https:// URL.',
    },
    {
      args: ['info', '--log', 'ftp://example.com'],
      message: 'the log URL must be an http:// or https:// URL.',
    },
    {
      args: ['info', '--log', url, '--log-key', 'nonsense+00+key'],
      message: /not a C2SP note verifier key .* nor a file holding one: /,
    },
    {
      args: ['info', '--log', url, '--log-key', 'data/keys/note.pub'],
      message:
        "no file data/keys/note.pub: pass the log's note.pub, or the key it holds (NAME+KEYID+KEY).",
    },
    {
      args: ['info', '--log', url, '--log-key', 'nonsense'],
      message: "no file nonsense: pass the log's note.pub, or the key it holds (NAME+KEYID+KEY).",
    },
    {
      args: ['entry', 'first', '--log', url],
      message: 'a whole number is expected (0, 1, 2, ...).',
    },
    { args: ['entry', '-1', '--log', url], message: /unknown option|whole number/ },
    {
      args: ['inclusion', '1', '--size', '1e3', '--log', url],
      message: 'a whole number is expected',
    },
    { args: ['consistency', '--log', url], message: "required option '--from <n>' not specified" },
  ];
  const runs = await Promise.all(cases.map(({ args }) => cli(['log', ...args])));
  for (const [i, { args, message }] of cases.entries()) {
    const run = runs[i];
    t.equal(run.status, 1, args.join(' '));
    t.match(run.stderr, message);
    t.equal(run.stdout, '');
  }
});

t.test('what the log cannot do, or does not prove, is an error', async (t) => {
  const cases: { args: string[]; code: string; message: string | RegExp }[] = [
    {
      args: ['entry', '999'],
      code: 'entry-not-found',
      message: 'the log refused /api/v1/entries/999: the log has no entry 999',
    },
    {
      args: ['inclusion', '5', '--size', '5'],
      code: 'index-out-of-range',
      message: 'entry 5 is not in the tree of size 5',
    },
    {
      args: ['inclusion', '5', '--size', '301'],
      code: 'size-beyond-log',
      message: `the log's latest checkpoint has size ${SIZE}: it has no tree of size 301`,
    },
    {
      args: ['consistency', '--from', '5', '--to', '301'],
      code: 'size-beyond-log',
      message: /no tree of size 301/,
    },
    {
      args: ['consistency', '--from', '200', '--to', '100'],
      code: 'sizes-out-of-order',
      message: '--from 200 is larger than --to 100',
    },
    {
      args: ['consistency', '--from', '301'],
      code: 'sizes-out-of-order',
      message: `--from 301 is larger than the log, whose latest checkpoint has size ${SIZE}`,
    },
    {
      args: ['info', '--log-key', generateNoteSigner('test.example/log').verifierKey],
      code: 'bad-checkpoint',
      message: /does not verify with the pinned key/,
    },
  ];
  for (const { args, code, message } of cases) {
    const withLog = [...args, '--log', url];
    const [text, json] = await Promise.all([
      cli(['log', ...withLog]),
      cli(['log', ...withLog, '--json']),
    ]);
    t.equal(text.status, 1, args.join(' '));
    t.equal(text.stdout, '');
    t.match(text.stderr, /^attestry log: /);
    t.match(text.stderr, message);
    t.equal(json.status, 1);
    t.equal(json.stderr, '');
    t.match(jsonOutput(json.stdout), { ok: false, code, message });
  }

  const down = await cli(['log', 'info', '--log', 'http://127.0.0.1:1']);
  t.equal(down.status, 1);
  t.match(down.stderr, /^attestry log: cannot reach the log at http:\/\/127\.0\.0\.1:1: /);
});

t.test(
  'a server that answers no JSON, or JSON that is no object, is named as no log',
  async (t) => {
    const html = await proxy(t, url, (path, body) =>
      path === '/api/v1/log/keys' ? Buffer.from('<html>a web page</html>') : body,
    );
    const notLog = await cli(['log', 'info', '--log', html, '--json']);
    t.equal(notLog.status, 1);
    t.same(jsonOutput(notLog.stdout), {
      ok: false,
      code: 'bad-answer',
      message: `${html} answered something that is not a JSON object: is it an attestry log?`,
    });

    const nullProof = await proxy(t, url, (path, body) =>
      path === '/api/v1/log/consistency' ? Buffer.from('null') : body,
    );
    const nullAnswer = await cli([
      'log',
      'consistency',
      '--from',
      '1',
      '--log',
      nullProof,
      '--json',
    ]);
    t.equal(nullAnswer.status, 1);
    t.match(jsonOutput(nullAnswer.stdout), { ok: false, code: 'bad-answer' });
  },
);

t.test('answers altered on the way are refused', async (t) => {
  const flipFirstHash = (body: Buffer) => {
    const json = JSON.parse(body.toString());
    json.hashes[0] = (json.hashes[0][0] === '0' ? '1' : '0') + json.hashes[0].slice(1);
    return Buffer.from(JSON.stringify(json));
  };
  const alteredProofs = await proxy(t, url, (path, body) =>
    path === '/api/v1/log/consistency' || path === '/api/v1/log/inclusion'
      ? flipFirstHash(body)
      : body,
  );
  const consistency = await cli([
    'log',
    'consistency',
    '--from',
    '100',
    '--log',
    alteredProofs,
    '--json',
  ]);
  t.equal(consistency.status, 1);
  t.match(jsonOutput(consistency.stdout), { ok: false, code: 'inconsistent-checkpoints' });
  const inclusion = await cli(['log', 'inclusion', '3', '--log', alteredProofs, '--json']);
  t.match(jsonOutput(inclusion.stdout), { ok: false, code: 'bad-inclusion-proof' });

  // A tile that lies about an earlier tree gives a root no consistency proof leads to.
  const alteredTiles = await proxy(t, url, (path, body) => {
    if (path.startsWith('/tile/0/')) body[0] ^= 1;
    return body;
  });
  const earlier = await cli(['log', 'inclusion', '3', '--size', '100', '--log', alteredTiles]);
  t.equal(earlier.status, 1);
  t.match(
    earlier.stderr,
    /^attestry log: checkpoint 300 is not an extension of checkpoint 100: the log forked/,
  );
});
