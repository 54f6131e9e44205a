// Talks to an attestry log over HTTP and checks everything it receives before returning it:
// checkpoints against the pinned note key, inclusion proofs against those checkpoints, signed
// entry timestamps against the pinned ECDSA key (or the one the log's key statement names, signed
// by the note key), stored envelopes against the leaves that commit to them. Runs in Node and in
// browsers (fetch and the pure verification modules only).
import { openCheckpoint } from '../../server/log/checkpoint.ts';
import { verifyConsistency } from '../../server/log/consistency-proof.ts';
import { fromBase64, fromHex, fromUtf8, toBase64, toHex } from '../../server/log/encoding.ts';
import { decodeEntryBundle } from '../../server/log/entry-bundle.ts';
import { entryTimestampMessage } from '../../server/log/entry-timestamp.ts';
import { equalBytes, HASH_SIZE, leafHash, sha256 } from '../../server/log/hash.ts';
import { verifyInclusion } from '../../server/log/inclusion-proof.ts';
import { openKeyStatement } from '../../server/log/key-statement.ts';
import { type NoteVerifier, parseVerifierKey } from '../../server/log/note-keys.ts';
import { entriesPath, tilePath } from '../../server/log/tile.ts';
import { type EcdsaVerifier, ecdsaPublicKeyDer, parseEcdsaSpki } from './ecdsa-public-key.ts';
import { LogClientError } from './errors.ts';
import { dsseCommitments } from './logged-dsse.ts';

export interface LogKeys {
  origin: string;
  /** C2SP verifier key string of the note key that signs checkpoints. */
  noteVerifierKey: string;
  /** PEM of the ECDSA P-256 key that signs entry timestamps. */
  ecdsaPublicKey: string;
  /** hex SHA-256 of the ECDSA key's DER SPKI: the Sigstore log ID. */
  logId: string;
  /** The note key's signed statement of the ECDSA key (server/log/key-statement.ts). */
  keyStatement: string;
}

export interface LogClientOptions {
  url: string;
  /** Pinned: every checkpoint must verify with it. */
  noteVerifierKey: string;
  /**
   * Pinned, when given: every signed entry timestamp must verify with it. Else the one the log's
   * key statement names, signed by the pinned note key.
   */
  ecdsaPublicKey?: string;
  /** Pinned, when given: it must be the ECDSA key's (hex SHA-256 of its DER SPKI). */
  logId?: string;
  /** A bearer token for publishing (`attestry token`, or an OIDC token the log trusts). */
  token?: string;
  fetch?: typeof fetch;
}

export interface VerifiedCheckpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** The signed note as received. */
  note: string;
}

export interface VerifiedInclusion {
  logIndex: number;
  hashes: Uint8Array[];
  checkpoint: VerifiedCheckpoint;
}

export interface SubmittedEntry {
  logIndex: number;
  /** The log already held this entry; these are its details. */
  duplicate: boolean;
  logId: string;
  integratedTime: number;
  canonicalizedBody: Uint8Array;
  signedEntryTimestamp: string;
  inclusion: VerifiedInclusion;
}

export interface FetchedEntry {
  logIndex: number;
  integratedTime: number;
  canonicalizedBody: Uint8Array;
  /** The DSSE envelope's canonical JSON, checked against the leaf's envelopeHash. */
  envelope?: Uint8Array;
  verifier?: unknown;
  inclusion: VerifiedInclusion;
}

export interface SearchFilter {
  digest?: string;
  name?: string;
  identity?: string;
  predicateType?: string;
}

export interface SearchResult {
  entries: {
    logIndex: number;
    integratedTime: number;
    predicateType: string;
    /** The first 32 subject digests; subjectCount says how many the entry has. */
    subjects: { digest: string; name?: string }[];
    subjectCount: number;
    identities: string[];
  }[];
  nextCursor?: string;
}

