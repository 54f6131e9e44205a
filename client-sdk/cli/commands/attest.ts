// `attestry attest dataset|contributor|lineage|evaluation|revocation`: builds the attestation from
// flags (or the whole predicate from --predicate FILE.json), checks it as the log will, signs it
// with --key and publishes it to --log (and/or writes the bundle to --out).
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { keyIdentity } from '../../../server/entries/signer-key.ts';
import { LogError } from '../../../server/log/errors.ts';
import type {
  AttestationInputs,
  AttestationType,
  DatasetDigest,
  DigestRef,
} from '../../attest/index.ts';
import type { PublishedEntry } from '../../sign/publish.ts';
import { collect, parseLogKey, publishTarget, readOptionFile, tokenOption } from '../options.ts';
import { progressBar } from '../progress.ts';
import { reportFailure } from '../report-failure.ts';

type Flags = Record<string, unknown> & {
  key: string;
  predicate?: string;
  log?: string;
  logKey?: string;
  token?: string;
  out?: string;
  json?: boolean;
};

/**
 * What a subcommand makes of its flags: the attestation's input for the SDK, unchecked (the SDK
 * checks it as the log will, and names the field that is wrong).
 */
type Build = (
  flags: Flags,
  context: { privateKey: string; predicate?: Record<string, unknown>; json: boolean },
) => Promise<{ predicate: unknown; subject?: DigestRef; sha256?: string }>;

const DIGEST = /^sha256:([0-9a-f]{64})$/;
const REF = /^(?:(.+)=)?sha256:([0-9a-f]{64})$/;
const DATASET_REF = /^(?:(.+)=)?sha256:([0-9a-f]{64})(?::([^:=]+))?$/;
const METRIC = /^(.+?)=([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*)?$/;

function parseDigest(value: string): string {
  const match = DIGEST.exec(value);
  if (match === null) {
    throw new InvalidArgumentError('a digest is sha256: and 64 lowercase hex digits.');
  }
  return match[1];
}

function parseRef(value: string): DigestRef {
  const match = REF.exec(value);
  if (match === null) {
    throw new InvalidArgumentError('expected [NAME=]sha256:HEX (64 lowercase hex digits).');
  }
  return match[1] === undefined ? { sha256: match[2] } : { name: match[1], sha256: match[2] };
}

function parseDatasetRef(value: string, previous: unknown[] = []) {
  const match = DATASET_REF.exec(value);
  if (match === null) {
    throw new InvalidArgumentError(
      'expected [NAME=]sha256:HEX[:USE] (64 lowercase hex digits; USE training, validation, testing or fine-tuning).',
    );
  }
  const [, name, sha256, use] = match;
  return [
    ...previous,
    { ...(name === undefined ? {} : { name }), sha256, ...(use === undefined ? {} : { use }) },
  ];
}

function parseMetric(value: string, previous: unknown[] = []) {
  const match = METRIC.exec(value);
  const number = match === null ? Number.NaN : Number(match[2]);
  if (match === null || !Number.isFinite(number)) {
    throw new InvalidArgumentError(
      'expected NAME=VALUE[UNIT], a number with an optional unit: accuracy=0.912, latency=12ms.',
    );
  }
  const [, name, , unit] = match;
  return [...previous, { name, value: number, ...(unit === undefined ? {} : { unit }) }];
}

function parseSource(value: string, previous: unknown[] = []) {
  const [, uri, description] = /^(\S+)(?:\s+(\S[\s\S]*))?$/.exec(value.trim()) ?? [];
  if (uri === undefined) throw new InvalidArgumentError('expected a URI, then a description.');
  return [...previous, { uri, ...(description === undefined ? {} : { description }) }];
}

const badOptions = (message: string) => new LogError('bad-options', message);

/** A flag a predicate cannot do without, unless --predicate gives the whole predicate. */
function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined) {
    throw badOptions(`${flag} is required (or give the whole predicate with --predicate FILE)`);
  }
  return value;
}

