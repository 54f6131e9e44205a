// Log evidence end to end over HTTP against real servers on real SQLite files: sign, publish,
// verify with log evidence; then a second log server with the same key but another history
// serves checkpoints that do not extend what this machine saw, and verification calls it a fork.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { logState } from '../client-sdk/log-state/log-state.ts';
import {
  keptLogState,
  type LogEvidenceOptions,
  verifyLogEvidence,
} from '../client-sdk/verify/log-evidence.ts';
import { LogForkError } from '../client-sdk/verify/log-evidence-error.ts';
import { toHex, utf8 } from '../server/log/encoding.ts';
import { sha256 } from '../server/log/hash.ts';
import { generateNoteSigner, parseVerifierKey } from '../server/log/note-keys.ts';
import type { LogServiceOptions } from '../server/log-service.ts';
import { serve } from './support/http.ts';
import {
  type BundleJson,
  buildBundle,
  certificateSigner,
  generateKey,
  keySigner,
  makeCertificateChain,
  omsStatement,
} from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

const signer = generateKey('ecdsa-p256');
const publicKey = signer.publicKeyPem;

/** A real log served on loopback. */
async function startLog(t: Test, options: Partial<LogServiceOptions> = {}) {
  const log = openTempLog(t, options);
  const { url } = await serve(t, log);
  return { log, url, keysDir: options.keysDir ?? join(log.dir, 'keys') };
}

/** A bundle signing an OMS statement about the model `name`. */
function signedBundle(name: string): Promise<BundleJson> {
  const digest = toHex(sha256(utf8(name)));
  return buildBundle(
    keySigner(signer),
    omsStatement({ subject: [{ name, digest: { sha256: digest } }] }),
  );
}

/** Publishes the bundles one after the other, so their indices follow their order. */
async function publish(url: string, bundles: BundleJson[]): Promise<number[]> {
  const keys = await LogClient.fetchKeys(url);
  const client = new LogClient({ url, ...keys });
  const indices: number[] = [];
  for (const bundle of bundles) indices.push((await client.submit({ bundle, publicKey })).logIndex);
  return indices;
}

/** A fetch to the real server that records the paths asked and lets `alter` rewrite answers. */
function watchedFetch(
  alter: (path: string, response: Response) => Promise<Response> = async (_, r) => r,
) {
  const asked: string[] = [];
  const watched: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    asked.push(`${url.pathname}${url.search}`);
    return alter(url.pathname, await fetch(input, init));
  };
  return { fetch: watched, asked };
}

/** Rewrites the JSON answers to `path`. */
function editing(path: string, edit: (json: { inclusionProof: { hashes: string[] } }) => void) {
  return async (asked: string, response: Response) => {
    if (asked !== path) return response;
    const json = await response.json();
    edit(json);
    return Response.json(json, { status: response.status });
  };
}

const flipHex = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

