// Every OMS golden of the reference implementation, reproduced: the serialized manifests (files
// and shards) and the in-toto payloads byte for byte, for every fixture model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { type HashOptions, hashModel, omsPayloadBytes } from '../client-sdk/hash/index.ts';
import {
  buildGoldenModel,
  GOLDEN_DIR,
  type GoldenModelName,
  MODEL_NAMES,
} from './fixtures/oms-models/golden-models.ts';
import { tempDir } from './support/temp-log.ts';

const dir = tempDir(t, 'attestry-oms-goldens-');
const models = new Map(MODEL_NAMES.map((name) => [name, buildGoldenModel(dir, name)]));

// As the reference's golden tests ran: symlinks allowed (the symlink fixture links out of the
// model), no ignore paths, so the payloads carry none.
const golden: HashOptions = {
  allowSymlinks: true,
  allowSymlinksOutsideRoot: true,
  ignoreGitPaths: false,
  workers: 2,
};

const variants = [
  { suffix: '', options: { ...golden, method: 'files' } },
  { suffix: '_shard', options: { ...golden, method: 'shards' } },
  { suffix: '_small_shards', options: { ...golden, method: 'shards', shardSize: 8 } },
] as const;

function hash(model: GoldenModelName, options: HashOptions) {
  return hashModel(models.get(model) as string, options);
}

/** A golden manifest file: one `name:hexdigest` line per resource. */
function manifestLines(kind: 'file' | 'file_shard', name: string): string[] {
  const text = readFileSync(
    join(GOLDEN_DIR, '_serialization/testdata', kind, 'TestSerializer', name),
    'utf8',
  );
  return text.split('\n').filter((line) => line !== '');
}

t.test('files manifests match the serialization goldens', async (t) => {
  for (const model of MODEL_NAMES) {
    const manifest = await hash(model, variants[0].options);
    t.same(
      manifest.resources.map((r) => `${r.name}:${r.digest}`),
      manifestLines('file', model),
      model,
    );
    t.ok(manifest.resources.every((r) => r.algorithm === 'sha256'));
  }
});

t.test('shard manifests match the serialization goldens', async (t) => {
  for (const model of MODEL_NAMES) {
    for (const [suffix, shardSize] of [
      ['', undefined],
      ['_small_shards', 8],
    ] as const) {
      const manifest = await hash(model, { ...golden, method: 'shards', shardSize });
      t.same(
        manifest.resources.map((r) => `${r.name}:${r.digest}`),
        manifestLines('file_shard', `${model}${suffix}`),
        `${model}${suffix}`,
      );
    }
  }
});

t.test('payloads are the golden payloads byte for byte', async (t) => {
  let count = 0;
  for (const model of MODEL_NAMES) {
    for (const { suffix, options } of variants) {
      const name = `${model}${suffix}`;
      const expected = readFileSync(
        join(GOLDEN_DIR, '_signing/testdata/signing/TestPayload', name),
        'utf8',
      );
      const manifest = await hash(model, options);
      // The golden files end with the newline the reference's test adds when writing them.
      t.equal(Buffer.from(omsPayloadBytes(manifest)).toString('utf8'), expected.slice(0, -1), name);
      t.equal(expected.at(-1), '\n');
      t.equal(manifest.rootDigest, JSON.parse(expected).subject[0].digest.sha256, `${name} root`);
      count++;
    }
  }
  t.equal(count, 21, 'all seven models in all three serializations');
});
