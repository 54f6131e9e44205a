// The OpenSSF Model Signing vectors (../shared/vectors/oms) and helpers shared by the OMS tests.
import { chmodSync, cpSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import { VerifyError } from '../../client-sdk/verify/errors.ts';
import { tempDir } from './temp-log.ts';

export const OMS = path.resolve(import.meta.dirname, '../../../shared/vectors/oms');
/** Real bundles of released model_signing versions, with the files they sign. */
export const RELEASES = path.join(OMS, 'scripts/tests');

/**
 * The public Sigstore instance's trusted root as @sigstore/tuf embeds it (its TUF seed), newer
 * than the one in model_signing's tests: it lists the Sigstore timestamp authority.
 */
export function sigstorePublicGoodRoot(): unknown {
  const seeds = JSON.parse(
    readFileSync(
      path.resolve(import.meta.dirname, '../../node_modules/@sigstore/tuf/seeds.json'),
      'utf8',
    ),
  );
  const target = seeds['https://tuf-repo-cdn.sigstore.dev'].targets['trusted_root.json'];
  return JSON.parse(Buffer.from(target, 'base64').toString('utf8'));
}

/** A writable copy of a release's test directory (the vectors are read-only). */
export function copyRelease(t: Test, release: string): string {
  const dir = tempDir(t, 'oms-release-');
  cpSync(path.join(RELEASES, release), dir, { recursive: true });
  for (const file of readdirSync(dir)) chmodSync(path.join(dir, file), 0o644);
  return dir;
}

/** The `type` error a promise rejects with; any other error, or success, fails the test. */
export async function rejectionOf<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`no ${type.name}: the promise resolved`);
}

/** The VerifyError a verification fails with. */
export const verifyFailure = (promise: Promise<unknown>) => rejectionOf(promise, VerifyError);
