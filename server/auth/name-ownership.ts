// Name ownership: the first signer identity to publish a model or dataset in a namespace owns it
// (acme/model makes its signer the owner of acme/*). Anyone else is refused there, unless the
// owner granted them names in the log: a grant is the owner's contributor attestation about the
// grantee (predicate https://attestry.dev/predicates/contributor/v1, `identity` the grantee,
// `names` the patterns granted, valid from validFrom until validUntil). Ownership is read from
// the log's own indexes, so it holds for every entry ever logged and survives restarts.
import { LRUCache } from 'lru-cache';
import { statementOf } from '../../client-sdk/bom/logged-statement.ts';
import { isObject } from '../entries/is-object.ts';
import { CONTRIBUTOR_PREDICATE_TYPE, NAMING_PREDICATE_TYPES } from '../entries/predicate-types.ts';
import { ApiError } from '../http/api-error.ts';
import { toHex, utf8 } from '../log/encoding.ts';
import { sha256 } from '../log/hash.ts';
import type { EntryRecord, LogStorage } from '../storage/storage.ts';
import { nameMatches, namespaceOf } from './name-pattern.ts';

const CACHED_OWNERS = 65_536;
const GRANT_PAGE = 256;

/** The names an entry publishes under: its subjects' names, for the naming predicate types. */
export function publishedNames(record: EntryRecord | undefined): string[] {
  if (record === undefined || !NAMING_PREDICATE_TYPES.includes(record.predicateType)) return [];
  return [...new Set(record.subjects.flatMap((subject) => subject.name ?? []))];
}

/** The subject digest of a contributor attestation about `identity`. */
export function identityDigest(identity: string): string {
  return `sha256:${toHex(sha256(utf8(identity)))}`;
}

function grantCovers(predicate: unknown, grantee: string, name: string, now: number): boolean {
  if (!isObject(predicate) || predicate.identity !== grantee) return false;
  const { names, validFrom, validUntil } = predicate;
  if (typeof validFrom === 'string' && Date.parse(validFrom) > now) return false;
  if (typeof validUntil === 'string' && Date.parse(validUntil) <= now) return false;
  return (
    Array.isArray(names) &&
    names.some((pattern) => typeof pattern === 'string' && nameMatches(pattern, name))
  );
}

export class NameOwnership {
  readonly #storage: LogStorage;
  /** namespace → owner: once a namespace has an owner, it never changes. */
  readonly #owners = new LRUCache<string, string>({ max: CACHED_OWNERS });
  /**
   * First claims still waiting for the sequencer: a second identity racing for the same new
   * namespace is refused as if the first had been logged already.
   */
  readonly #claims = new Map<string, { identity: string; pending: number }>();

  constructor(storage: LogStorage) {
    this.#storage = storage;
  }

  /** The owner of a namespace, as the log holds it (a claim still in flight is not counted). */
  loggedOwner(namespace: string): string | undefined {
    let owner = this.#owners.get(namespace);
    if (owner === undefined) {
      owner = this.#storage.firstPublisher(namespace, NAMING_PREDICATE_TYPES);
      if (owner !== undefined) this.#owners.set(namespace, owner);
    }
    return owner;
  }

  /** Whether `owner` granted `grantee` the name, in a grant valid at `now`. */
  granted(owner: string, grantee: string, name: string, now: number): boolean {
    const filter = {
      digest: identityDigest(grantee),
      identity: owner,
      predicateType: CONTRIBUTOR_PREDICATE_TYPE,
    };
    for (let after = -1; ; ) {
      const indexes = this.#storage.searchEntries(filter, after, GRANT_PAGE);
      for (const index of indexes) {
        const predicate = statementOf(this.#storage.readRecord(index)?.envelope)?.statement
          .predicate;
        if (grantCovers(predicate, grantee, name, now)) return true;
      }
      if (indexes.length < GRANT_PAGE) return false;
      after = indexes[indexes.length - 1];
    }
  }

  /**
   * Refuses (403 name-owned) a name whose namespace another identity owns without a grant to
   * `identity`; claims the unowned namespaces for `identity` until the returned release is
   * called, once the entry is logged or refused.
   */
  claim(names: string[], identity: string, now = Date.now()): () => void {
    const claimed = new Set<string>();
    for (const name of names) {
      const namespace = namespaceOf(name);
      const logged = this.loggedOwner(namespace);
      const owner = logged ?? this.#claims.get(namespace)?.identity;
      if (owner !== undefined && owner !== identity && !this.granted(owner, identity, name, now)) {
        throw new ApiError(
          403,
          'name-owned',
          `"${name}" is in the namespace ${namespace}, owned by ${owner}, which has granted ${identity} no name there: the owner can grant it (attestry attest contributor --identity ${identity} --role maintainer --names '${name}')`,
        );
      }
      if (logged === undefined) claimed.add(namespace);
    }
    for (const namespace of claimed) {
      const held = this.#claims.get(namespace);
      if (held === undefined) this.#claims.set(namespace, { identity, pending: 1 });
      else held.pending++;
    }
    return () => {
      for (const namespace of claimed) {
        const held = this.#claims.get(namespace);
        if (held !== undefined && --held.pending === 0) this.#claims.delete(namespace);
      }
    };
  }
}
