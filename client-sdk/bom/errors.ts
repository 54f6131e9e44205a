// Why gathering a model's facts for an AI-BOM failed, as a stable `code` callers branch on; the
// message names the file and what is wrong with it. Hashing failures keep their own HashError.

export type BomErrorCode =
  /** A safetensors file is shorter than its 8-byte header length. */
  | 'safetensors-header-too-small'
  /** The header length is over the cap (100,000,000 bytes by default, as safetensors says). */
  | 'safetensors-header-too-large'
  /** The header length reaches past the end of the file. */
  | 'safetensors-truncated'
  /** The header is not UTF-8 JSON text holding an object. */
  | 'safetensors-bad-header'
  /** A tensor entry is malformed: dtype, shape or data offsets, or the data does not fill the file. */
  | 'safetensors-bad-tensor'
  /** config.json is not a JSON object. */
  | 'bad-config'
  /** The README's front matter is not a YAML mapping. */
  | 'bad-model-card'
  /** A file could not be read. */
  | 'read-failed'
  /** An option is out of range (format, spec version, serial number, header cap). */
  | 'invalid-option';

export class BomError extends Error {
  readonly code: BomErrorCode;

  constructor(code: BomErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BomError';
    this.code = code;
  }
}
