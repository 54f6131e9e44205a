export { SignError, type SignErrorCode } from './errors.ts';
export { type PublishedEntry, publishSignature } from './publish.ts';
export { type SigningMethod, type SignOptions, type SignResult, signModel } from './sign-model.ts';