t.test(
  'sign, publish, verify; then a log with the same key and another history is a fork',
  async (t) => {
    const a = await startLog(t);
    const logKey = a.log.keys.noteVerifierKey;
    const stateDir = tempDir(t);
    const options = (url: string): LogEvidenceOptions => ({
      logUrl: url,
      logKey,
      publicKey,
      stateDir,
    });
    const state = keptLogState(logKey, stateDir);

    const models = await Promise.all(['a0', 'a1', 'a2'].map(signedBundle));
    t.same(await publish(a.url, models), [0, 1, 2]);
    const first = await verifyLogEvidence(models[1], options(a.url));
    t.same(first, {
      logIndex: 1,
      integratedTime: first.integratedTime,
      checkpoint: {
        origin: 'test.example/log',
        size: 3,
        rootHash: toHex(a.log.sequencer.checkpoint.root),
        note: a.log.sequencer.checkpoint.note,
      },
      inclusionVerified: true,
    });
    t.notOk('consistentWith' in first, 'nothing seen before: nothing to be consistent with');
    t.ok(Math.abs(first.integratedTime - Date.now() / 1000) < 60, 'integrated just now');
    t.equal(
      readFileSync(state.file, 'utf8'),
      a.log.sequencer.checkpoint.note,
      'the checkpoint is kept',
    );

    await publish(a.url, [await signedBundle('a3')]);
    const second = await verifyLogEvidence(models[0], options(a.url));
    t.match(second, { logIndex: 0, checkpoint: { size: 4 }, consistentWith: 3 });
    const seenOfA = a.log.sequencer.checkpoint.note;
    t.equal(readFileSync(state.file, 'utf8'), seenOfA, 'the state advanced to size 4');

    // Log B: the same keys (so the same origin and note key), another history.
    const keysOfB = join(tempDir(t), 'keys');
    cpSync(a.keysDir, keysOfB, { recursive: true });
    const b = await startLog(t, { keysDir: keysOfB });
    t.equal(b.log.keys.noteVerifierKey, logKey, 'B signs with the pinned key');
    const others = await Promise.all(['b0', 'b1', 'b2', 'b3', 'b4'].map(signedBundle));

    await publish(b.url, others.slice(0, 2));
    await t.rejects(
      verifyLogEvidence(others[0], options(b.url)),
      {
        code: 'log-rollback',
        message: /went back: it serves its checkpoint of size 2, but this machine saw size 4/,
      },
      'a log smaller than what this machine saw cannot prove it extends it',
    );

    await publish(b.url, others.slice(2, 4));
    t.equal(b.log.sequencer.checkpoint.size, 4, 'B has the size A had');
    t.not(toHex(b.log.sequencer.checkpoint.root), toHex(a.log.sequencer.checkpoint.root));
    const fork = await verifyLogEvidence(others[0], options(b.url)).then(
      () => t.fail('B verified'),
      (error: unknown) => error,
    );
    t.ok(fork instanceof LogForkError);
    t.match(fork, {
      code: 'log-fork',
      message:
        /^the log test\.example\/log forked: this machine saw its checkpoint of size 4 with root [0-9a-f]{64} \(kept in .+\), and it now serves size 4 with root [0-9a-f]{64}/,
      stored: { size: 4, rootHash: toHex(a.log.sequencer.checkpoint.root), note: seenOfA },
      served: {
        size: 4,
        rootHash: toHex(b.log.sequencer.checkpoint.root),
        note: b.log.sequencer.checkpoint.note,
      },
      stateFile: state.file,
    });
    // Equal sizes, other roots: the two signed checkpoints are the evidence; a log that refuses
    // to answer consistency requests cannot hide it.
    const refusing: typeof fetch = async (input, init) =>
      new URL(String(input)).pathname === '/api/v1/log/consistency'
        ? Response.json({ error: { code: 'boom', message: 'no' } }, { status: 500 })
        : fetch(input, init);
    await t.rejects(verifyLogEvidence(others[0], { ...options(b.url), fetch: refusing }), {
      code: 'log-fork',
    });

    await publish(b.url, others.slice(4));
    await t.rejects(
      verifyLogEvidence(others[4], options(b.url)),
      { code: 'log-fork', served: { size: 5 } },
      'a larger checkpoint of another history is a fork too',
    );
    t.equal(readFileSync(state.file, 'utf8'), seenOfA, 'the state never took anything from B');

    t.match(
      await verifyLogEvidence(models[2], options(a.url)),
      { consistentWith: 4 },
      'A still verifies',
    );
  },
);

