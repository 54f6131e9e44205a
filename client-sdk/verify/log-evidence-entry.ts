// Finds the log entry of a bundle: the one whose leaf logs the bundle's signature, over its
// payload, by its signer. That is the canonical Rekor dsse body the log computes for a bundle; an
// entry made through the log's Rekor API (RekorWitness) logs the same signature in a body of its
// own (the envelope as that client spelled it, or Rekor v2's shape). The bundle's own tlog entries name the first candidates; when
// it has none (or none of them is it: they may be another log's), the log's exact search by
// subject digest, signer identity and predicate type names the rest.
import { isObject } from '../../server/entries/is-object.ts';
import type { CheckedSubmission } from '../../server/entries/submission.ts';
import { LogClientError } from '../log-client/errors.ts';
import type { FetchedEntry, LogClient } from '../log-client/log-client.ts';
import { sameSignedEnvelope } from '../log-client/logged-dsse.ts';
import { LogEvidenceError } from './log-evidence-error.ts';

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** The entry of the bundle, proven included in the log's latest checkpoint. */
export async function findLoggedEntry(
  client: LogClient,
  bundle: unknown,
  checked: CheckedSubmission,
): Promise<FetchedEntry> {
  for (const index of bundleLogIndices(bundle)) {
    const entry = await entryWithLeaf(client, index, checked.leaf);
    if (entry !== undefined) return entry;
  }
  const [algorithm, hex] = Object.entries(checked.statement.subjects[0].digests)[0];
  const filter = {
    digest: `${algorithm}:${hex}`,
    identity: checked.identities[0],
    predicateType: checked.statement.predicateType,
  };
  let cursor: string | undefined;
  do {
    const page = await client.search(filter, { cursor });
    for (const hit of page.entries) {
      const entry = await entryWithLeaf(client, hit.logIndex, checked.leaf);
      if (entry !== undefined) return entry;
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  throw new LogEvidenceError(
    'entry-not-in-log',
    `the log at ${client.url} holds no entry for this bundle (searched by ${filter.digest}, signer ${filter.identity})`,
  );
}

/** `verificationMaterial.tlogEntries[].logIndex` (an int64, so a string in proto3 JSON). */
function bundleLogIndices(bundle: unknown): number[] {
  // checkSubmission has made sure that verificationMaterial is an object.
  const { tlogEntries } = (bundle as { verificationMaterial: { tlogEntries?: unknown } })
    .verificationMaterial;
  return (Array.isArray(tlogEntries) ? tlogEntries : []).flatMap((entry) => {
    const text = String(isObject(entry) ? entry.logIndex : '');
    return DECIMAL.test(text) && Number.isSafeInteger(Number(text)) ? [Number(text)] : [];
  });
}

async function entryWithLeaf(
  client: LogClient,
  index: number,
  leaf: Uint8Array,
): Promise<FetchedEntry | undefined> {
  try {
    const entry = await client.entry(index);
    return sameSignedEnvelope(entry.canonicalizedBody, leaf) ? entry : undefined;
  } catch (error) {
    // An index of another log's entry may be beyond the end of this one.
    if (error instanceof LogClientError && error.code === 'entry-not-found') return undefined;
    throw error;
  }
}