/** The key that signs a log's entry timestamps, and the log ID its entries must carry. */
interface EntryTimestampKey {
  /** DER SPKI. */
  spki: Uint8Array;
  verifier: EcdsaVerifier;
  logId: string;
}

interface ProofJson {
  logIndex: number;
  rootHash: string;
  treeSize: number;
  hashes: string[];
  checkpoint: string;
}

interface EntryJson {
  logIndex: number;
  canonicalizedBody: string;
  envelope?: string;
  verifier?: unknown;
  integratedTime: number;
  inclusionProof: ProofJson;
}

export class LogClient {
  readonly url: string;
  /** The pinned note verifier key every checkpoint is checked with. */
  readonly noteVerifierKey: string;
  readonly #note: NoteVerifier;
  readonly #pinnedLogId: string | undefined;
  #entryTimestampKey: Promise<EntryTimestampKey> | undefined;
  readonly #fetch: typeof fetch;
  readonly #token: string | undefined;

  constructor(options: LogClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#note = parseVerifierKey(options.noteVerifierKey);
    this.noteVerifierKey = options.noteVerifierKey;
    this.#pinnedLogId = options.logId;
    if (options.ecdsaPublicKey) {
      const pinned = this.#timestampKey(ecdsaPublicKeyDer(options.ecdsaPublicKey));
      this.#entryTimestampKey = Promise.resolve(pinned);
    }
    this.#fetch = options.fetch ?? globalThis.fetch;
    // An empty token is no token: sent, it would be a malformed header.
    this.#token = options.token || undefined;
  }

  /**
   * The keys a log announces. They are not verified (there is nothing to verify them with): pin
   * them on first use, or compare them with keys obtained out of band.
   */
  static async fetchKeys(
    url: string,
    fetchImpl: typeof fetch = globalThis.fetch,
  ): Promise<LogKeys> {
    const client = { url: url.replace(/\/+$/, ''), fetch: fetchImpl };
    return (await answerJson(client, '/api/v1/log/keys')) as LogKeys;
  }

  /**
   * A client of the log at `url` that trusts it on first use: the note key it announces now is
   * pinned for this client's life, and the ECDSA key is the one that note key states.
   */
  static async trustOnFirstUse(url: string, token?: string): Promise<LogClient> {
    const { noteVerifierKey } = await LogClient.fetchKeys(url);
    return new LogClient({ url, noteVerifierKey, token });
  }

  /** The latest checkpoint, verified with the pinned note key. */
  async checkpoint(): Promise<VerifiedCheckpoint> {
    const response = await this.#request('/checkpoint');
    return this.#openCheckpoint(await response.text());
  }

