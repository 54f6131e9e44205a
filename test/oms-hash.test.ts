// hashModel on models built for each rule: what is listed (ignore rules, symbolic links, names),
// in which order, how digests follow content, progress, worker counts, and the statement.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import {
  GIT_PATHS,
  HashError,
  type HashOptions,
  hashModel,
  type ModelManifest,
  OMS_PREDICATE_TYPE,
  omsPayloadBytes,
  omsStatement,
  rootDigestOf,
} from '../client-sdk/hash/index.ts';
import { tempDir } from './support/temp-log.ts';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A model directory holding `files` (path: content), under a fresh temporary directory. */
function model(t: Test, files: Record<string, string | Uint8Array>, name = 'model'): string {
  const root = join(tempDir(t, 'attestry-oms-'), name);
  mkdirSync(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const names = (manifest: ModelManifest) => manifest.resources.map((r) => r.name);

/** The HashError code hashModel rejects with. */
async function failure(path: string, options?: HashOptions): Promise<string> {
  try {
    await hashModel(path, options);
  } catch (error) {
    return error instanceof HashError ? error.code : `not a HashError: ${error}`;
  }
  return 'did not fail';
}

t.test('the git paths are left out at the model root only, and recorded', async (t) => {
  const root = model(t, {
    '.git/config': 'x',
    '.gitattributes': 'x',
    '.github/workflows/ci.yml': 'x',
    '.gitignore': 'x',
    '.gitmodules': 'x',
    'sub/.git/config': 'x',
    'sub/.gitignore': 'x',
    'weights.bin': 'w',
  });
  const manifest = await hashModel(root);
  t.same(names(manifest), ['.gitmodules', 'sub/.git/config', 'sub/.gitignore', 'weights.bin']);
  t.same(manifest.serialization.ignore_paths, GIT_PATHS);
  t.same(manifest.serialization.ignore_paths, ['.git', '.gitattributes', '.github', '.gitignore']);

  const all = await hashModel(root, { ignoreGitPaths: false });
  t.equal(all.resources.length, 8, 'ignoreGitPaths: false hashes them');
  t.same(all.serialization.ignore_paths, []);
});

t.test(
  'extra ignore paths: exact model paths, absolute or relative, with their subtrees',
  async (t) => {
    const root = model(t, {
      'cache/a': 'x',
      'cache/b/c': 'x',
      'cache.txt': 'x',
      cachex: 'x',
      'sub/cache/d': 'x',
      'docs/readme': 'x',
      'model.sig': 'x',
      'weights.bin': 'w',
    });
    const outside = join(dirname(root), 'model.sig');
    const manifest = await hashModel(root, {
      ignoreGitPaths: false,
      ignorePaths: [
        'cache',
        './docs/',
        join(root, 'model.sig'),
        outside,
        '../elsewhere',
        'sub//cache/',
      ],
    });
    t.same(names(manifest), ['cache.txt', 'cachex', 'weights.bin']);
    t.same(
      manifest.serialization.ignore_paths,
      ['cache', 'docs', 'model.sig', 'sub/cache'],
      'outside paths are dropped',
    );
    t.equal(await failure(root, { ignorePaths: ['.'] }), 'invalid-option', 'the model itself');
    t.equal(await failure(root, { ignorePaths: [root] }), 'invalid-option');
  },
);

t.test('an ignored directory is not looked into', async (t) => {
  const root = model(t, { 'weights.bin': 'w', '.git/objects/x': 'x' });
  symlinkSync('/nonexistent', join(root, '.git/link'));
  t.same(names(await hashModel(root)), ['weights.bin'], 'its symbolic link is never met');
});

t.test('resources follow the reference order, by component and code point', async (t) => {
  const root = model(t, {
    'a/b': '1',
    'a-b/c': '2',
    'a.txt': '3',
    B: '4',
    é: '5',
    '～': '6',
    '😀': '7',
  });
  const manifest = await hashModel(root);
  t.same(names(manifest), ['B', 'a/b', 'a-b/c', 'a.txt', 'é', '～', '😀']);
  t.same(
    manifest.resources.map((r) => r.digest),
    ['4', '1', '2', '3', '5', '6', '7'].map(sha256),
  );
  t.equal(manifest.rootDigest, rootDigestOf(manifest.resources));
  t.equal(
    manifest.rootDigest,
    sha256(Buffer.concat(manifest.resources.map((r) => Buffer.from(r.digest, 'hex')))),
  );
});

t.test('names reach the payload as ASCII JSON that reads back to them', async (t) => {
  const odd = 'q"\\\n\x7fé😀';
  const manifest = await hashModel(model(t, { [odd]: 'x' }));
  const payload = Buffer.from(omsPayloadBytes(manifest));
  t.ok(
    [...payload].every((byte) => byte < 0x80),
    'all ASCII',
  );
  t.match(payload.toString(), '"name": "q\\"\\\\\\n\\u007f\\u00e9\\ud83d\\ude00"');
  t.equal(JSON.parse(payload.toString()).predicate.resources[0].name, odd);
});

t.test('a file name that is not UTF-8 is refused', async (t) => {
  const root = model(t, { 'weights.bin': 'w' });
  writeFileSync(Buffer.from(`${root}/bad-\xff`, 'latin1'), 'x');
  t.equal(await failure(root), 'invalid-file-name');
  await t.rejects(hashModel(root), { message: 'file name "bad-ÿ" is not valid UTF-8' });
});

t.test('a single-file model: one resource named "."', async (t) => {
  const root = model(t, { 'model.safetensors': 'weights' });
  const manifest = await hashModel(join(root, 'model.safetensors'), { ignorePaths: ['x'] });
  t.equal(manifest.modelName, 'model.safetensors');
  t.same(manifest.resources, [{ name: '.', algorithm: 'sha256', digest: sha256('weights') }]);
  const shards = await hashModel(join(root, 'model.safetensors'), {
    method: 'shards',
    shardSize: 4,
  });
  t.same(names(shards), ['.:0:4', '.:4:7']);
});

t.test('the model name is the last component of the path', async (t) => {
  const root = model(t, { f: 'x' }, 'my-model');
  t.equal((await hashModel(`${root}/`)).modelName, 'my-model');
  t.equal((await hashModel(join(root, '.'))).modelName, 'my-model');
  t.equal((await hashModel(join(root, 'sub', '..'))).modelName, 'my-model');
});

t.test('shards: consecutive ranges in numeric order, none for an empty file', async (t) => {
  const data = randomBytes(100);
  const root = model(t, { 'w.bin': data, empty: '' });
  const manifest = await hashModel(root, { method: 'shards', shardSize: 8 });
  t.equal(manifest.resources.length, 13);
  t.same(names(manifest).slice(0, 3), ['w.bin:0:8', 'w.bin:8:16', 'w.bin:16:24']);
  t.equal(names(manifest).at(-1), 'w.bin:96:100');
  t.same(
    manifest.resources.map((r) => r.digest),
    Array.from({ length: 13 }, (_, i) => sha256(data.subarray(i * 8, i * 8 + 8))),
  );
  t.ok(manifest.resources.every((r) => r.algorithm === 'sha256-sharded-8'));
  t.same(manifest.serialization, {
    method: 'shards',
    hash_type: 'sha256',
    allow_symlinks: false,
    ignore_paths: GIT_PATHS,
    shard_size: 8,
  });
  const files = await hashModel(root);
  t.same(files.serialization, {
    method: 'files',
    hash_type: 'sha256',
    allow_symlinks: false,
    ignore_paths: GIT_PATHS,
  });
  t.same(names(files), ['empty', 'w.bin'], 'an empty file is a resource of the files method');
});

t.test('a changed file changes its digest and the root; a moved model does not', async (t) => {
  const root = model(t, { 'a.bin': 'one', 'b.bin': 'two' });
  const before = await hashModel(root);
  writeFileSync(join(root, 'b.bin'), 'twO');
  const after = await hashModel(root);
  t.equal(after.resources[0].digest, before.resources[0].digest);
  t.not(after.resources[1].digest, before.resources[1].digest);
  t.not(after.rootDigest, before.rootDigest);

  renameSync(join(root, 'a.bin'), join(root, 'c.bin'));
  const renamed = await hashModel(root);
  t.same(names(renamed), ['b.bin', 'c.bin']);
  t.not(renamed.rootDigest, after.rootDigest, 'a renamed file changes the root (order)');

  const moved = join(dirname(root), 'moved');
  renameSync(root, moved);
  const movedManifest = await hashModel(moved);
  t.equal(movedManifest.rootDigest, renamed.rootDigest);
  t.equal(movedManifest.modelName, 'moved');
});

t.test('symbolic links are refused unless allowed', async (t) => {
  const root = model(t, { 'weights.bin': 'w' });
  symlinkSync('weights.bin', join(root, 'alias.bin'));
  t.equal(await failure(root), 'symlink-refused');
  await t.rejects(hashModel(root), {
    message: 'alias.bin is a symbolic link; symbolic links are refused unless allowed',
  });
  const link = join(dirname(root), 'model-link');
  symlinkSync(root, link);
  t.equal(await failure(link), 'symlink-refused', 'the model path itself');
});

t.test('an allowed link is hashed under its own name, its target as the content', async (t) => {
  const root = model(t, {
    'weights.bin': 'w',
    'shared/config.json': '{}',
    'shared/vocab.txt': 'v',
  });
  symlinkSync('weights.bin', join(root, 'alias.bin'));
  symlinkSync('shared', join(root, 'linked'));
  const manifest = await hashModel(root, { allowSymlinks: true });
  t.same(names(manifest), [
    'alias.bin',
    'linked/config.json',
    'linked/vocab.txt',
    'shared/config.json',
    'shared/vocab.txt',
    'weights.bin',
  ]);
  t.equal(manifest.resources[0].digest, sha256('w'));
  t.equal(manifest.serialization.allow_symlinks, true);

  const link = join(dirname(root), 'model-link');
  symlinkSync(root, link);
  const viaLink = await hashModel(link, { allowSymlinks: true });
  t.equal(viaLink.modelName, 'model-link');
  t.equal(viaLink.rootDigest, manifest.rootDigest);
});

t.test('a link out of the model root is refused unless that is allowed too', async (t) => {
  const root = model(t, { 'weights.bin': 'w' });
  const outside = join(dirname(root), 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 's');
  symlinkSync(join(outside, 'secret'), join(root, 'file-out'));
  t.equal(await failure(root, { allowSymlinks: true }), 'symlink-outside-root');
  t.equal(await failure(root, { allowSymlinksOutsideRoot: true }), 'symlink-refused');
  const manifest = await hashModel(root, { allowSymlinks: true, allowSymlinksOutsideRoot: true });
  t.same(names(manifest), ['file-out', 'weights.bin']);
  t.equal(manifest.resources[0].digest, sha256('s'));

  const dirRoot = model(t, { 'weights.bin': 'w' });
  symlinkSync(outside, join(dirRoot, 'dir-out'));
  t.equal(await failure(dirRoot, { allowSymlinks: true }), 'symlink-outside-root');
  await t.rejects(hashModel(dirRoot, { allowSymlinks: true }), {
    message: `symbolic link dir-out resolves outside the model root, to ${outside}`,
  });
  // A name that merely starts with ".." is inside.
  const dotted = model(t, { '..data/w': 'w' });
  symlinkSync('..data/w', join(dotted, 'w-link'));
  t.same(names(await hashModel(dotted, { allowSymlinks: true })), ['..data/w', 'w-link']);
});

t.test('links that loop, or lead back up the tree, are cycles', async (t) => {
  const up = model(t, { 'd/weights.bin': 'w' });
  symlinkSync('..', join(up, 'd/up'));
  t.equal(await failure(up, { allowSymlinks: true }), 'symlink-cycle');
  await t.rejects(hashModel(up, { allowSymlinks: true }), {
    message: `symbolic link d/up leads back to ${up}`,
  });

  const self = model(t, { 'weights.bin': 'w' });
  symlinkSync('.', join(self, 'self'));
  t.equal(await failure(self, { allowSymlinks: true }), 'symlink-cycle');

  const loop = model(t, { 'weights.bin': 'w' });
  symlinkSync('b', join(loop, 'a'));
  symlinkSync('a', join(loop, 'b'));
  t.equal(await failure(loop, { allowSymlinks: true }), 'symlink-cycle');
});

t.test('missing paths, dangling links and special files', async (t) => {
  const root = model(t, { 'weights.bin': 'w' });
  t.equal(await failure(join(root, 'nope')), 'not-found');
  await t.rejects(hashModel(join(root, 'nope')), {
    message: `${join(root, 'nope')} does not exist`,
  });
  t.equal(
    await failure(join(root, 'weights.bin', 'sub')),
    'not-found',
    'a file is not a directory',
  );
  t.equal(await failure(join(root, 'x'.repeat(300))), 'read-failed', 'the name is too long');

  symlinkSync('nowhere', join(root, 'dangling'));
  t.equal(await failure(root, { allowSymlinks: true }), 'not-found');

  const fifoRoot = model(t, { 'weights.bin': 'w' });
  const fifo = join(fifoRoot, 'pipe');
  t.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  t.equal(await failure(fifoRoot), 'not-a-regular-file');
  t.equal(await failure(fifo), 'not-a-regular-file', 'as the model itself');
});

t.test('options out of range are refused', async (t) => {
  const root = model(t, { 'weights.bin': 'w' });
  for (const options of [
    { method: 'zip' },
    { shardSize: 0 },
    { shardSize: 1.5 },
    { shardSize: 2 ** 53 },
    { workers: 0 },
    { workers: 1.5 },
  ] as HashOptions[]) {
    t.equal(await failure(root, options), 'invalid-option', JSON.stringify(options));
  }
  await t.rejects(hashModel(root, { method: 'zip' as 'files' }), {
    message: 'unknown method "zip": use files or shards',
  });
});

t.test('1 worker or many: the same manifest; progress climbs to the total', async (t) => {
  const files: Record<string, Uint8Array> = { 'big.bin': randomBytes(9 << 20) };
  for (let i = 0; i < 120; i++) files[`parts/p${i}`] = randomBytes(1000 + i);
  const root = model(t, files);
  const total = Object.values(files).reduce((sum, data) => sum + data.length, 0);
  const manifests: ModelManifest[] = [];
  for (const workers of [1, 2, 4]) {
    const seen: [number, number][] = [];
    manifests.push(
      await hashModel(root, { workers, onProgress: (done, all) => seen.push([done, all]) }),
    );
    t.same(seen.at(-1), [total, total], `${workers}: ends at the total`);
    t.ok(
      seen.every(
        ([done, all], i) => all === total && done <= total && (i === 0 || done >= seen[i - 1][0]),
      ),
      `${workers}: never goes back, never past the total`,
    );
  }
  t.same(manifests[1], manifests[0]);
  t.same(manifests[2], manifests[0]);
  t.equal(
    manifests[0].resources.find((r) => r.name === 'big.bin')?.digest,
    sha256(files['big.bin']),
  );
  const shards = await hashModel(root, { method: 'shards', shardSize: 1 << 20, workers: 3 });
  t.same(
    shards.resources.filter((r) => r.name.startsWith('big.bin:')).map((r) => r.digest),
    Array.from({ length: 9 }, (_, i) => sha256(files['big.bin'].subarray(i << 20, (i + 1) << 20))),
  );
});

t.test('the statement: subject, predicate type, serialization, resources', async (t) => {
  const root = model(t, { 'weights.bin': 'w', 'model.sig': 's' }, 'llama');
  const manifest = await hashModel(root, { ignorePaths: ['model.sig'] });
  const statement = omsStatement(manifest);
  t.same(statement, {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'llama', digest: { sha256: manifest.rootDigest } }],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: {
      serialization: {
        method: 'files',
        hash_type: 'sha256',
        allow_symlinks: false,
        ignore_paths: ['.git', '.gitattributes', '.github', '.gitignore', 'model.sig'],
      },
      resources: [{ algorithm: 'sha256', digest: sha256('w'), name: 'weights.bin' }],
    },
  });
  const payload = Buffer.from(omsPayloadBytes(manifest)).toString();
  t.same(JSON.parse(payload), statement);
  t.match(payload, /"allow_symlinks": false,\n {6}"ignore_paths": \[\n {8}".git",/);
  const bare = omsStatement(await hashModel(root, { ignoreGitPaths: false }));
  t.same(
    bare.predicate.serialization,
    { method: 'files', hash_type: 'sha256', allow_symlinks: false },
    'no ignore_paths when nothing is ignored',
  );
  const shards = Buffer.from(
    omsPayloadBytes(await hashModel(root, { method: 'shards' })),
  ).toString();
  t.match(shards, /"shard_size": 1000000000.0,\n {6}"ignore_paths": \[/);
  t.throws(
    () =>
      omsPayloadBytes({
        ...manifest,
        serialization: { ...manifest.serialization, shard_size: 0.5 },
      }),
    RangeError,
  );
});
