// The attestry SDK: what pipelines import from the package. Errors carry a `code`.
export { SubmissionError } from '../server/entries/submission-error.ts';
export * from './attest/index.ts';
export * from './bom/index.ts';
export * from './hash/index.ts';
export { LogClientError } from './log-client/errors.ts';
export * from './log-client/log-client.ts';
export { LogStateError } from './log-state/log-state-error.ts';
export * from './sign/index.ts';
export * from './verify/index.ts';
export { LogEvidenceError, LogForkError } from './verify/log-evidence-error.ts';
