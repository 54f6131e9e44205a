// The Sigstore TrustedRoot of this log: its ECDSA key as a transparency log, which is what
// @sigstore/verify (and cosign) check signed entry timestamps and checkpoint signatures with.
// The base URL holds the origin because @sigstore/verify matches the checkpoint's key name in it.
import { fromHex, toBase64 } from './log/encoding.ts';
import type { LogService } from './log-service.ts';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

export function logTrustedRoot(log: LogService) {
  // A log stores its empty checkpoint when it is created: the first one is its birth.
  const [first] = log.storage.checkpoints(-1, 1);
  // Whole seconds: integrated times are, and one in the log's first second must be inside.
  const start = new Date(Math.floor(first.signedAt / 1000) * 1000).toISOString();
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: [
      {
        baseUrl: `https://${log.origin}`,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: toBase64(log.keys.ecdsaPublicKeyDer),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start },
        },
        logId: { keyId: toBase64(fromHex(log.keys.logId) as Uint8Array) },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
}
