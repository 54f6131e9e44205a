// Verifies a model against its OpenSSF Model Signing bundle (OMS 8): the signature and the
// signer (by key, certificate chain or keyless identity), optionally the bundle's entry in an
// attestry log, then the model itself, re-hashed with the serialization the signed statement
// records and compared file by file. Failures are VerifyErrors; those of the log evidence are the
// LogErrors verifyLogEvidence throws (a LogForkError carries the two checkpoints that prove it).

import { resolve } from 'node:path';
import { type HashOptions, hashModel, type ModelManifest } from '../hash/index.ts';
import { LogClient } from '../log-client/log-client.ts';
import { verifyCertificateBundle } from './certificate-method.ts';
import { type ManifestDifferences, VerifyError } from './errors.ts';
import { verifyKeyBundle } from './key-method.ts';
import { verifyKeylessBundle } from './keyless-method.ts';
import { type LogEvidence, verifyLogEvidence } from './log-evidence.ts';
import { compareManifests } from './manifest-diff.ts';
import { readBundle } from './read-bundle.ts';
import { checkNotRevoked } from './revocation.ts';
import {
  OMS_V01_PREDICATE_TYPE,
  readSignedManifest,
  type SignedManifest,
} from './signed-manifest.ts';
import type { VerifiedSignature, VerifiedSigner } from './verified-signer.ts';

export interface VerifyOptions
  extends Pick<HashOptions, 'ignoreGitPaths' | 'workers' | 'onProgress'> {
  /** The bundle (model.sig): its path, or its parsed JSON. A path inside the model is not hashed. */
  bundle: string | object;
  /** Key method: the signer's PEM public key. */
  key?: string;
  /** Certificate method: PEM CA certificates to trust (the root, and any intermediate). */
  certificateChain?: string;
  /** Keyless method: the subject alternative name (email or URI) the signer must have... */
  identity?: string;
  /** ...the OIDC issuer that must have vouched for it... */
  issuer?: string;
  /**
   * ...and the Sigstore TrustedRoot JSON (or a ClientTrustConfig) of the Fulcio that certified it
   * and the logs that logged it, or a list of such roots, which are merged.
   */
  trustedRoot?: unknown;
  /** Keyless method: transparency log entries the bundle must carry; default 1 (OMS 4.1). */
  tlogThreshold?: number;
  /** More paths to leave out, absolute or relative to the model root (besides those signed). */
  ignorePaths?: string[];
  /** Accept files the signature does not cover (they are listed in the result). */
  ignoreUnsignedFiles?: boolean;
  /** Follow symbolic links; default: as the signer did. */
  allowSymlinks?: boolean;
  /**
   * Also prove that the bundle is in this attestry log, under its pinned C2SP note verifier key,
   * and that the log has not forked since this machine last looked (state kept in stateDir).
   */
  log?: { url: string; logKey: string; stateDir?: string };
  /**
   * With log: PEM public keys trusted to revoke any model (an advisory service's). A revocation in
   * the log by one of them, or by the model's own signing key, fails verification as 'revoked'.
   */
  advisoryKeys?: string[];
}

export type VerificationMethod = VerifiedSigner['method'];

export interface VerifyResult {
  method: VerificationMethod;
  signer: VerifiedSigner;
  predicateType: string;
  /** The model name and root digest the statement signs (none for the v0.1 predicate). */
  modelName: string | undefined;
  rootDigest: string | undefined;
  /** Files verified. */
  files: number;
  /** Files in the model the signature does not cover (with ignoreUnsignedFiles). */
  unsignedFiles: string[];
  /** Old forms the bundle needed to be read: re-sign with a current signer. */
  legacy: string[];
  /** With the log option: where the log holds the bundle. */
  log?: LogEvidence;
}

function chooseMethod(options: VerifyOptions): VerificationMethod {
  const keyless = [options.identity, options.issuer, options.trustedRoot];
  const chosen: VerificationMethod[] = [];
  if (options.key !== undefined) chosen.push('key');
  if (options.certificateChain !== undefined) chosen.push('certificate');
  if (keyless.some((value) => value !== undefined)) chosen.push('sigstore');
  if (chosen.length !== 1) {
    throw new VerifyError(
      'bad-options',
      `${chosen.length === 0 ? 'no' : 'more than one'} verification method: give the public key (key method), the trusted CA certificates (certificate method), or the identity, issuer and trusted root (keyless)`,
    );
  }
  if (chosen[0] === 'sigstore' && keyless.includes(undefined)) {
    throw new VerifyError(
      'bad-options',
      'keyless verification needs all of the identity, the OIDC issuer and the trusted root',
    );
  }
  return chosen[0];
}

