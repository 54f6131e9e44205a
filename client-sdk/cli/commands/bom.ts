import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parsePublicKeyPem } from '../../../server/entries/signer-key.ts';
import { LogError } from '../../../server/log/errors.ts';
import type {
  BomDocument,
  BomFormat,
  CycloneDxVersion,
  LogFacts,
  ModelFacts,
} from '../../bom/index.ts';
import { LogClient } from '../../log-client/log-client.ts';
import { collect, parseLogKey, readOptionFile, tokenOption } from '../options.ts';
import { progressBar } from '../progress.ts';
import { reportFailure } from '../report-failure.ts';
import { DEFAULT_SIGNATURE_FILE } from './sign.ts';

interface BomFlags {
  format: BomFormat;
  specVersion?: CycloneDxVersion;
  out?: string;
  ignorePaths?: string[];
  allowSymlinks?: boolean;
  json?: boolean;
  log?: string;
  logKey?: string;
  publish?: boolean;
  key?: string;
  token?: string;
  signer?: string[];
}

export function bomCommand(): Command {
  return new Command('bom')
    .description(
      "Write a model's AI-BOM, CycloneDX or SPDX: its OMS root digest and file digests, the safetensors headers (tensors, parameters, dtypes), config.json and the README's model card (license, datasets, base model, ...). No weights are loaded.",
    )
    .argument('<model>', 'the model directory or file')
    .addOption(
      new Option('--format <format>', 'the document format')
        .choices(['cyclonedx', 'spdx'])
        .default('cyclonedx'),
    )
    .addOption(
      new Option(
        '--spec-version <version>',
        'CycloneDX version (default 1.6); SPDX documents are 3.0.1',
      ).choices(['1.6', '1.7']),
    )
    .option(
      '--out <file>',
      'write the BOM to this file (default: print it); a file inside the model is left out of the digest',
    )
    .option(
      '--ignore-paths <path>',
      "leave out this file or directory, as sign does (repeatable; .git, .gitattributes, .github, .gitignore and sign's ./model.sig are always left out)",
      collect,
    )
    .option('--allow-symlinks', 'follow symbolic links inside the model (refused by default)')
    .option(
      '--log <url>',
      'add what this attestry log holds about the model: its signatures, lineage, datasets, contributors, evaluations and revocations, each with its log entry',
    )
    .option(
      '--log-key <key>',
      "with --log: the log's C2SP note verifier key, or its note.pub file, pinned for reading and for --publish (default: the key the log announces)",
      parseLogKey,
    )
    .option(
      '--signer <key-or-identity>',
      "with --log: whose statements count, a PEM public key file or an identity (sha256:<hex>, a certificate's email or URI); the model's signer and anyone else you trust (repeatable). Anyone can publish about any model: others' statements are left out",
      collect,
    )
    .option(
      '--publish',
      'with --log and --key: sign the BOM (an in-toto statement about the model, predicate type https://cyclonedx.org/bom or https://spdx.dev/Document/v3) and publish it to the log',
    )
    .option('--key <file>', 'with --publish: the PEM ECDSA private key that signs')
    .addOption(tokenOption())
    .option(
      '--json',
      'print one JSON document: a summary with the file written, or with the BOM itself when there is no --out',
    )
    .addHelpText(
      'after',
      `
The model is hashed as \`attestry sign\` hashes it, so the BOM's root digest is the one a
signature and the log name. Facts missing from the directory (no README, no config.json) are
left out; a corrupt safetensors header, config.json or model card is an error.

Examples:
  attestry bom ./model > model.cdx.json
  attestry bom ./model --spec-version 1.7 --out model.cdx.json
  attestry bom ./model --format spdx --out model.spdx.json --json
  attestry bom ./model --log http://127.0.0.1:8080 --log-key "$(cat data/keys/note.pub)"`,
    )
    .action(async (model: string, flags: BomFlags, command: Command) => {
      const json = flags.json === true;
      if (flags.format === 'spdx' && flags.specVersion !== undefined) {
        command.error('error: --spec-version applies to --format cyclonedx only (SPDX is 3.0.1)');
      }
      if (flags.log !== undefined && flags.signer === undefined) {
        command.error(
          "error: --log needs --signer: the model signer's public key (or identity), whose statements the BOM takes from the log",
        );
      }
      if (flags.publish === true && (flags.log === undefined || flags.key === undefined)) {
        command.error('error: --publish needs --log (where to publish) and --key (what signs)');
      }
      const privateKey = flags.key === undefined ? undefined : readOptionFile(flags.key, '--key');
      const bar = json ? undefined : progressBar('hashing');
      try {
        // The SDK loads when the command runs, not for every `attestry --help`.
        const { modelFacts, writeBom } = await import('../../bom/index.ts');
        // As sign hashes: its signature file and the BOM itself, when inside the model, are no
        // part of it.
        const ignorePaths = [
          ...(flags.ignorePaths ?? []),
          DEFAULT_SIGNATURE_FILE,
          ...(flags.out === undefined ? [] : [flags.out]),
        ].map((path) => resolve(path));
        const facts = await modelFacts(model, {
          ignorePaths,
          allowSymlinks: flags.allowSymlinks,
          onProgress: (done, total) => bar?.update(done, total),
        });
        bar?.stop();

        // One client for the facts and the publishing, pinned to --log-key (else to the key the
        // log presents once): the answer to the publish is checked with the key the facts were.
        const client =
          flags.log === undefined
            ? undefined
            : await logClient(flags.log, flags.logKey, flags.token);
        const logFacts =
          client === undefined
            ? undefined
            : await factsFromLog(client, facts.rootDigest, flags.signer ?? []);
        const bom = writeBom(facts, {
          format: flags.format,
          specVersion: flags.specVersion,
          logFacts,
        });
        const specVersion = flags.format === 'spdx' ? '3.0.1' : (flags.specVersion ?? '1.6');
        const published =
          flags.publish === true && client !== undefined && privateKey !== undefined
            ? await publishBom(bom, facts, flags.format, privateKey, client)
            : undefined;
        // Beside a document printed to standard output, the index goes to standard error.
        if (published !== undefined && !json) {
          console.error(`published the AI-BOM to ${flags.log} at index ${published.logIndex}`);
        }
        const summary = {
          ok: true,
          format: flags.format,
          specVersion,
          name: facts.name,
          rootDigest: facts.rootDigest,
          files: facts.files.length,
          ...(published && { published }),
        };
        if (flags.out === undefined) {
          console.log(json ? JSON.stringify({ ...summary, bom }) : JSON.stringify(bom, null, 2));
          return;
        }
        writeDocument(flags.out, bom);
        if (json) {
          console.log(JSON.stringify({ ...summary, out: resolve(flags.out) }));
          return;
        }
        const label = flags.format === 'spdx' ? 'SPDX' : 'CycloneDX';
        console.log(
          `wrote the ${label} ${specVersion} AI-BOM of ${facts.name} (${summary.files} files, root sha256:${facts.rootDigest}): ${flags.out}`,
        );
      } catch (error) {
        bar?.stop();
        reportFailure('bom', error, json);
      }
    });
}

