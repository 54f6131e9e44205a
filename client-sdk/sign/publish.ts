// Publishing a signed bundle to an attestry log: through the log client, which checks that the
// answer logs exactly this bundle, proves its inclusion and verifies the signed entry timestamp.
import { LogClient } from '../log-client/log-client.ts';
import { SignError } from './errors.ts';

export interface PublishedEntry {
  url: string;
  logIndex: number;
  /** Unix seconds. */
  integratedTime: number;
  /** The log already held this bundle. */
  duplicate: boolean;
}

type Signature = { bundle: unknown; publicKey?: string };

/**
 * A log given by URL is trusted on first use: its keys are fetched from it and pinned for this
 * one submission, and `token` is the bearer token sent. Pass a LogClient (with its own token) to
 * pin keys obtained out of band. A bundle that names its key by a hint goes with the PEM public
 * key, which the log needs to check it.
 */
export function publishSignature(
  log: LogClient | string,
  signature: Signature,
  token?: string,
): Promise<PublishedEntry> {
  return publish(
    log,
    signature,
    token,
    (url) => `the bundle is signed, but publishing it to ${url}`,
  );
}

/** As publishSignature, for a bundle signed earlier: its errors name it by `source` (its file). */
export function publishBundle(
  source: string,
  log: LogClient | string,
  signature: Signature,
  token?: string,
): Promise<PublishedEntry> {
  return publish(log, signature, token, (url) => `publishing ${source} to ${url}`);
}

/** A failure is a SignError (publish-failed): "<what> failed: <why>", the log's error its cause. */
async function publish(
  log: LogClient | string,
  signature: Signature,
  token: string | undefined,
  what: (url: string) => string,
): Promise<PublishedEntry> {
  const url = typeof log === 'string' ? log : log.url;
  try {
    const client = typeof log === 'string' ? await LogClient.trustOnFirstUse(url, token) : log;
    const entry = await client.submit(
      signature.publicKey === undefined
        ? { bundle: signature.bundle }
        : { bundle: signature.bundle, publicKey: signature.publicKey },
    );
    return {
      url,
      logIndex: entry.logIndex,
      integratedTime: entry.integratedTime,
      duplicate: entry.duplicate,
    };
  } catch (cause) {
    throw new SignError('publish-failed', `${what(url)} failed: ${(cause as Error).message}`, {
      cause,
    });
  }
}
