// Field readers for Rekor requests, each failure naming the field.
import { fromBase64 } from '../log/encoding.ts';
import { isObject } from './is-object.ts';
import { SubmissionError } from './submission-error.ts';

export function badEntry(message: string): SubmissionError {
  return new SubmissionError('bad-entry', message);
}

export function objectField(value: unknown, at: string): Record<string, unknown> {
  if (!isObject(value)) throw badEntry(`${at} must be an object`);
  return value;
}

export function base64Field(value: unknown, at: string): Uint8Array {
  const bytes = typeof value === 'string' ? fromBase64(value) : undefined;
  if (bytes === undefined || bytes.length === 0) {
    throw new SubmissionError('bad-base64', `${at} must be non-empty standard padded base64`);
  }
  return bytes;
}
