import { createHash, createPublicKey } from 'node:crypto';
import t, { type Test } from 'tap';
import { openCheckpoint } from '../server/log/checkpoint.ts';
import { verifyConsistency } from '../server/log/consistency-proof.ts';
import { fromHex, toHex } from '../server/log/encoding.ts';
import { leafHash } from '../server/log/hash.ts';
import { verifyInclusion } from '../server/log/inclusion-proof.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { expectError, serve } from './support/http.ts';
import { entryBody, openTempLog } from './support/temp-log.ts';

const HEX_HASH = /^[0-9a-f]{64}$/;

function hashes(list: string[]): Uint8Array[] {
  return list.map((hex) => {
    const bytes = fromHex(hex);
    if (bytes === undefined) throw new Error(`not lowercase hex: ${hex}`);
    return bytes;
  });
}

// Checkpoints of sizes 1, 2, 3, 7, 8, 255, 256, 257, 300: edges of subtrees and of tiles.
const SIZES = [1, 2, 3, 7, 8, 255, 256, 257, 300];

async function grownLog(t: Test) {
  const log = openTempLog(t);
  const bodies: Uint8Array[] = [];
  const roots = new Map<number, Uint8Array>();
  const verifier = parseVerifierKey(log.keys.noteVerifierKey);
  roots.set(0, openCheckpoint(log.sequencer.checkpoint.note, [verifier]).checkpoint.rootHash);
  for (const size of SIZES) {
    const batch = Array.from({ length: size - bodies.length }, (_, i) =>
      entryBody(bodies.length + i),
    );
    bodies.push(...batch);
    const acks = Promise.all(batch.map((body) => log.sequencer.submit(body)));
    log.sequencer.flush();
    await acks;
    const { checkpoint } = openCheckpoint(log.sequencer.checkpoint.note, [verifier]);
    t.equal(checkpoint.size, size);
    roots.set(size, checkpoint.rootHash);
  }
  const { url } = await serve(t, log);
  return { log, bodies, roots, url };
}

t.test('inclusion proofs for every index at several sizes verify', async (t) => {
  const { log, bodies, roots, url } = await grownLog(t);
  const latest = SIZES[SIZES.length - 1];
  // Every index at these sizes (the rest of SIZES only adds time).
  for (const size of [1, 2, 3, 7, 8, 256, latest]) {
    const answers = [];
    for (let index = 0; index < size; index++) {
      answers.push(
        await (await fetch(`${url}/api/v1/log/inclusion?index=${index}&size=${size}`)).json(),
      );
    }
    // One assertion per size: over a thousand proofs would otherwise mean thousands of them.
    const root = toHex(roots.get(size) as Uint8Array);
    const checkpoint = size === latest ? log.sequencer.checkpoint.note : undefined;
    const wrong = answers.filter((answer, index) => {
      if (
        answer.logIndex !== index ||
        answer.treeSize !== size ||
        answer.rootHash !== root ||
        answer.checkpoint !== checkpoint ||
        !answer.hashes.every((h: string) => HEX_HASH.test(h))
      ) {
        return true;
      }
      const proof = hashes(answer.hashes);
      verifyInclusion(index, size, leafHash(bodies[index]), proof, roots.get(size) as Uint8Array);
      return false;
    });
    t.same(wrong, [], `size ${size}: all ${size} proofs verify against the signed root`);
  }
  // A proof for one leaf fails for another: the check has teeth.
  const answer = await (await fetch(`${url}/api/v1/log/inclusion?index=5&size=300`)).json();
  t.throws(() =>
    verifyInclusion(
      5,
      300,
      leafHash(bodies[6]),
      hashes(answer.hashes),
      roots.get(300) as Uint8Array,
    ),
  );
});

