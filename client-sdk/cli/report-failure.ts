// How the signing and verifying commands report a failure: one line on stderr (with the files a
// model differs in), or the one JSON document of --json; the exit code is 1 either way.
import type { LogError } from '../../server/log/errors.ts';
import { VerifyError } from '../verify/errors.ts';

/**
 * Reports a failure on stderr, or as the one JSON document: its code (every failure of signing
 * and verifying is a typed error with one), the log's own code when it refused, its message, for a model that differs from its
 * signature the files that do, and for a revoked one the revocation (reason, severity, entry).
 */
export function reportFailure(command: string, error: unknown, json: boolean): void {
  const { code, message } = error as LogError;
  const differences = error instanceof VerifyError ? error.differences : undefined;
  const revocation = error instanceof VerifyError ? error.revocation : undefined;
  if (json) {
    console.log(
      JSON.stringify({
        ok: false,
        code,
        message,
        ...differences,
        ...(revocation && { revocation }),
        ...causeOf(error),
      }),
    );
  } else {
    // The log's words are about its HTTP API; the command's way to send a token is these.
    const hint =
      causeOf(error).cause?.code === 'token-required'
        ? ' (pass one with --token or ATTESTRY_TOKEN)'
        : '';
    console.error(`attestry ${command}: ${message}${hint}`);
    for (const [kind, files] of Object.entries(differences ?? {})) {
      for (const file of files) console.error(`  ${kind}: ${file}`);
    }
    if (differences !== undefined && differences.extra.length > 0) {
      console.error(
        '  (pass --ignore-unsigned-files to accept files the signature does not cover)',
      );
    }
  }
  process.exitCode = 1;
}

/**
 * What a log answered, when that is why (publish-failed wraps the log's refusal): its code and
 * HTTP status, so that scripts can tell a missing token (token-required) from an owned name.
 */
function causeOf(error: unknown): { cause?: { code: string; status?: number } } {
  const cause = (error as { cause?: { code?: unknown; status?: unknown } }).cause;
  if (typeof cause?.code !== 'string') return {};
  return {
    cause: {
      code: cause.code,
      ...(typeof cause.status === 'number' && { status: cause.status }),
    },
  };
}
