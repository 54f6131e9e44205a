// What every publishing route shares before and after its own checks: refusing while the log is
// saturated, authenticating the caller's bearer token (401 without one, unless the log takes
// anonymous submissions), rate limits per token subject or per address (429), and, once the
// entry is checked, the caller's right to its names (403) before it is appended.
import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import type { NameOwnership } from '../auth/name-ownership.ts';
import { authorizePublication } from '../auth/publish-authorization.ts';
import type { Publisher } from '../auth/publisher.ts';
import type { Acknowledgement } from '../log/sequencer.ts';
import type { LogService } from '../log-service.ts';
import type { EntryRecord } from '../storage/storage.ts';
import { ApiError } from './api-error.ts';
import { appendLeaf, refuseWhenSaturated } from './submit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller a verified bearer token names; undefined for an anonymous caller. */
    publisher: Publisher | undefined;
  }
}

export interface Publishing {
  log: LogService;
  authenticator: Authenticator;
  ownership: NameOwnership;
  /** Take submissions without a token (rate limited per address). */
  allowAnonymous: boolean;
  anonymousPerMinute: number;
  tokenPerMinute: number;
  maxQueuedEntries: number;
}

const TOKEN_REQUIRED =
  'publishing needs an "Authorization: Bearer <token>" header: a token from the log operator (attestry token) or from an OIDC issuer the log trusts';

/** The rate limit plugin's settings: per token subject, else per client address. */
export const rateLimitOptions: RateLimitPluginOptions = {
  global: false,
  errorResponseBuilder: (request, context) =>
    new ApiError(
      429,
      'rate-limited',
      `at most ${context.max} submissions a minute ${request.publisher === undefined ? 'from one address without a token' : `for ${request.publisher.subject}`}: retry in ${context.after}`,
    ),
};

function authenticate(publishing: Publishing): onRequestAsyncHookHandler {
  return async (request) => {
    request.publisher = await publishing.authenticator.authenticate(request.headers.authorization);
    if (request.publisher === undefined && !publishing.allowAnonymous) {
      throw new ApiError(401, 'token-required', TOKEN_REQUIRED);
    }
  };
}

/** The options of a publishing route: its hooks run before the body is read. */
export function publishingRoute(publishing: Publishing) {
  return {
    config: {
      rateLimit: {
        timeWindow: 60_000,
        keyGenerator: (request: FastifyRequest) =>
          request.publisher === undefined
            ? request.ip
            : `${request.publisher.issuer} ${request.publisher.subject}`,
        max: (request: FastifyRequest) =>
          request.publisher === undefined
            ? publishing.anonymousPerMinute
            : publishing.tokenPerMinute,
      },
    },
    onRequest: [
      refuseWhenSaturated(publishing.log, publishing.maxQueuedEntries),
      authenticate(publishing),
    ],
  };
}

/** Appends a checked entry if the caller may publish its names (403 otherwise). */
export async function publish(
  publishing: Publishing,
  request: FastifyRequest,
  leaf: Uint8Array,
  record: EntryRecord | undefined,
): Promise<Acknowledgement> {
  const release = authorizePublication(publishing.ownership, request.publisher, record);
  try {
    return await appendLeaf(publishing.log, leaf, record);
  } finally {
    release();
  }
}