t.test("the entry is found by the bundle's own log index, else by search", async (t) => {
  const { log, url } = await startLog(t);
  const models = await Promise.all(['m0', 'm1', 'm2'].map(signedBundle));
  await publish(url, models);
  const logKey = log.keys.noteVerifierKey;
  const options = (watch: { fetch: typeof fetch }) => ({
    logUrl: url,
    logKey,
    publicKey,
    stateDir: tempDir(t),
    fetch: watch.fetch,
  });

  const byIndex = watchedFetch();
  const withEntries = structuredClone(models[2]);
  withEntries.verificationMaterial.tlogEntries = [
    { logIndex: '99' }, // another log's entry, beyond the end of this one
    { logIndex: 0 }, // another entry of this log
    null,
    { logIndex: '-1' },
    { logIndex: '99999999999999999999' },
    { logIndex: '2' },
  ];
  t.match(await verifyLogEvidence(withEntries, options(byIndex)), { logIndex: 2 });
  t.same(
    byIndex.asked.filter((path) => path.startsWith('/api/v1/entries')),
    ['/api/v1/entries/99', '/api/v1/entries/0', '/api/v1/entries/2'],
    'the valid indices, in order, and no search',
  );

  const bySearch = watchedFetch();
  t.match(await verifyLogEvidence(models[1], options(bySearch)), { logIndex: 1 });
  const searches = bySearch.asked.filter((path) => path.startsWith('/api/v1/entries?'));
  t.equal(searches.length, 1);
  const query = new URLSearchParams(searches[0].split('?')[1]);
  t.same(Object.fromEntries(query), {
    digest: `sha256:${toHex(sha256(utf8('m1')))}`,
    identity: signer.identity,
    predicateType: 'https://model_signing/signature/v1.0',
  });

  const fellBack = watchedFetch();
  const wrongEntries = structuredClone(models[1]);
  wrongEntries.verificationMaterial.tlogEntries = [{ logIndex: '0' }];
  t.match(await verifyLogEvidence(wrongEntries, options(fellBack)), { logIndex: 1 });
  t.ok(
    fellBack.asked.some((path) => path.startsWith('/api/v1/entries?')),
    'searched after index 0 was not it',
  );
});

t.test('search pages through every entry that matches', async (t) => {
  const { log, url } = await startLog(t);
  // ECDSA signatures are randomised: the same statement signed again is another entry, with the
  // same subject, signer and predicate type.
  const statement = omsStatement();
  const bundles = await Promise.all(
    Array.from({ length: 101 }, () => buildBundle(keySigner(signer), statement)),
  );
  const client = new LogClient({ url, noteVerifierKey: log.keys.noteVerifierKey });
  const indices = await Promise.all(
    bundles.map(async (bundle) => (await client.submit({ bundle, publicKey })).logIndex),
  );
  const last = bundles[indices.indexOf(100)];
  const watch = watchedFetch();
  const evidence = await verifyLogEvidence(last, {
    logUrl: url,
    logKey: log.keys.noteVerifierKey,
    publicKey,
    stateDir: tempDir(t),
    fetch: watch.fetch,
  });
  t.equal(evidence.logIndex, 100);
  const searches = watch.asked.filter((path) => path.startsWith('/api/v1/entries?'));
  t.equal(searches.length, 2, 'a page of 100, then the next');
  t.match(searches[1], /cursor=99/);
});

t.test('a certificate bundle needs no public key; a key-hint bundle does', async (t) => {
  const { log, url } = await startLog(t);
  const chain = await makeCertificateChain({ issuer: 'https://issuer.example' });
  const bundle = await buildBundle(certificateSigner(chain), omsStatement());
  const keys = await LogClient.fetchKeys(url);
  await new LogClient({ url, ...keys }).submit({ bundle });
  const logKey = log.keys.noteVerifierKey;
  t.match(await verifyLogEvidence(bundle, { logUrl: url, logKey, stateDir: tempDir(t) }), {
    logIndex: 0,
  });

  const keyBundle = await signedBundle('hinted');
  await publish(url, [keyBundle]);
  await t.rejects(verifyLogEvidence(keyBundle, { logUrl: url, logKey, stateDir: tempDir(t) }), {
    code: 'missing-public-key',
  });
});