function writeDocument(path: string, document: unknown): void {
  try {
    writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  } catch (cause) {
    throw new LogError(
      'unwritable-file',
      `cannot write the BOM to ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** The log at `url`: pinned to `logKey`, else to the keys it presents now, as `sign` takes them. */
async function logClient(
  url: string,
  logKey: string | undefined,
  token: string | undefined,
): Promise<LogClient> {
  return logKey === undefined
    ? LogClient.trustOnFirstUse(url, token)
    : new LogClient({ url, noteVerifierKey: logKey, token });
}

/** What the log holds about the model, every statement proven and its signature checked. */
async function factsFromLog(
  client: LogClient,
  rootDigest: string,
  signers: string[],
): Promise<LogFacts> {
  const { gatherLogFacts, logClientSource } = await import('../../bom/index.ts');
  return gatherLogFacts(logClientSource(client), rootDigest, signers.map(signerIdentity));
}

async function publishBom(
  bom: BomDocument,
  facts: ModelFacts,
  format: BomFormat,
  privateKey: string,
  log: LogClient,
) {
  const { attestBom } = await import('../../bom/index.ts');
  return attestBom(bom, {
    model: { name: facts.name, sha256: facts.rootDigest },
    format,
    privateKey,
    log,
  });
}

/** A signer given on the command line: a PEM public key file, else an identity as it is. */
function signerIdentity(value: string): string {
  if (!existsSync(value)) return value;
  return parsePublicKeyPem(readOptionFile(value, '--signer')).identity;
}
