// The facts of a Hugging Face `config.json` an AI-BOM carries: the architecture class names, the
// model type (the architecture family), and the size and shape hyperparameters, when present.
import { join } from 'node:path';
import { BomError } from './errors.ts';
import { readOptionalFile } from './optional-file.ts';

export const CONFIG_FILE = 'config.json';

/** Scalar top-level (or `quantization_config.`) fields worth recording, in this order. */
const HYPERPARAMETERS = [
  'torch_dtype',
  'dtype',
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'hidden_act',
  'vocab_size',
  'max_position_embeddings',
  'rope_theta',
  'rms_norm_eps',
  'layer_norm_eps',
  'sliding_window',
  'tie_word_embeddings',
  'num_local_experts',
  'num_experts_per_tok',
  'n_layer',
  'n_head',
  'n_embd',
  'n_positions',
  'n_ctx',
  'd_model',
  'num_layers',
  'num_heads',
  'is_encoder_decoder',
  'image_size',
  'patch_size',
  'num_labels',
  'transformers_version',
  'quantization_config.quant_method',
  'quantization_config.bits',
] as const;

export type ConfigValue = string | number | boolean;

export interface ModelConfig {
  /** `architectures`: the model classes, e.g. LlamaForCausalLM. */
  architectures: string[];
  /** `model_type`: the architecture family, e.g. llama. */
  modelType?: string;
  /** The known hyperparameters present with a scalar value, in a fixed order. */
  hyperparameters: [name: string, value: ConfigValue][];
}

/** The facts of `<modelDir>/config.json`; undefined when there is none. */
export async function readModelConfig(modelDir: string): Promise<ModelConfig | undefined> {
  const path = join(modelDir, CONFIG_FILE);
  const text = await readOptionalFile(path);
  if (text === undefined) return undefined;
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (cause) {
    throw new BomError('bad-config', `${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new BomError('bad-config', `${path} does not hold a JSON object`);
  }
  return configFacts(config as Record<string, unknown>);
}

/** The facts of a parsed config.json; fields of another type than expected are left out. */
export function configFacts(config: Record<string, unknown>): ModelConfig {
  const architectures = Array.isArray(config.architectures)
    ? config.architectures.filter((name): name is string => typeof name === 'string')
    : [];
  const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
  const hyperparameters: [string, ConfigValue][] = [];
  for (const name of HYPERPARAMETERS) {
    const value = name
      .split('.')
      .reduce<unknown>(
        (object, key) =>
          typeof object === 'object' && object !== null && !Array.isArray(object)
            ? (object as Record<string, unknown>)[key]
            : undefined,
        config,
      );
    if (
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value))
    ) {
      hyperparameters.push([name, value]);
    }
  }
  return { architectures, ...(modelType === undefined ? {} : { modelType }), hyperparameters };
}
