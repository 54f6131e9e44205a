// Signs a model in the OpenSSF Model Signing format: hash it (client-sdk/hash), wrap the OMS
// in-toto statement in a DSSE envelope signed through @sigstore/sign's DSSEBundleBuilder, and
// return the Sigstore bundle v0.3 JSON that model_signing writes to model.sig. Three methods, as
// in model_signing: a private key, a private key with its certificate chain, or keyless
// (a short-lived Fulcio certificate for an OIDC identity, optionally timestamped by a TSA).
import { resolve } from 'node:path';
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import {
  DSSEBundleBuilder,
  FulcioSigner,
  RekorWitness,
  type Signer,
  TSAWitness,
  type Witness,
} from '@sigstore/sign';
import {
  type HashOptions,
  hashModel,
  IN_TOTO_PAYLOAD_TYPE,
  type ModelManifest,
  omsPayloadBytes,
  type SerializationMethod,
} from '../hash/index.ts';
import type { LogClient } from '../log-client/log-client.ts';
import { SignError } from './errors.ts';
import { type PublishedEntry, publishSignature } from './publish.ts';
import { certificateChainMaterial, loadSigningCertificate } from './signing-certificate.ts';
import { keySigner, loadSigningKey } from './signing-key.ts';

export type SigningMethod = 'key' | 'certificate' | 'sigstore';

export interface SignOptions
  extends Pick<
    HashOptions,
    'shardSize' | 'ignoreGitPaths' | 'allowSymlinks' | 'workers' | 'onProgress'
  > {
  /** How the model is hashed: whole files (the default) or shards of shardSize bytes. */
  serialization?: SerializationMethod;
  /** Key and certificate methods: the PEM ECDSA (P-256, P-384, P-521) private key. */
  privateKey?: string;
  /** Certificate method: the PEM certificate of privateKey. */
  certificate?: string;
  /** Certificate method: the PEM CA certificates above it, issuer first. */
  certificateChain?: string[];
  /** Keyless method: an OIDC identity token that Fulcio exchanges for a signing certificate. */
  identityToken?: string;
  /** Keyless method: default https://fulcio.sigstore.dev. */
  fulcioURL?: string;
  /** Keyless method: an RFC 3161 timestamp authority, whose timestamp proves when it signed. */
  tsaURL?: string;
  /**
   * Log the signature in this Rekor (v1 API) and carry its entry in the bundle: public Rekor, or
   * an attestry log that takes Rekor clients (`attestry server --allow-anonymous`).
   */
  rekorURL?: string;
  /** Where the bundle will be written: a path inside the model is left out of what is signed. */
  signaturePath?: string;
  /** More paths to leave out, absolute or relative to the model root. */
  ignorePaths?: string[];
  /** Publish the bundle to this attestry log (a URL trusts the log's keys on first use). */
  log?: LogClient | string;
  /** With `log` as a URL: the bearer token that allows publishing. */
  token?: string;
  /**
   * The model's name in the signature's subject (default: the name of its directory or file).
   * A log guards names by namespace: publish under your own, such as acme/model.
   */
  name?: string;
}

export interface SignResult {
  method: SigningMethod;
  /** The Sigstore bundle, as JSON: write it to model.sig. */
  bundle: Record<string, unknown>;
  manifest: ModelManifest;
  /** Key method: the PEM public key that verifies the bundle (it names the key by a hint only). */
  publicKey?: string;
  /** Set when the bundle was published. */
  log?: PublishedEntry;
}

interface MethodSetup {
  method: SigningMethod;
  signer: Signer;
  witnesses: Witness[];
  /** Key method: the bundle names the key by a hint only. */
  publicKeyPem?: string;
  /** Replaces the single certificate @sigstore/sign puts in the bundle. */
  certificateChain?: ReturnType<typeof certificateChainMaterial>;
}

