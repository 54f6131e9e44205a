// The single writer of the log. Submissions queue; a batch is sealed after maxBatchDelayMs or at
// maxBatchSize entries. One storage transaction appends the batch, grows the tiles, signs the new
// checkpoint and stores it by compare-and-swap; only after that commit are the submitters
// answered, each with its index, an inclusion proof and the checkpoint the proof is for.

import type { EntryRecord, LogStorage, NewEntry, StoredCheckpoint } from '../storage/storage.ts';
import { signCheckpoint } from './checkpoint.ts';
import { toHex } from './encoding.ts';
import { MAX_ENTRY_SIZE } from './entry-bundle.ts';
import { LogError } from './errors.ts';
import { EMPTY_ROOT, leafHash } from './hash.ts';
import type { NoteSigner, NoteSigningKey } from './note-keys.ts';
import { inclusionProof, type NodeReader } from './proof-builder.ts';
import { tileNodeReader } from './tile-node-reader.ts';
import { appendLeafHashes } from './tree-appender.ts';

/**
 * How long the first submission of a batch waits for others. With signatures checked on the thread
 * pool, the event loop idles while a batch waits: 2 ms appended 10% faster than 5 ms, and 1 or 3 ms
 * no differently (npm run bench:ab, 64 in flight, both with checks on the pool). Timers wait for
 * the event loop's next turn, so a batch in fact waits longer under load.
 */
const DEFAULT_MAX_BATCH_DELAY_MS = 2;

export interface SequencerOptions {
  storage: LogStorage;
  origin: string;
  signer: NoteSigner;
  /** Further keys that sign every checkpoint after the log key (the Sigstore ECDSA key). */
  cosigners?: readonly NoteSigningKey[];
  maxBatchSize?: number;
  maxBatchDelayMs?: number;
  /** Milliseconds since the epoch, for integration times. */
  clock?: () => number;
  /** Told of every committed batch: its size and how long its oldest submission waited. */
  onBatch?: (size: number, seconds: number) => void;
}

export interface Acknowledgement {
  index: number;
  /** The log already held this leaf: index is where, integratedAt when. */
  duplicate: boolean;
  integratedAt: number;
  leafHash: Uint8Array;
  /** Inclusion proof of the entry in the tree of `checkpoint`. */
  inclusionProof: Uint8Array[];
  checkpoint: StoredCheckpoint;
}

interface Submission {
  queuedAt: number;
  body: Uint8Array;
  record?: EntryRecord;
  resolve: (ack: Acknowledgement) => void;
  reject: (error: unknown) => void;
}

export class Sequencer {
  readonly #storage: LogStorage;
  readonly #origin: string;
  readonly #signers: readonly NoteSigningKey[];
  readonly #maxBatchSize: number;
  readonly #maxBatchDelayMs: number;
  readonly #clock: () => number;
  readonly #onBatch: ((size: number, seconds: number) => void) | undefined;
  #queue: Submission[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #latest: StoredCheckpoint;
  #closed = false;

  constructor(options: SequencerOptions) {
    this.#storage = options.storage;
    this.#origin = options.origin;
    this.#signers = [options.signer, ...(options.cosigners ?? [])];
    this.#maxBatchSize = options.maxBatchSize ?? 256;
    this.#maxBatchDelayMs = options.maxBatchDelayMs ?? DEFAULT_MAX_BATCH_DELAY_MS;
    this.#clock = options.clock ?? Date.now;
    this.#onBatch = options.onBatch;
    this.#latest = this.#storage.latestCheckpoint() ?? this.#storeEmptyCheckpoint();
  }

  /** The latest committed checkpoint. */
  get checkpoint(): StoredCheckpoint {
    return this.#latest;
  }

  /** Entries waiting for the next batch. */
  get queueLength(): number {
    return this.#queue.length;
  }

