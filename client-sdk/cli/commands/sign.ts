import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { LogError } from '../../../server/log/errors.ts';
import type { SignOptions, SignResult } from '../../sign/index.ts';
import {
  collect,
  parseLogKey,
  parseModelName,
  parseShardSize,
  publishTarget,
  readOptionFile,
  tokenOption,
} from '../options.ts';
import { progressBar } from '../progress.ts';
import { reportFailure } from '../report-failure.ts';

export const DEFAULT_SIGNATURE_FILE = 'model.sig';

export interface SignFlags {
  key?: string;
  certificate?: string;
  certificateChain?: string[];
  identityToken?: string;
  fulcioUrl?: string;
  tsaUrl?: string;
  rekorUrl?: string;
  ignorePaths?: string[];
}

/** The signModel options the flags describe, with the files they name read. */
export function signOptionsFrom(out: string, flags: SignFlags): SignOptions {
  return {
    privateKey: flags.key === undefined ? undefined : readOptionFile(flags.key, '--key'),
    certificate:
      flags.certificate === undefined
        ? undefined
        : readOptionFile(flags.certificate, '--certificate'),
    certificateChain: flags.certificateChain?.map((file) =>
      readOptionFile(file, '--certificate-chain'),
    ),
    identityToken: flags.identityToken,
    fulcioURL: flags.fulcioUrl,
    tsaURL: flags.tsaUrl,
    rekorURL: flags.rekorUrl,
    signaturePath: resolve(out),
    ignorePaths: flags.ignorePaths?.map((path) => resolve(path)),
  };
}

/** Writes the bundle, as model_signing does: the whole file replaced. */
export function writeBundle(path: string, result: SignResult): void {
  try {
    writeFileSync(path, `${JSON.stringify(result.bundle)}\n`);
  } catch (cause) {
    throw new LogError(
      'unwritable-file',
      `cannot write the bundle to ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

export function signCommand(): Command {
  return new Command('sign')
    .description(
      'Sign a model (a directory or a file) in the OpenSSF Model Signing format: a Sigstore bundle over the digest of every file, which `attestry verify` and model_signing verify.',
    )
    .argument('<model>', 'the model directory or file')
    .option('--key <file>', 'key and certificate methods: the PEM ECDSA private key')
    .option('--certificate <file>', 'certificate method: the PEM certificate of --key')
    .option(
      '--certificate-chain <file>',
      'certificate method: PEM CA certificates above it, issuer first (repeatable)',
      collect,
    )
    .addOption(
      new Option(
        '--identity-token <jwt>',
        'keyless: an OIDC identity token to exchange with Fulcio (better from the environment: command lines are visible to other users)',
      ).env('SIGSTORE_ID_TOKEN'),
    )
    .option(
      '--fulcio-url <url>',
      'keyless: the Fulcio to ask (default https://fulcio.sigstore.dev)',
    )
    .option('--tsa-url <url>', 'keyless: an RFC 3161 timestamp authority to stamp the signature')
    .option(
      '--rekor-url <url>',
      'log the signature in this Rekor and keep its entry in the bundle (public Rekor, or an attestry log run with --allow-anonymous)',
    )
    .option(
      '--out <file>',
      'where to write the bundle, relative to the working directory as with model_signing; a bundle inside the model is left out of what is signed',
      DEFAULT_SIGNATURE_FILE,
    )
    .option(
      '--name <name>',
      "the model's name in the signature (default: its directory's name); a log guards names by namespace, so publish under your own: acme/model",
      parseModelName,
    )
    .option('--ignore-paths <path>', 'leave out this file or directory (repeatable)', collect)
    .option('--no-ignore-git-paths', 'sign .git, .gitattributes, .github and .gitignore too')
    .option('--allow-symlinks', 'follow symbolic links inside the model (refused by default)')
    .option(
      '--shard-size <bytes>',
      'hash files in shards of this size (the shards method)',
      parseShardSize,
    )
    .option('--log <url>', 'also publish the bundle to this attestry log and print its index')
    .option(
      '--log-key <key>',
      "with --log: the log's C2SP note verifier key, or its note.pub file, pinned (default: the key the log announces)",
      parseLogKey,
    )
    .addOption(tokenOption())
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `
Choose one method:
  --key KEY.pem                                        signed with a key (attestry keygen)
  --key KEY.pem --certificate C.pem --certificate-chain CA.pem
                                                       signed with a certificate
  --identity-token JWT [--fulcio-url URL] [--tsa-url URL]
                                                       keyless, with a short-lived Fulcio certificate

Examples:
  attestry sign ./model --key private-key.pem --out model.sig
  attestry sign ./model --key private-key.pem --log https://log.example.org --json`,
    )
    .action(
      async (
        model: string,
        flags: SignFlags & {
          out: string;
          ignoreGitPaths: boolean;
          allowSymlinks?: boolean;
          shardSize?: number;
          log?: string;
          logKey?: string;
          token?: string;
          name?: string;
          json?: boolean;
        },
      ) => {
        const json = flags.json === true;
        const bar = json ? undefined : progressBar('hashing');
        try {
          // The SDK (and @sigstore/*) loads when the command runs, not for every `attestry --help`.
          const { publishSignature, signModel } = await import('../../sign/index.ts');
          const result = await signModel(model, {
            ...signOptionsFrom(flags.out, flags),
            ignoreGitPaths: flags.ignoreGitPaths,
            ...(flags.name === undefined ? {} : { name: flags.name }),
            allowSymlinks: flags.allowSymlinks,
            ...(flags.shardSize === undefined
              ? {}
              : { serialization: 'shards', shardSize: flags.shardSize }),
            onProgress: (done, total) => bar?.update(done, total),
          });
          bar?.stop();
          // Written before publishing: a log that refuses the bundle does not lose the signature.
          writeBundle(flags.out, result);
          if (flags.log !== undefined) {
            result.log = await publishSignature(
              publishTarget({ ...flags, log: flags.log }),
              result,
              flags.token,
            );
          }
          const summary = {
            ok: true,
            bundle: resolve(flags.out),
            method: result.method,
            name: result.manifest.modelName,
            files: result.manifest.resources.length,
            rootDigest: result.manifest.rootDigest,
            ...(result.log === undefined ? {} : { log: result.log }),
          };
          if (json) {
            console.log(JSON.stringify(summary));
            return;
          }
          console.log(
            `signed ${model} as "${summary.name}" (${summary.files} resources, root sha256:${summary.rootDigest}) with the ${result.method} method: ${flags.out}`,
          );
          if (result.log !== undefined) {
            console.log(
              `published to ${result.log.url} at index ${result.log.logIndex}, under the name "${summary.name}"${flags.name === undefined ? " (its directory's: --name sets another)" : ''}`,
            );
          }
        } catch (error) {
          bar?.stop();
          reportFailure('sign', error, json);
        }
      },
    );
}
