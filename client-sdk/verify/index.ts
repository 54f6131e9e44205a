export { type ManifestDifferences, VerifyError, type VerifyErrorCode } from './errors.ts';
export type { VerifiedSigner } from './verified-signer.ts';
export {
  type VerificationMethod,
  type VerifyOptions,
  type VerifyResult,
  verifyModel,
} from './verify-model.ts';