  /**
   * The log's Sigstore TrustedRoot, for @sigstore/verify: its ECDSA key as a transparency log.
   * The key listed must be the one its key statement names, signed by the pinned note key (or the
   * pinned ECDSA key). The root returned is built from what was checked only, never passed on as
   * served: a log must not slip a certificate or timestamp authority into a verifier's trust.
   */
  async trustedRoot(): Promise<Record<string, unknown>> {
    const served = (await answerJson(this.#client, '/api/v1/trusted-root')) as {
      tlogs?: {
        baseUrl?: unknown;
        publicKey?: { rawBytes?: unknown; validFor?: { start?: unknown } };
      }[];
    };
    const tlog = Array.isArray(served.tlogs) && served.tlogs.length === 1 ? served.tlogs[0] : {};
    const listed =
      typeof tlog.publicKey?.rawBytes === 'string'
        ? fromBase64(tlog.publicKey.rawBytes)
        : undefined;
    const start = tlog.publicKey?.validFor?.start;
    const { spki } = await this.#timestampKeyOfLog();
    if (
      listed === undefined ||
      !equalBytes(listed, spki) ||
      typeof tlog.baseUrl !== 'string' ||
      !tlog.baseUrl.includes(this.#note.name) ||
      typeof start !== 'string' ||
      Number.isNaN(Date.parse(start))
    ) {
      throw new LogClientError(
        'bad-trusted-root',
        "the log's trusted root does not list its ECDSA key (the one its key statement names, signed by the pinned note key) under its origin",
      );
    }
    return {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [
        {
          baseUrl: tlog.baseUrl,
          hashAlgorithm: 'SHA2_256',
          publicKey: {
            rawBytes: toBase64(spki),
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            validFor: { start },
          },
          logId: { keyId: toBase64(sha256(spki)) },
        },
      ],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    };
  }

  /**
   * The ECDSA key that signs the log's entry timestamps (DER SPKI) and the log ID it makes: the
   * pinned one, else the one the log's key statement names, signed by the pinned note key.
   */
  async ecdsaKey(): Promise<{ spki: Uint8Array; logId: string }> {
    const { spki, logId } = await this.#timestampKeyOfLog();
    return { spki, logId };
  }

  /** The key of `spki`; a pinned log ID must be the one it makes. */
  #timestampKey(spki: Uint8Array): EntryTimestampKey {
    const key = { spki, verifier: parseEcdsaSpki(spki), logId: toHex(sha256(spki)) };
    if (this.#pinnedLogId !== undefined && this.#pinnedLogId !== key.logId) {
      throw new LogClientError(
        'wrong-log-id',
        `the pinned log ID ${this.#pinnedLogId} is not that of the log's ECDSA key (${key.logId})`,
      );
    }
    return key;
  }

  /**
   * The pinned ECDSA key, else the one the log's key statement names, which must verify with the
   * pinned note key: nothing else ties the two keys together (asked once per client; again after
   * a failure).
   */
  #timestampKeyOfLog(): Promise<EntryTimestampKey> {
    this.#entryTimestampKey ??= this.#statedTimestampKey().catch((error) => {
      this.#entryTimestampKey = undefined;
      throw error;
    });
    return this.#entryTimestampKey;
  }

  async #statedTimestampKey(): Promise<EntryTimestampKey> {
    const { keyStatement } = await LogClient.fetchKeys(this.url, this.#fetch);
    let spki: Uint8Array;
    try {
      spki = openKeyStatement(String(keyStatement), this.#note);
    } catch (cause) {
      throw new LogClientError(
        'bad-log-key',
        `the log's statement of its ECDSA key does not verify with the pinned note key: ${(cause as Error).message}`,
        undefined,
        { cause },
      );
    }
    return this.#timestampKey(spki);
  }

  /** Publishes a signed bundle; the answer is checked to log exactly this bundle's signature. */
  async submit(submission: { bundle: unknown; publicKey?: string }): Promise<SubmittedEntry> {
    // Before anything is published: a log whose timestamp key cannot be established gets nothing.
    const { verifier, logId } = await this.#timestampKeyOfLog();
    const response = await this.#request('/api/v1/entries', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` }),
      },
      body: JSON.stringify(submission),
      accept: [201, 409],
    });
    const duplicate = response.status === 409;
    const json = (await objectOf(response, this.url)) as Record<string, unknown>;
    const answer = (duplicate ? json.entry : json) as {
      logIndex: number;
      logId: string;
      integratedTime: number;
      canonicalizedBody: string;
      inclusionProof: ProofJson;
      inclusionPromise: { signedEntryTimestamp: string };
    };
    const body = this.#decode(answer.canonicalizedBody, 'canonicalizedBody');
    checkBodyLogsBundle(body, submission.bundle);
    const inclusion = this.#verifyInclusion(answer.logIndex, body, answer.inclusionProof);
    if (answer.logId !== logId) {
      throw new LogClientError('wrong-log-id', `the log answered for log ID ${answer.logId}`);
    }
    const signedEntryTimestamp = answer.inclusionPromise?.signedEntryTimestamp;
    const message = entryTimestampMessage({
      body,
      integratedTime: answer.integratedTime,
      logId: answer.logId,
      logIndex: answer.logIndex,
    });
    const signature = typeof signedEntryTimestamp === 'string' && fromBase64(signedEntryTimestamp);
    if (!signature || !verifier.verify(message, signature)) {
      throw new LogClientError('bad-entry-timestamp', 'the signed entry timestamp does not verify');
    }
    return {
      logIndex: answer.logIndex,
      duplicate,
      logId: answer.logId,
      integratedTime: answer.integratedTime,
      canonicalizedBody: body,
      signedEntryTimestamp,
      inclusion,
    };
  }

  /** Entry `index` with its envelope, proven to be in the log's latest checkpoint. */
  async entry(index: number): Promise<FetchedEntry> {
    const json = (await answerJson(this.#client, `/api/v1/entries/${index}`)) as EntryJson;
    if (json.logIndex !== index) {
      throw new LogClientError('wrong-entry', `asked for entry ${index}, got ${json.logIndex}`);
    }
    return this.#checkedEntry(json);
  }

  /**
   * The revocations the log holds of a model (by its `sha256:<hex>` digest), each proven and its
   * envelope matched to its leaf; only those signed by `signers`, when given. Whether a revocation
   * is signed by whom it claims is the caller's to check (client-sdk/verify).
   */
  async modelRevocations(
    digest: string,
    signers?: string[],
  ): Promise<{ revocations: FetchedEntry[]; truncated: boolean }> {
    const query = new URLSearchParams();
    for (const signer of signers ?? []) query.append('signer', signer);
    const json = (await answerJson(
      this.#client,
      `/api/v1/models/${encodeURIComponent(digest)}/status${signers ? `?${query}` : ''}`,
    )) as { revocations?: unknown; truncated?: unknown };
    if (!Array.isArray(json.revocations)) {
      throw new LogClientError('bad-answer', 'the model status has no list of revocations');
    }
    return {
      revocations: json.revocations.map((entry: EntryJson) => this.#checkedEntry(entry)),
      truncated: json.truncated === true,
    };
  }

  /** An entry as the log answered it, its leaf proven in the checkpoint it carries. */
  #checkedEntry(json: EntryJson): FetchedEntry {
    const index = json.logIndex;
    const body = this.#decode(json.canonicalizedBody, 'canonicalizedBody');
    const inclusion = this.#verifyInclusion(index, body, json.inclusionProof);
    const envelope =
      json.envelope === undefined ? undefined : this.#decode(json.envelope, 'envelope');
    if (envelope !== undefined && !envelopeMatches(body, envelope)) {
      throw new LogClientError(
        'envelope-mismatch',
        `the envelope served for entry ${index} is not the one its leaf commits to`,
      );
    }
    return {
      logIndex: index,
      integratedTime: json.integratedTime,
      canonicalizedBody: body,
      envelope,
      verifier: json.verifier,
      inclusion,
    };
  }

  /** One page of entries matching every given key. */
  async search(
    filter: SearchFilter,
    page: { cursor?: string; limit?: number } = {},
  ): Promise<SearchResult> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...filter, ...page })) {
      if (value !== undefined) query.set(key, String(value));
    }
    return (await answerJson(this.#client, `/api/v1/entries?${query}`)) as SearchResult;
  }

  /**
   * Proves that `newer` extends `older`: the log did not fork between them. Returns the proof's
   * hashes, verified.
   */
  async proveConsistency(
    older: VerifiedCheckpoint,
    newer: VerifiedCheckpoint,
  ): Promise<Uint8Array[]> {
    const json = (await answerJson(
      this.#client,
      `/api/v1/log/consistency?from=${older.size}&to=${newer.size}`,
    )) as { hashes: unknown };
    const hashes = this.#hashes(json.hashes);
    try {
      verifyConsistency(older.size, newer.size, hashes, older.rootHash, newer.rootHash);
    } catch (error) {
      throw new LogClientError(
        'inconsistent-checkpoints',
        `checkpoint ${newer.size} is not an extension of checkpoint ${older.size}: the log forked`,
        undefined,
        { cause: error },
      );
    }
    return hashes;
  }

  /** Proves that the leaf is entry `index` of the tree of `checkpoint`. */
  async proveInclusion(
    index: number,
    leaf: Uint8Array,
    checkpoint: VerifiedCheckpoint,
  ): Promise<VerifiedInclusion> {
    const json = (await answerJson(
      this.#client,
      `/api/v1/log/inclusion?index=${index}&size=${checkpoint.size}`,
    )) as { hashes: unknown };
    return proveLeaf(index, leaf, this.#hashes(json.hashes), checkpoint);
  }

  /** The hashes of tile (level, index), `width` of them (256 for a full tile). */
  async tile(level: number, index: number, width = 256): Promise<Uint8Array> {
    const bytes = new Uint8Array(
      await (await this.#request(`/${tilePath({ level, index, width })}`)).arrayBuffer(),
    );
    if (bytes.length !== width * HASH_SIZE) {
      throw new LogClientError(
        'bad-tile',
        `tile ${level}/${index} has ${bytes.length} bytes, not ${width * HASH_SIZE}`,
      );
    }
    return bytes;
  }

  /** The entries of entry bundle `index`, `width` of them (256 for a full bundle). */
  async entryBundle(index: number, width = 256): Promise<Uint8Array[]> {
    const bytes = new Uint8Array(
      await (await this.#request(`/${entriesPath(index, width)}`)).arrayBuffer(),
    );
    const entries = decodeEntryBundle(bytes);
    if (entries.length !== width) {
      throw new LogClientError(
        'bad-entry-bundle',
        `entry bundle ${index} holds ${entries.length} entries, not ${width}`,
      );
    }
    return entries;
  }

  #openCheckpoint(note: string): VerifiedCheckpoint {
    try {
      const { checkpoint } = openCheckpoint(note, [this.#note], this.#note.name);
      return {
        origin: checkpoint.origin,
        size: checkpoint.size,
        rootHash: checkpoint.rootHash,
        note,
      };
    } catch (error) {
      throw new LogClientError(
        'bad-checkpoint',
        `the log's checkpoint does not verify with the pinned key: ${(error as Error).message}`,
        undefined,
        {
          cause: error,
        },
      );
    }
  }

  #verifyInclusion(index: number, body: Uint8Array, proof: ProofJson): VerifiedInclusion {
    const checkpoint = this.#openCheckpoint(proof.checkpoint);
    const hashes = this.#hashes(proof.hashes);
    if (
      proof.logIndex !== index ||
      proof.treeSize !== checkpoint.size ||
      proof.rootHash !== toHex(checkpoint.rootHash)
    ) {
      throw new LogClientError(
        'bad-inclusion-proof',
        'the inclusion proof is not for this entry and its checkpoint',
      );
    }
    return proveLeaf(index, body, hashes, checkpoint);
  }

  #hashes(hexes: unknown): Uint8Array[] {
    if (!Array.isArray(hexes))
      throw new LogClientError('bad-answer', 'proof hashes are not a list');
    return hexes.map((h) => {
      const bytes = typeof h === 'string' ? fromHex(h) : undefined;
      if (bytes?.length !== HASH_SIZE)
        throw new LogClientError('bad-answer', 'a proof hash is not 32 bytes of hex');
      return bytes;
    });
  }

  #decode(value: unknown, what: string): Uint8Array {
    const bytes = typeof value === 'string' ? fromBase64(value) : undefined;
    if (bytes === undefined) throw new LogClientError('bad-answer', `${what} is not base64`);
    return bytes;
  }

  get #client() {
    return { url: this.url, fetch: this.#fetch };
  }

  #request(path: string, init: RequestInit & { accept?: number[] } = {}): Promise<Response> {
    return request(this.#client, path, init);
  }
}

function proveLeaf(
  index: number,
  leaf: Uint8Array,
  hashes: Uint8Array[],
  checkpoint: VerifiedCheckpoint,
): VerifiedInclusion {
  try {
    verifyInclusion(index, checkpoint.size, leafHash(leaf), hashes, checkpoint.rootHash);
  } catch (error) {
    throw new LogClientError(
      'bad-inclusion-proof',
      `entry ${index} is not proven in checkpoint ${checkpoint.size}`,
      undefined,
      { cause: error },
    );
  }
  return { logIndex: index, hashes, checkpoint };
}

/** The JSON object a log answered; anything else (an HTML page, `null`) is no log's answer. */
async function objectOf(response: Response, url: string): Promise<object> {
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    json = undefined;
  }
  if (typeof json !== 'object' || json === null) {
    throw new LogClientError(
      'bad-answer',
      `${url} answered something that is not a JSON object: is it an attestry log?`,
      response.status,
    );
  }
  return json;
}

