import { resolve } from 'node:path';
import { Command } from 'commander';
import { VerifyError } from '../../verify/errors.ts';
import type { VerifyOptions, VerifyResult } from '../../verify/index.ts';
import { collect, parseCount, parseLogKey, readOptionFile } from '../options.ts';
import { progressBar } from '../progress.ts';
import { reportFailure } from '../report-failure.ts';

export interface VerifyFlags {
  key?: string;
  certificateChain?: string[];
  identity?: string;
  issuer?: string;
  trustedRoot?: string[];
  tlogThreshold?: number;
  ignorePaths?: string[];
  ignoreUnsignedFiles?: boolean;
  log?: string;
  logKey?: string;
  stateDir?: string;
  advisoryKey?: string[];
}

/** The verifyModel options the flags describe, with the files they name read. */
export function verifyOptionsFrom(bundle: string, flags: VerifyFlags): VerifyOptions {
  const trustedRoot = flags.trustedRoot?.map((file) => {
    const text = readOptionFile(file, '--trusted-root');
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new VerifyError('bad-options', `--trusted-root ${file} is not JSON`, { cause });
    }
  });
  if ((flags.log === undefined) !== (flags.logKey === undefined)) {
    throw new VerifyError(
      'bad-options',
      "--log and --log-key go together: the log's note verifier key must be pinned (`attestry log info --log URL` prints the key a log announces; better, take it from its operator)",
    );
  }
  return {
    bundle: resolve(bundle),
    key: flags.key === undefined ? undefined : readOptionFile(flags.key, '--key'),
    certificateChain:
      flags.certificateChain === undefined
        ? undefined
        : flags.certificateChain
            .map((file) => readOptionFile(file, '--certificate-chain'))
            .join('\n'),
    identity: flags.identity,
    issuer: flags.issuer,
    trustedRoot,
    tlogThreshold: flags.tlogThreshold,
    // As typed on the command line: relative to the working directory, like the model path.
    ignorePaths: flags.ignorePaths?.map((path) => resolve(path)),
    ignoreUnsignedFiles: flags.ignoreUnsignedFiles,
    advisoryKeys: flags.advisoryKey?.map((file) => readOptionFile(file, '--advisory-key')),
    log:
      flags.log === undefined
        ? undefined
        : { url: flags.log, logKey: flags.logKey as string, stateDir: flags.stateDir },
  };
}

function describeSigner(result: VerifyResult): string {
  const { signer } = result;
  switch (signer.method) {
    case 'key':
      return `the key ${signer.keyIdentity}`;
    case 'certificate':
      return `the certificate of ${signer.subjectAlternativeName ?? signer.subject} (CA ${signer.trustAnchor})`;
    case 'sigstore':
      return `${signer.identity} (issuer ${signer.issuer})`;
  }
}

export function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'Verify a model against its OpenSSF Model Signing bundle: the signature, the signer, then every file. Exits 0 only when all of it verified.',
    )
    .argument('<model>', 'the model directory or file')
    .requiredOption('--bundle <file>', 'the signature bundle (model.sig)')
    .option('--key <file>', "key method: the signer's PEM public key")
    .option(
      '--certificate-chain <file>',
      'certificate method: PEM CA certificates to trust (repeatable)',
      collect,
    )
    .option('--identity <san>', 'keyless: the email or URI the signing certificate must name')
    .option('--issuer <url>', 'keyless: the OIDC issuer that must have vouched for it')
    .option(
      '--trusted-root <file>',
      'keyless: a Sigstore trusted_root.json (or ClientTrustConfig) of the Fulcio and logs to trust (repeatable: they are merged, so a Fulcio root and `attestry log trusted-root` of the log go together)',
      collect,
    )
    .option(
      '--tlog-threshold <n>',
      'keyless: transparency log entries the bundle must carry (default 1, as OMS requires)',
      parseCount,
    )
    .option(
      '--ignore-paths <path>',
      'also leave out this file or directory (repeatable; paths signed as ignored are always left out)',
      collect,
    )
    .option('--ignore-unsigned-files', 'accept files the signature does not cover')
    .option(
      '--no-ignore-git-paths',
      'hash .git, .gitattributes, .github and .gitignore too (for models signed with them)',
    )
    .option('--log <url>', 'also prove the bundle is in this attestry log')
    .option(
      '--log-key <key>',
      "with --log: the log's C2SP note verifier key, or its note.pub file, pinned",
      parseLogKey,
    )
    .option(
      '--advisory-key <file>',
      "with --log: a PEM public key trusted to revoke models (repeatable); the signer's own key always is",
      collect,
    )
    .option(
      '--state-dir <dir>',
      'with --log: where the last checkpoint seen of each log is kept (default ~/.config/attestry)',
    )
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `
Choose one method:
  --key PUB.pem                                   signed with a key
  --certificate-chain CA.pem                      signed with a certificate issued under CA.pem
  --identity ID --issuer URL --trusted-root FILE  signed keyless (Sigstore/Fulcio)

Examples:
  attestry verify ./model --bundle model.sig --key public-key.pem
  attestry verify ./model --bundle model.sig --identity dev@example.com \\
    --issuer https://accounts.google.com --trusted-root trusted_root.json --json`,
    )
    .action(
      async (
        model: string,
        flags: VerifyFlags & { bundle: string; ignoreGitPaths: boolean; json?: boolean },
      ) => {
        const json = flags.json === true;
        const bar = json ? undefined : progressBar('hashing');
        try {
          // The SDK (and @sigstore/*) loads when the command runs, not for every `attestry --help`.
          const { verifyModel } = await import('../../verify/index.ts');
          const result = await verifyModel(model, {
            ...verifyOptionsFrom(flags.bundle, flags),
            ignoreGitPaths: flags.ignoreGitPaths,
            onProgress: (done, total) => bar?.update(done, total),
          });
          bar?.stop();
          if (json) {
            console.log(JSON.stringify({ ok: true, ...result }));
            return;
          }
          console.log(
            `verified ${model}: ${result.files} file${result.files === 1 ? '' : 's'} as signed by ${describeSigner(result)}`,
          );
          for (const file of result.unsignedFiles) {
            console.log(`  not covered by the signature: ${file}`);
          }
          if (result.log !== undefined) {
            const { logIndex, checkpoint } = result.log;
            console.log(
              `  in the log ${checkpoint.origin} at index ${logIndex} (checkpoint of size ${checkpoint.size})`,
            );
          }
          for (const form of result.legacy) {
            console.error(
              `warning: the bundle uses an old form (${form}): ask the signer to re-sign`,
            );
          }
        } catch (error) {
          bar?.stop();
          reportFailure('verify', error, json);
        }
      },
    );
}
