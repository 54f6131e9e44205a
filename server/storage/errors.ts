import { LogError } from '../log/errors.ts';

/** The storage cannot do what was asked: schema, I/O, a lost compare-and-swap, a full disk. */
export class StorageError extends LogError {}
