// `attestry publish`: sends a bundle signed earlier, or elsewhere (attestry sign without --log, an
// offline signer, model_signing), to an attestry log, and prints the entry once the log's answer
// checks out: it logs exactly this bundle's signature, under a signed checkpoint that proves it.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { isObject } from '../../../server/entries/is-object.ts';
import { LogError } from '../../../server/log/errors.ts';
import { statementOfEnvelope } from '../../bom/logged-statement.ts';
import { pemPublicKeyBlock } from '../../keys/pem-public-key.ts';
import {
  parseLogKey,
  parseLogUrl,
  publishTarget,
  readOptionFile,
  tokenOption,
} from '../options.ts';
import { reportFailure } from '../report-failure.ts';

interface PublishFlags {
  log: string;
  logKey?: string;
  publicKey?: string;
  token?: string;
  json?: boolean;
}

/** The PEM block of a --public-key file (which may describe the key before it). */
function readPublicKey(path: string): string {
  const text = readOptionFile(path, '--public-key');
  const block = pemPublicKeyBlock(text);
  if (block === undefined) {
    throw new LogError(
      'bad-public-key',
      text.includes('PRIVATE KEY')
        ? `--public-key ${path} is a private key: pass its public key (attestry keygen's public-key.pem)`
        : `--public-key ${path} holds no PEM public key (-----BEGIN PUBLIC KEY-----)`,
    );
  }
  return block;
}

/** Whether a bundle names its signer's key by a hint only, the key itself left to the verifier. */
function namesKeyByHint(bundle: unknown): boolean {
  const material = (bundle as { verificationMaterial?: { publicKey?: unknown } } | null)
    ?.verificationMaterial;
  return material?.publicKey !== undefined;
}

/** The names of the subjects of the bundle's statement: what the log files it under. */
function subjectNames(bundle: unknown): string[] {
  const envelope = (bundle as { dsseEnvelope?: unknown } | null)?.dsseEnvelope;
  // statementOfEnvelope answers only for a statement whose subject is a list.
  const subjects = (statementOfEnvelope(envelope)?.statement.subject ?? []) as unknown[];
  return subjects.flatMap((subject) =>
    isObject(subject) && typeof subject.name === 'string' ? [subject.name] : [],
  );
}

/** The bundle file as JSON; what it holds is the log's to check. */
function readBundle(path: string): unknown {
  const text = readOptionFile(path, 'the bundle');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new LogError('bad-bundle-file', `${path} is not a JSON Sigstore bundle`, { cause });
  }
}

export function publishCommand(): Command {
  return new Command('publish')
    .description(
      "Publish a signed Sigstore bundle (attestry sign or attest, model_signing) to a log, and check the log's answer: the entry logs this signature, and its inclusion proof and entry timestamp verify.",
    )
    .argument('<bundle>', 'the bundle file (model.sig)')
    .requiredOption('--log <url>', 'URL of the attestry log', parseLogUrl)
    .option(
      '--log-key <key>',
      "the log's C2SP note verifier key, or its note.pub file, pinned (default: the key the log announces)",
      parseLogKey,
    )
    .option(
      '--public-key <file>',
      "the signer's PEM public key, for a bundle that names its key by a hint only (model_signing's key signing)",
    )
    .addOption(tokenOption())
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `
Examples:
  attestry publish model.sig --log https://log.example.org --log-key "$(cat note.pub)"
  attestry publish model.sig --public-key signing-key-pub.pem --log https://log.example.org`,
    )
    .action(async (path: string, flags: PublishFlags) => {
      const json = flags.json === true;
      try {
        const bundle = readBundle(path);
        if (flags.publicKey === undefined && namesKeyByHint(bundle)) {
          throw new LogError(
            'missing-public-key',
            `${path} names its signer's key by a hint only: pass that public key with --public-key PUB.pem`,
          );
        }
        const publicKey =
          flags.publicKey === undefined ? undefined : readPublicKey(flags.publicKey);
        const { publishBundle } = await import('../../sign/publish.ts');
        const entry = await publishBundle(
          path,
          publishTarget(flags),
          { bundle, publicKey },
          flags.token,
        );
        const names = subjectNames(bundle);
        if (json) {
          console.log(JSON.stringify({ ok: true, bundle: resolve(path), names, ...entry }));
          return;
        }
        const at = new Date(entry.integratedTime * 1000).toISOString();
        const under =
          names.length === 0 ? '' : `, under ${names.map((name) => `"${name}"`).join(', ')}`;
        console.log(
          entry.duplicate
            ? `${path} was already in ${entry.url}, at index ${entry.logIndex}${under} (logged ${at})`
            : `published ${path} to ${entry.url} at index ${entry.logIndex}${under} (logged ${at})`,
        );
        if (flags.logKey === undefined) {
          console.log('checked with the keys the log announces (not pinned: pass --log-key)');
        }
      } catch (error) {
        reportFailure('publish', error, json);
      }
    });
}
