// The Sigstore trust root for keyless verification, given as input (no TUF fetch: pipelines pin
// it, tests have no network): a TrustedRoot JSON, or a ClientTrustConfig JSON holding one (as
// model_signing's --trust-config takes), or several of them: a Fulcio instance's root and the
// root of the log that logged the signature (`attestry log trusted-root`) are merged into one.
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';
import { isObject } from '../../server/entries/is-object.ts';
import { VerifyError } from './errors.ts';

const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json';
const AUTHORITY_LISTS = ['tlogs', 'certificateAuthorities', 'ctlogs', 'timestampAuthorities'];

function unwrap(json: unknown, position: string): Record<string, unknown> {
  const root = isObject(json) && isObject(json.trustedRoot) ? json.trustedRoot : json;
  if (
    !isObject(root) ||
    typeof root.mediaType !== 'string' ||
    !root.mediaType.startsWith(TRUSTED_ROOT_MEDIA_TYPE)
  ) {
    throw new VerifyError(
      'bad-options',
      `${position} is not a Sigstore TrustedRoot (mediaType ${TRUSTED_ROOT_MEDIA_TYPE}...) or a ClientTrustConfig holding one`,
    );
  }
  return root;
}

/** One TrustedRoot JSON holding every authority of the given roots. */
export function mergeTrustedRoots(roots: readonly unknown[]): Record<string, unknown> {
  const unwrapped = roots.map((root, i) =>
    unwrap(root, roots.length === 1 ? 'the trusted root' : `trusted root ${i + 1}`),
  );
  const merged: Record<string, unknown> = { ...unwrapped[0] };
  for (const list of AUTHORITY_LISTS) {
    merged[list] = unwrapped.flatMap((root) => (Array.isArray(root[list]) ? root[list] : []));
  }
  return merged;
}

export function trustMaterialOf(json: unknown): TrustMaterial {
  const roots = Array.isArray(json) ? json : [json];
  if (roots.length === 0) throw new VerifyError('bad-options', 'no trusted root was given');
  const root = mergeTrustedRoots(roots);
  try {
    return toTrustMaterial(TrustedRoot.fromJSON(root));
  } catch (cause) {
    throw new VerifyError(
      'bad-options',
      `the trusted root is unusable: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