function methodSetup(options: SignOptions): MethodSetup {
  const { privateKey, certificate, certificateChain = [], identityToken } = options;
  if (identityToken !== undefined) {
    if (privateKey !== undefined || certificate !== undefined) {
      throw new SignError(
        'bad-options',
        'keyless signing takes an identity token only: leave out the private key and certificate',
      );
    }
    return {
      method: 'sigstore',
      signer: new FulcioSigner({
        fulcioBaseURL: options.fulcioURL,
        identityProvider: { getToken: async () => identityToken },
      }),
      witnesses:
        options.tsaURL === undefined ? [] : [new TSAWitness({ tsaBaseURL: options.tsaURL })],
    };
  }
  if (privateKey === undefined) {
    throw new SignError(
      'bad-options',
      'no signing method: give a private key (with a certificate for the certificate method), or an identity token for keyless signing',
    );
  }
  const key = loadSigningKey(privateKey);
  if (certificate === undefined) {
    if (certificateChain.length > 0) {
      throw new SignError('bad-options', 'a certificate chain needs the signing certificate too');
    }
    return { method: 'key', signer: keySigner(key), witnesses: [], publicKeyPem: key.publicKeyPem };
  }
  const signing = loadSigningCertificate(certificate, certificateChain, key);
  return {
    method: 'certificate',
    signer: keySigner(key, signing.leafPem),
    witnesses: [],
    certificateChain: certificateChainMaterial(signing),
  };
}

async function hash(modelPath: string, options: SignOptions): Promise<ModelManifest> {
  const ignorePaths = [...(options.ignorePaths ?? [])];
  // A file path (from the working directory), not an OMS ignore path relative to the model.
  if (options.signaturePath !== undefined) ignorePaths.push(resolve(options.signaturePath));
  try {
    return await hashModel(modelPath, {
      method: options.serialization,
      shardSize: options.shardSize,
      ignoreGitPaths: options.ignoreGitPaths,
      allowSymlinks: options.allowSymlinks,
      workers: options.workers,
      onProgress: options.onProgress,
      ignorePaths,
    });
  } catch (cause) {
    throw new SignError('model-unreadable', `cannot hash the model: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/**
 * The bundle laid out as model_signing writes it: the certificate method's whole chain, the
 * Rekor entry when a Rekor logged the signature (else none: publishing to an attestry log's own
 * API comes after, beside the bundle) and timestamp data only when a TSA stamped the signature.
 */
function omsLayout(json: SerializedBundle, setup: MethodSetup): Record<string, unknown> {
  const { tlogEntries, timestampVerificationData, ...key } = json.verificationMaterial;
  const stamped = (timestampVerificationData?.rfc3161Timestamps ?? []).length > 0;
  return {
    ...json,
    verificationMaterial: {
      ...(setup.certificateChain ?? key),
      tlogEntries: tlogEntries ?? [],
      ...(stamped ? { timestampVerificationData } : {}),
    },
  };
}

export async function signModel(modelPath: string, options: SignOptions): Promise<SignResult> {
  // The options are checked and the key loaded before the model, which may take minutes to hash.
  const setup = methodSetup(options);
  const hashed = await hash(modelPath, options);
  const manifest = options.name === undefined ? hashed : { ...hashed, modelName: options.name };
  const witnesses = [...setup.witnesses];
  if (options.rekorURL !== undefined) {
    witnesses.push(new RekorWitness({ rekorBaseURL: options.rekorURL, fetchOnConflict: true }));
  }
  const builder = new DSSEBundleBuilder({ signer: setup.signer, witnesses });
  let bundle: Record<string, unknown>;
  try {
    const signed = await builder.create({
      data: Buffer.from(omsPayloadBytes(manifest)),
      type: IN_TOTO_PAYLOAD_TYPE,
    });
    bundle = omsLayout(bundleToJSON(signed), setup);
  } catch (cause) {
    throw signingFailure(cause as Error, options.identityToken);
  }
  const result: SignResult = { method: setup.method, bundle, manifest };
  if (setup.publicKeyPem !== undefined) result.publicKey = setup.publicKeyPem;
  if (options.log !== undefined) {
    result.log = await publishSignature(options.log, result, options.token);
  }
  return result;
}

/**
 * @sigstore/sign quotes an identity token it cannot use in its error: a bearer credential must
 * not reach a terminal or a CI log, so the token is cut out and the original error dropped.
 */
function signingFailure(cause: Error, identityToken: string | undefined): SignError {
  if (identityToken === undefined || !cause.message.includes(identityToken)) {
    return new SignError('signing-failed', `signing failed: ${cause.message}`, { cause });
  }
  const message = cause.message.replaceAll(identityToken, '<identity token>');
  return new SignError('signing-failed', `signing failed: ${message}`);
}