t.test(
  'refused: another key, another origin, an altered proof, an entry not in the log',
  async (t) => {
    const { log, url } = await startLog(t);
    const models = await Promise.all(['r0', 'r1'].map(signedBundle));
    await publish(url, models);
    const logKey = log.keys.noteVerifierKey;
    const stateDir = tempDir(t);
    const state = keptLogState(logKey, stateDir);
    const verify = (bundle: BundleJson, options: Partial<LogEvidenceOptions> = {}) =>
      verifyLogEvidence(bundle, { logUrl: url, logKey, publicKey, stateDir, ...options });

    const otherKey = generateNoteSigner(log.origin).verifierKey;
    await t.rejects(
      verify(models[0], { logKey: otherKey }),
      { code: 'bad-checkpoint' },
      'same origin, another key',
    );
    const other = await startLog(t, { origin: 'other.example/log' });
    await publish(other.url, [models[0]]);
    await t.rejects(
      verify(models[0], { logUrl: other.url }),
      { code: 'bad-checkpoint' },
      'another log',
    );

    const altered = watchedFetch(
      editing('/api/v1/entries/0', (json) => {
        json.inclusionProof.hashes[0] = flipHex(json.inclusionProof.hashes[0]);
      }),
    );
    await t.rejects(verify(models[0], { fetch: altered.fetch }), { code: 'bad-inclusion-proof' });

    await t.rejects(verify(await signedBundle('never published')), {
      code: 'entry-not-in-log',
      message: /holds no entry for this bundle \(searched by sha256:[0-9a-f]{64}, signer sha256:/,
    });
    t.notOk(existsSync(state.file), 'nothing refused was kept');
  },
);

t.test(
  'the state: only advanced; a damaged one is named, a mistyped log key is not blamed on it',
  async (t) => {
    const { log, url } = await startLog(t);
    const models = await Promise.all(['s0', 's1'].map(signedBundle));
    await publish(url, models);
    const logKey = log.keys.noteVerifierKey;
    const stateDir = tempDir(t);
    const state = keptLogState(logKey, stateDir);
    const verify = (options: Partial<LogEvidenceOptions> = {}) =>
      verifyLogEvidence(models[0], { logUrl: url, logKey, publicKey, stateDir, ...options });

    await verify();
    const kept = readFileSync(state.file, 'utf8');
    t.match(await verify(), { consistentWith: 2, checkpoint: { size: 2 } });
    t.equal(readFileSync(state.file, 'utf8'), kept);

    // The log's other failures pass through as they are, and change nothing.
    await publish(url, [await signedBundle('s2')]);
    const failing = (answer: () => Response) =>
      watchedFetch(async (path, response) =>
        path === '/api/v1/log/consistency' ? answer() : response,
      ).fetch;
    await t.rejects(
      verify({
        fetch: failing(() =>
          Response.json({ error: { code: 'boom', message: 'down' } }, { status: 500 }),
        ),
      }),
      { code: 'boom', status: 500 },
    );
    await t.rejects(verify({ fetch: failing(() => new Response('<html>')) }), {
      code: 'bad-answer',
    });
    t.equal(readFileSync(state.file, 'utf8'), kept, 'still the checkpoint of size 2');
    t.match(await verify(), { consistentWith: 2, checkpoint: { size: 3 } });

    writeFileSync(state.file, 'not a checkpoint\n');
    const watch = watchedFetch();
    await t.rejects(verify({ fetch: watch.fetch }), {
      code: 'bad-log-state',
      file: state.file,
      message: /is damaged or not signed by the pinned key/,
    });
    t.same(watch.asked, ['/checkpoint'], 'nothing asked of the log but its checkpoint');

    // A mistyped key of the same origin: the log's checkpoint fails first.
    const wrongKey = generateNoteSigner(log.origin).verifierKey;
    await t.rejects(verify({ logKey: wrongKey }), { code: 'bad-checkpoint' });
  },
);

/** Verifies bundles against `log`, pinning its key, with the state in `stateDir`. */
function verifierOf(log: Awaited<ReturnType<typeof startLog>>, stateDir: string) {
  const logKey = log.log.keys.noteVerifierKey;
  return (bundle: BundleJson) =>
    verifyLogEvidence(bundle, { logUrl: log.url, logKey, publicKey, stateDir });
}

t.test(
  'logs of one origin with other keys each have their own state; one log still cannot fork',
  async (t) => {
    // Two logs on one machine get its host name as origin, each with keys of its own.
    const a = await startLog(t);
    const b = await startLog(t);
    t.equal(b.log.origin, a.log.origin);
    t.not(b.log.keys.noteVerifierKey, a.log.keys.noteVerifierKey);
    const stateDir = tempDir(t);
    const [verifyA, verifyB] = [verifierOf(a, stateDir), verifierOf(b, stateDir)];
    const [ofA, ofB] = [await signedBundle('a0'), await signedBundle('b0')];
    await publish(a.url, [ofA, await signedBundle('a1')]);
    await publish(b.url, [ofB]);

    t.match(await verifyA(ofA), { checkpoint: { size: 2 } });
    t.match(await verifyB(ofB), { checkpoint: { size: 1 } }, 'B is not taken for a fork of A');
    t.match(await verifyA(ofA), { consistentWith: 2 }, 'A is still checked against its state');
    t.match(await verifyB(ofB), { consistentWith: 1 });
    const [stateOfA, stateOfB] = [a, b].map((log) =>
      keptLogState(log.log.keys.noteVerifierKey, stateDir),
    );
    t.not(stateOfA.file, stateOfB.file);

    // C: A's keys, another history. Under A's key it is A, going back, then forking.
    const keysOfC = join(tempDir(t), 'keys');
    cpSync(a.keysDir, keysOfC, { recursive: true });
    const c = await startLog(t, { keysDir: keysOfC });
    const verifyC = verifierOf(c, stateDir);
    const ofC = await signedBundle('c0');
    await publish(c.url, [ofC]);
    await t.rejects(verifyC(ofC), { code: 'log-rollback' });
    await publish(c.url, [await signedBundle('c1')]);
    await t.rejects(verifyC(ofC), { code: 'log-fork', stateFile: stateOfA.file });
    t.match(await verifyB(ofB), { consistentWith: 1 }, 'B is left alone');
  },
);

t.test(
  'a state kept by origin alone is carried over for the key that signed it, else ignored',
  async (t) => {
    const a = await startLog(t);
    const b = await startLog(t);
    const ofA = await signedBundle('a0');
    const ofB = await signedBundle('b0');
    await publish(a.url, [ofA, await signedBundle('a1')]);
    await publish(b.url, [ofB]);
    const stateDir = tempDir(t);
    const byOrigin = logState(parseVerifierKey(a.log.keys.noteVerifierKey), stateDir);
    const { size, root: rootHash, note } = a.log.sequencer.checkpoint;
    await byOrigin.advance({ origin: a.log.origin, size, rootHash, note });

    const verifiedB = await verifierOf(b, stateDir)(ofB);
    t.notOk('consistentWith' in verifiedB, "A's checkpoint is not B's");
    t.ok(existsSync(byOrigin.file), 'and B leaves it where it is, for A');
    t.match(await verifierOf(a, stateDir)(ofA), { consistentWith: 2 }, "A's is carried over");
    t.equal(readFileSync(keptLogState(a.log.keys.noteVerifierKey, stateDir).file, 'utf8'), note);
    t.notOk(existsSync(byOrigin.file), 'the old file is moved, not copied');
    // Deleted, as an error may tell a user to, the state starts afresh rather than coming back.
    rmSync(keptLogState(a.log.keys.noteVerifierKey, stateDir).file);
    t.notOk('consistentWith' in (await verifierOf(a, stateDir)(ofA)), 'a fresh start');
  },
);
