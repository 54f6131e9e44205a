// The OpenSSF Model Signing conformance suite drives a signer through this adapter
// (sampras343/model-signing-conformance, docs/conformance_adapter_cli_protocol.md): paths come
// absolute, repeatable flags come once per value, only the exit status is read. Flags another
// method would use are ignored, as the protocol allows.
import { Command, Option } from 'commander';
import { SignError } from '../../sign/errors.ts';
import type { SigningMethod } from '../../sign/index.ts';
import { collect, parseCount, readOptionFile } from '../options.ts';
import { reportFailure } from '../report-failure.ts';
import { writeBundle } from './sign.ts';
import { verifyOptionsFrom } from './verify.ts';

interface AdapterFlags {
  method: SigningMethod;
  modelPath: string;
  privateKey?: string;
  signingCert?: string;
  certChain?: string[];
  ignorePaths?: string[];
  identityToken?: string;
  fulcioUrl?: string;
  tsaUrl?: string;
  outputBundle: string;
  bundle: string;
  publicKey?: string;
  identity?: string;
  identityProvider?: string;
  trustedRoot?: string;
  tlogThreshold?: number;
  ignoreUnsignedFiles?: boolean;
}

type FlagName = Exclude<keyof AdapterFlags, 'method'>;

const spelled = (flag: FlagName) => `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Throws unless every flag the method needs was given. */
function requireFlags(flags: AdapterFlags, needed: Record<SigningMethod, FlagName[]>): void {
  const missing = needed[flags.method].filter((flag) => {
    const value = flags[flag];
    return value === undefined;
  });
  if (missing.length > 0) {
    throw new SignError(
      'bad-options',
      `--method ${flags.method} needs ${missing.map(spelled).join(' and ')}`,
    );
  }
}

const methodOption = () =>
  new Option('--method <method>', 'key, certificate or sigstore (keyless)')
    .choices(['key', 'certificate', 'sigstore'])
    .makeOptionMandatory();

function signModelCommand(): Command {
  return new Command('sign-model')
    .description('Sign --model-path into --output-bundle; exit 0 when the bundle is written.')
    .addOption(methodOption())
    .requiredOption('--model-path <path>', 'the model directory or file')
    .requiredOption('--output-bundle <path>', 'where to write the bundle')
    .option('--private-key <path>', 'key and certificate methods: the PEM private key')
    .option('--signing-cert <path>', 'certificate method: the PEM signing certificate')
    .option('--cert-chain <path>', 'certificate method: a PEM CA certificate (repeatable)', collect)
    .option('--ignore-paths <path>', 'a path to leave out (repeatable)', collect)
    .option('--identity-token <jwt>', 'sigstore method: the OIDC identity token')
    .option(
      '--fulcio-url <url>',
      'sigstore method: the Fulcio (default https://fulcio.sigstore.dev)',
    )
    .option('--tsa-url <url>', 'sigstore method: an RFC 3161 timestamp authority')
    .action(async (flags: AdapterFlags) => {
      try {
        requireFlags(flags, {
          key: ['privateKey'],
          certificate: ['privateKey', 'signingCert'],
          sigstore: ['identityToken'],
        });
        const { method } = flags;
        // The SDK (and @sigstore/*) loads when the command runs, not for every `attestry --help`.
        const { signModel } = await import('../../sign/index.ts');
        const result = await signModel(flags.modelPath, {
          privateKey:
            method === 'sigstore'
              ? undefined
              : readOptionFile(flags.privateKey as string, '--private-key'),
          certificate:
            method === 'certificate'
              ? readOptionFile(flags.signingCert as string, '--signing-cert')
              : undefined,
          certificateChain:
            method === 'certificate'
              ? flags.certChain?.map((file) => readOptionFile(file, '--cert-chain'))
              : undefined,
          identityToken: method === 'sigstore' ? flags.identityToken : undefined,
          fulcioURL: flags.fulcioUrl,
          tsaURL: flags.tsaUrl,
          signaturePath: flags.outputBundle,
          ignorePaths: flags.ignorePaths,
        });
        writeBundle(flags.outputBundle, result);
      } catch (error) {
        reportFailure('oms-adapter sign-model', error, false);
      }
    });
}

function verifyModelCommand(): Command {
  return new Command('verify-model')
    .description('Verify --model-path against --bundle; exit 0 only when everything verified.')
    .addOption(methodOption())
    .requiredOption('--model-path <path>', 'the model directory or file')
    .requiredOption('--bundle <path>', 'the bundle to verify')
    .option('--public-key <path>', 'key method: the PEM public key')
    .option(
      '--cert-chain <path>',
      'certificate method: a trusted PEM CA certificate (repeatable)',
      collect,
    )
    .option('--ignore-paths <path>', 'a path to leave out (repeatable)', collect)
    .option('--ignore-unsigned-files', 'accept files the bundle does not cover')
    .option('--identity <san>', 'sigstore method: the identity the certificate must name')
    .option('--identity-provider <url>', 'sigstore method: the OIDC issuer')
    .option('--trusted-root <path>', 'sigstore method: the Sigstore trusted root JSON')
    .option('--tlog-threshold <n>', 'sigstore method: log entries required (default 1)', parseCount)
    .action(async (flags: AdapterFlags) => {
      try {
        requireFlags(flags, {
          key: ['publicKey'],
          certificate: ['certChain'],
          sigstore: ['identity', 'identityProvider', 'trustedRoot'],
        });
        const { method } = flags;
        const keyless = method === 'sigstore';
        const { verifyModel } = await import('../../verify/index.ts');
        await verifyModel(
          flags.modelPath,
          verifyOptionsFrom(flags.bundle, {
            key: method === 'key' ? flags.publicKey : undefined,
            certificateChain: method === 'certificate' ? flags.certChain : undefined,
            identity: keyless ? flags.identity : undefined,
            issuer: keyless ? flags.identityProvider : undefined,
            trustedRoot:
              keyless && flags.trustedRoot !== undefined ? [flags.trustedRoot] : undefined,
            tlogThreshold: flags.tlogThreshold,
            ignorePaths: flags.ignorePaths,
            ignoreUnsignedFiles: flags.ignoreUnsignedFiles,
          }),
        );
      } catch (error) {
        reportFailure('oms-adapter verify-model', error, false);
      }
    });
}

export function omsAdapterCommand(): Command {
  return new Command('oms-adapter')
    .description(
      'The adapter protocol of the OpenSSF Model Signing conformance suite (sign-model, verify-model).',
    )
    .addCommand(signModelCommand())
    .addCommand(verifyModelCommand())
    .addHelpText(
      'after',
      `
Run the conformance suite against attestry:
  pytest test/ --entrypoint="attestry oms-adapter"`,
    );
}
