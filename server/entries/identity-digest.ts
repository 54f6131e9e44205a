// A contributor attestation's subject is the identity it is about, with the SHA-256 of the
// identity's UTF-8 text as digest: how grants (server/auth/name-ownership.ts) are found by grantee.
import { toHex, utf8 } from '../log/encoding.ts';
import { sha256 } from '../log/hash.ts';

/** SHA-256 (hex) of an identity's UTF-8 bytes: a contributor statement's subject digest. */
export function identityDigest(identity: string): string {
  return toHex(sha256(utf8(identity)));
}
