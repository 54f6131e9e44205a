// Why hashing a model failed, as a stable `code` that callers (sign, verify, the CLI) branch on;
// the message is for people.

export type HashErrorCode =
  /** The model path, or a path inside it, does not exist. */
  | 'not-found'
  /** A fifo, socket or device: only regular files and directories make up a model. */
  | 'not-a-regular-file'
  /** A symbolic link was met and `allowSymlinks` is off (the OMS default). */
  | 'symlink-refused'
  /** A symbolic link resolves to a place outside the model root. */
  | 'symlink-outside-root'
  /** Symbolic links loop, or a linked directory contains the link. */
  | 'symlink-cycle'
  /** A file name is not valid UTF-8, so it cannot be named in the JSON manifest. */
  | 'invalid-file-name'
  /** An option is out of range: method, shard size, worker count, an ignore path. */
  | 'invalid-option'
  /** A file's size changed between listing and hashing. */
  | 'file-changed'
  /** The file system refused a read. */
  | 'read-failed';

export class HashError extends Error {
  readonly code: HashErrorCode;

  constructor(code: HashErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HashError';
    this.code = code;
  }
}
