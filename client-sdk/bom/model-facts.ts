// What an AI-BOM says of a model directory, read without loading any weights: the OMS root digest
// and per-file digests (hashModel, as `attestry sign` hashes: whole files, git paths left out),
// the safetensors headers, config.json and the README's model card. Only files the manifest
// covers are read, so every fact comes from what a signature over the same model signs.
import { join } from 'node:path';
import { type HashOptions, hashModel } from '../hash/index.ts';
import { type ModelCard, README_FILE, readModelCard } from './model-card.ts';
import { CONFIG_FILE, type ModelConfig, readModelConfig } from './model-config.ts';
import {
  readSafetensorsHeader,
  type SafetensorsHeader,
  type SafetensorsOptions,
} from './safetensors-header.ts';

export interface ModelFile {
  /** Model-relative POSIX path (`.` for a single-file model). */
  name: string;
  /** Lowercase hex SHA-256 of the file. */
  sha256: string;
}

export interface SafetensorsFacts {
  /** Each safetensors file, in manifest order. */
  files: (SafetensorsHeader & { name: string })[];
  tensorCount: number;
  parameterCount: number;
  /** Elements per dtype over all files, dtypes in code point order. */
  dtypes: Record<string, number>;
}

/**
 * The model as the writers take it. Only `name` and `rootDigest` are required: a model known
 * from a log alone (no directory) is described by its digest and name.
 */
export interface ModelFacts {
  name: string;
  /** The OMS root digest, lowercase hex SHA-256. */
  rootDigest: string;
  files?: ModelFile[];
  safetensors?: SafetensorsFacts;
  config?: ModelConfig;
  card?: ModelCard;
}

export interface ModelFactsOptions
  extends Pick<
      HashOptions,
      'ignorePaths' | 'ignoreGitPaths' | 'allowSymlinks' | 'workers' | 'onProgress'
    >,
    SafetensorsOptions {
  /** The model's name in the BOM; default the directory's (or file's) name, as OMS names it. */
  name?: string;
}

/** The facts of a model directory or file: always with its files. */
export async function modelFacts(
  modelPath: string,
  options: ModelFactsOptions = {},
): Promise<ModelFacts & { files: ModelFile[] }> {
  const { name, maxHeaderBytes, ...hashOptions } = options;
  const manifest = await hashModel(modelPath, { ...hashOptions, method: 'files' });
  const files = manifest.resources.map((resource) => ({
    name: resource.name,
    sha256: resource.digest,
  }));
  const single = files.length === 1 && files[0].name === '.';
  const pathOf = (file: string) => (single ? modelPath : join(modelPath, file));
  const has = (file: string) => !single && files.some((entry) => entry.name === file);

  const headers: SafetensorsFacts['files'] = [];
  for (const file of files) {
    const fileName = single ? modelPath : file.name;
    if (!fileName.toLowerCase().endsWith('.safetensors')) continue;
    const header = await readSafetensorsHeader(pathOf(file.name), { maxHeaderBytes });
    headers.push({ name: file.name, ...header });
  }
  const config = has(CONFIG_FILE) ? await readModelConfig(modelPath) : undefined;
  const card = has(README_FILE) ? await readModelCard(modelPath) : undefined;
  return {
    name: name ?? manifest.modelName,
    rootDigest: manifest.rootDigest,
    files,
    ...(headers.length === 0 ? {} : { safetensors: safetensorsTotals(headers) }),
    ...(config === undefined ? {} : { config }),
    ...(card === undefined ? {} : { card }),
  };
}

function safetensorsTotals(files: SafetensorsFacts['files']): SafetensorsFacts {
  const dtypes = new Map<string, number>();
  for (const file of files) {
    for (const [dtype, count] of Object.entries(file.dtypes)) {
      dtypes.set(dtype, (dtypes.get(dtype) ?? 0) + count);
    }
  }
  return {
    files,
    tensorCount: files.reduce((sum, file) => sum + file.tensorCount, 0),
    parameterCount: files.reduce((sum, file) => sum + file.parameterCount, 0),
    dtypes: Object.fromEntries([...dtypes].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