async function answerJson(client: { url: string; fetch: typeof fetch }, path: string) {
  return objectOf(await request(client, path), client.url);
}

async function request(
  client: { url: string; fetch: typeof fetch },
  path: string,
  init: RequestInit & { accept?: number[] } = {},
): Promise<Response> {
  const { accept = [200], ...rest } = init;
  let response: Response;
  try {
    response = await client.fetch(`${client.url}${path}`, rest);
  } catch (error) {
    // fetch says "fetch failed"; why (ECONNREFUSED, ENOTFOUND, a certificate) is its cause.
    const reason = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof reason?.code === 'string' ? reason.code : reason?.message;
    throw new LogClientError(
      'unreachable',
      `cannot reach the log at ${client.url}: ${(error as Error).message}${typeof why === 'string' ? ` (${why})` : ''}`,
      undefined,
      {
        cause: error,
      },
    );
  }
  if (!accept.includes(response.status)) {
    let code = 'http-error';
    let message = `${response.status} ${response.statusText}`;
    try {
      const json = (await response.json()) as { error?: { code?: string; message?: string } };
      code = json.error?.code ?? code;
      message = json.error?.message ?? message;
    } catch {
      // not a JSON error body: keep the status line
    }
    throw new LogClientError(
      code,
      `the log refused ${path.split('?')[0]}: ${message}`,
      response.status,
    );
  }
  return response;
}

