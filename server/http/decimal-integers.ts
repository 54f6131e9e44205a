// Integers in a URL are decimal digits and nothing else. Schema validation coerces any string
// JavaScript's Number() reads: ' ' would be entry 0, and '0x10', '1e1', '+2' or '01' other numbers
// than the caller meant to write. This hook runs before it.
import type { preValidationAsyncHookHandler } from 'fastify';
import { ApiError } from './api-error.ts';

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** A preValidation hook refusing (400) path and query parameters named `names` unless decimal. */
export function decimalIntegers(names: readonly string[]): preValidationAsyncHookHandler {
  const integers = new Set(names);
  return async (request) => {
    const parts = [
      ['params', request.params],
      ['querystring', request.query],
    ] as const;
    for (const [part, values] of parts) {
      for (const [name, value] of Object.entries((values ?? {}) as Record<string, unknown>)) {
        if (integers.has(name) && typeof value === 'string' && !DECIMAL.test(value)) {
          throw new ApiError(400, 'bad-request', `${part}/${name} must be a decimal integer`);
        }
      }
    }
  };
}
