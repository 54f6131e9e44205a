// The Sigstore trust root for keyless verification, given as input (no TUF fetch: pipelines pin
// it, tests have no network): a TrustedRoot JSON, or a ClientTrustConfig JSON holding one (as
// model_signing's --trust-config takes).
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';
import { isObject } from '../../server/entries/is-object.ts';
import { VerifyError } from './errors.ts';

const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json';

export function trustMaterialOf(json: unknown): TrustMaterial {
  const root = isObject(json) && isObject(json.trustedRoot) ? json.trustedRoot : json;
  if (
    !isObject(root) ||
    typeof root.mediaType !== 'string' ||
    !root.mediaType.startsWith(TRUSTED_ROOT_MEDIA_TYPE)
  ) {
    throw new VerifyError(
      'bad-options',
      `the trusted root is not a Sigstore TrustedRoot (mediaType ${TRUSTED_ROOT_MEDIA_TYPE}...) or a ClientTrustConfig holding one`,
    );
  }
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
