// hashModel: a model directory or file to its OMS manifest, as the reference implementation
// (model_signing) builds it, so that each side verifies what the other signs.
import { type HashOptions, hashSettings } from './hash-options.ts';
import { ignoreRules } from './ignore-paths.ts';
import type {
  ManifestResource,
  ManifestSerialization,
  ModelManifest,
  ResourceAlgorithm,
} from './manifest.ts';
import { rootDigestOf } from './manifest.ts';
import { listModelFiles, type ModelFile } from './model-files.ts';
import { type ByteRange, hashRanges } from './parallel-hash.ts';
import { compareModelPaths } from './resource-order.ts';

interface Item {
  name: string;
  range: ByteRange;
}

export async function hashModel(
  modelPath: string,
  options: HashOptions = {},
): Promise<ModelManifest> {
  const settings = hashSettings(options);
  const ignore = ignoreRules(modelPath, settings.ignorePaths, settings.ignoreGitPaths);
  const listing = await listModelFiles(modelPath, { ignore, ...settings });
  const files = listing.files.sort((a, b) => compareModelPaths(a.name, b.name));

  const serialization: ManifestSerialization = {
    method: settings.method,
    hash_type: 'sha256',
    allow_symlinks: settings.allowSymlinks,
    ignore_paths: [...ignore.recorded],
  };
  let algorithm: ResourceAlgorithm = 'sha256';
  let items: Item[] = files.map(wholeFile);
  if (settings.method === 'shards') {
    serialization.shard_size = settings.shardSize;
    algorithm = `sha256-sharded-${settings.shardSize}`;
    items = files.flatMap((file) => shardsOf(file, settings.shardSize));
  }

  const digests = await hashRanges(
    items.map((item) => item.range),
    settings,
  );
  const resources: ManifestResource[] = items.map((item, i) => ({
    name: item.name,
    algorithm,
    digest: digests[i],
  }));
  return {
    modelName: listing.modelName,
    serialization,
    resources,
    rootDigest: rootDigestOf(resources),
  };
}

function wholeFile(file: ModelFile): Item {
  return {
    name: file.name,
    range: { path: file.path, start: 0, end: file.size, fileSize: file.size },
  };
}

/** Consecutive `shardSize`-byte ranges, the last one shorter; an empty file has none. */
function shardsOf(file: ModelFile, shardSize: number): Item[] {
  const shards: Item[] = [];
  for (let start = 0; start < file.size; start += shardSize) {
    const end = Math.min(start + shardSize, file.size);
    shards.push({
      name: `${file.name}:${start}:${end}`,
      range: { path: file.path, start, end, fileSize: file.size },
    });
  }
  return shards;
}
