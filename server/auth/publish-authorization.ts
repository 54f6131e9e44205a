// May this caller publish this entry? The token must allow every name the entry publishes under,
// and each name's namespace must be unowned, the signer's own, or granted to the signer.
import { ApiError } from '../http/api-error.ts';
import type { EntryRecord } from '../storage/storage.ts';
import { type NameOwnership, publishedNames } from './name-ownership.ts';
import { nameMatches, publishedNameProblem } from './name-pattern.ts';
import type { Publisher } from './publisher.ts';

/**
 * Refuses (403) what the caller may not publish; otherwise returns the release of the
 * namespaces claimed, to call once the entry is logged or refused. `publisher` is undefined for
 * an anonymous caller (a log started with --allow-anonymous): ownership still applies.
 */
export function authorizePublication(
  ownership: NameOwnership,
  publisher: Publisher | undefined,
  record: EntryRecord | undefined,
): () => void {
  const names = publishedNames(record);
  if (record === undefined || names.length === 0) return () => {};
  for (const name of names) {
    const problem = publishedNameProblem(name);
    if (problem !== undefined) throw new ApiError(400, 'bad-name', problem);
    if (
      publisher !== undefined &&
      !publisher.namespaces.some((pattern) => nameMatches(pattern, name))
    ) {
      throw new ApiError(
        403,
        'namespace-not-allowed',
        `the token of ${publisher.subject} (${publisher.issuer}) allows publishing under ${publisher.namespaces.join(', ') || 'no name'}, not "${name}" (the name is the statement's subject: attestry sign --name, attest dataset --name)`,
      );
    }
  }
  return ownership.claim(names, record.identities[0]);
}
