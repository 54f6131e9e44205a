// The attestry SDK: what pipelines import from the package. Errors carry a `code`.
export * from './hash/index.ts';
export { LogClientError } from './log-client/errors.ts';
export * from './log-client/log-client.ts';
export * from './sign/index.ts';
export * from './verify/index.ts';
