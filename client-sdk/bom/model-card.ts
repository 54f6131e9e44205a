// The facts of a Hugging Face model card: the README's YAML front matter (between `---` lines at
// its top; hub-docs `modelcard.md`, huggingface_hub `repocard_data.py`) and the text of its
// limitations section. The card is untrusted input: YAML 1.2 core schema (no custom tags, no
// dates), a cap on aliases, duplicate keys refused; a field of an unexpected type is left out.
import { join } from 'node:path';
import { parse } from 'yaml';
import { BomError } from './errors.ts';
import { readOptionalFile } from './optional-file.ts';

export const README_FILE = 'README.md';

/** Longest limitations text kept from the card body. */
export const MAX_LIMITATIONS_CHARS = 4000;

/** One result of the card's `model-index`. */
export interface CardMetric {
  /** The metric id, e.g. accuracy. */
  type: string;
  /** As written in the card, made a string. */
  value: string;
  name?: string;
  /** The dataset it was measured on (`dataset.name`, else `dataset.type`). */
  dataset?: string;
  split?: string;
  task?: string;
}

/** `co2_eq_emissions`: grams of CO2 equivalent, with what the card says of them. */
export interface CardEmissions {
  grams: number;
  source?: string;
  trainingType?: string;
  geographicalLocation?: string;
  hardwareUsed?: string;
}

export interface ModelCard {
  /** A Hub license id (`apache-2.0`, ..., `other`). */
  license?: string;
  /** With license `other`: its name and link. */
  licenseName?: string;
  licenseLink?: string;
  /** Hub dataset ids. */
  datasets: string[];
  /** Hub model ids; more than one means a merge. */
  baseModels: string[];
  /** `adapter`, `merge`, `quantized`, `finetune`. */
  baseModelRelation?: string;
  languages: string[];
  tags: string[];
  /** The task, e.g. text-generation. */
  pipelineTag?: string;
  libraryName?: string;
  /** `model-index[0].name`. */
  modelName?: string;
  metrics: CardMetric[];
  co2?: CardEmissions;
  /** The body's "limitations", "bias" or "risks" section, when it says something. */
  limitations?: string;
}

/** The card in `<modelDir>/README.md`; undefined when there is no README. */
export async function readModelCard(modelDir: string): Promise<ModelCard | undefined> {
  const path = join(modelDir, README_FILE);
  const text = await readOptionalFile(path);
  if (text === undefined) return undefined;
  return parseModelCard(text, path);
}

/** The facts of a model card's text; `source` names it in errors. */
export function parseModelCard(text: string, source = README_FILE): ModelCard {
  const { frontMatter, body } = splitFrontMatter(text.replace(/^\uFEFF/, ''));
  let data: unknown = {};
  if (frontMatter !== undefined) {
    try {
      data = parse(frontMatter, { schema: 'core', maxAliasCount: 100, uniqueKeys: true }) ?? {};
    } catch (cause) {
      throw new BomError(
        'bad-model-card',
        `${source}: the front matter is not YAML: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw new BomError('bad-model-card', `${source}: the front matter is not a YAML mapping`);
    }
  }
  const card = data as Record<string, unknown>;
  const modelIndex = Array.isArray(card['model-index']) ? card['model-index'] : [];
  const limitations = limitationsOf(body);
  return pruned({
    license: text1(card.license),
    licenseName: text1(card.license_name),
    licenseLink: text1(card.license_link),
    datasets: texts(card.datasets),
    baseModels: texts(card.base_model),
    baseModelRelation: text1(card.base_model_relation),
    languages: texts(card.language),
    tags: texts(card.tags),
    pipelineTag: text1(card.pipeline_tag),
    libraryName: text1(card.library_name),
    modelName: isRecord(modelIndex[0]) ? text1(modelIndex[0].name) : undefined,
    metrics: modelIndex.flatMap(metricsOf),
    co2: emissionsOf(card.co2_eq_emissions),
    limitations,
  });
}

function splitFrontMatter(text: string): { frontMatter?: string; body: string } {
  const match = /^---[ \t]*\r?\n([\s\S]*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/m.exec(text);
  if (match === null || match.index !== 0) return { body: text };
  return { frontMatter: match[1], body: text.slice(match[0].length) };
}

/** The first section whose heading speaks of limitations, bias or risks, with its subsections. */
function limitationsOf(body: string): string | undefined {
  const lines = body.split(/\r?\n/);
  let fence = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*(```|~~~)/.test(lines[i])) fence = !fence;
    const heading = fence ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(lines[i]);
    if (heading === null || !/limitation|bias|risk/i.test(heading[2])) continue;
    const level = heading[1].length;
    const section: string[] = [];
    let inner = false;
    for (let j = i + 1; j < lines.length; j++) {
      if (/^\s*(```|~~~)/.test(lines[j])) inner = !inner;
      const next = inner ? null : /^(#{1,6})\s/.exec(lines[j]);
      if (next !== null && next[1].length <= level) break;
      section.push(lines[j]);
    }
    const text = section
      .join('\n')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/\[More Information Needed\]/g, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    if (/[\p{L}\p{N}]/u.test(text.replace(/^#+.*$/gm, ''))) {
      return text.length > MAX_LIMITATIONS_CHARS
        ? `${text.slice(0, MAX_LIMITATIONS_CHARS - 1)}…`
        : text;
    }
  }
  return undefined;
}

function metricsOf(entry: unknown): CardMetric[] {
  if (!isRecord(entry) || !Array.isArray(entry.results)) return [];
  return entry.results.flatMap((result: unknown) => {
    if (!isRecord(result) || !Array.isArray(result.metrics)) return [];
    const dataset = isRecord(result.dataset) ? result.dataset : {};
    const task = isRecord(result.task) ? result.task : {};
    return result.metrics.flatMap((metric: unknown) => {
      if (!isRecord(metric)) return [];
      const type = text1(metric.type);
      const value = text1(metric.value);
      if (type === undefined || value === undefined) return [];
      return [
        pruned({
          type,
          value,
          name: text1(metric.name),
          dataset: text1(dataset.name) ?? text1(dataset.type),
          split: text1(dataset.split),
          task: text1(task.type),
        }),
      ];
    });
  });
}

function emissionsOf(value: unknown): CardEmissions | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? { grams: value } : undefined;
  if (
    !isRecord(value) ||
    typeof value.emissions !== 'number' ||
    !Number.isFinite(value.emissions)
  ) {
    return undefined;
  }
  return pruned({
    grams: value.emissions,
    source: text1(value.source),
    trainingType: text1(value.training_type),
    geographicalLocation: text1(value.geographical_location),
    hardwareUsed: text1(value.hardware_used),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string, or a number or boolean written as one (YAML reads `1.0` and `yes` so). */
function text1(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** One string or a list of them: the scalars kept, each once, in order. */
function texts(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return [...new Set(items.map(text1).filter((item) => item !== undefined))];
}

/** The object without its undefined fields, so that the facts compare and print cleanly. */
function pruned<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}