/** The logged body must carry the envelope's own signature and payload hash. */
function bodyCommitsTo(
  body: Uint8Array,
  envelope: { payload?: unknown; signatures?: { sig?: unknown }[] } | undefined,
): boolean {
  const commitments = dsseCommitments(body);
  const payload = typeof envelope?.payload === 'string' ? fromBase64(envelope.payload) : undefined;
  return (
    commitments !== undefined &&
    payload !== undefined &&
    commitments.payloadHash === toHex(sha256(payload)) &&
    commitments.signature === envelope?.signatures?.[0]?.sig
  );
}

function checkBodyLogsBundle(body: Uint8Array, bundle: unknown): void {
  const envelope = (bundle as { dsseEnvelope?: Parameters<typeof bodyCommitsTo>[1] })?.dsseEnvelope;
  if (!bodyCommitsTo(body, envelope)) {
    throw new LogClientError(
      'wrong-entry',
      'the log answered with an entry that is not this bundle',
    );
  }
}

/** A stored envelope matches its leaf: by the envelope hash (v1), else by what it holds (v2). */
function envelopeMatches(body: Uint8Array, envelope: Uint8Array): boolean {
  const envelopeHash = dsseCommitments(body)?.envelopeHash;
  if (envelopeHash !== undefined) return envelopeHash === toHex(sha256(envelope));
  try {
    return bodyCommitsTo(body, JSON.parse(fromUtf8(envelope) ?? ''));
  } catch {
    return false;
  }
}
