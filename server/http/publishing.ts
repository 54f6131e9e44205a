// What every publishing route shares before and after its own checks: refusing while the log is
// saturated, authenticating the caller's bearer token (401 without one, unless the log takes
// anonymous submissions), rate limits per token subject or per address (429), and, once the
// entry is checked, the caller's right to its names (403) before it is appended.
import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Authenticator } from '../auth/authenticator.ts';
import type { NameOwnership } from '../auth/name-ownership.ts';
import { authorizePublication } from '../auth/publish-authorization.ts';
import { type Publisher, unauthenticated } from '../auth/publisher.ts';
import type { Acknowledgement } from '../log/sequencer.ts';
import type { LogService } from '../log-service.ts';
import type { EntryRecord } from '../storage/storage.ts';
import { ApiError } from './api-error.ts';
import { appendLeaf, type ChecksUnderWay, refuseWhenSaturated } from './submit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller a verified bearer token names; undefined for an anonymous caller. */
    publisher: Publisher | undefined;
  }
}

export interface PublishingSettings {
  log: LogService;
  authenticator: Authenticator;
  ownership: NameOwnership;
  /** Take submissions without a token (rate limited per address). */
  allowAnonymous: boolean;
  anonymousPerMinute: number;
  tokenPerMinute: number;
  /** The rate limits count per this many milliseconds (a minute). */
  rateWindowMs: number;
  maxQueuedEntries: number;
}

/**
 * The settings, with what its routes share: the authentication hook (refused tokens count across
 * them) and the count of submissions being checked.
 */
export interface Publishing extends PublishingSettings {
  authenticate: onRequestAsyncHookHandler;
  /** Counted with the sequencer's queue against maxQueuedEntries. */
  checks: ChecksUnderWay;
}

export function publishingWith(settings: PublishingSettings): Publishing {
  return { ...settings, authenticate: authenticate(settings), checks: { count: 0 } };
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
      `the limit of ${context.max} submissions ${request.publisher === undefined ? 'from one address without a token' : `for ${request.publisher.subject}`} is reached: retry in ${context.after}`,
    ),
};

/**
 * The authentication hook. An address whose tokens keep failing gets the anonymous allowance of
 * failures per window, then 429 before any signature is checked: forged tokens cost a check
 * each, and would otherwise be free to send.
 */
function authenticate(publishing: PublishingSettings): onRequestAsyncHookHandler {
  const failures = new LRUCache<string, number>({ max: 65_536, ttl: publishing.rateWindowMs });
  return async (request) => {
    const failed = failures.get(request.ip) ?? 0;
    if (failed >= publishing.anonymousPerMinute) {
      const retryAfter = Math.max(1, Math.ceil(failures.getRemainingTTL(request.ip) / 1000));
      throw new ApiError(
        429,
        'rate-limited',
        `${failed} refused tokens from this address: retry in ${retryAfter} s`,
        { retryAfter },
      );
    }
    try {
      request.publisher = await publishing.authenticator.authenticate(
        request.headers.authorization,
      );
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 401) {
        failures.set(request.ip, failed + 1, { noUpdateTTL: true });
      }
      throw error;
    }
    if (request.publisher === undefined && !publishing.allowAnonymous) {
      throw unauthenticated('token-required', TOKEN_REQUIRED);
    }
  };
}

/**
 * The options of one publishing route (a new object each: the rate limit plugin adds its hook
 * to the route's own list): its hooks run before the body is read.
 */
export function publishingRoute(publishing: Publishing) {
  return {
    config: {
      rateLimit: {
        timeWindow: publishing.rateWindowMs,
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
      refuseWhenSaturated(publishing.log, publishing.maxQueuedEntries, publishing.checks),
      publishing.authenticate,
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