  /** Appends an entry (with what storage keeps beside it); answers once it is committed. */
  submit(body: Uint8Array, record?: EntryRecord): Promise<Acknowledgement> {
    if (this.#closed) {
      return Promise.reject(new LogError('sequencer-closed', 'the log is shutting down'));
    }
    if (body.length > MAX_ENTRY_SIZE) {
      return Promise.reject(
        new LogError('entry-too-large', `an entry holds at most ${MAX_ENTRY_SIZE} bytes`),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ queuedAt: performance.now(), body, record, resolve, reject });
      if (this.#queue.length >= this.#maxBatchSize) {
        this.#schedule(0);
      } else if (this.#timer === undefined) {
        this.#schedule(this.#maxBatchDelayMs);
      }
    });
  }

  /** Stops taking submissions and seals what is queued. */
  close(): void {
    this.#closed = true;
    this.flush();
  }

  /** Seals every queued submission now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) this.#seal(this.#queue.splice(0, this.#maxBatchSize));
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.flush(), delayMs);
  }

  #storeEmptyCheckpoint(): StoredCheckpoint {
    const checkpoint = this.#signed(0, EMPTY_ROOT);
    this.#storage.transaction(() => this.#storage.addCheckpoint(undefined, checkpoint));
    return checkpoint;
  }

  #signed(size: number, root: Uint8Array): StoredCheckpoint {
    const note = signCheckpoint({ origin: this.#origin, size, rootHash: root }, this.#signers);
    return { size, root, note, signedAt: this.#clock() };
  }

  #seal(batch: Submission[]): void {
    const integratedAt = this.#clock();
    const leafHashes = batch.map((s) => leafHash(s.body));
    // Where each submission is (or already was) in the log; fresh ones are appended in order.
    const indices: number[] = [];
    const duplicates = new Set<number>();
    let checkpoint = this.#latest;
    let nodes: NodeReader | undefined;
    try {
      this.#storage.transaction(() => {
        const previous = this.#latest;
        const fresh: NewEntry[] = [];
        const inBatch = new Map<string, number>();
        batch.forEach((s, i) => {
          const key = toHex(leafHashes[i]);
          const existing = this.#storage.findLeaf(leafHashes[i]) ?? inBatch.get(key);
          if (existing !== undefined) {
            indices.push(existing);
            duplicates.add(i);
            return;
          }
          indices.push(previous.size + fresh.length);
          inBatch.set(key, previous.size + fresh.length);
          fresh.push({ body: s.body, leafHash: leafHashes[i], integratedAt, record: s.record });
        });
        if (fresh.length === 0) return;
        this.#storage.appendEntries(previous.size, fresh);
        const appended = appendLeafHashes(
          previous.size,
          fresh.map((e) => e.leafHash),
          this.#storage,
        );
        for (const tile of appended.tiles) {
          this.#storage.writeTile(tile.level, tile.index, tile.hashes);
          if (tile.innerNodes)
            this.#storage.writeTileNodes(tile.level, tile.index, tile.innerNodes);
        }
        nodes = appended.nodes;
        checkpoint = this.#signed(appended.size, appended.root);
        this.#storage.addCheckpoint(previous.size, checkpoint);
      });
    } catch (error) {
      for (const s of batch) s.reject(error);
      // Whatever failed, the stored checkpoint is the truth the next batch must extend. Storage
      // that cannot even be read now keeps the one held: the failed transaction changed nothing,
      // and the next batch's compare-and-swap refuses a stale one. Nothing may escape into the
      // timer that sealed the batch.
      try {
        this.#latest = this.#storage.latestCheckpoint() ?? this.#latest;
      } catch {
        // keep this.#latest
      }
      return;
    }
    this.#latest = checkpoint;
    this.#onBatch?.(batch.length - duplicates.size, (performance.now() - batch[0].queuedAt) / 1000);
    const proofNodes = nodes ?? tileNodeReader(this.#storage);
    const acknowledge = (i: number): Acknowledgement => {
      const index = indices[i];
      const duplicate = duplicates.has(i);
      return {
        index,
        duplicate,
        integratedAt: duplicate
          ? (this.#storage.readEntry(index)?.integratedAt ?? integratedAt)
          : integratedAt,
        leafHash: leafHashes[i],
        inclusionProof: inclusionProof(index, checkpoint.size, proofNodes),
        checkpoint,
      };
    };
    batch.forEach((s, i) => {
      // The batch is committed: a failure from here on concerns this answer only, and must not
      // escape into the timer that sealed the batch.
      try {
        s.resolve(acknowledge(i));
      } catch (error) {
        s.reject(error);
      }
    });
  }
}
