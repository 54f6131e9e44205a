// Typed errors with stable codes: callers (HTTP routes, the CLI, SDK users) branch on `code`,
// never on message text.

export class LogError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A Merkle proof, a root or a tree size did not check out. */
export class ProofError extends LogError {}

/** A signed note, a key string or a checkpoint is malformed or does not verify. */
export class NoteError extends LogError {}

/** A tile path, tile body or entry bundle is malformed. */
export class TileError extends LogError {}
