// `attestry token`: mints a publish token from the log's local issuer, for an operator or a CI
// pipeline, limited to the name patterns given and to its time to live.
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { mintLocalToken } from '../../../server/auth/local-token.ts';
import { DEFAULT_DB_PATH, defaultKeysDir } from '../../../server/defaults.ts';
import {
  loadTokenIssuerKey,
  NOTE_VERIFIER_FILE,
  readNoteVerifierKey,
} from '../../../server/keys.ts';
import { LogError } from '../../../server/log/errors.ts';
import { parseVerifierKey } from '../../../server/log/note-keys.ts';
import { collect, parseDuration } from '../options.ts';

export function tokenCommand(): Command {
  return new Command('token')
    .description(
      "Mint a token for publishing to a log, signed by the log's own issuer key (created by the server's first start).",
    )
    .option('--db <file>', "the log's SQLite file, to find its keys/ beside it", DEFAULT_DB_PATH)
    .option('--keys <dir>', "the log's key directory (default: keys/ beside the database)")
    .requiredOption(
      '--namespace <pattern>',
      'a name pattern the token may publish under: acme/model, acme/* or * (repeatable)',
      collect,
    )
    .addOption(
      new Option('--ttl <duration>', 'how long the token is valid: 90s, 30m, 1h, 7d')
        .argParser(parseDuration)
        .default(3600, '1h'),
    )
    .option(
      '--subject <name>',
      'who the token is for, as rate limits and errors name it',
      'operator',
    )
    .option('--json', 'print one JSON document: the token, its expiry and its namespaces')
    .addHelpText(
      'after',
      `
The token goes to publishing commands as --token or in ATTESTRY_TOKEN:
  export ATTESTRY_TOKEN=$(attestry token --namespace 'acme/*' --ttl 1h)
  attestry sign ./model --key key.pem --name acme/model --log http://127.0.0.1:8080`,
    )
    .action(async (options) => {
      const keysDir: string = options.keys ?? defaultKeysDir(options.db);
      const request = {
        namespaces: options.namespace as string[],
        ttlSeconds: options.ttl as number,
        subject: options.subject as string,
      };
      try {
        const origin = parseVerifierKey(logVerifierKey(keysDir)).name;
        const { token, expiresAt } = await mintLocalToken(loadTokenIssuerKey(keysDir), {
          ...request,
          origin,
        }).catch((error: unknown) => {
          // mintLocalToken refuses what no token should carry (localTokenProblem).
          if (error instanceof RangeError) throw new LogError('bad-token-request', error.message);
          throw error;
        });
        // A one-word pattern is one name, not a namespace: a common slip for acme/*.
        for (const pattern of request.namespaces.filter((p) => p !== '*' && !p.includes('/'))) {
          console.error(
            `attestry token: note: "${pattern}" allows the name ${pattern} only; "${pattern}/*" allows every name below it`,
          );
        }
        console.log(
          options.json
            ? JSON.stringify({
                token,
                origin,
                subject: request.subject,
                namespaces: request.namespaces,
                expiresAt: expiresAt.toISOString(),
              })
            : token,
        );
      } catch (error) {
        if (!(error instanceof LogError)) throw error;
        if (options.json)
          console.log(JSON.stringify({ ok: false, code: error.code, message: error.message }));
        else console.error(`attestry token: ${error.message}`);
        process.exitCode = 1;
      }
    });
}

/** The log's note.pub, with a hint that names both ways to find it. */
function logVerifierKey(keysDir: string): string {
  try {
    return readNoteVerifierKey(keysDir);
  } catch (error) {
    if (!(error instanceof LogError)) throw error;
    throw new LogError(
      error.code,
      `no log verifier key at ${join(keysDir, NOTE_VERIFIER_FILE)}: pass --db with the log's database (its keys are in keys/ beside it, where attestry server made them) or --keys with its key directory`,
    );
  }
}
