// The log's statements straight from its storage, for what the server assembles itself (a
// model's AI-BOM): the same StatementSource the SDK reads through a verifying LogClient.
import type { StatementSource } from '../client-sdk/bom/logged-statement.ts';
import { statementOf } from '../client-sdk/bom/logged-statement.ts';
import { isObject } from './entries/is-object.ts';
import { toHex } from './log/encoding.ts';
import type { LogService } from './log-service.ts';
import { seconds } from './routes/proof-json.ts';

/** The identity a stored verifier record names: a key fingerprint, or a certificate's SAN. */
function signerOf(verifierJson: string): string | undefined {
  const verifier = JSON.parse(verifierJson);
  if (verifier.kind === 'publicKey') return verifier.identity;
  return isObject(verifier.identity) ? (verifier.identity.san as string) : undefined;
}

export function storageStatementSource(log: LogService, logUrl: string): StatementSource {
  return {
    logUrl,
    async find(filter, limit) {
      const checkpoint = log.sequencer.checkpoint;
      return log.storage.searchEntries(filter, -1, limit).flatMap((index) => {
        const record = index < checkpoint.size ? log.storage.readRecord(index) : undefined;
        const parts = statementOf(record?.envelope);
        const signer = record && signerOf(record.verifier);
        if (record === undefined || parts === undefined || signer === undefined) return [];
        return [
          {
            predicateType: parts.statement.predicateType as string,
            subjects: parts.statement.subject as {
              name?: string;
              digest: Record<string, string>;
            }[],
            predicate: parts.statement.predicate as Record<string, unknown>,
            ref: {
              logUrl,
              logIndex: index,
              integratedTime: seconds(record.integratedAt),
              checkpoint: {
                origin: log.origin,
                size: checkpoint.size,
                rootHash: toHex(checkpoint.root),
              },
              signer,
            },
          },
        ];
      });
    },
  };
}