/** The predicate from flags: `fields` maps each predicate field to its value (unset: left out). */
function fromFlags(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function readPredicateFile(path: string): Record<string, unknown> {
  const text = readOptionFile(path, '--predicate');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new LogError('bad-json', `--predicate ${path} is not JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** The model subject: --model hashes a directory or file; --model-digest names it. */
async function modelSubject(flags: Flags, json: boolean): Promise<DigestRef> {
  const name = flags.modelName as string | undefined;
  if ((flags.model === undefined) === (flags.modelDigest === undefined)) {
    throw badOptions('name the model with either --model DIR or --model-digest sha256:HEX');
  }
  if (flags.modelDigest !== undefined) {
    const sha256 = flags.modelDigest as string;
    return name === undefined ? { sha256 } : { name, sha256 };
  }
  const { hashModel } = await import('../../hash/index.ts');
  const bar = json ? undefined : progressBar('hashing');
  try {
    const manifest = await hashModel(flags.model as string, {
      onProgress: (done, total) => bar?.update(done, total),
    });
    return { name: name ?? manifest.modelName, sha256: manifest.rootDigest };
  } finally {
    bar?.stop();
  }
}

/**
 * The build of an attestation about a model (lineage, evaluation, revocation): the model subject,
 * and the predicate from --predicate or else from `fields`, the command's own flags.
 */
function modelAttestation(fields: (flags: Flags) => Record<string, unknown>): Build {
  return async (flags, { predicate, json }) => ({
    // The subject first: a model named wrongly is reported before a predicate flag left out.
    subject: await modelSubject(flags, json),
    predicate: predicate ?? fromFlags(fields(flags)),
  });
}

function common(command: Command, fields: string[]): Command {
  return command
    .requiredOption('--key <file>', 'the PEM ECDSA private key that signs (attestry keygen)')
    .option(
      '--predicate <file>',
      `the whole predicate as JSON, instead of the flags that set its fields (${fields[0]}...)`,
    )
    .option('--log <url>', 'publish the attestation to this attestry log and print its index')
    .option(
      '--log-key <key>',
      "with --log: the log's C2SP note verifier key, or its note.pub file, pinned (default: the key the log announces)",
      parseLogKey,
    )
    .addOption(tokenOption())
    .option('--out <file>', 'write the signed bundle (Sigstore bundle JSON) to this file')
    .option('--json', 'print one JSON document');
}

function withModelSubject(command: Command): Command {
  return command
    .option('--model <path>', 'the model directory or file, hashed for its OMS root digest')
    .option(
      '--model-digest <sha256:hex>',
      "the model's OMS root digest, instead of --model",
      parseDigest,
    )
    .option('--model-name <name>', "the model's name (default: --model's last path component)");
}

interface Spec<K extends AttestationType> {
  type: K;
  description: string;
  /** The flags that set predicate fields: refused beside --predicate. */
  fields: string[];
  /** Adds the subcommand's own flags. */
  options: (command: Command) => Command;
  examples: string;
  build: Build;
}

/** One `attest <type>` subcommand: its flags, what they make, and the shared run. */
function attestation<K extends AttestationType>(spec: Spec<K>): Command {
  const command = spec.options(new Command(spec.type).description(spec.description));
  return common(command, spec.fields)
    .addHelpText('after', `\nExamples:\n${spec.examples}`)
    .action(async (flags: Flags, self: Command) => {
      const json = flags.json === true;
      try {
        if (flags.log === undefined && flags.out === undefined) {
          throw badOptions(
            'give --log URL to publish the attestation, --out FILE to keep it, or both',
          );
        }
        const given = spec.fields.filter(
          (flag) => self.getOptionValueSource(camel(flag)) === 'cli',
        );
        if (flags.predicate !== undefined && given.length > 0) {
          throw badOptions(`--predicate gives the whole predicate: leave out ${given.join(', ')}`);
        }
        const privateKey = readOptionFile(flags.key, '--key');
        const predicate =
          flags.predicate === undefined ? undefined : readPredicateFile(flags.predicate);
        const input = await spec.build(flags, { privateKey, predicate, json });
        // The SDK (ajv, @sigstore/*) loads when the command runs, not for every `attestry --help`.
        const { attestationStatement, publishAttestation, signAttestation } = await import(
          '../../attest/index.ts'
        );
        const statement = attestationStatement(spec.type, input as AttestationInputs[K]);
        const signed = await signAttestation(spec.type, statement, privateKey);
        // Written before publishing: a log that refuses the bundle does not lose the signature.
        if (flags.out !== undefined) writeBundle(flags.out, signed.bundle);
        let log: PublishedEntry | undefined;
        if (flags.log !== undefined) {
          log = await publishAttestation(
            publishTarget({ ...flags, log: flags.log }),
            signed,
            flags.token,
          );
        }
        report(statement, flags, log, json);
      } catch (error) {
        reportFailure(`attest ${spec.type}`, error, json);
      }
    });
}

const camel = (flag: string) =>
  flag.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

function writeBundle(path: string, bundle: unknown): void {
  try {
    writeFileSync(path, `${JSON.stringify(bundle)}\n`);
  } catch (cause) {
    throw new LogError(
      'unwritable-file',
      `cannot write the bundle to ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

function report(
  statement: { subject: [{ name?: string; digest: { sha256: string } }]; predicateType: string },
  flags: Flags,
  log: PublishedEntry | undefined,
  json: boolean,
): void {
  const [subject] = statement.subject;
  if (json) {
    console.log(
      JSON.stringify({
        ok: true,
        predicateType: statement.predicateType,
        subject,
        statement,
        ...(flags.out === undefined ? {} : { bundle: resolve(flags.out) }),
        ...(log === undefined ? {} : { log }),
      }),
    );
    return;
  }
  const named = subject.name === undefined ? '' : `${subject.name} `;
  console.log(`attested ${named}sha256:${subject.digest.sha256} (${statement.predicateType})`);
  if (flags.out !== undefined) console.log(`bundle written to ${flags.out}`);
  if (log !== undefined) {
    console.log(
      log.duplicate
        ? `already in ${log.url} at index ${log.logIndex}`
        : `published to ${log.url} at index ${log.logIndex}`,
    );
  }
}

const datasetCommand = () =>
  attestation<'dataset'>({
    type: 'dataset',
    description:
      "Attest what a dataset is and where it comes from. The subject is the dataset's root digest: SHA-256 over the digests of its files, as OpenSSF Model Signing computes a model's.",
    fields: [
      '--name',
      '--dataset-version',
      '--license',
      '--source',
      '--collection',
      '--preprocessing',
      '--limitations',
      '--personal-data',
      '--personal-data-statement',
      '--consent',
    ],
    options: (command) =>
      command
        .option('--dir <dir>', 'the dataset directory (or file): its root digest is computed')
        .option('--digest <sha256:hex>', "the dataset's root digest, instead of --dir", parseDigest)
        .option('--no-manifest', "with --dir: leave the files' digests out of the predicate")
        .option('--name <name>', "the dataset's name (default: --dir's last path component)")
        .option('--dataset-version <version>', "the dataset's version")
        .option('--license <spdx>', 'an SPDX license expression (CC-BY-4.0, MIT OR Apache-2.0)')
        .option(
          '--source <uri>',
          'where the data comes from: a URI, then an optional description (repeatable)',
          parseSource,
        )
        .option('--collection <text>', 'how the data was collected')
        .option('--preprocessing <text>', 'how it was cleaned, filtered or labelled')
        .option('--limitations <text>', 'known limitations and biases')
        .addOption(
          new Option('--personal-data <presence>', 'whether it holds personal data').choices([
            'none',
            'present',
          ]),
        )
        .option('--personal-data-statement <text>', 'what personal data, and on what basis')
        .option('--consent <text>', 'how consent was obtained'),
    examples: `  attestry attest dataset --dir ./corpus --license CC-BY-4.0 \\
    --source 'https://example.org/dump.tar crawled in May 2024' --personal-data none \\
    --key private-key.pem --log https://log.example.org --log-key "$(cat log-key.pub)"
  attestry attest dataset --digest sha256:HEX --predicate dataset.json --key private-key.pem \\
    --out dataset.sig`,
    build: async (flags, { predicate, json }) => {
      if ((flags.dir === undefined) === (flags.digest === undefined)) {
        throw badOptions('name the dataset with either --dir DATASET_DIR or --digest sha256:HEX');
      }
      const hashed = flags.dir === undefined ? undefined : await hashDir(flags, json);
      const sha256 = (hashed?.sha256 ?? flags.digest) as string;
      const manifest = flags.manifest === false ? undefined : hashed?.manifest;
      if (predicate !== undefined) {
        const withManifest = predicate.manifest === undefined && manifest !== undefined;
        return {
          sha256,
          predicate: withManifest ? { ...predicate, manifest } : predicate,
        };
      }
      return {
        sha256,
        predicate: fromFlags({
          name: required((flags.name as string | undefined) ?? hashed?.name, '--name'),
          version: flags.datasetVersion,
          license: flags.license,
          sources: flags.source,
          collection: flags.collection,
          preprocessing: flags.preprocessing,
          limitations: flags.limitations,
          personalData: personalData(flags),
          manifest,
        }),
      };
    },
  });

async function hashDir(flags: Flags, json: boolean): Promise<DatasetDigest> {
  const { hashDataset } = await import('../../attest/index.ts');
  const bar = json ? undefined : progressBar('hashing');
  try {
    return await hashDataset(flags.dir as string, {
      // A bundle written inside the dataset is no part of it.
      ignorePaths: flags.out === undefined ? [] : [resolve(flags.out)],
      onProgress: (done, total) => bar?.update(done, total),
    });
  } finally {
    bar?.stop();
  }
}

function personalData(flags: Flags): Record<string, unknown> | undefined {
  const { personalData: presence, personalDataStatement: statement, consent } = flags;
  if (presence === undefined) {
    if (statement !== undefined || consent !== undefined) {
      throw badOptions('--personal-data-statement and --consent go with --personal-data');
    }
    return undefined;
  }
  return fromFlags({ present: presence === 'present', statement, consent });
}

const contributorCommand = () =>
  attestation<'contributor'>({
    type: 'contributor',
    description:
      'Attest who a contributor is, their role and the names they may publish under. The subject is the identity, with the SHA-256 of its text as digest.',
    fields: ['--identity', '--role', '--affiliation', '--names', '--valid-from', '--valid-until'],
    options: (command) =>
      command
        .option(
          '--identity <id>',
          "a key fingerprint sha256:HEX, or a certificate's email or URI identity (default: --key's fingerprint)",
        )
        .option('--role <role>', 'maintainer, trainer, data-provider, evaluator, auditor...')
        .option('--affiliation <org>', 'the organization the contributor acts for')
        .option(
          '--names <pattern>',
          'a name pattern it may publish under, such as acme/* (repeatable)',
          collect,
        )
        .option('--valid-from <date-time>', 'from when the claim holds (RFC 3339)')
        .option('--valid-until <date-time>', 'until when the claim holds (RFC 3339)'),
    examples: `  attestry attest contributor --role maintainer --names 'acme/*' --affiliation Acme \\
    --key private-key.pem --log https://log.example.org --json
  attestry attest contributor --identity dev@example.com --role evaluator --key k.pem \\
    --out dev.sig`,
    build: async (flags, { privateKey, predicate }) => ({
      predicate:
        predicate ??
        fromFlags({
          identity: (flags.identity as string | undefined) ?? ownIdentity(privateKey),
          role: required(flags.role, '--role'),
          affiliation: flags.affiliation,
          names: flags.names,
          validFrom: flags.validFrom,
          validUntil: flags.validUntil,
        }),
    }),
  });

/** `sha256:<hex of the DER SPKI>` of the signing key: the log's identity of its signer. */
function ownIdentity(privateKey: string): string {
  try {
    return keyIdentity(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  } catch (cause) {
    throw new LogError('bad-private-key', 'the --key file is not a PEM private key', { cause });
  }
}

const lineageCommand = () =>
  attestation<'lineage'>({
    type: 'lineage',
    description:
      "Attest how a model was trained: its base model, datasets, training configuration, who trained it and when. The subject is the model's OMS root digest.",
    fields: [
      '--base-model',
      '--dataset',
      '--training-config',
      '--trained-by',
      '--build-type',
      '--started-on',
      '--finished-on',
    ],
    options: (command) =>
      withModelSubject(command)
        .option('--base-model <ref>', 'the model it derives from: [NAME=]sha256:HEX', parseRef)
        .option(
          '--dataset <ref>',
          'a dataset it was trained with: [NAME=]sha256:HEX[:USE], USE one of training, validation, testing, fine-tuning (repeatable)',
          parseDatasetRef,
        )
        .option(
          '--training-config <ref>',
          'its training configuration: [NAME=]sha256:HEX',
          parseRef,
        )
        .option('--trained-by <id>', 'who trained it: an identity or a name')
        .option('--build-type <uri>', 'a URI naming the kind of training run (SLSA buildType)')
        .option('--started-on <date-time>', 'when training started (RFC 3339)')
        .option('--finished-on <date-time>', 'when training finished (RFC 3339)'),
    examples: `  attestry attest lineage --model ./model --base-model acme/base=sha256:HEX \\
    --dataset corpus=sha256:HEX:training --dataset held-out=sha256:HEX:testing \\
    --key private-key.pem --log https://log.example.org --json`,
    build: modelAttestation((flags) => ({
      baseModel: flags.baseModel,
      datasets: flags.dataset ?? [],
      trainingConfig: flags.trainingConfig,
      trainedBy: flags.trainedBy,
      buildType: flags.buildType,
      startedOn: flags.startedOn,
      finishedOn: flags.finishedOn,
    })),
  });

const evaluationCommand = () =>
  attestation<'evaluation'>({
    type: 'evaluation',
    description:
      "Attest a model's results on a benchmark. The subject is the model's OMS root digest.",
    fields: [
      '--benchmark',
      '--benchmark-version',
      '--benchmark-uri',
      '--dataset',
      '--metric',
      '--date',
    ],
    options: (command) =>
      withModelSubject(command)
        .option('--benchmark <name>', "the benchmark's name")
        .option('--benchmark-version <version>', "the benchmark's version")
        .option('--benchmark-uri <uri>', 'where the benchmark is described')
        .option('--dataset <ref>', 'the data it ran on: [NAME=]sha256:HEX', parseRef)
        .option(
          '--metric <metric>',
          'a result: NAME=VALUE[UNIT], such as accuracy=0.912 or latency=12ms (repeatable)',
          parseMetric,
        )
        .option('--date <date>', 'when it ran: an RFC 3339 date or date-time (default: now)'),
    examples: `  attestry attest evaluation --model ./model --benchmark mmlu --benchmark-version 1.0 \\
    --metric accuracy=0.712 --metric latency=41ms --date 2025-06-01 \\
    --key private-key.pem --log https://log.example.org --json`,
    build: modelAttestation((flags) => ({
      benchmark: fromFlags({
        name: required(flags.benchmark, '--benchmark'),
        version: flags.benchmarkVersion,
        uri: flags.benchmarkUri,
      }),
      dataset: flags.dataset,
      metrics: required(flags.metric, '--metric'),
      date: flags.date ?? new Date().toISOString(),
    })),
  });

const revocationCommand = () =>
  attestation<'revocation'>({
    type: 'revocation',
    description:
      "Revoke a model release, or publish an advisory about it. The subject is the model's OMS root digest.",
    fields: ['--reason', '--severity', '--replacement', '--issued-by'],
    options: (command) =>
      withModelSubject(command)
        .option('--reason <text>', 'why the release is revoked, or what the advisory is about')
        .addOption(
          new Option('--severity <level>', 'how serious it is').choices([
            'low',
            'medium',
            'high',
            'critical',
          ]),
        )
        .option('--replacement <ref>', 'the release to use instead: [NAME=]sha256:HEX', parseRef)
        .option('--issued-by <id>', 'who issues it: an identity or a name'),
    examples: `  attestry attest revocation --model-digest sha256:HEX --model-name acme/model \\
    --reason 'poisoned training data' --severity critical --replacement acme/model=sha256:HEX \\
    --key private-key.pem --log https://log.example.org --json`,
    build: modelAttestation((flags) => ({
      reason: required(flags.reason, '--reason'),
      severity: required(flags.severity, '--severity'),
      replacement: flags.replacement,
      issuedBy: flags.issuedBy,
    })),
  });

export function attestCommand(): Command {
  return new Command('attest')
    .description(
      'Sign an attestation about a dataset, a contributor, how a model was trained, how it scored, or its revocation, and publish it to a log.',
    )
    .addCommand(datasetCommand())
    .addCommand(contributorCommand())
    .addCommand(lineageCommand())
    .addCommand(evaluationCommand())
    .addCommand(revocationCommand())
    .addHelpText(
      'after',
      `
Each attestation is an in-toto statement (predicate types https://attestry.dev/predicates/<type>/v1),
checked against the schema the log checks it with, signed with --key as a DSSE envelope in a
Sigstore bundle, and published with --log (and/or written with --out).

Example:
  attestry attest evaluation --model ./model --benchmark mmlu --metric accuracy=0.712 \\
    --key private-key.pem --log https://log.example.org --log-key "$(cat log-key.pub)"`,
    );
}