async function verifySignature(
  method: VerificationMethod,
  options: VerifyOptions,
  bundle: Awaited<ReturnType<typeof readBundle>>,
): Promise<VerifiedSignature> {
  switch (method) {
    case 'key':
      return verifyKeyBundle(bundle, options.key as string);
    case 'certificate':
      return verifyCertificateBundle(bundle, options.certificateChain as string);
    case 'sigstore':
      return verifyKeylessBundle(bundle, {
        identity: options.identity as string,
        issuer: options.issuer as string,
        trustedRoot: options.trustedRoot,
        tlogThreshold: options.tlogThreshold ?? 1,
      });
  }
}

async function hashAsSigned(
  modelPath: string,
  signed: SignedManifest,
  options: VerifyOptions,
): Promise<ModelManifest> {
  const ignorePaths = [...signed.ignorePaths, ...(options.ignorePaths ?? [])];
  // The bundle's path is a file path (from the working directory), not an OMS ignore path.
  if (typeof options.bundle === 'string') ignorePaths.push(resolve(options.bundle));
  try {
    return await hashModel(modelPath, {
      method: signed.method,
      shardSize: signed.shardSize,
      allowSymlinks: options.allowSymlinks ?? signed.allowSymlinks,
      ignoreGitPaths: options.ignoreGitPaths,
      workers: options.workers,
      onProgress: options.onProgress,
      ignorePaths,
    });
  } catch (cause) {
    throw new VerifyError(
      'model-unreadable',
      `cannot hash the model: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

const MAX_LISTED = 5;

function describe(differences: ManifestDifferences): string {
  const parts = Object.entries(differences)
    .filter(([, files]) => files.length > 0)
    .map(([kind, files]: [string, string[]]) => {
      const listed = files.slice(0, MAX_LISTED).join(', ');
      const more = files.length > MAX_LISTED ? ` and ${files.length - MAX_LISTED} more` : '';
      return `${kind}: ${listed}${more}`;
    });
  return `the model does not match its signature (${parts.join('; ')})`;
}

export async function verifyModel(
  modelPath: string,
  options: VerifyOptions,
): Promise<VerifyResult> {
  const method = chooseMethod(options);
  if (options.advisoryKeys !== undefined && options.log === undefined) {
    throw new VerifyError(
      'bad-options',
      'advisory keys revoke models through a log: give the log too, or no revocation is checked',
    );
  }
  const bundle = await readBundle(options.bundle);
  const { signer, publicKey, legacy } = await verifySignature(method, options, bundle);
  const signed = readSignedManifest(bundle.envelope.payloadType, bundle.envelope.payload);
  if (signed.predicateType === OMS_V01_PREDICATE_TYPE) {
    legacy.push(`the model_signing 0.2 predicate ${OMS_V01_PREDICATE_TYPE}`);
  }
  // Before hashing, which may take minutes: a bundle the log does not hold fails fast.
  const log =
    options.log === undefined
      ? undefined
      : await verifyLogEvidence(bundle.json, {
          logUrl: options.log.url,
          logKey: options.log.logKey,
          stateDir: options.log.stateDir,
          publicKey,
        });
  if (options.log !== undefined && signed.rootDigest !== undefined) {
    const client = new LogClient({ url: options.log.url, noteVerifierKey: options.log.logKey });
    const revokers = [
      ...(publicKey === undefined ? [] : [publicKey]),
      ...(options.advisoryKeys ?? []),
    ];
    await checkNotRevoked(client, signed.rootDigest, revokers);
  }
  const actual = await hashAsSigned(modelPath, signed, options);
  const { missing, extra, changed, verified } = compareManifests(
    signed.resources,
    actual.resources,
    signed.method,
    actual.modelName,
  );
  const differences = { missing, extra: options.ignoreUnsignedFiles ? [] : extra, changed };
  if (Object.values(differences).some((files) => files.length > 0)) {
    throw new VerifyError('manifest-mismatch', describe(differences), { differences });
  }
  return {
    method,
    signer,
    predicateType: signed.predicateType,
    modelName: signed.modelName,
    rootDigest: signed.rootDigest,
    files: verified,
    unsignedFiles: options.ignoreUnsignedFiles ? extra : [],
    legacy,
    ...(log === undefined ? {} : { log }),
  };
}
