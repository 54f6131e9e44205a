// A real log on a real SQLite file in a temporary directory, for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import {
  type LogService,
  type LogServiceOptions,
  openLogService,
} from '../../server/log-service.ts';

export function tempDir(t: Test, prefix = 'attestry-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function openTempLog(
  t: Test,
  options: Partial<LogServiceOptions> = {},
): LogService & { dbPath: string; dir: string } {
  const dir = tempDir(t);
  const dbPath = join(dir, 'log.db');
  const log = openLogService({ dbPath, origin: 'test.example/log', ...options });
  let closed = false;
  t.teardown(() => {
    if (!closed) log.close();
  });
  return {
    ...log,
    dbPath,
    dir,
    close() {
      closed = true;
      log.close();
    },
  };
}

export function entryBody(i: number): Uint8Array {
  return new TextEncoder().encode(`entry ${i} ${'x'.repeat(i % 50)}`);
}