t.test('consistency proofs verify between checkpoints', async (t) => {
  const { roots, url } = await grownLog(t);
  const sizes = [0, ...SIZES];
  for (const [i, from] of sizes.entries()) {
    for (const to of sizes.slice(i)) {
      const response = await fetch(`${url}/api/v1/log/consistency?from=${from}&to=${to}`);
      t.equal(response.status, 200);
      const answer = await response.json();
      t.same({ from: answer.from, to: answer.to }, { from, to });
      const proof = hashes(answer.hashes);
      if (from === 0 || from === to) t.same(proof, [], `${from} -> ${to}: empty`);
      verifyConsistency(
        from,
        to,
        proof,
        roots.get(from) as Uint8Array,
        roots.get(to) as Uint8Array,
      );
    }
  }
});

t.test('consistency edge cases', async (t) => {
  const { url } = await grownLog(t);
  const get = (query: string) => fetch(`${url}/api/v1/log/consistency?${query}`);
  t.same(await (await get('from=0&to=0')).json(), { from: 0, to: 0, hashes: [] }, 'm == n == 0');
  t.same(await (await get('from=7&to=7')).json(), { from: 7, to: 7, hashes: [] }, 'm == n');
  t.same(await (await get('from=0&to=300')).json(), { from: 0, to: 300, hashes: [] }, 'm == 0');
  await expectError(t, await get('from=8&to=7'), 400, 'sizes-out-of-order');
  await expectError(t, await get('from=1&to=301'), 400, 'size-beyond-log');
  await expectError(t, await get('from=301&to=301'), 400, 'size-beyond-log');
  for (const query of [
    'from=-1&to=3',
    'from=1&to=-3',
    'from=abc&to=3',
    'from=1&to=',
    'from=1.5&to=3',
    'from=1&to=1e400',
    'from=1&to=Infinity',
    'from=0x1&to=3',
    'from=1e0&to=3',
    'from=%201&to=3',
    'from=01&to=3',
    'from=1&to=99999999999999999999',
    'from=1&to=9007199254740992',
    'from=1',
    'to=3',
    'from=1&from=2&to=3',
  ]) {
    const code = await expectError(t, await get(query), 400);
    t.equal(code, 'bad-request', query);
  }
  const message = (await (await get('from=abc&to=3')).json()).error.message;
  t.match(message, /from/, 'the message names the field');
  // Within the schema's range but beyond the log.
  await expectError(t, await get('from=1&to=9007199254740991'), 400, 'size-beyond-log');
});

t.test('inclusion edge cases', async (t) => {
  const { url } = await grownLog(t);
  const get = (query: string) => fetch(`${url}/api/v1/log/inclusion?${query}`);
  await expectError(t, await get('index=300&size=300'), 400, 'index-out-of-range');
  await expectError(t, await get('index=0&size=0'), 400, 'index-out-of-range');
  await expectError(t, await get('index=0&size=301'), 400, 'size-beyond-log');
  await expectError(t, await get('index=0&size=9007199254740991'), 400, 'size-beyond-log');
  for (const query of [
    'index=-1&size=3',
    'index=x&size=3',
    'index=1&size=1e30',
    'index=1&size=2.5',
    'index=1',
    'size=3',
    '',
  ]) {
    t.equal(await expectError(t, await get(query), 400), 'bad-request', query);
  }
  // The proof for the one-entry tree is empty; its root is the leaf hash.
  const one = await (await get('index=0&size=1')).json();
  t.same(one.hashes, []);
  t.equal(one.rootHash, toHex(leafHash(entryBody(0))));
});

t.test('the keys endpoint names the keys that verify the log', async (t) => {
  const { log, url } = await grownLog(t);
  const keys = await (await fetch(`${url}/api/v1/log/keys`)).json();
  t.equal(keys.origin, 'test.example/log');
  t.equal(keys.noteVerifierKey, log.keys.noteVerifierKey);
  const checkpoint = await (await fetch(`${url}/checkpoint`)).text();
  t.ok(openCheckpoint(checkpoint, [parseVerifierKey(keys.noteVerifierKey)], keys.origin));
  const publicKey = createPublicKey(keys.ecdsaPublicKey);
  t.equal(publicKey.asymmetricKeyType, 'ec');
  t.equal(publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  t.equal(
    keys.logId,
    createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex'),
  );
  t.equal(keys.logId, log.keys.logId);
});
