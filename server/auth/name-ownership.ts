// Name ownership: the first signer identity to publish a model or dataset in a namespace owns it
// (acme/model makes its signer the owner of acme/*). Anyone else is refused there, unless the
// owner granted them names in the log: a grant is the owner's contributor attestation about the
// grantee (predicate https://attestry.dev/predicates/contributor/v1, `identity` the grantee,
// `names` the patterns granted, valid from validFrom until validUntil). Ownership is read from
// the log's own indexes, so it holds for every entry ever logged and survives restarts.
import { LRUCache } from 'lru-cache';
import { statementOf } from '../../client-sdk/bom/logged-statement.ts';
import { identityDigest } from '../entries/identity-digest.ts';
import { isObject } from '../entries/is-object.ts';
import { CONTRIBUTOR_PREDICATE_TYPE, NAMING_PREDICATE_TYPES } from '../entries/predicate-types.ts';
import { ApiError } from '../http/api-error.ts';
import type { EntryRecord, LogStorage } from '../storage/storage.ts';
import { nameMatches, namespaceOf } from './name-pattern.ts';

const CACHED_OWNERS = 65_536;
const GRANT_PAGE = 256;

/** The names an entry publishes under: its subjects' names, for the naming predicate types. */
export function publishedNames(record: EntryRecord | undefined): string[] {
  if (record === undefined || !NAMING_PREDICATE_TYPES.includes(record.predicateType)) return [];
  return [...new Set(record.subjects.flatMap((subject) => subject.name ?? []))];
}

/**
 * Whether an identity is a key's (sha256:<hex of its DER SPKI>). Only keys hold or receive names:
 * the log does not check certificates against a trust root, so a certificate's subject alternative
 * name is whatever its maker wrote, and could be anyone's.
 */
export function isKeyIdentity(identity: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(identity);
}

/** Unix milliseconds of an RFC 3339 bound, NaN when JavaScript cannot read it (23:59:60). */
const instant = (value: unknown) => (typeof value === 'string' ? Date.parse(value) : undefined);

function grantCovers(predicate: unknown, grantee: string, name: string, now: number): boolean {
  if (!isObject(predicate) || predicate.identity !== grantee) return false;
  const { names } = predicate;
  const from = instant(predicate.validFrom);
  const until = instant(predicate.validUntil);
  // A bound that cannot be read voids the grant rather than being ignored.
  if (from !== undefined && !(from <= now)) return false;
  if (until !== undefined && !(now < until)) return false;
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
      digest: `sha256:${identityDigest(grantee)}`,
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
   * called, once the entry is logged or refused. A certificate identity publishes only where
   * nobody owns the namespace, and claims nothing.
   */
  claim(names: string[], identity: string, now = Date.now()): () => void {
    const key = isKeyIdentity(identity);
    const claimed = new Set<string>();
    for (const name of names) {
      const namespace = namespaceOf(name);
      const logged = this.loggedOwner(namespace);
      const owner = logged ?? this.#claims.get(namespace)?.identity;
      if (owner === undefined) {
        if (key) claimed.add(namespace);
        continue;
      }
      if (owner === identity) continue;
      // Only a logged owner's grants count: a first claim still in flight may yet fail.
      if (!key || logged === undefined || !this.granted(owner, identity, name, now)) {
        throw new ApiError(403, 'name-owned', ownedMessage(name, namespace, owner, identity, key));
      }
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

function ownedMessage(
  name: string,
  namespace: string,
  owner: string,
  identity: string,
  key: boolean,
): string {
  const owned = `"${name}" is in the namespace ${namespace}, owned by ${owner}`;
  if (!key) {
    return `${owned}; names are held and granted to keys only (this log does not check certificates against a trust root), so sign with a key the owner grants the name to`;
  }
  return `${owned}, which has no grant to ${identity} covering it now (none, expired, or for other names): the owner can grant it (attestry attest contributor --identity ${identity} --role maintainer --names ${JSON.stringify(name)} --key OWNER-KEY.pem --log URL)`;
}
